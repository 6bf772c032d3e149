"""The DuckDB store: the only module that speaks SQL.

One file (``data/sales.duckdb`` or ``$SALES_DB``). DuckDB lets one process hold the file
read-write at a time, so every caller opens a short-lived connection, does its work and
closes it (``connect``: the file is attached to the process's one DuckDB instance for the unit
of work and detached after, which releases it and checkpoints a write). A lock held by another
process is retried briefly and then reported as ``StoreLocked``; a missing file is only created by callers that ask for it
(``create=True``) so a lock problem can never turn into a fresh empty database.

Money is DECIMAL(18,2). Summary tables (rep × day, rep × month, team × week,
rep × customer, rep × product × month) are refreshed in the same transaction as every write
to ``sales`` so pages never read a total that disagrees with the raw rows.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.access import SYSTEM, Access, Write, require
from analysis.access import Refused as Refused  # callers catch store.Refused beside StoreError

DEFAULT_DB = Path("data") / "sales.duckdb"
LOCK_WAIT_SECONDS = float(os.environ.get("SALES_LOCK_WAIT", "5"))

Connection = duckdb.DuckDBPyConnection


class StoreError(Exception):
    """A store problem the user can act on; the message is one line."""


class StoreLocked(StoreError):
    """Another process holds the database file."""


class StoreMissing(StoreError):
    """The database file does not exist (and the caller did not ask to create it)."""


class AlreadyImported(StoreError):
    """The same file content was imported before and is still in effect."""


class StaleVersion(StoreError):
    """A plan save based on a version that is no longer the latest of its scenario."""


class NotEmpty(StoreError):
    """The demo builder was asked to replace a store that holds plans or imports."""


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: the explicit one, else ``$SALES_DB``, else ``data/sales.duckdb``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SALES_DB")
    return Path(env) if env else DEFAULT_DB


# One lock per database file inside this process. DuckDB refuses a read-write and a read-only
# connection to the same file from one process at the same time, but read-only connections share
# the file (and run their queries in parallel, outside the GIL). So readers share the lock and a
# writer holds it alone; a waiting writer stops new readers from entering, so a stream of page
# reads cannot starve a save. Other processes are handled by DuckDB's file lock + retry.
# (Hand-written: the standard library has no reader-writer lock.)
class _FileLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None  # thread holding it for writing
        self._depth = 0  # the writer's nested holds
        self._writers_waiting = 0
        self._mine = threading.local()  # this thread's nested read holds

    @contextmanager
    def hold(self, write: bool) -> Iterator[None]:
        me = threading.get_ident()
        reads = getattr(self._mine, "reads", 0)
        with self._cond:
            if self._writer == me:  # nested inside this thread's own write: one holder
                self._depth += 1
                mode = "w"
            elif write:
                if reads:
                    raise StoreError("a write was opened inside a read of the same database (a bug)")
                self._writers_waiting += 1
                while self._writer is not None or self._readers:
                    self._cond.wait()
                self._writers_waiting -= 1
                self._writer, self._depth, mode = me, 1, "w"
            else:
                # A thread already reading enters again at once (waiting for a queued writer
                # would wait for itself).
                while not reads and (self._writer is not None or self._writers_waiting):
                    self._cond.wait()
                self._readers += 1
                mode = "r"
        if mode == "r":
            self._mine.reads = reads + 1
        try:
            yield
        finally:
            with self._cond:
                if mode == "w":
                    self._depth -= 1
                    if not self._depth:
                        self._writer = None
                        self._cond.notify_all()
                else:
                    self._readers -= 1
                    self._mine.reads -= 1
                    if not self._readers:
                        self._cond.notify_all()


_PROCESS_LOCKS: dict[str, _FileLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> _FileLock:
    key = str(path.resolve())
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(key, _FileLock())


def _is_lock_error(exc: Exception) -> bool:
    # (No "different configuration" case any more: that came from two duckdb.connect calls with
    # different read_only flags in one process; attachments are shared per file instead.)
    return "lock" in str(exc).lower()


# One DuckDB instance per process; each unit of work ATTACHes the file and DETACHes it after.
# Opening a new instance per connection (``duckdb.connect(path)``) costs ~20 ms of CPU just to
# build DuckDB's catalog of built-in functions, on every page read and every write; an ATTACH
# costs ~4 ms. DETACH releases the file (and, after a write, checkpoints the WAL into it) exactly
# as closing did, so another process (the command line) can still take the file between
# requests. Threads reading the same file share one read-only attachment, each through its own
# connection (a cursor), and the last reader out detaches it.
class _Instance:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._pid = -1
        self._root: Connection | None = None
        self._files: dict[str, list[Any]] = {}  # resolved path -> [alias, read_only, users]
        self._file_guards: dict[str, threading.Lock] = {}

    def _setup(self, key: str) -> tuple[Connection, threading.Lock]:
        with self._guard:
            if self._root is None or self._pid != os.getpid():  # a forked child needs its own
                self._root, self._pid = duckdb.connect(), os.getpid()
                # Every write ends with a checkpoint anyway (at DETACH), so let COMMIT write the
                # changes straight into the file instead of first serialising them to the WAL:
                # a 10k-row import spent 22 ms writing the WAL and 28 ms checkpointing it after,
                # 27 ms for both this way. Durability is the same (a checkpoint is a commit).
                self._root.execute("SET checkpoint_threshold = '1KB'")
                # One DuckDB thread per query. Measured on the 2-core target machine: a 100k-row
                # import's commit 472 → 366 ms and 10k 167 → 160 ms (parallel insert, join and
                # small aggregates cost more than they gain), the progress page from summary
                # tables at 10M rows 76 → 70 ms; only raw-table scans (drill-down, the
                # benchmarks' baselines) get slower: sum(amount) over 10M rows 11 → 20 ms. Under
                # many sessions each query then runs on its own session's thread instead of
                # contending for a shared pool.
                self._root.execute("SET threads = 1")
                self._files.clear()
                self._file_guards.clear()
            return self._root, self._file_guards.setdefault(key, threading.Lock())

    def attach(self, p: Path, read_only: bool, wait: float) -> Connection:
        """A connection whose default database is ``p``, attached now or shared with the
        thread(s) already using it."""
        key = str(p.resolve())
        root, guard = self._setup(key)
        deadline = time.monotonic() + wait
        delay = 0.05
        while True:
            with guard:
                entry = self._files.get(key)
                if entry is not None:
                    if entry[1] and not read_only:  # the lock keeps readers out while a writer works
                        raise StoreError(f"database {p} is attached read-only while a write starts (a bug)")
                    entry[2] += 1  # another reader, or a read/write nested in this thread's write
                    alias = str(entry[0])
                    break
                alias = "db_" + hashlib.sha1(key.encode()).hexdigest()[:16]
                literal = key.replace("'", "''")
                try:
                    with root.cursor() as admin:
                        admin.execute(
                            f"ATTACH '{literal}' AS {alias} (TYPE duckdb{', READ_ONLY' if read_only else ''})"
                        )
                    self._files[key] = [alias, read_only, 1]
                    break
                except duckdb.Error as exc:
                    if not _is_lock_error(exc):
                        raise StoreError(f"cannot open database {p}: {str(exc).splitlines()[0]}") from exc
                    if time.monotonic() >= deadline:
                        raise StoreLocked(
                            f"database {p} is in use by another process (waited {wait:.0f} s); "
                            "try again in a moment or stop the other writer"
                        ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        try:
            con = root.cursor()
            con.execute(f"USE {alias}")
            # No terminal progress bar from long statements (a migration on a big file): the CLI's
            # output is one line or JSON, and the server has no terminal to draw it on.
            con.execute("SET enable_progress_bar = false")
        except BaseException:
            self.release(p)
            raise
        return con

    def release(self, p: Path) -> None:
        """One user fewer; the last one detaches the file (a write's WAL is checkpointed)."""
        key = str(p.resolve())
        root, guard = self._setup(key)
        with guard:
            entry = self._files[key]
            entry[2] -= 1
            if entry[2] == 0:
                del self._files[key]
                with root.cursor() as admin:
                    admin.execute(f"DETACH {entry[0]}")


_INSTANCE = _Instance()


@contextmanager
def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    create: bool = False,
    wait: float = LOCK_WAIT_SECONDS,
    actor: Access | None = None,
) -> Iterator[Connection]:
    """Open the database for one unit of work and close it afterwards.

    Read-write opens apply pending migrations and need ``actor``, the acting identity: every
    write function checks it (:func:`_write`, the one gate) and records ``actor.who``. ``create``
    allows making a new file when none exists; without it a missing file raises
    ``StoreMissing``. A lock held elsewhere is retried for ``wait`` seconds, then ``StoreLocked``
    names the file and what to do.
    """
    if not read_only and not isinstance(actor, Access):
        raise TypeError(
            "store.connect for writing needs actor=<analysis.access.Access> "
            "(the signed-in user's Access, access.SYSTEM or access.cli_actor())"
        )
    p = db_path(path)
    if not p.exists():
        if not create or read_only:
            raise StoreMissing(
                f"database {p} does not exist; build it with `python -m analysis demo --db {p}`"
            )
        if not p.parent.exists():
            raise StoreError(f"folder {p.parent} does not exist")
    lock = _process_lock(p)
    # A writer inside a writer, or a reader inside a reader, of one thread re-enters; a read
    # nested in a write uses the write's turn and its attachment.
    with lock.hold(write=not read_only):
        con = _INSTANCE.attach(p, read_only, wait)
        if actor is not None and not read_only:
            _ACTORS[id(con)] = actor
        try:
            if not read_only:
                migrate(con)
            yield con
        finally:
            _ACTORS.pop(id(con), None)
            _IN_TRANSACTION.discard(id(con))
            con.close()
            _INSTANCE.release(p)


def cursor(con: Connection) -> Connection:
    """A second connection to ``con``'s database (for a concurrent transaction or a result kept
    open); a bare ``con.cursor()`` starts in DuckDB's in-memory default database instead."""
    other = con.cursor()
    name = con.execute("SELECT current_database()").fetchall()[0][0]
    other.execute(f'USE "{name}"')
    return other


# The actor each open read-write connection acts for (set by ``connect``), and the connections
# inside a transaction (a write function called inside another's transaction joins it).
_ACTORS: dict[int, Access] = {}
_IN_TRANSACTION: set[int] = set()  # id() of connections inside transaction()


def actor_of(con: Connection) -> Access | None:
    """The identity ``con`` was opened for (None: read-only or opened without one)."""
    return _ACTORS.get(id(con))


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """BEGIN … COMMIT, rolled back on any exception so nothing is half-applied.

    Inside another ``transaction`` of the same connection it joins that one (DuckDB has no
    nested transactions): the outermost commits or rolls back everything, so a caller can make
    several writes (e.g. the demo company's whole year) one all-or-nothing unit."""
    key = id(con)
    if key in _IN_TRANSACTION:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _IN_TRANSACTION.add(key)
    try:
        yield con
    except BaseException:
        _IN_TRANSACTION.discard(key)
        con.execute("ROLLBACK")
        raise
    _IN_TRANSACTION.discard(key)
    con.execute("COMMIT")


def _teams_of_reps(con: Connection, rep_ids: Iterable[object]) -> list[str | None]:
    """The team of each rep (None for a rep without a team or not stored: company-wide)."""
    ids = sorted({str(r) for r in rep_ids})
    if not ids:
        return []
    found = dict(
        con.execute("SELECT rep_id, team_id FROM reps WHERE rep_id IN (SELECT unnest(?))", [ids]).fetchall()
    )
    return [None if found.get(r) is None else str(found[r]) for r in ids]


def _entity_team(con: Connection, scope: object, entity_id: object) -> str | None:
    """The team a risk flag or register entry concerns (None: company-wide)."""
    if scope == "rep":
        return _teams_of_reps(con, [entity_id])[0]
    return str(entity_id) if scope == "team" else None


@contextmanager
def _write(
    con: Connection,
    what: Write,
    *,
    team_ids: Iterable[object] = (),
    rep_ids: Iterable[object] = (),
    from_saved_version: bool = True,
    detail: dict[str, Any] | None = None,
) -> Iterator[str]:
    """The one gate every write passes: check ``con``'s actor for ``what``, then BEGIN.

    ``rep_ids`` are turned into their teams here, from the store, so a caller cannot name the
    wrong team. A refusal raises :class:`analysis.access.Refused` before anything is written. The
    write is recorded in ``audit_log`` (who, what, detail) in the same transaction. Yields the
    name the audit columns record (``actor.who``)."""
    actor = actor_of(con)
    teams = list(team_ids)
    if actor is not None and actor.role == "manager" and what in ("tasks", "review", "risk_register"):
        teams += _teams_of_reps(con, rep_ids)
    require(actor, what, teams, from_saved_version=from_saved_version)
    assert actor is not None  # require refuses a missing actor
    with transaction(con):
        con.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?)",
            [_now(), actor.who, what, json.dumps(detail or {}, ensure_ascii=False, default=str)],
        )
        yield actor.who


def data_version(path: str | os.PathLike[str] | None = None) -> tuple[float, int]:
    """A cheap fingerprint of the database files (mtime, size) used as a cache key by the UI."""
    p = db_path(path)
    stats = []
    for q in (p, p.with_name(p.name + ".wal")):
        # One stat per file, and a file gone meanwhile counts as absent: a writer in another
        # session removes the .wal at its checkpoint, between an exists() and a stat().
        try:
            stats.append(q.stat())
        except FileNotFoundError:
            continue
    # Nanoseconds: two writes within one clock tick of a float mtime must still differ.
    return (max((st.st_mtime_ns for st in stats), default=0), sum(st.st_size for st in stats))


# ---------------------------------------------------------------------------------------------
# Schema: numbered migrations, each applied once in its own transaction and recorded.

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "core tables",
        """
        CREATE TABLE teams (team_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR);
        CREATE TABLE reps (
            rep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, team_id VARCHAR, region VARCHAR,
            level VARCHAR NOT NULL DEFAULT 'mid', hire_date DATE, leave_date DATE);
        CREATE TABLE customers (customer_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR,
            tier VARCHAR);
        CREATE TABLE products (product_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL);
        CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY, source VARCHAR NOT NULL, file_name VARCHAR, file_hash VARCHAR,
            rows BIGINT NOT NULL, total DECIMAL(18,2) NOT NULL, first_day DATE, last_day DATE,
            mode VARCHAR NOT NULL, removed_rows BIGINT NOT NULL DEFAULT 0, new_reps VARCHAR,
            created_by VARCHAR, created_at TIMESTAMP NOT NULL, undone_at TIMESTAMP);
        CREATE TABLE sales (
            day DATE NOT NULL, rep_id VARCHAR NOT NULL, customer_id VARCHAR, product_id VARCHAR,
            region VARCHAR, quantity DOUBLE, amount DECIMAL(18,2) NOT NULL, order_key VARCHAR,
            source VARCHAR NOT NULL, import_id INTEGER NOT NULL, removed_by INTEGER);
        CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE column_mappings (signature VARCHAR PRIMARY KEY, mapping VARCHAR NOT NULL,
            saved_at TIMESTAMP NOT NULL);
        CREATE TABLE calendar_overrides (day DATE PRIMARY KEY,
            kind VARCHAR NOT NULL CHECK (kind IN ('holiday', 'workday')), note VARCHAR);
        """,
    ),
    (
        2,
        "summary tables",
        """
        CREATE TABLE sum_rep_day (rep_id VARCHAR NOT NULL, day DATE NOT NULL, amount DECIMAL(18,2) NOT NULL,
            quantity DOUBLE, orders BIGINT NOT NULL);
        CREATE TABLE sum_rep_month (rep_id VARCHAR NOT NULL, month DATE NOT NULL,
            amount DECIMAL(18,2) NOT NULL, orders BIGINT NOT NULL, customers BIGINT NOT NULL);
        CREATE TABLE sum_team_week (team_id VARCHAR, week_start DATE NOT NULL, iso_year INTEGER NOT NULL,
            iso_week INTEGER NOT NULL, amount DECIMAL(18,2) NOT NULL, orders BIGINT NOT NULL);
        CREATE TABLE sum_rep_customer (rep_id VARCHAR NOT NULL, customer_id VARCHAR,
            amount DECIMAL(18,2) NOT NULL, orders BIGINT NOT NULL, first_day DATE, last_day DATE);
        CREATE TABLE sum_rep_product_month (rep_id VARCHAR NOT NULL, product_id VARCHAR, month DATE NOT NULL,
            amount DECIMAL(18,2) NOT NULL, orders BIGINT NOT NULL);
        """,
    ),
    (
        3,
        "plans",
        """
        CREATE TABLE plan_versions (
            version_id INTEGER PRIMARY KEY, scenario VARCHAR NOT NULL, version INTEGER NOT NULL,
            parent_id INTEGER, fiscal_year INTEGER NOT NULL, fy_start_month INTEGER NOT NULL DEFAULT 1,
            target DECIMAL(18,2) NOT NULL, unit DECIMAL(18,2) NOT NULL, params VARCHAR NOT NULL,
            author VARCHAR, created_at TIMESTAMP NOT NULL, note VARCHAR, UNIQUE (scenario, version));
        CREATE TABLE plan_targets (version_id INTEGER NOT NULL, rep_id VARCHAR NOT NULL, team_id VARCHAR,
            day DATE NOT NULL, target DECIMAL(18,2) NOT NULL);
        CREATE TABLE plan_active (fiscal_year INTEGER PRIMARY KEY, version_id INTEGER NOT NULL,
            set_at TIMESTAMP NOT NULL, set_by VARCHAR);
        CREATE TABLE plan_changes (version_id INTEGER NOT NULL, rep_id VARCHAR, period VARCHAR,
            old DECIMAL(18,2), new DECIMAL(18,2), author VARCHAR, changed_at TIMESTAMP NOT NULL);
        """,
    ),
    (
        4,
        "risks",
        """
        CREATE TABLE risk_thresholds (rule VARCHAR NOT NULL, param VARCHAR NOT NULL, value DOUBLE NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR, PRIMARY KEY (rule, param));
        CREATE TABLE risk_playbook (rule VARCHAR PRIMARY KEY, action_zh VARCHAR NOT NULL,
            action_en VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL, updated_by VARCHAR);
        CREATE TABLE risk_register (entry_id INTEGER PRIMARY KEY, rule VARCHAR NOT NULL, scope VARCHAR NOT NULL,
            entity_id VARCHAR NOT NULL, entity_name VARCHAR, period VARCHAR, severity VARCHAR NOT NULL,
            reason VARCHAR, evidence VARCHAR, owner VARCHAR, plan VARCHAR, due_date DATE,
            status VARCHAR NOT NULL CHECK (status IN ('open', 'mitigating', 'closed')),
            occurrences INTEGER NOT NULL DEFAULT 1, last_seen DATE, created_by VARCHAR,
            created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
        CREATE TABLE risk_register_history (entry_id INTEGER NOT NULL, changed_at TIMESTAMP NOT NULL,
            author VARCHAR, action VARCHAR NOT NULL, changes VARCHAR NOT NULL);
        """,
    ),
    (
        5,
        "rep x customer x month summary",
        # Filled here from the raw sales so databases created before it get it; refresh_summaries keeps it.
        """
        CREATE TABLE sum_rep_customer_month (rep_id VARCHAR NOT NULL, customer_id VARCHAR, month DATE NOT NULL,
            amount DECIMAL(18,2) NOT NULL, orders BIGINT NOT NULL, order_days BIGINT NOT NULL,
            first_day DATE NOT NULL, last_day DATE NOT NULL);
        INSERT INTO sum_rep_customer_month
        SELECT rep_id, customer_id, CAST(date_trunc('month', day) AS DATE), CAST(sum(amount) AS DECIMAL(18,2)),
               sum(orders), count(*), min(day), max(day)
        FROM (SELECT rep_id, customer_id, day, sum(amount) AS amount, count(*) AS orders FROM sales
              WHERE removed_by IS NULL GROUP BY ALL) GROUP BY ALL;
        """,
    ),
    (
        6,
        "execution loop",
        """
        CREATE TABLE tasks (task_id INTEGER PRIMARY KEY, rep_id VARCHAR NOT NULL, customer_id VARCHAR,
            title VARCHAR NOT NULL,
            type VARCHAR NOT NULL CHECK (type IN ('key_account', 'new_customer', 'maintenance', 'other')),
            priority VARCHAR NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
            deadline DATE NOT NULL,
            status VARCHAR NOT NULL CHECK (status IN ('open', 'doing', 'done', 'cancelled')),
            done_date DATE, source VARCHAR, review_week VARCHAR, note VARCHAR, created_by VARCHAR,
            created_on DATE NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
        CREATE TABLE review_notes (iso_week VARCHAR NOT NULL, rep_id VARCHAR NOT NULL, note VARCHAR NOT NULL,
            author VARCHAR, updated_at TIMESTAMP NOT NULL, PRIMARY KEY (iso_week, rep_id));
        """,
    ),
    (
        7,
        "share links",
        """
        CREATE TABLE share_links (share_id INTEGER PRIMARY KEY, token_hash VARCHAR NOT NULL UNIQUE,
            version_id INTEGER NOT NULL, created_by VARCHAR, created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP, revoked_at TIMESTAMP, revoked_by VARCHAR, note VARCHAR);
        """,
    ),
    (
        8,
        "incentives",
        # A commission plan is saved as a new plan_id each time (versions, not overwrites); the
        # latest is in force. Rates and attainment bounds are fractions (0.035 = 3.5 %).
        """
        CREATE TABLE incentive_plans (plan_id INTEGER PRIMARY KEY,
            base_rate DECIMAL(12,8) NOT NULL CHECK (base_rate >= 0),
            gate DECIMAL(12,8) NOT NULL DEFAULT 0 CHECK (gate >= 0), author VARCHAR,
            created_at TIMESTAMP NOT NULL);
        CREATE TABLE incentive_tiers (plan_id INTEGER NOT NULL, row_no INTEGER NOT NULL,
            lower_bound DECIMAL(12,8) NOT NULL CHECK (lower_bound >= 0), upper_bound DECIMAL(12,8),
            multiplier DECIMAL(12,4) NOT NULL CHECK (multiplier >= 0), PRIMARY KEY (plan_id, row_no));
        CREATE TABLE incentive_caps (plan_id INTEGER NOT NULL,
            grain VARCHAR NOT NULL CHECK (grain IN ('month', 'quarter', 'year')),
            cap DECIMAL(18,2) CHECK (cap >= 0), PRIMARY KEY (plan_id, grain));
        CREATE TABLE incentive_bonuses (plan_id INTEGER NOT NULL, row_no INTEGER NOT NULL,
            grain VARCHAR NOT NULL CHECK (grain IN ('month', 'quarter', 'year')),
            threshold DECIMAL(12,8) NOT NULL CHECK (threshold >= 0),
            amount DECIMAL(18,2) NOT NULL CHECK (amount >= 0), PRIMARY KEY (plan_id, row_no));
        """,
    ),
    (
        9,
        "customer satisfaction",
        # One row per survey answer; score on a 1-5 scale (5 = very satisfied). An import is kept
        # with its file hash so the same file is refused twice.
        """
        CREATE TABLE csat_imports (import_id INTEGER PRIMARY KEY, file_name VARCHAR, file_hash VARCHAR,
            rows BIGINT NOT NULL, first_day DATE, last_day DATE, created_by VARCHAR,
            created_at TIMESTAMP NOT NULL);
        CREATE TABLE csat_scores (import_id INTEGER NOT NULL, day DATE NOT NULL, rep_id VARCHAR NOT NULL,
            customer_id VARCHAR, score SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5));
        """,
    ),
    (
        10,
        "plan version content hash",
        # What a version holds (targets, parameters, totals, note) as one digest, so a save that is
        # submitted twice is recognised as the version already written. Older versions stay NULL.
        """
        ALTER TABLE plan_versions ADD COLUMN content_hash VARCHAR;
        """,
    ),
    (
        11,
        "audit log",
        # One row per write that passed the gate (store._write): when, who (the signed-in e-mail,
        # local, cli:<user> or system), what (an analysis.access.Write) and a small JSON detail.
        """
        CREATE TABLE audit_log (written_at TIMESTAMP NOT NULL, who VARCHAR NOT NULL, what VARCHAR NOT NULL,
            detail VARCHAR);
        """,
    ),
    (
        12,
        "share links pin their version",
        # What the link was made for (store._version_pin: id, scenario, number, time, content), so
        # a link whose version is deleted and whose id is later reused by another plan stops
        # working instead of showing that plan. Links made before this have no pin and keep
        # resolving by id.
        """
        ALTER TABLE share_links ADD COLUMN pin VARCHAR;
        """,
    ),
]

SCHEMA_VERSION = max(v for v, _, _ in MIGRATIONS)


def migrate(con: Connection) -> list[int]:
    """Apply pending migrations in order; returns the versions applied (empty when up to date)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, _now()])
        applied.append(version)
    return applied


def schema_versions(con: Connection) -> list[int]:
    """Versions recorded in ``schema_migrations``."""
    return [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def is_current(path: str | os.PathLike[str] | None = None) -> bool:
    """Whether an existing database file has every migration applied (read-only check)."""
    with connect(path, read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' "
            "AND table_catalog = current_database()"
        ).fetchall()[0][0]
        return bool(exists) and set(schema_versions(con)) >= {v for v, _, _ in MIGRATIONS}


def init_db(path: str | os.PathLike[str] | None = None) -> Path:
    """Create (if needed) and migrate the database file; returns its path."""
    p = db_path(path)
    with connect(p, create=True, actor=SYSTEM):
        pass
    return p


# The demo company writes its past (a plan saved in January, tasks closed in March) through the
# same functions as the UI; inside ``clock(at)`` those writes are stamped ``at``, not the wall clock.
_CLOCK: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("store_clock", default=None)


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    """Stamp every write made inside the block (this thread / task) with ``at`` (whole seconds)."""
    token = _CLOCK.set(at.replace(microsecond=0))
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _now() -> dt.datetime:
    fixed = _CLOCK.get()
    return fixed if fixed is not None else dt.datetime.now().replace(microsecond=0)


# ---------------------------------------------------------------------------------------------
# Summary tables


# The live sales rows (retired rows stay in the table, marked removed_by, so undo can restore them).
_LIVE = "sales WHERE removed_by IS NULL"

_SUMMARY_SQL = {
    "sum_rep_day": """
        INSERT INTO sum_rep_day
        SELECT rep_id, day, CAST(sum(amount) AS DECIMAL(18,2)), sum(quantity), count(*)
        FROM {src} {filter} GROUP BY rep_id, day""",
    "sum_rep_customer": """
        INSERT INTO sum_rep_customer
        SELECT rep_id, customer_id, CAST(sum(amount) AS DECIMAL(18,2)), count(*), min(day), max(day)
        FROM {src} {filter} GROUP BY ALL""",
    "sum_rep_product_month": """
        INSERT INTO sum_rep_product_month
        SELECT rep_id, product_id, CAST(date_trunc('month', day) AS DATE), CAST(sum(amount) AS DECIMAL(18,2)),
               count(*)
        FROM {src} {filter} GROUP BY ALL""",
    # order_days = distinct order days, counted after a rep x customer x day pass (cheaper than DISTINCT).
    "sum_rep_customer_month": """
        INSERT INTO sum_rep_customer_month
        SELECT rep_id, customer_id, CAST(date_trunc('month', day) AS DATE), CAST(sum(amount) AS DECIMAL(18,2)),
               sum(orders), count(*), min(day), max(day)
        FROM (SELECT rep_id, customer_id, day, sum(amount) AS amount, count(*) AS orders FROM {src}
              {filter} GROUP BY ALL) GROUP BY ALL""",
    # Rep x month from rep x customer x month (so it must come after it): its rows are the
    # distinct customers (NULL customer not counted), ~3x cheaper than count(DISTINCT) on sales.
    # Its rows are chosen by ``{rcm_filter}``, not by ``{src} {filter}``.
    "sum_rep_month": """
        INSERT INTO sum_rep_month
        SELECT rep_id, month, CAST(sum(amount) AS DECIMAL(18,2)), sum(orders), count(customer_id)
        FROM sum_rep_customer_month WHERE {rcm_filter} GROUP BY rep_id, month""",
}


def refresh_summaries(
    con: Connection, rep_ids: Sequence[str] | None = None, days: tuple[dt.date, dt.date] | None = None
) -> None:
    """Recompute the summary tables, for all reps or only ``rep_ids`` (call inside the write's transaction).

    ``days`` (first, last), with ``rep_ids``: every sales row that changed (added, retired,
    restored or deleted) lies in these days, so only the summary rows that can hold them are
    recomputed: the reps' days, months and ISO weeks overlapping the range, and their
    rep x customer totals of the customers touched in the range. An import into a store with
    years of history then costs what the file costs, not what the history costs (a 10k-row
    import into 10M rows spent ~3 s recomputing every affected rep's whole history).

    Team × week is rebuilt from rep × day for the teams of the affected reps, so it always
    follows the current rep → team assignment (within ``days`` when given: a change of team
    refreshes without ``days``).
    """
    if rep_ids is None:
        for table in (*_SUMMARY_SQL, "sum_team_week"):
            con.execute(f"DELETE FROM {table}")  # table names are constants, never user text
        for sql in _SUMMARY_SQL.values():
            con.execute(sql.format(src=_LIVE, filter="", rcm_filter="true"))
        _insert_team_weeks(con, "", [])
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _affected AS SELECT DISTINCT unnest(?::VARCHAR[]) AS rep_id",
        [list(rep_ids)],
    )
    reps = "rep_id IN (SELECT rep_id FROM _affected)"
    # The teams of the affected reps (NULL when one of them has no team), matched on column
    # ``{c}`` by one join (an OR of two subqueries here cost ~10 ms per statement). ``{c}`` must
    # be qualified: a bare team_id inside the subquery would name _teams' own column.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _teams AS SELECT DISTINCT r.team_id FROM _affected a LEFT JOIN reps r USING (rep_id)"
    )
    teams = "EXISTS (SELECT 1 FROM _teams t WHERE t.team_id IS NOT DISTINCT FROM {c})"
    if days is None:
        for table in _SUMMARY_SQL:
            con.execute(f"DELETE FROM {table} WHERE {reps}")
        for sql in _SUMMARY_SQL.values():
            con.execute(sql.format(src=_LIVE, filter=f"AND {reps}", rcm_filter=reps))
        con.execute(f"DELETE FROM sum_team_week WHERE {teams.format(c='sum_team_week.team_id')}")
        _insert_team_weeks(con, f"WHERE {teams.format(c='r.team_id')}", [])
        return
    first, last = days
    month0 = first.replace(day=1)
    month_end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    week0 = first - dt.timedelta(days=first.weekday())
    week_end = last + dt.timedelta(days=6 - last.weekday())
    # The live rows of the affected reps in the whole months around the range, read from the
    # big table once; every period table below is rebuilt from this small copy.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _changed AS SELECT rep_id, customer_id, product_id, day, amount, quantity "
        f"FROM {_LIVE} AND {reps} AND day BETWEEN ? AND ?",
        [month0, month_end],
    )
    for table, (col, lo, hi) in {
        "sum_rep_day": ("day", first, last),
        "sum_rep_product_month": ("month", month0, last.replace(day=1)),
        "sum_rep_customer_month": ("month", month0, last.replace(day=1)),
        "sum_rep_month": ("month", month0, last.replace(day=1)),  # after rep x customer x month
    }.items():
        con.execute(f"DELETE FROM {table} WHERE {reps} AND {col} BETWEEN ? AND ?", [lo, hi])
        con.execute(
            _SUMMARY_SQL[table].format(
                src="_changed",
                filter="WHERE day BETWEEN ? AND ?",
                rcm_filter=f"{reps} AND month BETWEEN ? AND ?",
            ),
            [lo, last if col == "day" else month_end],
        )
    # Rep x customer is not by period: the pairs that had a row in the range before (their
    # stored span overlaps it) or have one now are summed again from rep x customer x month,
    # which holds their whole history and is exact after the loop above.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _pairs AS
        SELECT rep_id, customer_id FROM sum_rep_customer WHERE {reps} AND first_day <= ? AND last_day >= ?
        UNION SELECT rep_id, customer_id FROM _changed WHERE day BETWEEN ? AND ?""",
        [last, first, first, last],
    )
    con.execute(
        "DELETE FROM sum_rep_customer s WHERE EXISTS (SELECT 1 FROM _pairs p WHERE p.rep_id = s.rep_id "
        "AND p.customer_id IS NOT DISTINCT FROM s.customer_id)"
    )
    con.execute(
        """INSERT INTO sum_rep_customer
        SELECT m.rep_id, m.customer_id, CAST(sum(m.amount) AS DECIMAL(18,2)), sum(m.orders), min(m.first_day),
               max(m.last_day)
        FROM sum_rep_customer_month m JOIN _pairs p
             ON p.rep_id = m.rep_id AND p.customer_id IS NOT DISTINCT FROM m.customer_id
        GROUP BY ALL"""
    )
    con.execute(
        f"DELETE FROM sum_team_week WHERE {teams.format(c='sum_team_week.team_id')} AND week_start BETWEEN ? AND ?",
        [week0, week_end],
    )
    _insert_team_weeks(
        con, f"WHERE {teams.format(c='r.team_id')} AND d.day BETWEEN ? AND ?", [week0, week_end]
    )


def _insert_team_weeks(con: Connection, where: str, params: list[Any]) -> None:
    con.execute(
        f"""INSERT INTO sum_team_week
        SELECT r.team_id, CAST(date_trunc('week', d.day) AS DATE), isoyear(d.day), week(d.day),
               CAST(sum(d.amount) AS DECIMAL(18,2)), sum(d.orders)
        FROM sum_rep_day d LEFT JOIN reps r USING (rep_id) {where} GROUP BY ALL""",
        params,
    )


# ---------------------------------------------------------------------------------------------
# Reference data and bulk writes


def replace_reference(
    con: Connection,
    teams: pd.DataFrame,
    reps: pd.DataFrame,
    customers: pd.DataFrame,
    products: pd.DataFrame,
) -> None:
    """Insert or replace teams, reps, customers and products (used by the demo builder)."""
    with _write(con, "reference", detail={"reps": len(reps), "customers": len(customers)}):
        for table, df, cols in (
            ("teams", teams, "team_id, name, region"),
            ("reps", reps, "rep_id, name, team_id, region, level, hire_date, leave_date"),
            ("customers", customers, "customer_id, name, region, tier"),
            ("products", products, "product_id, name"),
        ):
            con.register("_ref", df)
            con.execute(f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {cols} FROM _ref")
            con.unregister("_ref")


def holds_user_data(con: Connection) -> bool:
    """Whether the store holds any plan version or any import (live or undone)."""
    return bool(
        con.execute(
            "SELECT (SELECT count(*) FROM plan_versions) + (SELECT count(*) FROM imports)"
        ).fetchall()[0][0]
    )


def clear_for_demo(con: Connection, tables: Sequence[str], *, force: bool = False) -> None:
    """Empty ``tables`` (names checked against the schema) for the demo builder; share links are
    revoked (their versions are about to go).

    Admins only (the gate). Without ``force`` a store that holds a plan version or any import
    is refused (``NotEmpty``): the demo would delete them."""
    known = set(table_counts(con))
    unknown = [t for t in tables if t not in known]
    if unknown:
        raise StoreError(f"no table {unknown[0]!r}")
    with _write(con, "demo", detail={"force": force}) as who:
        if not force and holds_user_data(con):
            raise NotEmpty(
                "this database holds plans or imports that building the demo would delete; "
                "nothing changed (use another --db, or --force to replace them)"
            )
        for table in tables:
            con.execute(f'DELETE FROM "{table}"')  # names from the catalog (checked above)
        con.execute(
            "UPDATE share_links SET revoked_at = ?, revoked_by = ? WHERE revoked_at IS NULL", [_now(), who]
        )


@contextmanager
def on_behalf(con: Connection, actor: Access) -> Iterator[Connection]:
    """Let an admin's connection write as ``actor`` for a block (the demo builder's fabricated
    year is stamped ``demo``, not with the admin who asked for it). The current actor must be
    an admin (``Refused`` otherwise); ``actor`` is still checked by the gate on every write."""
    current = actor_of(con)
    if current is None or current.role != "admin":
        raise Refused("no_actor" if current is None else "admin", "on_behalf")
    _ACTORS[id(con)] = actor
    try:
        yield con
    finally:
        _ACTORS[id(con)] = current


def next_import_id(con: Connection) -> int:
    row = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()
    return int(row[0][0])


def append_sales_frame(con: Connection, df: pd.DataFrame, *, import_id: int, source: str) -> None:
    """Bulk-append rows [day, rep_id, customer_id, product_id, region, quantity, amount_cents, order_key].

    ``amount_cents`` is int64; it becomes DECIMAL(18,2) by exact decimal multiplication (a
    DuckDB decimal division would go through DOUBLE).
    """
    with _write(con, "import", detail={"import_id": import_id, "rows": len(df)}):
        con.register("_new", df)
        con.execute(
            """INSERT INTO sales
            SELECT CAST(day AS DATE), rep_id, customer_id, product_id, region, CAST(quantity AS DOUBLE),
                   CAST(CAST(amount_cents AS DECIMAL(18,2)) * 0.01 AS DECIMAL(18,2)), order_key, ?, ?, NULL
            FROM _new""",
            [source, import_id],
        )
        con.unregister("_new")


def record_import(
    con: Connection,
    *,
    import_id: int,
    source: str,
    file_name: str | None,
    file_hash: str | None,
    rows: int,
    total: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    mode: str,
    removed_rows: int = 0,
    new_reps: Sequence[str] = (),
) -> None:
    """Record an import in the history; ``created_by`` is the connection's actor."""
    with _write(con, "import", detail={"import_id": import_id, "file": file_name}) as who:
        con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                import_id,
                source,
                file_name,
                file_hash,
                rows,
                total,
                first_day,
                last_day,
                mode,
                removed_rows,
                json.dumps(list(new_reps), ensure_ascii=False),
                who,
                _now(),
            ],
        )


# ---------------------------------------------------------------------------------------------
# Imports of actuals


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    rows: int
    total: Decimal
    reps: list[str]
    new_reps: list[str]
    first_day: dt.date | None
    last_day: dt.date | None
    removed_rows: int
    skipped_duplicates: int


def find_import_by_hash(con: Connection, file_hash: str) -> tuple[int, dt.datetime] | None:
    """The live import with this content hash, if any: (import_id, created_at)."""
    row = con.execute(
        "SELECT import_id, created_at FROM imports WHERE file_hash = ? AND undone_at IS NULL "
        "ORDER BY import_id LIMIT 1",
        [file_hash],
    ).fetchall()
    return (int(row[0][0]), row[0][1]) if row else None


def overlap_report(con: Connection, rows: pd.DataFrame, source: str) -> dict[str, Any]:
    """What the new rows overlap in the store: live rows of ``source`` in their date range, and
    order keys already stored from that source."""
    if rows.empty:
        return {"rows_in_range": 0, "amount_in_range": Decimal(0), "duplicate_keys": 0}
    first = rows["date"].min().date()
    last = rows["date"].max().date()
    in_range = con.execute(
        "SELECT count(*), coalesce(sum(amount), 0) FROM sales WHERE removed_by IS NULL AND source = ? "
        "AND day BETWEEN ? AND ?",
        [source, first, last],
    ).fetchall()[0]
    keys = _key_table(rows["order_key"])
    dup = 0
    if len(keys):
        con.register("_file_keys", keys)
        try:
            dup = con.execute(
                "SELECT count(DISTINCT order_key) FROM sales WHERE removed_by IS NULL AND source = ? "
                "AND order_key IN (SELECT k FROM _file_keys)",
                [source],
            ).fetchall()[0][0]
        finally:
            con.unregister("_file_keys")
    return {
        "rows_in_range": int(in_range[0]),
        "amount_in_range": Decimal(in_range[1]),
        "duplicate_keys": int(dup),
    }


def _strings(values: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (missing → null), without a Python object per
    cell when the column is already Arrow-backed."""
    if values.dtype == object:
        return pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    return pa.array(values, from_pandas=True).cast(pa.string())


def _key_table(keys: pd.Series) -> pa.Table:
    """The distinct non-empty order keys of a file as a one-column Arrow table ``k`` to join on
    (a 100k-element list parameter costs DuckDB ~10x more than scanning a registered table)."""
    uniq = pc.unique(pc.drop_null(_strings(keys)))
    return pa.table({"k": pc.filter(uniq, pc.not_equal(uniq, ""))})


# The reference tables an import adds names to: table -> (id column, id prefix).
_NAMED = {"reps": ("rep_id", "R"), "customers": ("customer_id", "C"), "products": ("product_id", "P")}


def _distinct_names(names: pa.ChunkedArray | pa.Array) -> pa.Table:
    """The distinct non-empty ``names`` as a one-column table ``name``, in name order."""
    uniq = pc.unique(pc.drop_null(names))
    uniq = pc.filter(uniq, pc.not_equal(uniq, ""))
    return pa.table({"name": pc.take(uniq, pc.sort_indices(uniq))})


def _create_missing_names(con: Connection, table: str, names: pa.Table) -> list[str]:
    """Add a row to ``table`` for each of ``names`` (a ``_distinct_names`` table) it lacks, with
    the next free IDs in name order (e.g. R00042); returns the names added, sorted."""
    id_col, prefix = _NAMED[table]
    con.register("_names", names)
    try:
        # One statement (table and column names are constants, never user text).
        added = con.execute(
            f"""INSERT INTO {table} ({id_col}, name)
            SELECT printf('%s%05d', ?, (SELECT coalesce(max(TRY_CAST(regexp_extract({id_col}, '[0-9]+$')
                   AS INTEGER)), 0) FROM {table}) + row_number() OVER (ORDER BY name)), name
            FROM _names WHERE name NOT IN (SELECT name FROM {table})
            RETURNING name""",
            [prefix],
        ).fetchall()
    finally:
        con.unregister("_names")
    return sorted(str(r[0]) for r in added)


def _import_table(rows: pd.DataFrame) -> pa.Table:
    """Parsed rows [date, rep, customer, product, region, quantity, amount_cents, order_key] as
    one Arrow table, built once per import (text as Arrow strings, not a Python object per cell)."""
    return pa.table(
        {
            "day": pa.array(rows["date"].to_numpy(dtype="datetime64[s]")),
            "rep": _strings(rows["rep"]),
            "customer": _strings(rows["customer"]),
            "product": _strings(rows["product"]),
            "region": _strings(rows["region"]),
            "quantity": pa.array(rows["quantity"].to_numpy(dtype="float64"), from_pandas=True),
            "amount_cents": pa.array(rows["amount_cents"].to_numpy(dtype="int64")),
            "order_key": _strings(rows["order_key"]),
        }
    )


def _append_named_rows(con: Connection, new: pa.Table, *, import_id: int, source: str) -> None:
    """Append an ``_import_table`` to ``sales``, naming reps, customers and products by their IDs
    (every name exists by now).

    The names are joined in DuckDB: mapping 100k names to IDs in pandas cost ~70 ms. A name
    held by two rows of a reference table takes the smaller ID, so no sales row is doubled."""
    ids = {t: f"(SELECT name, min({c}) AS id FROM {t} GROUP BY name)" for t, (c, _) in _NAMED.items()}
    con.register("_new", new)
    try:
        con.execute(
            f"""INSERT INTO sales
            SELECT CAST(n.day AS DATE), r.id, c.id, p.id, n.region, n.quantity,
                   CAST(CAST(n.amount_cents AS DECIMAL(18,2)) * 0.01 AS DECIMAL(18,2)), n.order_key, ?, ?, NULL
            FROM _new n LEFT JOIN {ids["reps"]} r ON r.name = n.rep
                 LEFT JOIN {ids["customers"]} c ON c.name = n.customer
                 LEFT JOIN {ids["products"]} p ON p.name = n.product""",
            [source, import_id],
        )
    finally:
        con.unregister("_new")


def commit_import(
    con: Connection,
    rows: pd.DataFrame,
    *,
    source: str,
    file_name: str | None,
    file_hash: str | None,
    mode: str = "append",
    strict_reps: bool = False,
    remember_mapping: tuple[str, dict[str, str]] | None = None,
) -> ImportResult:
    """Store parsed actuals all-or-nothing (one transaction, summaries refreshed inside it).

    ``remember_mapping`` (header signature, mapping) is saved in the same transaction, so the
    mapping is remembered exactly when the rows are stored (and costs no second commit).

    ``rows``: [date, rep, customer, product, region, quantity, amount_cents, order_key].
    ``mode``: ``append`` (add everything), ``skip-duplicates`` (drop rows whose order key is
    already stored for ``source``), ``replace-range`` (retire live rows of ``source`` in the
    file's date range; they are kept, marked as removed by this import, so undo restores them).
    The same content hash twice raises ``AlreadyImported``. Unknown reps are created unless
    ``strict_reps``. Admins only (the gate, ``_write``); ``created_by`` is the connection's actor.
    """
    if mode not in ("append", "skip-duplicates", "replace-range"):
        raise StoreError(f"unknown import mode {mode!r}: use append, skip-duplicates or replace-range")
    with _write(con, "import", detail={"file": file_name, "rows": len(rows), "mode": mode}):
        if file_hash:
            prior = find_import_by_hash(con, file_hash)
            if prior:
                raise AlreadyImported(
                    f"this file was already imported on {prior[1]:%Y-%m-%d %H:%M} as #{prior[0]}; nothing added"
                )
        import_id = next_import_id(con)
        skipped_dup = 0
        if mode == "skip-duplicates" and rows["order_key"].notna().any():
            con.register("_file_keys", _key_table(rows["order_key"]))
            try:
                stored = {
                    r[0]
                    for r in con.execute(
                        "SELECT DISTINCT order_key FROM sales WHERE removed_by IS NULL AND source = ? "
                        "AND order_key IN (SELECT k FROM _file_keys)",
                        [source],
                    ).fetchall()
                }
            finally:
                con.unregister("_file_keys")
            dup_mask = rows["order_key"].isin(stored)
            skipped_dup = int(dup_mask.sum())
            rows = rows[~dup_mask]
        new = _import_table(rows)
        reps = _distinct_names(new["rep"])
        rep_names = [str(n) for n in reps["name"].to_pylist()]
        if strict_reps:
            con.register("_names", reps)
            try:
                unknown = con.execute(
                    "SELECT name FROM _names WHERE name NOT IN (SELECT name FROM reps)"
                ).fetchall()
            finally:
                con.unregister("_names")
            if unknown:
                raise StoreError(
                    f"unknown reps: {', '.join(sorted(str(r[0]) for r in unknown)[:10])}; "
                    "add them first or import without --strict-reps"
                )
        new_reps = _create_missing_names(con, "reps", reps)
        _create_missing_names(con, "customers", _distinct_names(new["customer"]))
        _create_missing_names(con, "products", _distinct_names(new["product"]))
        # The file's reps, and with replace-range (below) the reps whose rows the range retires.
        affected = {
            str(r[0])
            for r in con.execute(
                "SELECT rep_id FROM reps WHERE name IN (SELECT unnest(?::VARCHAR[]))", [rep_names]
            ).fetchall()
        }
        removed = 0
        first = rows["date"].min().date() if len(rows) else None
        last = rows["date"].max().date() if len(rows) else None
        if mode == "replace-range" and first is not None:
            hit = con.execute(
                "SELECT DISTINCT rep_id FROM sales WHERE removed_by IS NULL AND source = ? AND day BETWEEN ? AND ?",
                [source, first, last],
            ).fetchall()
            affected |= {r[0] for r in hit}
            removed = con.execute(
                "SELECT count(*) FROM sales WHERE removed_by IS NULL AND source = ? AND day BETWEEN ? AND ?",
                [source, first, last],
            ).fetchall()[0][0]
            con.execute(
                "UPDATE sales SET removed_by = ? WHERE removed_by IS NULL AND source = ? AND day BETWEEN ? AND ?",
                [import_id, source, first, last],
            )
        _append_named_rows(con, new, import_id=import_id, source=source)
        total = Decimal(int(rows["amount_cents"].sum())) / 100
        record_import(
            con,
            import_id=import_id,
            source=source,
            file_name=file_name,
            file_hash=file_hash,
            rows=len(rows),
            total=total,
            first_day=first,
            last_day=last,
            mode=mode,
            removed_rows=int(removed),
            new_reps=new_reps,
        )
        # Every changed row (added here, or retired by replace-range) lies in the file's days.
        refresh_summaries(
            con, sorted(affected), (first, last) if first is not None and last is not None else None
        )
        if remember_mapping is not None:
            save_mapping(con, *remember_mapping)
    return ImportResult(
        import_id, len(rows), total, rep_names, new_reps, first, last, int(removed), skipped_dup
    )


def list_imports(con: Connection) -> pd.DataFrame:
    """Every import, newest first."""
    return con.execute(
        "SELECT import_id, source, file_name, file_hash, rows, total, first_day, last_day, mode, removed_rows, "
        "new_reps, created_by, created_at, undone_at FROM imports ORDER BY import_id DESC"
    ).df()


def undo_import(con: Connection, import_id: int) -> dict[str, Any]:
    """Undo one import exactly: delete its rows and bring back the rows it retired (admins only)."""
    with _write(con, "import", detail={"undo": import_id}):
        row = con.execute("SELECT undone_at FROM imports WHERE import_id = ?", [import_id]).fetchall()
        if not row:
            raise StoreError(f"no import #{import_id}")
        if row[0][0] is not None:
            raise StoreError(f"import #{import_id} was already undone on {row[0][0]:%Y-%m-%d %H:%M}")
        later = con.execute(
            "SELECT min(import_id) FROM imports WHERE undone_at IS NULL AND import_id > ? AND EXISTS "
            "(SELECT 1 FROM sales s WHERE s.removed_by = imports.import_id AND s.import_id = ?)",
            [import_id, import_id],
        ).fetchall()[0][0]
        if later is not None:
            raise StoreError(f"import #{later} replaced rows of #{import_id}; undo #{later} first")
        reps = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT rep_id FROM sales WHERE import_id = ? OR removed_by = ?",
                [import_id, import_id],
            ).fetchall()
        ]
        span = con.execute(
            "SELECT min(day), max(day) FROM sales WHERE import_id = ? OR removed_by = ?",
            [import_id, import_id],
        ).fetchall()[0]
        deleted = con.execute("SELECT count(*) FROM sales WHERE import_id = ?", [import_id]).fetchall()[0][0]
        restored = con.execute("SELECT count(*) FROM sales WHERE removed_by = ?", [import_id]).fetchall()[0][
            0
        ]
        con.execute("DELETE FROM sales WHERE import_id = ?", [import_id])
        con.execute("UPDATE sales SET removed_by = NULL WHERE removed_by = ?", [import_id])
        con.execute("UPDATE imports SET undone_at = ? WHERE import_id = ?", [_now(), import_id])
        # The rows deleted and restored here all lie in ``span`` (taken before the delete).
        refresh_summaries(con, reps, (span[0], span[1]) if span[0] is not None else None)
    return {"import_id": import_id, "deleted_rows": int(deleted), "restored_rows": int(restored)}


# ---------------------------------------------------------------------------------------------
# Settings and remembered mappings


def get_setting(con: Connection, key: str, default: str | None = None) -> str | None:
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return str(row[0][0]) if row else default


def set_setting(con: Connection, key: str, value: str) -> None:
    """Store a company-wide setting (admins only); the audit log keeps who set it and the value."""
    with _write(con, "settings", detail={"key": key, "value": value}):
        con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])


def save_mapping(con: Connection, signature: str, mapping: dict[str, str]) -> None:
    with _write(con, "import", detail={"mapping": signature}):
        con.execute(
            "INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?)",
            [signature, json.dumps(mapping, ensure_ascii=False), _now()],
        )


def load_mapping(con: Connection, signature: str) -> dict[str, str] | None:
    row = con.execute("SELECT mapping FROM column_mappings WHERE signature = ?", [signature]).fetchall()
    return dict(json.loads(row[0][0])) if row else None


def calendar_overrides(con: Connection) -> pd.DataFrame:
    return con.execute("SELECT day, kind, note FROM calendar_overrides ORDER BY day").df()


def set_calendar_overrides(con: Connection, year: int, days: pd.DataFrame) -> None:
    """Replace the user-entered holidays/workdays of ``year`` with ``days`` [day, kind, note]."""
    with _write(con, "calendar", detail={"year": year, "days": len(days)}):
        con.execute("DELETE FROM calendar_overrides WHERE year(day) = ?", [year])
        if len(days):
            con.register("_cal", days)
            con.execute("INSERT INTO calendar_overrides SELECT CAST(day AS DATE), kind, note FROM _cal")
            con.unregister("_cal")


# ---------------------------------------------------------------------------------------------
# Reads for pages and the CLI (summary tables; raw sales only for drill-down)


# The team name of a rep without a team (an import creates unknown reps with team_id NULL). Every
# read that names a rep's team says this, so no page, workbook, Markdown or JSON shows nan/None.
NO_TEAM = "—"


def reps_frame(con: Connection) -> pd.DataFrame:
    """All reps with their team name: [rep_id, name, team_id, team, region, level, hire_date, leave_date]
    (team :data:`NO_TEAM` and team_id NULL for a rep without a team)."""
    return con.execute(
        "SELECT r.rep_id, r.name, r.team_id, coalesce(t.name, r.team_id, ?) AS team, r.region, r.level, "
        "r.hire_date, r.leave_date FROM reps r LEFT JOIN teams t USING (team_id) ORDER BY r.team_id, r.rep_id",
        [NO_TEAM],
    ).df()


def teams_frame(con: Connection) -> pd.DataFrame:
    return con.execute("SELECT team_id, name, region FROM teams ORDER BY team_id").df()


def sales_bounds(con: Connection) -> tuple[dt.date | None, dt.date | None, int]:
    """First and last day with sales, and the number of live sales rows (from rep × day)."""
    row = con.execute("SELECT min(day), max(day), coalesce(sum(orders), 0) FROM sum_rep_day").fetchall()[0]
    return row[0], row[1], int(row[2])


def data_through(con: Connection) -> dt.date | None:
    """The last day with sales in the store (from the rep × day summary), or None when it has none.

    Every figure measured "as of" a later day stops here: a day after it is not known to have had
    no sales, only not to have been loaded yet."""
    row = con.execute("SELECT max(day) FROM sum_rep_day").fetchall()[0]
    day: dt.date | None = row[0]
    return day


def daily_actuals(con: Connection, start: dt.date, end: dt.date, *, by_rep: bool = False) -> pd.DataFrame:
    """Actuals per day (and rep) from rep × day: [day, (rep_id,) amount_cents int64].

    Money leaves the store as integer cents in DataFrames (``.df()`` would turn DECIMAL into
    float) and as Decimal in scalars."""
    if by_rep:
        return con.execute(
            "SELECT day, rep_id, CAST(amount * 100 AS BIGINT) AS amount_cents FROM sum_rep_day "
            "WHERE day BETWEEN ? AND ? ORDER BY day, rep_id",
            [start, end],
        ).df()
    return con.execute(
        "SELECT day, CAST(sum(amount) * 100 AS BIGINT) AS amount_cents FROM sum_rep_day "
        "WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day",
        [start, end],
    ).df()


def monthly_actuals(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Company actuals per month from rep × month: [month, amount_cents]."""
    return con.execute(
        "SELECT month, CAST(sum(amount) * 100 AS BIGINT) AS amount_cents FROM sum_rep_month "
        "WHERE month BETWEEN date_trunc('month', ?::DATE) AND ? GROUP BY month ORDER BY month",
        [start, end],
    ).df()


def rep_totals(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Actuals per rep over [start, end] from rep × day: [rep_id, name, team_id, team, amount_cents]
    (team :data:`NO_TEAM` for a rep without a team)."""
    return con.execute(
        """SELECT r.rep_id, r.name, r.team_id, coalesce(t.name, r.team_id, ?) AS team,
                  CAST(coalesce(sum(d.amount), 0) * 100 AS BIGINT) AS amount_cents
           FROM reps r LEFT JOIN teams t USING (team_id)
           LEFT JOIN sum_rep_day d ON d.rep_id = r.rep_id AND d.day BETWEEN ? AND ?
           GROUP BY ALL ORDER BY amount_cents DESC, r.rep_id""",
        [NO_TEAM, start, end],
    ).df()


def orders_between(con: Connection, start: dt.date, end: dt.date) -> int:
    row = con.execute(
        "SELECT coalesce(sum(orders), 0) FROM sum_rep_day WHERE day BETWEEN ? AND ?", [start, end]
    ).fetchall()
    return int(row[0][0])


def active_reps(con: Connection, start: dt.date, end: dt.date) -> int:
    """Reps employed at ``end`` (hired on or before it, not left before it) — or with sales in the range."""
    row = con.execute(
        "SELECT count(*) FROM reps r WHERE (coalesce(r.hire_date, DATE '1900-01-01') <= ? "
        "AND coalesce(r.leave_date, DATE '2999-12-31') >= ?) OR (r.hire_date IS NULL AND EXISTS "
        "(SELECT 1 FROM sum_rep_day d WHERE d.rep_id = r.rep_id AND d.day BETWEEN ? AND ?))",
        [end, end, start, end],
    ).fetchall()
    return int(row[0][0])


def total_between(con: Connection, start: dt.date, end: dt.date) -> Decimal:
    row = con.execute(
        "SELECT coalesce(sum(amount), 0) FROM sum_rep_day WHERE day BETWEEN ? AND ?", [start, end]
    ).fetchall()
    return Decimal(row[0][0])


# ---------------------------------------------------------------------------------------------
# Plans: immutable versions


@dataclass(frozen=True)
class PlanVersion:
    version_id: int
    scenario: str
    version: int
    parent_id: int | None
    fiscal_year: int
    fy_start_month: int
    target: Decimal
    unit: Decimal
    params: dict[str, Any]
    author: str | None
    created_at: dt.datetime
    note: str | None


def _plan_version(row: Sequence[Any]) -> PlanVersion:
    return PlanVersion(
        int(row[0]),
        row[1],
        int(row[2]),
        row[3],
        int(row[4]),
        int(row[5]),
        Decimal(row[6]),
        Decimal(row[7]),
        json.loads(row[8]),
        row[9],
        row[10],
        row[11],
    )


_PV_COLS = (
    "version_id, scenario, version, parent_id, fiscal_year, fy_start_month, target, unit, params, author, "
    "created_at, note"
)


# The day targets exactly as plan_targets will store them, one line each in a fixed order.
_TARGETS_DIGEST_SQL = """
    SELECT coalesce(md5(string_agg(
        concat_ws('|', CAST(rep_id AS VARCHAR), coalesce(CAST(team_id AS VARCHAR), ''),
                  CAST(CAST(day AS DATE) AS VARCHAR),
                  CAST(CAST(CAST(target_cents AS DECIMAL(18,2)) * 0.01 AS DECIMAL(18,2)) AS VARCHAR)),
        ';' ORDER BY CAST(rep_id AS VARCHAR), CAST(day AS DATE), coalesce(CAST(team_id AS VARCHAR), ''),
                     CAST(target_cents AS BIGINT))), '')
    FROM _t
"""


def _plan_digest(
    con: Connection,
    fiscal_year: int,
    fy_start_month: int,
    target: Decimal,
    unit: Decimal,
    params: dict[str, Any],
    note: str | None,
) -> str:
    """SHA-256 of what a version holds: the day targets registered as ``_t`` plus its header."""
    days = str(con.execute(_TARGETS_DIGEST_SQL).fetchall()[0][0])
    header = json.dumps(
        [fiscal_year, fy_start_month, str(Decimal(target)), str(Decimal(unit)), params, note, days],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(header.encode()).hexdigest()


def _same_save(
    con: Connection, scenario: str, based_on: int | None, author: str | None, digest: str
) -> PlanVersion | None:
    """The version that a save from ``based_on`` already produced, when it is this very save.

    Versions of a scenario are linear, so the one saved from ``based_on`` is number based_on + 1;
    it counts as the same save only with the same author and identical content."""
    row = con.execute(
        f"SELECT {_PV_COLS} FROM plan_versions WHERE scenario = ? AND version = ? "
        "AND author IS NOT DISTINCT FROM ? AND content_hash = ?",
        [scenario, (based_on or 0) + 1, author, digest],
    ).fetchall()
    return _plan_version(row[0]) if row else None


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _retry_on_write_conflict(fn: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run a write transaction again when DuckDB refuses its commit because another writer
    committed a conflicting row first (e.g. both chose the same new id as max + 1). The retry
    reads the store again, so it is saved under the next id or, when the other write made it
    stale, refused as such; after 3 tries it is a clear ``StoreError``."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        for attempt in range(3):
            try:
                return fn(*args, **kwargs)
            except (duckdb.TransactionException, duckdb.ConstraintException) as exc:
                if attempt == 2:
                    raise StoreError(
                        "not saved: other saves kept happening at the same moment; try again"
                    ) from exc
        raise AssertionError("unreachable")

    return run


@_retry_on_write_conflict
def save_plan_version(
    con: Connection,
    *,
    scenario: str,
    based_on: int | None,
    fiscal_year: int,
    fy_start_month: int,
    target: Decimal,
    unit: Decimal,
    params: dict[str, Any],
    targets: pd.DataFrame,
    note: str | None = None,
    changes: pd.DataFrame | None = None,
    origin: int | None = None,
) -> PlanVersion:
    """Save a new immutable version of ``scenario``.

    ``based_on`` is the version number the editor started from (None for a new scenario). If
    someone saved a newer version meanwhile, ``StaleVersion`` says who and when; nothing is
    written. Saving the same content again by the same author from the same ``based_on`` is a
    no-op that returns the version the first save wrote (a replayed submit). ``targets``:
    [rep_id, team_id, day, target_cents int64]. The day targets must sum exactly to ``target``
    (checked in SQL after insert, inside the transaction).

    The gate: admins save anything; a manager saves only an edit of a saved version (``origin``,
    the version id the edit started from; else the ``based_on`` version of ``scenario``) whose day
    targets differ from it only in the manager's teams (compared here, in SQL). The author is the
    connection's actor.
    """
    scenario = scenario.strip()
    if not scenario:
        raise StoreError("a plan needs a name")
    actor = actor_of(con)
    changed: list[object] = []
    if origin is None and based_on is not None:
        row = con.execute(
            "SELECT version_id FROM plan_versions WHERE scenario = ? AND version = ?", [scenario, based_on]
        ).fetchall()
        origin = int(row[0][0]) if row else None
    if actor is not None and actor.role == "manager" and origin is not None:
        changed = _changed_teams(con, origin, targets)
    gate = _write(
        con,
        "plan",
        team_ids=changed,
        from_saved_version=origin is not None,
        detail={"scenario": scenario, "based_on": based_on, "origin": origin},
    )
    with gate as author:
        latest = con.execute(
            f"SELECT {_PV_COLS} FROM plan_versions WHERE scenario = ? ORDER BY version DESC LIMIT 1",
            [scenario],
        ).fetchall()
        latest_v = _plan_version(latest[0]) if latest else None
        current = latest_v.version if latest_v else None
        con.register("_t", targets)
        digest = _plan_digest(con, fiscal_year, fy_start_month, target, unit, params, note)
        if current != based_on:
            if latest_v is None:
                con.unregister("_t")
                raise StaleVersion(f"plan {scenario!r} no longer exists")
            # The same save delivered twice (a form submit replayed after an interrupted rerun)
            # finds its own version: return it instead of reporting a conflict with itself.
            again = _same_save(con, scenario, based_on, author, digest)
            con.unregister("_t")
            if again is not None:
                return again
            raise StaleVersion(
                f"plan {scenario!r} was changed by {latest_v.author or '?'} at {latest_v.created_at:%Y-%m-%d %H:%M} "
                f"(version {latest_v.version}); reload it or save as a new plan"
            )
        version_id = int(
            con.execute("SELECT coalesce(max(version_id), 0) + 1 FROM plan_versions").fetchall()[0][0]
        )
        version = (current or 0) + 1
        con.execute(
            f"INSERT INTO plan_versions ({_PV_COLS}, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                version_id,
                scenario,
                version,
                latest_v.version_id if latest_v else None,
                fiscal_year,
                fy_start_month,
                target,
                unit,
                json.dumps(params, ensure_ascii=False, default=str),
                author,
                _now(),
                note,
                digest,
            ],
        )
        con.execute(
            "INSERT INTO plan_targets SELECT ?, rep_id, team_id, CAST(day AS DATE), "
            "CAST(CAST(target_cents AS DECIMAL(18,2)) * 0.01 AS DECIMAL(18,2)) FROM _t",
            [version_id],
        )
        con.unregister("_t")
        stored = con.execute(
            "SELECT coalesce(sum(target), 0) FROM plan_targets WHERE version_id = ?", [version_id]
        ).fetchall()[0][0]
        if Decimal(stored) != target:
            raise StoreError(f"plan does not add up: days sum to {stored}, target is {target}; nothing saved")
        if changes is not None and len(changes):
            con.register("_c", changes)
            con.execute(
                "INSERT INTO plan_changes SELECT ?, rep_id, period, CAST(old AS DECIMAL(18,2)), "
                "CAST(new AS DECIMAL(18,2)), ?, ? FROM _c",
                [version_id, author, _now()],
            )
            con.unregister("_c")
        row = con.execute(
            f"SELECT {_PV_COLS} FROM plan_versions WHERE version_id = ?", [version_id]
        ).fetchall()
    return _plan_version(row[0])


def _changed_teams(con: Connection, origin: int, targets: pd.DataFrame) -> list[object]:
    """Teams whose day targets in ``targets`` differ from version ``origin``'s (either side)."""
    con.register("_new_t", targets[["rep_id", "team_id", "day", "target_cents"]])
    try:
        rows = con.execute(
            """SELECT DISTINCT coalesce(n.team_id, o.team_id) FROM
               (SELECT rep_id, team_id, CAST(day AS DATE) AS day, CAST(target_cents AS BIGINT) AS c
                FROM _new_t WHERE target_cents <> 0) n
               FULL OUTER JOIN
               (SELECT rep_id, team_id, day, CAST(target * 100 AS BIGINT) AS c FROM plan_targets
                WHERE version_id = ? AND target <> 0) o
               ON n.rep_id = o.rep_id AND n.day = o.day
               WHERE n.c IS DISTINCT FROM o.c OR n.team_id IS DISTINCT FROM o.team_id""",
            [origin],
        ).fetchall()
    finally:
        con.unregister("_new_t")
    return [r[0] for r in rows]


def list_plan_versions(con: Connection, fiscal_year: int | None = None) -> list[PlanVersion]:
    sql = f"SELECT {_PV_COLS} FROM plan_versions"
    args: list[Any] = []
    if fiscal_year is not None:
        sql += " WHERE fiscal_year = ?"
        args.append(fiscal_year)
    rows = con.execute(sql + " ORDER BY scenario, version", args).fetchall()
    return [_plan_version(r) for r in rows]


def get_plan_version(con: Connection, version_id: int) -> PlanVersion:
    row = con.execute(f"SELECT {_PV_COLS} FROM plan_versions WHERE version_id = ?", [version_id]).fetchall()
    if not row:
        raise StoreError(f"no plan version #{version_id}")
    return _plan_version(row[0])


def plan_targets(con: Connection, version_id: int) -> pd.DataFrame:
    """Day targets of a version: [rep_id, team_id, day, target_cents int64]."""
    return con.execute(
        "SELECT rep_id, team_id, day, CAST(target * 100 AS BIGINT) AS target_cents FROM plan_targets "
        "WHERE version_id = ? ORDER BY rep_id, day",
        [version_id],
    ).df()


def set_active_plan(con: Connection, version_id: int) -> None:
    """Make a version its fiscal year's active plan (admins only; ``set_by`` is the actor)."""
    pv = get_plan_version(con, version_id)
    with _write(con, "active_plan", detail={"version_id": version_id}) as who:
        con.execute(
            "INSERT OR REPLACE INTO plan_active VALUES (?, ?, ?, ?)",
            [pv.fiscal_year, version_id, _now(), who],
        )


def active_plan(con: Connection, fiscal_year: int) -> PlanVersion | None:
    row = con.execute("SELECT version_id FROM plan_active WHERE fiscal_year = ?", [fiscal_year]).fetchall()
    return get_plan_version(con, int(row[0][0])) if row else None


def plan_changes(con: Connection, scenario: str | None = None) -> pd.DataFrame:
    sql = (
        "SELECT v.scenario, v.version, c.rep_id, c.period, c.old, c.new, c.author, c.changed_at FROM plan_changes c "
        "JOIN plan_versions v USING (version_id)"
    )
    args: list[Any] = []
    if scenario:
        sql += " WHERE v.scenario = ?"
        args.append(scenario)
    return con.execute(sql + " ORDER BY c.changed_at DESC, v.version DESC", args).df()


# --- progress reads ---


def raw_rep_day_actuals(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rep x day actuals aggregated from the raw sales table: [day, rep_id, amount_cents int64].

    Same result as ``daily_actuals(..., by_rep=True)``; for drill-down checks and the benchmark
    baseline only (pages read the summary tables)."""
    return con.execute(
        "SELECT day, rep_id, CAST(sum(amount) * 100 AS BIGINT) AS amount_cents FROM sales "
        "WHERE removed_by IS NULL AND day BETWEEN ? AND ? GROUP BY day, rep_id ORDER BY day, rep_id",
        [start, end],
    ).df()


def raw_sales_frame(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Live raw sales rows in [start, end]: [day, rep_id, amount_cents int64] (benchmark baseline)."""
    return con.execute(
        "SELECT day, rep_id, CAST(amount * 100 AS BIGINT) AS amount_cents FROM sales "
        "WHERE removed_by IS NULL AND day BETWEEN ? AND ?",
        [start, end],
    ).df()


# --- risks ---


def risk_thresholds(con: Connection) -> pd.DataFrame:
    """Rule thresholds saved by users: [rule, param, value] (defaults live in analysis.risks)."""
    return con.execute("SELECT rule, param, value FROM risk_thresholds ORDER BY rule, param").df()


def set_risk_thresholds(con: Connection, values: Sequence[tuple[str, str, float]]) -> None:
    """Save (rule, param, value) thresholds in one transaction (replacing earlier values; admins only)."""
    with _write(con, "risk_rules", detail={"thresholds": len(values)}) as who:
        for rule, param, value in values:
            con.execute("DELETE FROM risk_thresholds WHERE rule = ? AND param = ?", [rule, param])
            con.execute(
                "INSERT INTO risk_thresholds VALUES (?, ?, ?, ?, ?)",
                [rule, param, float(value), _now(), who],
            )


def risk_playbook(con: Connection) -> pd.DataFrame:
    """Contingency actions edited by users: [rule, action_zh, action_en] (defaults in the i18n table)."""
    return con.execute("SELECT rule, action_zh, action_en FROM risk_playbook ORDER BY rule").df()


def set_risk_playbook(con: Connection, actions: Sequence[tuple[str, str, str]]) -> None:
    """Save (rule, action_zh, action_en) playbook entries in one transaction (admins only)."""
    with _write(con, "risk_rules", detail={"playbook": len(actions)}) as who:
        for rule, zh, en in actions:
            con.execute("DELETE FROM risk_playbook WHERE rule = ?", [rule])
            con.execute("INSERT INTO risk_playbook VALUES (?, ?, ?, ?, ?)", [rule, zh, en, _now(), who])


def rep_month_actuals(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rep x month actuals from rep × month: [rep_id, month, amount_cents int64, orders, customers]."""
    return con.execute(
        "SELECT rep_id, month, CAST(amount * 100 AS BIGINT) AS amount_cents, orders, customers FROM sum_rep_month "
        "WHERE month BETWEEN date_trunc('month', ?::DATE) AND ? ORDER BY rep_id, month",
        [start, end],
    ).df()


def _month_first(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _whole_months(con: Connection, lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date]:
    """[first, stop) months of rep x customer x month that [lo, hi] may read whole.

    A month cut by lo or hi still counts as whole when no live sale falls in its part outside
    [lo, hi] (checked on rep x day), so the usual "as of the last data day" read needs no raw rows."""
    first, stop = _month_first(lo), _next_month(hi)
    if first < lo and _any_sales(con, first, lo - dt.timedelta(days=1)):
        first = _next_month(first)
    month_end = stop - dt.timedelta(days=1)
    if hi < month_end and _any_sales(con, hi + dt.timedelta(days=1), month_end):
        stop = _month_first(hi)
    return first, max(first, stop)


def _any_sales(con: Connection, lo: dt.date, hi: dt.date) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM sum_rep_day WHERE day BETWEEN ? AND ?", [lo, hi]).fetchall()[0][0]
    )


def customer_activity(
    con: Connection, start: dt.date, recent_start: dt.date, as_of: dt.date, *, raw: bool = False
) -> pd.DataFrame:
    """Rep x customer activity over [start, as_of] (replayable as of a day), customers only.

    Columns [rep_id, customer_id, customer, amount_cents (in [recent_start, as_of]), total_cents
    (whole window), orders, order_days, first_day, last_day]; money int64 cents. Whole months come
    from rep x customer x month; only the days of a month cut by start, recent_start or as_of are
    read from the raw sales (none when those cuts hold no sales). ``raw=True`` reads everything from
    the raw sales (benchmark baseline; same result)."""
    if raw or not has_table(con, "sum_rep_customer_month"):
        return con.execute(
            """SELECT s.rep_id, s.customer_id, coalesce(c.name, s.customer_id) AS customer,
                      CAST(coalesce(sum(s.amount) FILTER (WHERE s.day >= ?), 0) * 100 AS BIGINT) AS amount_cents,
                      CAST(sum(s.amount) * 100 AS BIGINT) AS total_cents,
                      count(*) AS orders, count(DISTINCT s.day) AS order_days, min(s.day) AS first_day,
                      max(s.day) AS last_day
               FROM sales s LEFT JOIN customers c USING (customer_id)
               WHERE s.removed_by IS NULL AND s.day BETWEEN ? AND ? AND s.customer_id IS NOT NULL
               GROUP BY ALL ORDER BY s.rep_id, amount_cents DESC, s.customer_id""",
            [recent_start, start, as_of],
        ).df()
    recent_start = max(recent_start, start)
    # Window statistics: whole months [m0, m1) from the summary, the cut days [start, m0) and
    # [m1, as_of] from raw. The recent amount likewise with [r0, r1). Days read raw: the union of cuts.
    m0, m1 = _whole_months(con, start, as_of)
    r0, r1 = _whole_months(con, recent_start, as_of) if recent_start <= as_of else (m1, m1)
    return con.execute(
        """WITH cut AS (
               SELECT rep_id, customer_id, day, sum(amount) AS amount, count(*) AS orders
               FROM sales
               WHERE removed_by IS NULL AND customer_id IS NOT NULL AND day BETWEEN $start AND $as_of
                 AND (day < $m0 OR day >= $m1 OR (day >= $recent AND (day < $r0 OR day >= $r1)))
               GROUP BY ALL),
           parts AS (
               SELECT rep_id, customer_id,
                      sum(amount) FILTER (WHERE day >= $recent AND (day < $r0 OR day >= $r1)) AS recent,
                      sum(amount) FILTER (WHERE day < $m0 OR day >= $m1) AS total,
                      sum(orders) FILTER (WHERE day < $m0 OR day >= $m1) AS orders,
                      count(*) FILTER (WHERE day < $m0 OR day >= $m1) AS order_days,
                      min(day) FILTER (WHERE day < $m0 OR day >= $m1) AS first_day,
                      max(day) FILTER (WHERE day < $m0 OR day >= $m1) AS last_day
               FROM cut GROUP BY ALL
               UNION ALL
               SELECT rep_id, customer_id,
                      sum(amount) FILTER (WHERE month >= $r0 AND month < $r1),
                      sum(amount) FILTER (WHERE month >= $m0 AND month < $m1),
                      sum(orders) FILTER (WHERE month >= $m0 AND month < $m1),
                      sum(order_days) FILTER (WHERE month >= $m0 AND month < $m1),
                      min(first_day) FILTER (WHERE month >= $m0 AND month < $m1),
                      max(last_day) FILTER (WHERE month >= $m0 AND month < $m1)
               FROM sum_rep_customer_month
               WHERE customer_id IS NOT NULL AND month >= least($m0, $r0) AND month < greatest($m1, $r1)
               GROUP BY ALL)
           SELECT p.rep_id, p.customer_id, coalesce(c.name, p.customer_id) AS customer,
                  CAST(coalesce(sum(p.recent), 0) * 100 AS BIGINT) AS amount_cents,
                  CAST(sum(p.total) * 100 AS BIGINT) AS total_cents,
                  CAST(sum(p.orders) AS BIGINT) AS orders, CAST(sum(p.order_days) AS BIGINT) AS order_days,
                  min(p.first_day) AS first_day, max(p.last_day) AS last_day
           FROM parts p LEFT JOIN customers c USING (customer_id)
           GROUP BY ALL HAVING sum(p.orders) > 0
           ORDER BY p.rep_id, amount_cents DESC, p.customer_id""",
        {"start": start, "as_of": as_of, "recent": recent_start, "m0": m0, "m1": m1, "r0": r0, "r1": r1},
    ).df()


def period_customer_stats(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per rep over [start, end] from the raw sales: [rep_id, customers, orders, amount_cents,
    new_customers, new_cents] where "new" means the customer's first order ever falls in the range."""
    return con.execute(
        """WITH firsts AS (SELECT customer_id, min(day) AS first_ever FROM sales
                           WHERE removed_by IS NULL AND customer_id IS NOT NULL GROUP BY customer_id)
           SELECT s.rep_id, count(DISTINCT s.customer_id) AS customers, count(*) AS orders,
                  CAST(sum(s.amount) * 100 AS BIGINT) AS amount_cents,
                  count(DISTINCT s.customer_id) FILTER (WHERE f.first_ever >= ?) AS new_customers,
                  CAST(coalesce(sum(s.amount) FILTER (WHERE f.first_ever >= ?), 0) * 100 AS BIGINT) AS new_cents
           FROM sales s LEFT JOIN firsts f USING (customer_id)
           WHERE s.removed_by IS NULL AND s.day BETWEEN ? AND ?
           GROUP BY s.rep_id ORDER BY s.rep_id""",
        [start, start, start, end],
    ).df()


def rep_product_totals(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rep x product actuals over whole months [start's month, end] from rep × product × month:
    [rep_id, product_id, product, amount_cents int64]."""
    return con.execute(
        """SELECT m.rep_id, m.product_id, coalesce(p.name, m.product_id, '') AS product,
                  CAST(sum(m.amount) * 100 AS BIGINT) AS amount_cents
           FROM sum_rep_product_month m LEFT JOIN products p USING (product_id)
           WHERE m.month BETWEEN date_trunc('month', ?::DATE) AND ? GROUP BY ALL ORDER BY 1, 2""",
        [start, end],
    ).df()


def has_table(con: Connection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
        "AND table_catalog = current_database()",
        [name],
    ).fetchall()
    return bool(row[0][0])


def table_columns(con: Connection, name: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
        "AND table_catalog = current_database() "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall()
    return [str(r[0]) for r in rows]


def open_tasks(con: Connection, as_of: dt.date) -> pd.DataFrame | None:
    """Tasks not done whose deadline is before ``as_of``, or None when there is no usable task table.

    Reads a ``tasks`` table with at least rep_id, title, deadline, status (the task feature's
    table); any missing column → None, so the caller can say the rule was skipped."""
    if not has_table(con, "tasks"):
        return None
    cols = set(table_columns(con, "tasks"))
    if not {"rep_id", "title", "deadline", "status"} <= cols:
        return None
    prio = "priority" if "priority" in cols else "NULL"
    kind = "type" if "type" in cols else "NULL"
    return con.execute(
        f"SELECT rep_id, title, CAST(deadline AS DATE) AS deadline, status, {prio} AS priority, {kind} AS type "
        "FROM tasks WHERE CAST(deadline AS DATE) < ? AND lower(CAST(status AS VARCHAR)) NOT IN "
        "('done', 'closed', 'cancelled', 'canceled') ORDER BY deadline",
        [as_of],
    ).df()  # column names above are constants chosen from a fixed list, never user text


_REG_COLS = (
    "entry_id, rule, scope, entity_id, entity_name, period, severity, reason, evidence, owner, plan, due_date, "
    "status, occurrences, last_seen, created_by, created_at, updated_at"
)
REGISTER_STATUSES = ("open", "mitigating", "closed")


def register_entries(con: Connection) -> pd.DataFrame:
    """The risk register, newest first (evidence as a JSON string)."""
    return con.execute(f"SELECT {_REG_COLS} FROM risk_register ORDER BY entry_id DESC").df()


def register_history(con: Connection, entry_id: int | None = None) -> pd.DataFrame:
    """Change history [entry_id, changed_at, author, action, changes (JSON)] of one entry or all."""
    sql = "SELECT entry_id, changed_at, author, action, changes FROM risk_register_history"
    args: list[Any] = []
    if entry_id is not None:
        sql += " WHERE entry_id = ?"
        args.append(entry_id)
    return con.execute(sql + " ORDER BY changed_at, entry_id", args).df()


def find_register_entry(con: Connection, rule: str, scope: str, entity_id: str) -> int | None:
    row = con.execute(
        "SELECT entry_id FROM risk_register WHERE rule = ? AND scope = ? AND entity_id = ? "
        "ORDER BY entry_id DESC LIMIT 1",
        [rule, scope, entity_id],
    ).fetchall()
    return int(row[0][0]) if row else None


def _history(
    con: Connection, entry_id: int, author: str | None, action: str, changes: dict[str, Any]
) -> None:
    con.execute(
        "INSERT INTO risk_register_history VALUES (?, ?, ?, ?, ?)",
        [entry_id, _now(), author, action, json.dumps(changes, ensure_ascii=False, default=str)],
    )


def acknowledge_risk(
    con: Connection,
    *,
    rule: str,
    scope: str,
    entity_id: str,
    entity_name: str,
    period: str,
    severity: str,
    reason: str,
    evidence: dict[str, Any],
    owner: str,
    plan: str,
    due_date: dt.date | None,
    status: str = "open",
    seen: dt.date | None = None,
) -> tuple[int, bool]:
    """Record an acknowledged flag; returns (entry_id, created).

    A flag with the same rule, scope and entity as an existing entry links to it: the entry's
    latest evidence, owner, plan, due date and status are updated, its occurrence count goes up
    and the change is written to the history (a closed entry is reopened)."""
    if status not in REGISTER_STATUSES:
        raise StoreError(f"unknown status {status!r}: use {', '.join(REGISTER_STATUSES)}")
    ev = json.dumps(evidence, ensure_ascii=False, default=str)
    now = _now()
    team = _entity_team(con, scope, entity_id)
    with _write(con, "risk_register", team_ids=[team], detail={"rule": rule, "entity": entity_id}) as author:
        existing = find_register_entry(con, rule, scope, entity_id)
        if existing is None:
            entry_id = int(
                con.execute("SELECT coalesce(max(entry_id), 0) + 1 FROM risk_register").fetchall()[0][0]
            )
            con.execute(
                f"INSERT INTO risk_register ({_REG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                [
                    entry_id, rule, scope, entity_id, entity_name, period, severity, reason, ev, owner, plan,
                    due_date, status, seen, author, now, now,
                ],
            )  # fmt: skip
            _history(
                con,
                entry_id,
                author,
                "created",
                {"owner": owner, "plan": plan, "due_date": due_date, "status": status, "period": period},
            )
            return entry_id, True
        old = con.execute(
            "SELECT owner, plan, due_date, status, period FROM risk_register WHERE entry_id = ?", [existing]
        ).fetchall()[0]
        con.execute(
            "UPDATE risk_register SET entity_name = ?, period = ?, severity = ?, reason = ?, evidence = ?, "
            "owner = ?, plan = ?, due_date = ?, status = ?, occurrences = occurrences + 1, last_seen = ?, "
            "updated_at = ? WHERE entry_id = ?",
            [entity_name, period, severity, reason, ev, owner, plan, due_date, status, seen, now, existing],
        )
        changes = {
            k: [o, n]
            for k, o, n in zip(
                ("owner", "plan", "due_date", "status", "period"),
                old,
                (owner, plan, due_date, status, period),
                strict=True,
            )
            if o != n
        }
        _history(con, existing, author, "recurred", changes)
    return existing, False


def update_register_entry(con: Connection, entry_id: int, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Change owner / plan / due_date / status of an entry; the old and new values go to the history.

    Returns {field: [old, new]} of what actually changed (nothing written when empty)."""
    allowed = ("owner", "plan", "due_date", "status")
    bad = [k for k in changes if k not in allowed]
    if bad:
        raise StoreError(f"cannot change {', '.join(bad)} of a register entry")
    if "status" in changes and changes["status"] not in REGISTER_STATUSES:
        raise StoreError(f"unknown status {changes['status']!r}: use {', '.join(REGISTER_STATUSES)}")
    where = con.execute(
        "SELECT scope, entity_id FROM risk_register WHERE entry_id = ?", [entry_id]
    ).fetchall()
    if not where:
        raise StoreError(f"no register entry #{entry_id}")
    team = _entity_team(con, *where[0])
    with _write(con, "risk_register", team_ids=[team], detail={"entry_id": entry_id}) as author:
        row = con.execute(
            "SELECT owner, plan, due_date, status FROM risk_register WHERE entry_id = ?", [entry_id]
        ).fetchall()
        old = dict(zip(allowed, row[0], strict=True))
        diff = {k: [old[k], v] for k, v in changes.items() if old[k] != v}
        if not diff:
            return {}
        sets = ", ".join(f"{k} = ?" for k in diff)  # keys checked against the fixed list above
        con.execute(
            f"UPDATE risk_register SET {sets}, updated_at = ? WHERE entry_id = ?",
            [*(v[1] for v in diff.values()), _now(), entry_id],
        )
        _history(con, entry_id, author, "updated", diff)
    return diff


# --- share and backup ---


@dataclass(frozen=True)
class ShareLink:
    share_id: int
    version_id: int
    created_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    note: str | None
    pin: str | None = None  # the version it was made for (``version_pin``); None: made before pins


_SHARE_COLS = "share_id, version_id, created_by, created_at, expires_at, revoked_at, note, pin"


def _share_link(row: Sequence[Any]) -> ShareLink:
    return ShareLink(int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], row[6], row[7])


def version_pin(con: Connection, version_id: int) -> str | None:
    """A digest of what version ``version_id`` is (id, scenario, number, saved at, content hash),
    or None when there is no such version: a link pins it, and a reused id gives another pin."""
    row = con.execute(
        "SELECT version_id, scenario, version, created_at, content_hash FROM plan_versions WHERE version_id = ?",
        [version_id],
    ).fetchall()
    if not row:
        return None
    return hashlib.sha256(json.dumps([str(v) for v in row[0]], ensure_ascii=False).encode()).hexdigest()


def add_share_link(
    con: Connection,
    *,
    token_hash: str,
    version_id: int,
    expires_at: dt.datetime | None,
    note: str | None = None,
) -> ShareLink:
    """Record a share link by the sha256 hex of its token (the token itself is never stored; admins only)."""
    get_plan_version(con, version_id)  # a link to a version that does not exist is refused
    with _write(con, "share", detail={"version_id": version_id}) as who:
        # Links are never deleted (only revoked), so max + 1 never hands out an id twice.
        share_id = int(con.execute("SELECT coalesce(max(share_id), 0) + 1 FROM share_links").fetchall()[0][0])
        con.execute(
            f"INSERT INTO share_links ({_SHARE_COLS}, token_hash) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            [share_id, version_id, who, _now(), expires_at, note, version_pin(con, version_id), token_hash],
        )
    return get_share_link(con, share_id)


def _share_cols(con: Connection) -> str:
    """The link columns; a store not migrated to pins yet (a read-only reader) reads pin as NULL."""
    return (
        _SHARE_COLS if "pin" in table_columns(con, "share_links") else _SHARE_COLS.replace(", pin", ", NULL")
    )


def get_share_link(con: Connection, share_id: int) -> ShareLink:
    row = con.execute(f"SELECT {_share_cols(con)} FROM share_links WHERE share_id = ?", [share_id]).fetchall()
    if not row:
        raise StoreError(f"no share link #{share_id}")
    return _share_link(row[0])


def find_share_link(con: Connection, token_hash: str) -> ShareLink | None:
    """The share link with this token hash, whatever its state (the caller judges expiry/revocation).

    None also when the table does not exist yet (a read-only reader of a database not migrated)."""
    if not has_table(con, "share_links"):
        return None
    row = con.execute(
        f"SELECT {_share_cols(con)} FROM share_links WHERE token_hash = ?", [token_hash]
    ).fetchall()
    return _share_link(row[0]) if row else None


def list_share_links(con: Connection) -> list[ShareLink]:
    rows = con.execute(f"SELECT {_share_cols(con)} FROM share_links ORDER BY share_id").fetchall()
    return [_share_link(r) for r in rows]


def revoke_share_link(con: Connection, share_id: int) -> ShareLink:
    """Revoke a link (idempotent: an already revoked link keeps its first revocation time)."""
    with _write(con, "share", detail={"revoke": share_id}) as who:
        get_share_link(con, share_id)
        con.execute(
            "UPDATE share_links SET revoked_at = ?, revoked_by = ? WHERE share_id = ? AND revoked_at IS NULL",
            [_now(), who, share_id],
        )
    return get_share_link(con, share_id)


def checkpoint(con: Connection) -> None:
    """Fold the write-ahead log into the database file so the file alone is a complete copy."""
    con.execute("CHECKPOINT")


def table_counts(con: Connection) -> dict[str, int]:
    """Row count of every table in the main schema (for backup manifests and checks)."""
    names = [
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    # names come from the catalog, quoted as identifiers; never user text
    return {n: int(con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0]) for n in names}


# --- execution loop ---

TASK_COLS = (
    "task_id, rep_id, customer_id, title, type, priority, deadline, status, done_date, source, review_week, "
    "note, created_by, created_on, created_at, updated_at"
)
TASK_EDITABLE = (
    "rep_id",
    "customer_id",
    "title",
    "type",
    "priority",
    "deadline",
    "status",
    "done_date",
    "note",
)


def add_tasks(con: Connection, rows: pd.DataFrame) -> list[int]:
    """Insert tasks in one transaction; returns their new ids in row order.

    ``rows``: [rep_id, customer_id, title, type, priority, deadline, status, done_date, source,
    review_week, note, created_on] (validated by ``analysis.tasks``; the table's CHECKs are the backstop)."""
    if rows.empty:
        return []
    now = _now()
    with _write(con, "tasks", rep_ids=rows["rep_id"], detail={"tasks": len(rows)}) as author:
        first = int(con.execute("SELECT coalesce(max(task_id), 0) + 1 FROM tasks").fetchall()[0][0])
        ids = list(range(first, first + len(rows)))
        frame = rows.assign(task_id=ids).reset_index(drop=True)
        con.register("_tasks", frame)
        con.execute(
            f"INSERT INTO tasks ({TASK_COLS}) SELECT task_id, rep_id, customer_id, title, type, priority, "
            "CAST(deadline AS DATE), status, CAST(done_date AS DATE), source, review_week, note, ?, "
            "CAST(created_on AS DATE), ?, ? FROM _tasks",
            [author, now, now],
        )
        con.unregister("_tasks")
    return ids


def list_tasks(con: Connection, *, review_week: str | None = None) -> pd.DataFrame:
    """Every task (or those raised in one weekly review) with rep, team and customer names, by deadline."""
    sql = (
        "SELECT t.task_id, t.rep_id, coalesce(r.name, t.rep_id) AS rep, coalesce(tm.name, r.team_id, ?) AS team, "
        "t.customer_id, coalesce(c.name, t.customer_id) AS customer, t.title, t.type, t.priority, t.deadline, "
        "t.status, t.done_date, t.source, t.review_week, t.note, t.created_by, t.created_on, t.updated_at "
        "FROM tasks t LEFT JOIN reps r USING (rep_id) LEFT JOIN teams tm ON tm.team_id = r.team_id "
        "LEFT JOIN customers c ON c.customer_id = t.customer_id"
    )
    args: list[Any] = [NO_TEAM]
    if review_week is not None:
        sql += " WHERE t.review_week = ?"
        args.append(review_week)
    return con.execute(sql + " ORDER BY t.deadline, t.task_id", args).df()


def update_task(con: Connection, task_id: int, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Change editable fields of one task; returns {field: [old, new]} of what changed."""
    bad = [k for k in changes if k not in TASK_EDITABLE]
    if bad:
        raise StoreError(f"cannot change {', '.join(bad)} of a task")
    owner = con.execute("SELECT rep_id FROM tasks WHERE task_id = ?", [task_id]).fetchall()
    if not owner:
        raise StoreError(f"no task #{task_id}")
    reps = [owner[0][0], *([changes["rep_id"]] if "rep_id" in changes else [])]
    with _write(con, "tasks", rep_ids=reps, detail={"task_id": task_id, "changes": changes}):
        cols = ", ".join(changes) if changes else "task_id"  # keys checked against the fixed list above
        row = con.execute(f"SELECT {cols} FROM tasks WHERE task_id = ?", [task_id]).fetchall()
        if not row:
            raise StoreError(f"no task #{task_id}")
        old = dict(zip(changes, row[0], strict=False))
        diff = {k: [old[k], v] for k, v in changes.items() if old[k] != v}
        if diff:
            sets = ", ".join(f"{k} = ?" for k in diff)
            con.execute(
                f"UPDATE tasks SET {sets}, updated_at = ? WHERE task_id = ?",
                [*(v[1] for v in diff.values()), _now(), task_id],
            )
    return diff


def largest_deals(con: Connection, start: dt.date, end: dt.date, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest live sales rows in [start, end] (drill-down read of the raw table):
    [day, rep_id, rep, customer, product, amount_cents int64, order_key]."""
    return con.execute(
        """SELECT s.day, s.rep_id, coalesce(r.name, s.rep_id) AS rep, coalesce(c.name, s.customer_id) AS customer,
                  coalesce(p.name, s.product_id) AS product, CAST(s.amount * 100 AS BIGINT) AS amount_cents,
                  s.order_key
           FROM sales s LEFT JOIN reps r USING (rep_id) LEFT JOIN customers c USING (customer_id)
           LEFT JOIN products p USING (product_id)
           WHERE s.removed_by IS NULL AND s.day BETWEEN ? AND ?
           ORDER BY s.amount DESC, s.day, s.rep_id LIMIT ?""",
        [start, end, n],
    ).df()


def review_notes(con: Connection, iso_week: str) -> pd.DataFrame:
    """Notes of one weekly review: [rep_id, note, author, updated_at]."""
    return con.execute(
        "SELECT rep_id, note, author, updated_at FROM review_notes WHERE iso_week = ? ORDER BY rep_id",
        [iso_week],
    ).df()


def save_review_notes(con: Connection, iso_week: str, notes: dict[str, str]) -> None:
    """Set the notes of ``iso_week`` per rep (an empty note deletes it), in one transaction."""
    with _write(con, "review", rep_ids=notes, detail={"week": iso_week, "reps": len(notes)}) as author:
        for rep_id, note in notes.items():
            con.execute("DELETE FROM review_notes WHERE iso_week = ? AND rep_id = ?", [iso_week, rep_id])
            if note.strip():
                con.execute(
                    "INSERT INTO review_notes VALUES (?, ?, ?, ?, ?)",
                    [iso_week, rep_id, note, author, _now()],
                )


# --- incentives ---


def save_incentive_plan(
    con: Connection,
    *,
    base_rate: Decimal,
    gate: Decimal,
    tiers: Sequence[tuple[Decimal, Decimal | None, Decimal]],
    caps: dict[str, Decimal | None],
    bonuses: Sequence[tuple[str, Decimal, Decimal]],
) -> int:
    """Store a commission plan as a new version in one transaction; returns its plan_id.

    ``tiers``: (lower, upper or None, multiplier); ``caps``: grain -> yuan or None;
    ``bonuses``: (grain, threshold, yuan). Validated by ``analysis.incentives``; CHECKs are the backstop."""
    with _write(con, "incentive_plan") as author:
        pid = int(con.execute("SELECT coalesce(max(plan_id), 0) + 1 FROM incentive_plans").fetchall()[0][0])
        con.execute(
            "INSERT INTO incentive_plans VALUES (?, ?, ?, ?, ?)", [pid, base_rate, gate, author, _now()]
        )
        for i, (lo, hi, m) in enumerate(tiers, start=1):
            con.execute("INSERT INTO incentive_tiers VALUES (?, ?, ?, ?, ?)", [pid, i, lo, hi, m])
        for grain, cap in caps.items():
            con.execute("INSERT INTO incentive_caps VALUES (?, ?, ?)", [pid, grain, cap])
        for i, (grain, th, amount) in enumerate(bonuses, start=1):
            con.execute("INSERT INTO incentive_bonuses VALUES (?, ?, ?, ?, ?)", [pid, i, grain, th, amount])
    return pid


def latest_incentive_plan(con: Connection) -> dict[str, Any] | None:
    """The newest commission plan as plain values (Decimals), or None when none is saved:
    {plan_id, base_rate, gate, author, created_at, tiers: [(lower, upper, multiplier)],
    caps: {grain: cap or None}, bonuses: [(grain, threshold, amount)]}."""
    head = con.execute(
        "SELECT plan_id, base_rate, gate, author, created_at FROM incentive_plans ORDER BY plan_id DESC LIMIT 1"
    ).fetchall()
    if not head:
        return None
    pid, rate, gate, author, created = head[0]
    tiers = con.execute(
        "SELECT lower_bound, upper_bound, multiplier FROM incentive_tiers WHERE plan_id = ? ORDER BY row_no",
        [pid],
    ).fetchall()
    caps = con.execute("SELECT grain, cap FROM incentive_caps WHERE plan_id = ?", [pid]).fetchall()
    bonuses = con.execute(
        "SELECT grain, threshold, amount FROM incentive_bonuses WHERE plan_id = ? ORDER BY row_no", [pid]
    ).fetchall()
    return {
        "plan_id": int(pid),
        "base_rate": rate,
        "gate": gate,
        "author": author,
        "created_at": created,
        "tiers": [tuple(r) for r in tiers],
        "caps": dict(caps),
        "bonuses": [tuple(r) for r in bonuses],
    }


# --- retrospective / csat ---


def plan_activations(con: Connection) -> pd.DataFrame:
    """The active plan per fiscal year with when and by whom it was set:
    [fiscal_year, version_id, scenario, version, set_at, set_by] (only the latest activation is kept)."""
    return con.execute(
        "SELECT a.fiscal_year, a.version_id, v.scenario, v.version, a.set_at, a.set_by FROM plan_active a "
        "LEFT JOIN plan_versions v USING (version_id) ORDER BY a.set_at"
    ).df()


def review_notes_for_weeks(con: Connection, weeks: Sequence[str]) -> pd.DataFrame:
    """Weekly-review notes of the given ISO weeks: [iso_week, rep_id, rep, note, author, updated_at]."""
    return con.execute(
        "SELECT n.iso_week, n.rep_id, coalesce(r.name, n.rep_id) AS rep, n.note, n.author, n.updated_at "
        "FROM review_notes n LEFT JOIN reps r USING (rep_id) "
        "WHERE n.iso_week IN (SELECT unnest(?::VARCHAR[])) ORDER BY n.iso_week, n.rep_id",
        [list(weeks)],
    ).df()


def customers_frame(con: Connection) -> pd.DataFrame:
    """All customers: [customer_id, name, region, tier]."""
    return con.execute("SELECT customer_id, name, region, tier FROM customers ORDER BY customer_id").df()


def find_csat_import(con: Connection, file_hash: str) -> tuple[int, dt.datetime] | None:
    row = con.execute(
        "SELECT import_id, created_at FROM csat_imports WHERE file_hash = ? ORDER BY import_id LIMIT 1",
        [file_hash],
    ).fetchall()
    return (int(row[0][0]), row[0][1]) if row else None


def add_csat_scores(
    con: Connection,
    rows: pd.DataFrame,
    *,
    file_name: str | None,
    file_hash: str | None,
) -> int:
    """Store survey answers [day, rep_id, customer_id, score] all-or-nothing; returns the import id.

    The same file content twice raises ``AlreadyImported``; the score CHECK (1-5) is the backstop
    behind :mod:`analysis.csat`'s validation."""
    with _write(con, "csat", detail={"file": file_name, "rows": len(rows)}) as created_by:
        if file_hash:
            prior = find_csat_import(con, file_hash)
            if prior:
                raise AlreadyImported(
                    f"this file was already imported on {prior[1]:%Y-%m-%d %H:%M} as #{prior[0]}; nothing added"
                )
        iid = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM csat_imports").fetchall()[0][0])
        first = rows["day"].min() if len(rows) else None
        last = rows["day"].max() if len(rows) else None
        con.execute(
            "INSERT INTO csat_imports VALUES (?, ?, ?, ?, CAST(? AS DATE), CAST(? AS DATE), ?, ?)",
            [iid, file_name, file_hash, len(rows), first, last, created_by, _now()],
        )
        if len(rows):
            con.register("_csat", rows[["day", "rep_id", "customer_id", "score"]])
            con.execute(
                "INSERT INTO csat_scores SELECT ?, CAST(day AS DATE), rep_id, customer_id, CAST(score AS SMALLINT) "
                "FROM _csat",
                [iid],
            )
            con.unregister("_csat")
    return iid


def csat_by_rep(con: Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Survey answers per rep in [start, end]: [rep_id, responses, avg_score (float, 1-5)].

    Empty when the table does not exist yet (a read-only reader of a database not migrated)."""
    if not has_table(con, "csat_scores"):
        return pd.DataFrame({"rep_id": [], "responses": [], "avg_score": []})
    return con.execute(
        "SELECT rep_id, count(*) AS responses, avg(score)::DOUBLE AS avg_score FROM csat_scores "
        "WHERE day BETWEEN ? AND ? GROUP BY rep_id ORDER BY rep_id",
        [start, end],
    ).df()
