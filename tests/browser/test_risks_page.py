"""The risks page in real Chromium: acknowledge a flag, reload, and find it in the register."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analysis import store
from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_acknowledged_flag_is_in_the_register_after_reload(
    demo_db: Path, server_for: type[Server], page: Page
) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/risks?lang=English&asof=2026-11-27&rule=concentration")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Risk flags and register", level=1)).to_be_visible()
    expect(page.get_by_text("The register is empty", exact=False)).to_be_visible()
    # The reason of the inspected flag is readable as a whole sentence beside its evidence.
    reason = page.get_by_test_id("stAlertContentInfo")
    expect(reason).to_contain_text("made 60.9% of the last 12 months' sales with one customer")
    screenshot(page, "risks_flags_en")

    page.get_by_label("Owner").fill("Manager Wang")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Recorded as entry #1.")).to_be_visible()

    page.reload()  # a new session: what follows comes from the database, not from this session's state
    wait_idle(page)
    shot = screenshot(page, "risks_register_en")
    expect(page.get_by_text("The register is empty", exact=False)).to_have_count(0)
    cells = page.locator("td[role='gridcell']")
    expect(cells.filter(has_text="#1 Open")).to_have_count(1)  # the flag links to its entry
    page.get_by_role("heading", name="Risk register").scroll_into_view_if_needed()
    wait_idle(page)
    owner = cells.filter(has_text="Manager Wang")
    expect(owner).to_have_count(1)
    row = page.locator("tr").filter(has=owner)
    expect(row.locator("td[role='gridcell']").filter(has_text="Open")).to_have_count(1)
    expect(row.locator("td[role='gridcell']").filter(has_text="陈静")).to_have_count(1)
    with store.connect(demo_db, read_only=True) as con:
        (entry,) = store.register_entries(con).to_dict(orient="records")
    assert (entry["rule"], entry["entity_id"], entry["owner"]) == ("concentration", "R005", "Manager Wang")
    assert shot.stat().st_size > 50_000
    screenshot(page, "risks_register_en_lower")
