"""``python -m analysis bench``: timings of the operations that must stay fast, written to BENCHMARKS.md.

Each area contributes a function returning rows {"operation", "rows", "p50_ms", "p95_ms",
"baseline_ms"?, "ratio"?}; baselines are measured in the same process and run, because the
machines are shared and noisy and only same-run comparisons mean anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = dict[str, Any]
LOAD_MARKER = "<!-- load -->"


def timeit(fn: Callable[[], object], runs: int = 20, warmup: int = 2) -> tuple[float, float]:
    """Median and 95th percentile wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def bench_demo(rows: int) -> list[Row]:
    """Demo build time (generate + bulk insert + summaries) at ``rows``."""
    from analysis import demo

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        demo.build_demo(str(path), rows=rows, end=dt.date(2026, 11, 26), living=False)
        ms = (time.perf_counter() - t0) * 1000
        size = path.stat().st_size
    return [{"operation": f"demo build ({size / 1e6:.0f} MB file)", "rows": rows, "p50_ms": ms, "p95_ms": ms}]


# (module, function name, takes a db path?) — areas register their benches here.
AREAS: list[tuple[str, str, bool]] = [
    ("analysis.plan", "bench_plan", False),
    ("analysis.importer", "bench_import", False),  # whole upload path; openpyxl read as baseline
    ("analysis.importer", "bench_import_into_history", True),  # a monthly upload into the big store
    ("analysis.metrics", "bench_progress", True),
    ("analysis.risks", "bench_risks", True),  # all reps, load + rules; raw customer read as baseline
]


def run(rows: int, db: str | None) -> list[Row]:
    results: list[Row] = []
    results += bench_demo(min(rows, 200_000))
    big_db = db
    if big_db is None:
        tmp = tempfile.mkdtemp()
        big_db = str(Path(tmp) / "bench_big.duckdb")
        from analysis import demo

        demo.build_demo(big_db, rows=rows, end=dt.date(2026, 11, 26), living=False)
    for module_name, func_name, wants_db in AREAS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        fn = getattr(module, func_name, None)
        if fn is None:
            continue
        results += fn(big_db) if wants_db else fn()
    return results


def render(results: list[Row], rows: int) -> str:
    head = "| operation | rows | p50 ms | p95 ms | baseline ms | ratio |\n|---|---:|---:|---:|---:|---:|\n"
    lines = []
    for r in results:
        base = r.get("baseline_ms")
        ratio = r.get("ratio") or (base / r["p50_ms"] if base and r["p50_ms"] else None)
        lines.append(
            f"| {r['operation']} | {r['rows']:,} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{'' if base is None else f'{base:.1f}'} | {'' if ratio is None else f'{ratio:.1f}×'} |"
        )
    meta = (
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()} / Python {platform.python_version()}, "
        f"history rows for page queries: {rows:,}. Medians of repeated runs; baselines measured in the same run.\n\n"
    )
    return meta + head + "\n".join(lines) + "\n"


def cmd_bench(args: argparse.Namespace) -> int:
    if args.rows < 1000:
        raise ValueError("--rows must be at least 1000")
    results = run(args.rows, args.db)
    table = render(results, args.rows)
    print(table)
    if args.out:
        out = Path(args.out)
        # Sections measured by other tools (the load test) live below this marker and are kept.
        kept = ""
        if out.exists():
            text = out.read_text(encoding="utf-8")
            if LOAD_MARKER in text:
                kept = "\n" + text[text.index(LOAD_MARKER) :]
        out.write_text("# Benchmarks\n\n" + table + kept, encoding="utf-8")
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("bench", cmd_bench, "time the operations that must stay fast; writes BENCHMARKS.md")
    sp.add_argument("--rows", type=int, default=1_000_000, help="history rows for the page benchmarks")
    sp.add_argument("--out", default="BENCHMARKS.md", help="markdown file to write ('' to skip)")
