"""``python -m analysis import FILE``: commit a clean Excel/CSV file of actuals, all-or-nothing.

Exit 2 (summary on the first stderr line, then up to 20 row errors) for a refused, ambiguous or
erroneous file, an unknown rep with ``--strict-reps``, or a file imported before; the store is
then unchanged. ``--json`` prints ``{"import_id", "rows", "total", "reps", "new_reps",
"first_date", "last_date", "skipped", "statuses"}`` with money as decimal strings; ``statuses``
lists every value of the status column with its rows, amount, whether it counted and what the
default policy says of it ("count", "drop", "unknown": not recognised, left out with a note).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from analysis import access, importer, store
from analysis.filesafety import IngestError

MAX_ERROR_LINES = 20


def _say(line: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(line + "\n")


def _fail(summary: str, details: list[str] | None = None) -> int:
    for line in [summary, *(details or [])]:
        _say(line, sys.stderr)
    return 2


def parse_map(items: list[str] | None) -> dict[str, str]:
    """``FIELD=COLUMN`` options → {field: column}; a malformed item raises ValueError (exit 2)."""
    out: dict[str, str] = {}
    for item in items or []:
        fld, sep, col = item.partition("=")
        if not sep or not fld.strip() or not col.strip():
            raise ValueError(f"--map {item!r}: use FIELD=COLUMN, e.g. --map amount=TotalDue")
        out[fld.strip()] = col.strip()
    return out


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"error: {args.file} is not a file")
    data = path.read_bytes()
    try:
        pv = importer.preview(
            args.db,
            data,
            path.name,
            source=args.source,
            sheet=args.sheet,
            mapping=parse_map(args.map) or None,
            date_order=args.date_order,
            count_stages=set(args.count_status) if args.count_status else None,
        )
    except IngestError as exc:
        return _fail(f"refused: {exc}")
    parsed = pv.parsed
    if parsed.errors:
        rows = len({e.row for e in parsed.errors})
        lines = [
            f"row {e.row}, column {e.column or '-'}, value {e.value!r}: {e.reason}"
            for e in parsed.errors[:MAX_ERROR_LINES]
        ]
        if len(parsed.errors) > MAX_ERROR_LINES:
            lines.append(f"… and {len(parsed.errors) - MAX_ERROR_LINES} more")
        return _fail(
            f"refused: {rows} rows have errors ({len(parsed.errors)} problems); nothing imported", lines
        )
    if pv.already_imported:
        return _fail(f"refused: {pv.already_imported}")
    if args.strict_reps and pv.unknown_reps:
        lines = [
            f"unknown rep {u.name!r}"
            + (f" (did you mean {', '.join(map(repr, u.suggestions))}?)" if u.suggestions else "")
            for u in pv.unknown_reps[:MAX_ERROR_LINES]
        ]
        return _fail(
            f"refused: {len(pv.unknown_reps)} reps are not known (--strict-reps); nothing imported", lines
        )
    try:
        res = importer.commit(
            args.db, pv, mode=args.mode, actor=access.cli_actor(), strict_reps=args.strict_reps
        )
    except (IngestError, store.AlreadyImported) as exc:
        return _fail(f"refused: {exc}")
    out: dict[str, Any] = {
        "import_id": res.import_id,
        "rows": res.rows,
        "total": res.total,
        "reps": res.reps,
        "new_reps": res.new_reps,
        "first_date": res.first_day,
        "last_date": res.last_day,
        "skipped": [{"reason": s.reason, "count": s.count} for s in parsed.skipped],
        "statuses": [
            {
                "value": st.value,
                "rows": st.rows,
                "amount": f"{Decimal(st.amount_cents).scaleb(-2):.2f}",
                "counts": st.counts,
                "policy": st.policy,
            }
            for st in parsed.status
        ],
    }
    if res.removed_rows:
        out["replaced_rows"] = res.removed_rows
    if res.skipped_duplicates:
        out["skipped"].append({"reason": "order key already stored", "count": res.skipped_duplicates})
    if args.json:
        from analysis.cli import emit

        emit(out)
    else:
        _say(
            f"imported #{res.import_id}: {res.rows:,} rows, total {res.total:,.2f}, "
            f"{res.first_day}..{res.last_day}, {len(res.reps)} reps ({len(res.new_reps)} new)"
        )
        for s in out["skipped"]:
            _say(f"  skipped {s['count']:,}: {s['reason']}")
        for st in parsed.status:
            how = "counted" if st.counts else "not counted"
            why = {"count": "", "drop": " (dropped by default)", "unknown": " (not recognised)"}[st.policy]
            amount = Decimal(st.amount_cents).scaleb(-2)
            _say(f"  status {st.value or '(empty)'!r}: {st.rows:,} rows, {amount:,.2f}, {how}{why}")
        for note in parsed.notes:
            _say(f"  note: {note}")
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("import", cmd_import, "import actuals from an Excel/CSV file (all-or-nothing)")
    sp.add_argument("file", help="the .xlsx/.xlsm/.xls/.csv/.txt file")
    sp.add_argument("--sheet", help="sheet name (default: the one that looks like sales data)")
    sp.add_argument(
        "--map", action="append", metavar="FIELD=COLUMN", help="map a field to a column (repeatable)"
    )
    sp.add_argument("--date-order", choices=("ymd", "dmy", "mdy"), help="order of text dates like 03/11/2026")
    sp.add_argument(
        "--count-status",
        action="append",
        metavar="VALUE",
        help="a status/stage value that counts as a sale (repeatable; replaces the default policy, "
        "which counts won/shipped/complete/resolved/in-process/on-hold/disputed and drops "
        "cancelled/lost/void/refunded; '*' counts every value)",
    )
    sp.add_argument(
        "--mode", choices=importer.MODES, default="append", help="what to do with overlapping data"
    )
    sp.add_argument(
        "--source", default=importer.DEFAULT_SOURCE, help="name of the data stream (for replace-range)"
    )
    sp.add_argument("--strict-reps", action="store_true", help="refuse unknown reps instead of creating them")
