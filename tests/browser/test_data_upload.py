"""The data page in real Chromium: upload a generated xlsx, confirm, see the success message."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from analysis import store
from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def small_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "销售"
    ws.append(["2026年11月销售明细"])
    ws.append([])
    ws.append(["订单号", "日期", "销售员", "客户", "金额(元)"])
    for i in range(12):
        ws.append(
            [
                f"SO{i:04d}",
                dt.date(2026, 11, 1 + i),
                ("张伟", "王芳", "新同事")[i % 3],
                f"客户{i}",
                1000 + i * 0.25,
            ]
        )
    ws.append(["合计", None, None, None, "=SUM(E4:E15)"])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def test_upload_confirm_success(demo_db: Path, server_for: type[Server], page: Page, tmp_path: Path) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/data?lang=English")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Import actual sales", level=1)).to_be_visible()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        str(small_xlsx(tmp_path / "november.xlsx"))
    )
    wait_idle(page)
    expect(page.get_by_text("Rows to import", exact=True)).to_be_visible()
    expect(page.get_by_text("Reps not known yet")).to_be_visible()
    screenshot(page, "data_preview_en")
    page.get_by_role("button", name="Confirm import").click()
    wait_idle(page)
    expect(
        page.get_by_text("Imported #2: 12 rows, total 12,016.50, 2026-11-01 to 2026-11-12")
    ).to_be_visible()
    expect(page.get_by_role("link", name="See the overview")).to_be_visible()
    expect(page.get_by_role("button", name="Undo #2")).to_be_visible()  # the rerun has finished
    wait_idle(page)
    shot = screenshot(page, "data_imported_en")
    assert shot.stat().st_size > 20_000
    with store.connect(demo_db, read_only=True) as con:
        row = con.execute("SELECT rows, total, file_name FROM imports WHERE import_id = 2").fetchall()
    assert row == [(12, Decimal("12016.50"), "november.xlsx")]
