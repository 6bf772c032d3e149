"""The downloadable .xlsx error report for one parsed upload.

Cell text comes from the user's file, so any text that Excel or LibreOffice would read as a
formula (starting with = + - @, or a tab/CR before one) is written with a leading apostrophe
(CSV/formula injection). Values are always written as text cells, never as formulas.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from analysis.ingest import ParsedUpload

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_MAX_ROWS_LISTED = 100  # row numbers listed per skip reason; the count is always complete


def neutralise(value: object) -> object:
    """Text that could be taken for a formula gets a leading apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _append(ws: Any, values: list[object]) -> None:
    ws.append([neutralise(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = TYPE_STRING  # never let openpyxl infer a formula


def error_report_xlsx(parsed: ParsedUpload) -> bytes:
    """Workbook bytes with two sheets: Errors (row, column, value, reason) and Skipped (reason, count, rows)."""
    wb = Workbook()
    errors = wb.active
    assert errors is not None
    errors.title = "Errors"
    _append(errors, ["row", "column", "value", "reason"])
    for e in parsed.errors:
        _append(errors, [e.row, e.column, e.value, e.reason])
    skipped = wb.create_sheet("Skipped")
    _append(skipped, ["reason", "count", "rows"])
    for s in parsed.skipped:
        listed = ", ".join(str(r) for r in s.rows[:_MAX_ROWS_LISTED]) + (
            " …" if len(s.rows) > _MAX_ROWS_LISTED else ""
        )
        _append(skipped, [s.reason, s.count, listed])
    for ws in (errors, skipped):
        ws.freeze_panes = "A2"
    errors.column_dimensions["C"].width = 40
    errors.column_dimensions["D"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
