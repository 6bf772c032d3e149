"""The weekly review's report downloads in real Chromium: the workbooks are built when the button is
clicked (deferred), so this checks that a click really delivers a readable workbook."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "label",
    ["Download report (.xlsx)", "Download the period report (.xlsx, with retrospective)"],
)
def test_report_download_is_a_workbook(
    demo_db: Path, server_for: type[Server], page: Page, label: str
) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/review?lang=English&asof=2026-11-27")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    path = info.value.path()
    assert info.value.suggested_filename.endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
    cells = [
        str(c) for ws in wb.worksheets for row in ws.iter_rows(max_row=40, values_only=True) for c in row if c
    ]
    assert len(wb.sheetnames) >= 1 and len(cells) > 10  # a real report, not an empty file
