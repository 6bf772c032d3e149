"""A manager's own data in real Chromium (issue 22): an empty store, upload Superstore on the data
page, confirm, then build and save a plan on the plan page. The plan year and the as-of date come
from the data (it ends 2017-12-30), not from today."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analysis import store
from tests.browser.conftest import Server, wait_idle
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.browser


def test_upload_superstore_then_build_and_save_a_plan(
    tmp_path: Path, server_for: type[Server], page: Page
) -> None:
    db = tmp_path / "mine.duckdb"
    store.init_db(db)
    upload = tmp_path / "superstore.xlsx"
    shutil.copy(SHARED_DATA / "superstore.xlsx", upload)
    srv = server_for(db)

    page.goto(f"{srv.url}/data?lang=English")
    wait_idle(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(upload))
    wait_idle(page)
    expect(page.get_by_text("Rows to import", exact=True)).to_be_visible()
    page.get_by_role("button", name="Confirm import").click()
    wait_idle(page)
    expect(page.get_by_text("Imported #1: 9,994 rows, total 2,297,200.86", exact=False)).to_be_visible()

    # No as-of in the URL: the sidebar takes the data's last day, so the plan page offers FY2018.
    page.goto(f"{srv.url}/plan?lang=English")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Plan", level=1)).to_be_visible()
    target = page.get_by_label("Target", exact=True)
    target.fill("3000000")
    target.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Build plan").click()
    wait_idle(page)
    page.get_by_role("tab", name="Versions").click()
    page.get_by_label("Scenario name").fill("mine")
    page.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Saved: mine · v")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

    with store.connect(db, read_only=True) as con:
        [saved] = store.list_plan_versions(con, 2018)
        total = con.execute(
            "SELECT sum(target), count(DISTINCT rep_id) FROM plan_targets WHERE version_id = ?",
            [saved.version_id],
        ).fetchall()[0]
    assert saved.target == Decimal(3_000_000)
    assert total == (Decimal("3000000.00"), 4)  # the 4 regional managers from the People sheet
