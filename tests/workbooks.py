"""Small in-memory workbooks for tests."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx(rows: list[list[object]]) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` from A1, as bytes (what an upload gives)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
