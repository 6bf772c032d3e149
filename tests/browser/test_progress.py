"""The progress page in real Chromium: a deep link with team and period opens exactly that view."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_deep_link_team_and_quarter_on_fresh_server(
    demo_db: Path, server_for: type[Server], page: Page
) -> None:
    srv = server_for(demo_db)  # a new process: nothing cached, no session
    page.goto(f"{srv.url}/progress?lang=English&asof=2026-11-27&team=华北&period=FY2026-Q4")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Progress against plan", level=1)).to_be_visible()
    # the test demo's data end on 2026-11-26: a later as-of is measured to the last day with data
    expect(page.get_by_text("华北 · FY2026 · FY2026-Q4 · as of 2026-11-26")).to_be_visible()
    expect(page.get_by_text("No active plan for this fiscal year", exact=False)).to_be_visible()
    # burn-up, "how good is this forecast" (past quarters at the same point), growth, heatmap
    expect(page.locator(".js-plotly-plot")).to_have_count(4)
    expect(
        page.get_by_text("On this day of past quarters the forecast was within", exact=False)
    ).to_be_visible()
    expect(page.get_by_text("Cumulative sales (CNY)").first).to_be_attached()
    assert "team=" in page.url and "period=FY2026-Q4" in page.url
    shot = screenshot(page, "progress_team_quarter_en")
    assert shot.stat().st_size > 50_000
    page.locator(".js-plotly-plot").nth(3).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, "progress_team_quarter_en_lower")
