"""One import of actuals, as the data page and ``python -m analysis import`` both run it.

``preview`` reads the upload (``ingest.parse_upload``, with the mapping remembered for the same
header), and asks the store what it would collide with: an earlier import of the same bytes,
rows of the same source in the file's date range, order keys already stored, rep names that are
not known yet (with close matches among the known reps). Nothing is written.

``commit`` applies the user's decisions (mode, excluded error rows, rep renames) and stores the
rows all-or-nothing through ``store.commit_import``; the confirmed mapping is remembered for
the header signature. Refusals raise ``ImportRefused`` (an ``IngestError``: exit 2 on the CLI)
or ``store.AlreadyImported``; in both cases nothing is stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import io
import os
import re
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from analysis import store
from analysis.access import SYSTEM, Access
from analysis.filesafety import IngestError
from analysis.ingest import ParsedUpload, parse_upload

__all__ = [
    "DEFAULT_SOURCE",
    "MODES",
    "ImportRefused",
    "Preview",
    "UnknownRep",
    "bench_import",
    "bench_import_into_history",
    "commit",
    "preview",
    "rep_key",
    "suggest_reps",
]

DEFAULT_SOURCE = "upload"
MODES = ("append", "skip-duplicates", "replace-range")


class ImportRefused(IngestError):
    """The import cannot go ahead as asked; the message says what to change. Nothing was stored."""


@dataclass(frozen=True)
class UnknownRep:
    """A rep name in the file that no stored rep has: its rows, amount (cents) and close matches."""

    name: str
    rows: int
    amount_cents: int
    suggestions: list[str]


@dataclass
class Preview:
    """Everything the user decides on before anything is stored."""

    parsed: ParsedUpload
    file_name: str
    source: str
    overlap: dict[str, Any]
    previous: tuple[int, dt.datetime] | None
    unknown_reps: list[UnknownRep]
    known_reps: list[str] = field(default_factory=list)

    @property
    def already_imported(self) -> str | None:
        """ "already imported on DATE as #N" when the same bytes are in the store, else None."""
        if self.previous is None:
            return None
        return f"this file was already imported on {self.previous[1]:%Y-%m-%d %H:%M} as #{self.previous[0]}; nothing added"

    @property
    def first_day(self) -> dt.date | None:
        rows = self.parsed.rows
        return None if rows.empty else rows["date"].min().date()

    @property
    def last_day(self) -> dt.date | None:
        rows = self.parsed.rows
        return None if rows.empty else rows["date"].max().date()


# ---------------------------------------------------------------------------------------------
# Rep names


def rep_key(name: str) -> str:
    """Comparable form of a person's name: NFKC (full-width → half-width), case-folded, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def suggest_reps(names: Sequence[str], known: Sequence[str], limit: int = 3) -> dict[str, list[str]]:
    """For each name that is not exactly a known rep: known reps that are probably the same person.

    Same ``rep_key`` first (width, case, spaces), then close spellings (difflib ratio ≥ 0.75 on
    the keys), best first. A name with no close match maps to an empty list (create it).
    """
    known_set = set(known)
    by_key: dict[str, list[str]] = {}
    for k in known:
        by_key.setdefault(rep_key(k), []).append(k)
    keys = list(by_key)
    out: dict[str, list[str]] = {}
    for n in names:
        if n in known_set:
            continue
        key = rep_key(n)
        found = list(by_key.get(key, []))
        for close in difflib.get_close_matches(key, keys, n=limit, cutoff=0.75):
            found += [k for k in by_key[close] if k not in found]
        out[n] = found[:limit]
    return out


# ---------------------------------------------------------------------------------------------
# Preview and commit


def preview(
    db: str | os.PathLike[str] | None,
    data: bytes,
    filename: str,
    *,
    source: str = DEFAULT_SOURCE,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    count_stages: set[str] | None = None,
) -> Preview:
    """Parse an upload and compare it with the store; writes nothing.

    A missing database is an empty store (the first import creates it). Raises what
    ``parse_upload`` raises (``UploadRefused``, ``AmbiguousMapping``) and store errors.
    """
    exists = store.db_path(db).exists()
    opened = store.connect(db, read_only=True) if exists else contextlib.nullcontext(None)
    with opened as con:

        def remembered(signature: str) -> dict[str, str] | None:
            return store.load_mapping(con, signature) if con is not None else None

        parsed = parse_upload(
            data,
            filename,
            sheet=sheet,
            mapping=mapping,
            date_order=date_order,
            count_stages=count_stages,
            remembered=remembered,
        )
        if con is None:
            previous, overlap, known = (
                None,
                {"rows_in_range": 0, "amount_in_range": Decimal(0), "duplicate_keys": 0},
                [],
            )
        else:
            previous = store.find_import_by_hash(con, parsed.file_hash)
            overlap = store.overlap_report(con, parsed.rows, source)
            known = store.reps_frame(con)["name"].astype(str).tolist()
    rows = parsed.rows
    unknown: list[UnknownRep] = []
    if not rows.empty:
        grouped = rows.groupby("rep", sort=True)["amount_cents"]
        counts: dict[str, int] = {str(k): int(v) for k, v in grouped.size().items()}
        sums: dict[str, int] = {str(k): int(v) for k, v in grouped.sum().items()}
        for name, sug in suggest_reps(list(counts), known).items():
            unknown.append(UnknownRep(name, counts[name], sums[name], sug))
    return Preview(
        parsed=parsed,
        file_name=filename,
        source=source,
        overlap=overlap,
        previous=previous,
        unknown_reps=unknown,
        known_reps=known,
    )


def commit(
    db: str | os.PathLike[str] | None,
    pv: Preview,
    *,
    mode: str = "append",
    exclude_error_rows: bool = False,
    rep_renames: dict[str, str] | None = None,
    actor: Access,
    source: str | None = None,
    strict_reps: bool = False,
) -> store.ImportResult:
    """Store the previewed rows all-or-nothing and remember the mapping for this header.

    Refused (``ImportRefused``, nothing stored) when the file has row errors and
    ``exclude_error_rows`` is false, when no row is left, when a rename targets a rep that does
    not exist, or with ``strict_reps`` when unknown reps remain. The same bytes again raise
    ``store.AlreadyImported``. ``rep_renames`` maps a name in the file to an existing rep.
    ``actor``: who imports (admins only: ``store.Refused`` otherwise); the history records them.
    """
    if mode not in MODES:
        raise ImportRefused(f"import mode must be one of {', '.join(MODES)}, not {mode!r}", "bad_option")
    parsed = pv.parsed
    if parsed.errors and not exclude_error_rows:
        rows_with_errors = len({e.row for e in parsed.errors})
        raise ImportRefused(
            f"{rows_with_errors} rows have errors ({len(parsed.errors)} problems); nothing imported. "
            "Fix the file, or explicitly exclude those rows",
            "row_errors",
        )
    if pv.already_imported:
        raise store.AlreadyImported(pv.already_imported)
    rows = parsed.rows
    if rows.empty:
        raise ImportRefused("no rows to import (every row was skipped or had an error)", "no_rows")
    renames = {k: v for k, v in (rep_renames or {}).items() if k != v}
    if renames:
        missing = sorted(set(renames.values()) - set(pv.known_reps))
        if missing:
            raise ImportRefused(f"cannot map to unknown reps: {', '.join(missing)}", "bad_rename")
        rows = rows.assign(rep=rows["rep"].replace(renames))
    with store.connect(db, create=True, actor=actor) as con:
        result = store.commit_import(
            con,
            rows,
            source=source or pv.source,
            file_name=pv.file_name,
            file_hash=parsed.file_hash,
            mode=mode,
            strict_reps=strict_reps,
            # (a derived entry, People!Person, is ignored when it is read back)
            remember_mapping=(parsed.header_signature, dict(parsed.mapping)) if parsed.mapping else None,
        )
    return result


# ---------------------------------------------------------------------------------------------
# Benchmark: upload bytes → rows visible in the summary tables


def bench_import(
    sizes: Sequence[int] = (100_000, 10_000), runs: int = 5, history_rows: int = 30_000
) -> list[dict[str, Any]]:
    """Whole import (parse + validate + compare + commit + summaries) of a generated xlsx into a
    copy of a demo database, p50/p95 over ``runs`` in ms, next to an openpyxl read-only pass
    over the same file (the baseline, one run). Also reports the Python peak (tracemalloc, MB)
    of one extra run and the process's peak RSS so far (``ru_maxrss``, MB)."""
    from openpyxl import load_workbook

    from analysis import demo
    from analysis.ingest import write_bench_xlsx

    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.duckdb"
        demo.build_demo(str(base), rows=history_rows, end=dt.date(2026, 11, 26), living=False)
        for n in sizes:
            path = Path(tmp) / f"bench_{n}.xlsx"
            write_bench_xlsx(path, n)
            data = path.read_bytes()

            def once(i: int, n: int = n, data: bytes = data) -> float:
                db = Path(tmp) / f"run_{n}_{i}.duckdb"
                shutil.copy(base, db)
                t0 = time.perf_counter()
                pv = preview(db, data, "bench.xlsx")
                res = commit(db, pv, mode="append", actor=SYSTEM)
                ms = (time.perf_counter() - t0) * 1000
                if res.rows != n:
                    raise RuntimeError(f"benchmark import stored {res.rows} of {n} rows")
                db.unlink()
                return ms

            times = sorted(once(i) for i in range(runs))
            tracemalloc.start()
            once(runs)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            t0 = time.perf_counter()
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
            wb.close()
            baseline = (time.perf_counter() - t0) * 1000
            out.append(
                {
                    "operation": "import xlsx → summaries (parse+validate+commit)",
                    "rows": n,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
                    "baseline_ms": round(baseline, 1),
                    "py_peak_mb": round(peak, 1),
                    "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                }
            )
    return out


def bench_import_into_history(db_path: str, rows: int = 10_000, runs: int = 3) -> list[dict[str, Any]]:
    """A monthly upload into a store with years of history: ``rows`` sales of the stored reps in
    the month after the last sale, whole path (preview + commit + summaries) into a fresh copy of
    ``db_path`` each run (the copy is not timed). Rows {"operation", "rows", "p50_ms", "p95_ms"}."""
    from openpyxl import Workbook

    with store.connect(db_path, read_only=True) as con:
        names = store.reps_frame(con)["name"].astype(str).tolist()
        _, last, history = store.sales_bounds(con)
    if not names or last is None:
        return []
    start = last + dt.timedelta(days=1)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            wb = Workbook()
            ws = wb.active
            assert ws is not None
            ws.append(["订单号", "日期", "销售员", "客户", "产品", "金额"])
            for j in range(rows):
                ws.append(
                    [
                        f"B{i}-{j:06d}",
                        start + dt.timedelta(days=j % 28),
                        names[j % len(names)],
                        f"客户{j % 400}",
                        f"产品{j % 5}",
                        round(100 + (j * 7919 % 99_900) / 3, 2),
                    ]
                )
            buf = io.BytesIO()
            wb.save(buf)
            db = Path(tmp) / "history.duckdb"
            shutil.copy(db_path, db)
            t0 = time.perf_counter()
            res = commit(db, preview(db, buf.getvalue(), f"month-{i}.xlsx"), mode="append", actor=SYSTEM)
            times.append((time.perf_counter() - t0) * 1000)
            if res.rows != rows:
                raise RuntimeError(f"benchmark import stored {res.rows} of {rows} rows")
            db.unlink()
    times.sort()
    return [
        {
            "operation": f"import xlsx into a store of {history:,} sales rows (parse+validate+commit)",
            "rows": rows,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[-1], 1),
        }
    ]


def total_decimal(cents: int) -> Decimal:
    """Integer cents → exact Decimal with two places."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))
