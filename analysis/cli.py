"""The command line: ``python -m analysis <command> …``.

Exit 0 on success; 2 on bad input (one-line reason on stderr, nothing stored); 1 on an
internal error. ``--json`` prints one JSON object on stdout with money as decimal strings.
The UI calls the same analysis functions, so the CLI holds no business rules of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from analysis import access, store


class UsageError(Exception):
    """Bad input from the user: exit 2 with the message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _jsonable(value: Any) -> Any:
    """``value`` with JSON types only: money as a 2-place string, dates ISO, every missing value null.

    Missing values arrive from pandas in several shapes (NaN, NaT, pd.NA, ±inf from a ratio over
    zero); all of them become ``null`` so the output is strict JSON that jq and JavaScript accept.
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.is_finite() else None
    if isinstance(value, dt.datetime | dt.date):  # pd.Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):  # numpy scalars from DataFrame.to_dict
        return _jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def emit(obj: dict[str, Any]) -> None:
    """Print ``obj`` as one line of strict JSON (``allow_nan=False``: NaN or Infinity raise, never print)."""
    print(json.dumps(_jsonable(obj), ensure_ascii=False, allow_nan=False))


def _progress_printer(enabled: bool) -> Callable[[float, str], None] | None:
    if not enabled:
        return None
    start = time.perf_counter()

    def show(frac: float, what: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f}s] {frac * 100:5.1f}% {what}", file=sys.stderr, flush=True)

    return show


def cmd_demo(args: argparse.Namespace) -> int:
    from analysis import demo

    if args.rows < 1:
        raise UsageError("--rows must be at least 1")
    try:
        end = dt.date.fromisoformat(args.end) if args.end else None
    except ValueError as exc:
        raise UsageError(f"--end {args.end!r} is not a date (use YYYY-MM-DD)") from exc
    target = store.db_path(args.db)
    if not target.parent.is_dir():
        raise UsageError(f"folder {target.parent} does not exist; create it or pass another --db")
    t0 = time.perf_counter()
    res = demo.build_demo(
        args.db,
        rows=args.rows,
        seed=args.seed,
        end=end,
        living=not args.sales_only,
        progress=_progress_printer(not args.json),
        actor=access.cli_actor(),
        force=args.force,
    )
    elapsed = time.perf_counter() - t0
    path = store.db_path(args.db)
    db_bytes = path.stat().st_size
    out: dict[str, Any] = {
        "db": str(path),
        "rows": res.rows,
        "total": res.total,
        "first_day": res.first_day,
        "last_day": res.last_day,
        "reps": res.reps,
        "customers": res.customers,
        "living": res.living,
        "seconds": round(elapsed, 2),
        "db_bytes": db_bytes,
    }
    if args.json:
        emit(out)
    else:
        print(
            f"built {res.rows:,} rows, total {res.total:,.2f}, {res.first_day}..{res.last_day} into {path} "
            f"in {elapsed:.1f}s ({db_bytes / 1e6:.1f} MB)"
        )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    path = store.init_db(args.db)
    with store.connect(path, read_only=True) as con:
        versions = store.schema_versions(con)
    if args.json:
        emit({"db": str(path), "schema_versions": versions})
    else:
        print(f"{path}: schema {versions}")
    return 0


def cmd_imports(args: argparse.Namespace) -> int:
    with store.connect(args.db, read_only=True) as con:
        df = store.list_imports(con)
    rows = df.to_dict(orient="records")
    for r in rows:
        r["new_reps"] = json.loads(r["new_reps"] or "[]")
        # DECIMAL(18,2) arrives as a float from .df(): money is a decimal string (emit formats it).
        r["total"] = None if pd.isna(r["total"]) else Decimal(str(r["total"])).quantize(Decimal("0.01"))
        for k in ("first_day", "last_day"):  # DATE columns arrive as timestamps
            r[k] = None if pd.isna(r[k]) else pd.Timestamp(r[k]).date()
        for k in ("created_at", "undone_at"):  # NaT is a datetime and truthy: "(undone)" on every import
            r[k] = None if pd.isna(r[k]) else pd.Timestamp(r[k]).to_pydatetime()
    if args.json:
        emit({"imports": rows})
    else:
        for r in rows:
            state = " (undone)" if r["undone_at"] else ""
            print(
                f"#{r['import_id']:<4} {r['created_at']}  {r['file_name']}  {r['rows']:,} rows  "
                f"{Decimal(r['total']):,.2f}{state}"
            )
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    with store.connect(args.db, actor=access.cli_actor()) as con:
        res = store.undo_import(con, args.import_id)
    if args.json:
        emit(res)
    else:
        print(
            f"undid import #{res['import_id']}: removed {res['deleted_rows']:,} rows, "
            f"restored {res['restored_rows']:,}"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m analysis", description="Sales Target Planner command line")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--db", help="database file (default $SALES_DB or data/sales.duckdb)")
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        sp.set_defaults(func=func)
        return sp

    sp = add("demo", cmd_demo, "build the deterministic demo company")
    sp.add_argument("--rows", type=int, default=200_000)
    sp.add_argument("--seed", type=int, default=7)
    sp.add_argument("--end", help="last day of history (default yesterday), YYYY-MM-DD")
    sp.add_argument(
        "--sales-only", action="store_true", help="only the sales history: no plans, tasks, reviews, register"
    )
    sp.add_argument(
        "--force",
        action="store_true",
        help="replace a database that holds plans or imports (they are deleted)",
    )
    add("init", cmd_init, "create/migrate an empty database")
    add("imports", cmd_imports, "list imports")
    sp = add("undo", cmd_undo, "undo an import")
    sp.add_argument("import_id", type=int)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a command module not written yet
        module.register(sub, add)
    return p


# Subcommands living in their own modules; each defines ``register(sub, add)`` where ``add(name,
# func, help)`` returns a subparser that already has --db and --json.
COMMAND_MODULES = (
    "analysis.cli_plan",
    "analysis.cli_import",
    "analysis.cli_progress",
    "analysis.cli_risks",
    "analysis.cli_admin",
    "analysis.cli_loop",
    "analysis.cli_backtest",
    "analysis.bench",
)  # bench last: it times the others


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (store.StoreError, ValueError) as exc:
        print(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`… --json | head`): not an internal error, and nothing to add. Point
        # stdout at devnull, or Python reports the broken pipe again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # noqa: BLE001 - the contract is exit 1 with a message, not a traceback
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
