"""Store: migrations, summary tables, locking, imports with undo, plan versions."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import store
from analysis.access import SYSTEM
from tests.actors import acting

SUMMARY_CHECKS = [
    (
        "sum_rep_day",
        "SELECT rep_id, day, sum(amount), count(*) FROM sales WHERE removed_by IS NULL GROUP BY ALL",
        "SELECT rep_id, day, amount, orders FROM sum_rep_day",
    ),
    (
        "sum_rep_month",
        "SELECT rep_id, date_trunc('month', day)::DATE, sum(amount), count(*), count(DISTINCT customer_id) FROM sales "
        "WHERE removed_by IS NULL GROUP BY ALL",
        "SELECT rep_id, month, amount, orders, customers FROM sum_rep_month",
    ),
    (
        "sum_team_week",
        "SELECT r.team_id, date_trunc('week', s.day)::DATE, sum(s.amount), count(*) FROM sales s JOIN reps r "
        "USING (rep_id) WHERE removed_by IS NULL GROUP BY ALL",
        "SELECT team_id, week_start, amount, orders FROM sum_team_week",
    ),
    (
        "sum_rep_customer",
        "SELECT rep_id, customer_id, sum(amount), count(*), min(day), max(day) FROM sales WHERE removed_by IS NULL "
        "GROUP BY ALL",
        "SELECT rep_id, customer_id, amount, orders, first_day, last_day FROM sum_rep_customer",
    ),
    (
        "sum_rep_product_month",
        "SELECT rep_id, product_id, date_trunc('month', day)::DATE, sum(amount), count(*) FROM sales "
        "WHERE removed_by IS NULL GROUP BY ALL",
        "SELECT rep_id, product_id, month, amount, orders FROM sum_rep_product_month",
    ),
    (
        "sum_rep_customer_month",
        "SELECT rep_id, customer_id, date_trunc('month', day)::DATE, sum(amount), count(*), count(DISTINCT day), "
        "min(day), max(day) FROM sales WHERE removed_by IS NULL GROUP BY ALL",
        "SELECT rep_id, customer_id, month, amount, orders, order_days, first_day, last_day "
        "FROM sum_rep_customer_month",
    ),
]


def assert_summaries_match(path: Path) -> None:
    with store.connect(path, read_only=True) as con:
        for name, raw, summ in SUMMARY_CHECKS:
            diff = con.execute(f"({raw}) EXCEPT ALL ({summ})").fetchall()
            diff2 = con.execute(f"({summ}) EXCEPT ALL ({raw})").fetchall()
            assert diff == [] and diff2 == [], f"{name} disagrees with raw sales: {diff[:3]} {diff2[:3]}"


def _rows(
    n: int, *, rep: str = "新人甲", day: str = "2026-11-02", key_prefix: str | None = None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime([day] * n),
            "rep": [rep] * n,
            "customer": [f"客户{i % 3}" for i in range(n)],
            "product": ["企业版软件"] * n,
            "region": ["华东"] * n,
            "quantity": [1.0] * n,
            "amount_cents": [12345 + i for i in range(n)],
            "order_key": [f"{key_prefix}{i}" for i in range(n)] if key_prefix else [None] * n,
        }
    )


class TestMigrations:
    def test_new_database_gets_every_migration_once(self, tmp_path: Path) -> None:
        path = tmp_path / "new.duckdb"
        store.init_db(path)
        store.init_db(path)
        with store.connect(path, actor=SYSTEM) as con:
            assert store.schema_versions(con) == [v for v, _, _ in store.MIGRATIONS]
            assert store.migrate(con) == []

    def test_missing_file_is_not_created_by_readers(self, tmp_path: Path) -> None:
        path = tmp_path / "absent.duckdb"
        with pytest.raises(store.StoreMissing, match="does not exist"), store.connect(path, read_only=True):
            pass
        with pytest.raises(store.StoreMissing), store.connect(path, actor=SYSTEM):
            pass
        assert not path.exists()


class TestSummaries:
    def test_demo_summaries_equal_raw_aggregates(self, demo_db: Path) -> None:
        assert_summaries_match(demo_db)

    def test_import_and_undo_keep_summaries_exact(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            before = store.total_between(con, dt.date(2020, 1, 1), dt.date(2030, 1, 1))
            res = store.commit_import(con, _rows(5), source="upload", file_name="a.xlsx", file_hash="h1")
        assert res.total == Decimal("617.35")  # 123.45 + 123.46 + … + 123.49
        assert res.new_reps == ["新人甲"]
        assert_summaries_match(demo_db)
        with store.connect(demo_db, actor=SYSTEM) as con:
            assert store.total_between(con, dt.date(2020, 1, 1), dt.date(2030, 1, 1)) == before + res.total
            store.undo_import(con, res.import_id)
            assert store.total_between(con, dt.date(2020, 1, 1), dt.date(2030, 1, 1)) == before
        assert_summaries_match(demo_db)

    def test_migration_5_fills_rep_customer_month_on_an_existing_database(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            con.execute("DROP TABLE sum_rep_customer_month")
            con.execute("DELETE FROM schema_migrations WHERE version = 5")
            assert store.migrate(con) == [5]
        assert_summaries_match(demo_db)

    @pytest.mark.parametrize(
        ("start", "recent", "as_of"),
        [
            ("2024-11-27", "2025-11-27", "2026-11-26"),  # the risk window on the last data day
            ("2024-06-18", "2025-06-18", "2026-06-17"),  # cut months on both ends, sales after as_of
            ("2025-01-01", "2025-07-01", "2025-12-31"),  # whole months only
            ("2026-03-05", "2026-03-10", "2026-03-20"),  # inside one month
            ("2026-02-10", "2026-01-01", "2026-12-31"),  # recent start before start, as_of after the data
        ],
    )
    def test_customer_activity_from_summaries_equals_raw(
        self, demo_db_master: Path, start: str, recent: str, as_of: str
    ) -> None:
        days = [dt.date.fromisoformat(d) for d in (start, recent, as_of)]
        with store.connect(demo_db_master, read_only=True) as con:
            fast = store.customer_activity(con, *days)
            raw = store.customer_activity(con, *days, raw=True)
        assert len(fast) > 0
        pd.testing.assert_frame_equal(fast, raw)


_import_batch = st.lists(
    st.tuples(
        st.integers(0, 60),  # day offset from 2026-10-20: crosses month and ISO-week boundaries
        st.sampled_from(["张伟", "李娜", "新人甲", "新人乙"]),  # stored reps (maybe) and new ones
        st.sampled_from(["客户0", "客户1", "新客户", None]),
        st.integers(-5_000, 2_000_000),  # cents; returns are negative
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=20)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(
                st.just("import"),
                st.sampled_from(["append", "skip-duplicates", "replace-range"]),
                st.sampled_from(["demo", "erp"]),
                _import_batch,
            ),
            st.tuples(st.just("undo"), st.integers(0, 10)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_ranged_summary_refresh_equals_full_recompute(
    demo_db_master: Path, tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[Any, ...]]
) -> None:
    """Imports (every mode, sources that overlap the demo's) and undos refresh only the days,
    months, weeks and customer pairs they touch; after every step each summary table must equal
    the aggregate of the raw rows."""
    db = tmp_path_factory.mktemp("ranged") / "r.duckdb"
    shutil.copy(demo_db_master, db)
    live: list[int] = []
    for n, op in enumerate(ops):
        with store.connect(db, actor=SYSTEM) as con:
            if op[0] == "import":
                _, mode, source, batch = op
                rows = pd.DataFrame(
                    {
                        "date": pd.to_datetime(
                            [dt.date(2026, 10, 20) + dt.timedelta(days=d) for d, *_ in batch]
                        ),
                        "rep": [r for _, r, _, _ in batch],
                        "customer": [c for _, _, c, _ in batch],
                        "product": ["企业版软件"] * len(batch),
                        "region": ["华东"] * len(batch),
                        "quantity": [1.0] * len(batch),
                        "amount_cents": [a for *_, a in batch],
                        "order_key": [f"k{n}-{i % 3}" for i in range(len(batch))],
                    }
                )
                try:
                    res = store.commit_import(
                        con, rows, source=source, file_name="f", file_hash=f"h{n}", mode=mode
                    )
                except store.StoreError:
                    continue  # e.g. every row a duplicate: nothing stored, nothing to check
                live.append(res.import_id)
            elif live:
                target = live[op[1] % len(live)]
                try:
                    store.undo_import(con, target)
                except store.StoreError:
                    continue  # a later replace holds its rows: refused, store unchanged
                live.remove(target)
        assert_summaries_match(db)


class TestImports:
    def test_same_file_twice_is_refused(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            first = store.commit_import(con, _rows(2), source="upload", file_name="a.csv", file_hash="same")
            with pytest.raises(store.AlreadyImported, match=f"#{first.import_id}"):
                store.commit_import(con, _rows(2), source="upload", file_name="b.csv", file_hash="same")
            assert len(store.list_imports(con)) == 2  # demo + first

    def test_skip_duplicates_by_order_key(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.commit_import(con, _rows(3, key_prefix="SO-"), source="crm", file_name="a", file_hash="a")
            res = store.commit_import(
                con,
                _rows(5, key_prefix="SO-"),
                source="crm",
                file_name="b",
                file_hash="b",
                mode="skip-duplicates",
            )
        assert res.skipped_duplicates == 3
        assert res.rows == 2

    def test_replace_range_then_undo_restores_exact_state(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            a = store.commit_import(
                con, _rows(4, day="2026-11-03"), source="erp", file_name="oct", file_hash="x1"
            )
            snapshot = con.execute("SELECT * FROM sales ORDER BY ALL").fetchall()
            b = store.commit_import(
                con,
                _rows(2, day="2026-11-03"),
                source="erp",
                file_name="oct-fixed",
                file_hash="x2",
                mode="replace-range",
            )
            assert b.removed_rows == a.rows
            live = con.execute(
                "SELECT sum(amount) FROM sales WHERE source='erp' AND removed_by IS NULL"
            ).fetchall()
            assert live[0][0] == b.total
            with pytest.raises(store.StoreError, match=f"undo #{b.import_id} first"):
                store.undo_import(con, a.import_id)
            store.undo_import(con, b.import_id)
            assert con.execute("SELECT * FROM sales ORDER BY ALL").fetchall() == snapshot
        assert_summaries_match(demo_db)

    def test_names_become_ids_each_row_once_with_new_ids_in_name_order(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            rep_id = con.execute("SELECT rep_id, name FROM reps ORDER BY rep_id LIMIT 1").fetchall()[0]
            # a second rep row under an existing name: the rows must not be doubled by the join
            con.execute("INSERT INTO reps (rep_id, name) VALUES ('R99999', ?)", [rep_id[1]])
            rows = pd.concat([_rows(3, rep=rep_id[1]), _rows(2, rep="新人乙"), _rows(1, rep="新人甲")])
            rows["customer"] = ["客户X", None, "", "客户X", "客户Y", "客户X"]
            rows["amount_cents"] = [100, 200, 300, 400, 500, 600]  # the ORDER BY below keeps file order
            res = store.commit_import(con, rows, source="upload", file_name="n", file_hash="n")
            stored = con.execute(
                "SELECT rep_id, customer_id, amount FROM sales WHERE import_id = ? ORDER BY amount",
                [res.import_id],
            ).fetchall()
            new = dict(
                con.execute("SELECT name, rep_id FROM reps WHERE name IN ('新人甲', '新人乙')").fetchall()
            )
            customers = dict(con.execute("SELECT name, customer_id FROM customers").fetchall())
        assert res.rows == 6 and len(stored) == 6
        assert sum(a for _r, _c, a in stored) == sum(Decimal(c) / 100 for c in rows["amount_cents"])
        assert [r for r, _c, _a in stored[:3]] == [rep_id[0]] * 3  # the smaller id of the two
        assert res.new_reps == sorted(["新人甲", "新人乙"])
        first, second = res.new_reps
        assert int(new[first][1:]) + 1 == int(new[second][1:])  # next free ids, in name order
        assert [c for _r, c, _a in stored] == [
            customers["客户X"],
            None,
            None,
            customers["客户X"],
            customers["客户Y"],
            customers["客户X"],
        ]
        assert "" not in customers

    def test_unknown_mode_is_refused(self, demo_db: Path) -> None:
        with (
            store.connect(demo_db, actor=SYSTEM) as con,
            pytest.raises(store.StoreError, match="unknown import mode"),
        ):
            store.commit_import(con, _rows(1), source="x", file_name="x", file_hash="x", mode="merge")

    def test_failed_import_leaves_store_untouched(self, demo_db: Path) -> None:
        bad = _rows(2)
        bad.loc[1, "amount_cents"] = (
            9 * 10**17
        )  # fits int64 but overflows DECIMAL(18,2) inside the transaction
        with store.connect(demo_db, actor=SYSTEM) as con:
            before = con.execute("SELECT count(*), sum(amount) FROM sales").fetchall()
            n_imports = len(store.list_imports(con))
            with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
                store.commit_import(con, bad, source="x", file_name="x", file_hash="overflow")
            assert con.execute("SELECT count(*), sum(amount) FROM sales").fetchall() == before
            assert len(store.list_imports(con)) == n_imports


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


class TestLocking:
    def test_lock_held_elsewhere_is_a_clear_error(self, demo_db: Path) -> None:
        proc = hold_lock(demo_db, 30)
        try:
            t0 = time.monotonic()
            with (
                pytest.raises(store.StoreLocked, match="in use by another process"),
                store.connect(demo_db, wait=0.5, actor=SYSTEM),
            ):
                pass
            assert time.monotonic() - t0 < 5
        finally:
            proc.kill()
            proc.wait()

    def test_brief_lock_is_waited_out(self, demo_db: Path) -> None:
        proc = hold_lock(demo_db, 0.8)
        try:
            with store.connect(demo_db, wait=10, actor=SYSTEM) as con:
                assert con.execute("SELECT count(*) FROM reps").fetchall()[0][0] == 24
        finally:
            proc.wait()


class TestAttachments:
    """Each unit of work attaches the file to one DuckDB instance per process and detaches it."""

    def test_the_file_is_free_and_complete_after_each_unit_of_work(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.set_setting(con, "probe", "1")
        assert not demo_db.with_name(demo_db.name + ".wal").exists()  # checkpointed into the file
        proc = hold_lock(demo_db, 0)  # another process can take the file read-write at once
        proc.wait()
        with store.connect(demo_db, read_only=True) as con:
            assert store.get_setting(con, "probe") == "1"

    def test_two_files_open_at_once_each_see_only_their_own_tables(
        self, demo_db: Path, tmp_path: Path
    ) -> None:
        other = store.init_db(tmp_path / "other.duckdb")
        with store.connect(other, actor=SYSTEM) as con:
            con.execute("CREATE TABLE only_in_other (x INTEGER)")
        with store.connect(demo_db, read_only=True) as a, store.connect(other, read_only=True) as b:
            assert store.has_table(b, "only_in_other") and not store.has_table(a, "only_in_other")
            assert "only_in_other" in store.table_counts(b) and "only_in_other" not in store.table_counts(a)
            assert store.table_counts(a)["sales"] > 0 and store.table_counts(b)["sales"] == 0
            assert store.table_columns(a, "only_in_other") == []
            assert store.is_current(other) and store.is_current(demo_db)

    def test_a_cursor_reads_the_same_database(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con:
            expected = con.execute("SELECT count(*) FROM sales").fetchall()
            assert store.cursor(con).execute("SELECT count(*) FROM sales").fetchall() == expected

    def test_threads_reading_share_the_file_and_the_last_one_releases_it(self, demo_db: Path) -> None:
        inside = threading.Barrier(3, timeout=10)
        counts: list[int] = []

        def reader() -> None:
            with store.connect(demo_db, read_only=True) as con:
                inside.wait()  # all three readers are inside at the same time
                counts.append(con.execute("SELECT count(*) FROM sales").fetchall()[0][0])

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
        assert len(counts) == 3 and len(set(counts)) == 1
        proc = hold_lock(demo_db, 0)  # released: another process can write
        proc.wait()


class TestInProcessLock:
    """Server threads: readers share the database, a writer is alone, a waiting writer goes first."""

    def test_readers_share_and_a_writer_waits_for_them(self, demo_db: Path) -> None:
        both_reading = threading.Barrier(2, timeout=10)
        events: list[str] = []
        writer_in = threading.Event()

        def reader(name: str) -> None:
            with store.connect(demo_db, read_only=True) as con:
                both_reading.wait()  # fails with BrokenBarrierError if readers were serialised
                con.execute("SELECT count(*) FROM sales").fetchall()
                time.sleep(0.3)
                assert not writer_in.is_set()  # no writer while a reader is inside
                events.append(f"{name} done")

        def writer() -> None:
            time.sleep(0.1)  # after both readers are in
            with store.connect(demo_db, actor=SYSTEM) as con:
                writer_in.set()
                con.execute("SELECT 1").fetchall()
                events.append("writer")

        threads = [threading.Thread(target=reader, args=(n,)) for n in ("a", "b")]
        threads.append(threading.Thread(target=writer))
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
        assert sorted(events[:2]) == ["a done", "b done"] and events[2] == "writer"

    def test_a_waiting_writer_goes_before_new_readers(self, demo_db: Path) -> None:
        order: list[str] = []
        first_in = threading.Event()

        def long_reader() -> None:
            with store.connect(demo_db, read_only=True):
                first_in.set()
                time.sleep(0.5)
                order.append("long reader")  # inside: appended after leaving, it raced the writer

        def writer() -> None:
            first_in.wait(10)
            with store.connect(demo_db, actor=SYSTEM):
                order.append("writer")

        def late_reader() -> None:
            first_in.wait(10)
            time.sleep(0.2)  # arrives while the writer waits
            with store.connect(demo_db, read_only=True):
                order.append("late reader")

        threads = [threading.Thread(target=f) for f in (long_reader, writer, late_reader)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
        assert order == ["long reader", "writer", "late reader"]

    def test_a_write_inside_a_read_is_refused_not_a_deadlock(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True), pytest.raises(store.StoreError, match="inside a read"):
            with store.connect(demo_db, actor=SYSTEM):
                pass
        with store.connect(demo_db, actor=SYSTEM) as con:  # and the lock is free again
            assert con.execute("SELECT 1").fetchall() == [(1,)]


class TestPlanVersions:
    def _targets(self, total_cents: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "rep_id": ["R001", "R002"],
                "team_id": ["T01", "T01"],
                "day": [dt.date(2027, 1, 4)] * 2,
                "target_cents": [total_cents // 2, total_cents - total_cents // 2],
            }
        )

    def _save(
        self,
        con: store.Connection,
        based_on: int | None,
        author: str | None = "王经理",
        *,
        targets: pd.DataFrame | None = None,
        params: dict[str, object] | None = None,
        note: str | None = None,
    ) -> store.PlanVersion:
        """Saved by ``author`` (None: the connection's own actor, ``system``)."""
        with acting(con, author or SYSTEM):
            return store.save_plan_version(
                con,
                scenario="基准",
                based_on=based_on,
                fiscal_year=2027,
                fy_start_month=1,
                target=Decimal("1000.01"),
                unit=Decimal("0.01"),
                params={"spread": "working_days"} if params is None else params,
                targets=self._targets(100001) if targets is None else targets,
                note=note,
            )

    def test_a_conflict_on_every_try_is_a_clear_store_error(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        tries: list[int] = []

        def always_conflicting() -> dt.datetime:
            tries.append(1)
            raise duckdb.TransactionException("Conflict on tuple deletion!")  # what DuckDB raises

        monkeypatch.setattr(store, "_now", always_conflicting)
        with store.connect(demo_db, actor=SYSTEM) as con:
            with pytest.raises(store.StoreError, match="at the same moment"):
                self._save(con, None)
            assert len(tries) == 3
            assert store.list_plan_versions(con) == []  # every try rolled back

    def test_a_save_racing_another_writers_commit_lands_under_the_next_id(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A real DuckDB conflict: another writer commits version_id 1 after this save picked it."""
        with store.connect(demo_db, actor=SYSTEM) as con:
            other = store.cursor(con)
            other.execute("BEGIN TRANSACTION")
            other.execute(
                "INSERT INTO plan_versions (version_id, scenario, version, fiscal_year, fy_start_month, target, "
                "unit, params, created_at) VALUES (1, 'other', 1, 2027, 1, 1, 1, '{}', now())"
            )
            real_now = store._now
            raced: list[bool] = []

            def now_after_the_race() -> dt.datetime:
                if not raced:  # first call: inside the save's transaction, after it chose id 1
                    raced.append(True)
                    other.execute("COMMIT")
                return real_now()

            monkeypatch.setattr(store, "_now", now_after_the_race)
            pv = self._save(con, None)
            assert raced and pv.version_id == 2 and pv.version == 1
            ids = {v.scenario: v.version_id for v in store.list_plan_versions(con)}
            assert ids == {"other": 1, "基准": 2}

    def test_versions_are_immutable_and_stale_saves_refused(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            v1 = self._save(con, None)
            v2 = self._save(con, 1, author="李总监")
            assert (v1.version, v2.version, v2.parent_id) == (1, 2, v1.version_id)
            with pytest.raises(store.StaleVersion, match="李总监"):
                self._save(con, 1)
            assert [v.version for v in store.list_plan_versions(con, 2027)] == [1, 2]
            targets = store.plan_targets(con, v1.version_id)
            assert int(targets["target_cents"].sum()) == 100001

    def _rows(self, con: store.Connection) -> int:
        return int(con.execute("SELECT count(*) FROM plan_targets").fetchall()[0][0])

    @pytest.mark.parametrize("author", ["王经理", None])
    def test_the_same_new_plan_saved_twice_is_one_version(self, demo_db: Path, author: str | None) -> None:
        """A replayed submit of a brand-new scenario returns the version the first call wrote."""
        with store.connect(demo_db, actor=SYSTEM) as con:
            v1 = self._save(con, None, author)
            again = self._save(con, None, author)
            assert again == v1
            assert [v.version for v in store.list_plan_versions(con, 2027)] == [1]
            assert self._rows(con) == 2

    def test_the_same_edit_saved_twice_is_one_version(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            self._save(con, None)
            # the same rows in another order are the same content
            edit = self._targets(100001).assign(target_cents=[50001, 50000])
            v2 = self._save(con, 1, targets=edit)
            again = self._save(con, 1, targets=edit.iloc[[1, 0]].reset_index(drop=True))
            assert again == v2 and v2.version == 2
            assert [v.version for v in store.list_plan_versions(con, 2027)] == [1, 2]
            assert self._rows(con) == 4

    def test_a_repeat_after_someone_else_saved_still_finds_its_version(self, demo_db: Path) -> None:
        """Versions are linear: the one saved from v1 is v2, whatever came after it."""
        with store.connect(demo_db, actor=SYSTEM) as con:
            self._save(con, None)
            v2 = self._save(con, 1, params={"spread": "even"})
            self._save(con, 2, author="李总监")
            assert self._save(con, 1, params={"spread": "even"}) == v2

    @pytest.mark.parametrize(
        "change",
        [
            {"targets": "other split"},
            {"params": {"spread": "even"}},
            {"note": "another note"},
            {"author": "李总监"},
        ],
        ids=["targets", "params", "note", "author"],
    )
    def test_a_different_concurrent_save_is_still_stale(
        self, demo_db: Path, change: dict[str, object]
    ) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            self._save(con, None)
            kwargs: dict[str, object] = dict(change)
            if "targets" in kwargs:
                kwargs["targets"] = self._targets(100001).assign(target_cents=[1, 100000])
            with pytest.raises(store.StaleVersion, match=r"changed by 王经理 at \d{4}-\d\d-\d\d .*version 1"):
                self._save(con, None, **kwargs)  # type: ignore[arg-type]
            assert [v.version for v in store.list_plan_versions(con, 2027)] == [1]
            assert self._rows(con) == 2

    def test_versions_saved_before_the_hash_are_never_matched(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            self._save(con, None)
            con.execute("UPDATE plan_versions SET content_hash = NULL")
            with pytest.raises(store.StaleVersion):
                self._save(con, None)

    def test_migration_10_adds_the_hash_to_an_existing_database(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            v1 = self._save(con, None)
            con.execute("ALTER TABLE plan_versions DROP COLUMN content_hash")
            con.execute("DELETE FROM schema_migrations WHERE version = 10")
            assert store.migrate(con) == [10]
            assert store.get_plan_version(con, v1.version_id) == v1
            assert self._save(con, 1, note="after the migration").version == 2

    def test_plan_that_does_not_add_up_is_not_saved(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            with pytest.raises(store.StoreError, match="does not add up"):
                store.save_plan_version(
                    con,
                    scenario="x",
                    based_on=None,
                    fiscal_year=2027,
                    fy_start_month=1,
                    target=Decimal("5"),
                    unit=Decimal("0.01"),
                    params={},
                    targets=self._targets(100),
                )
            assert store.list_plan_versions(con) == []


def test_data_version_survives_a_wal_removed_while_it_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another session's checkpoint can delete the .wal between noticing and measuring it."""
    db = store.init_db(tmp_path / "v.duckdb")
    wal = db.with_name(db.name + ".wal")
    wal.write_bytes(b"x" * 10)
    real_stat = Path.stat

    def stat_gone(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == wal:
            raise FileNotFoundError(str(self))  # deleted just now
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat_gone)
    mtime, size = store.data_version(db)
    assert size == real_stat(db).st_size and mtime == real_stat(db).st_mtime_ns
