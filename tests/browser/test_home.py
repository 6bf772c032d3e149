"""The home page in real Chromium: renders the demo numbers, switches language, deep links."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_home_renders_and_switches_language(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/?asof=2026-11-27")
    wait_idle(page)
    expect(page.get_by_role("heading", name="销售目标规划", level=1)).to_be_visible()
    expect(page.get_by_text("本财年累计", exact=True)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    shot = screenshot(page, "home_zh")
    assert shot.stat().st_size > 20_000

    page.get_by_text("English", exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Sales Target Planner", level=1)).to_be_visible()
    expect(page.get_by_text("Year to date", exact=True)).to_be_visible()
    assert "lang=English" in page.url
    screenshot(page, "home_en")


def test_deep_link_on_fresh_server(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)  # a new process: nothing cached, no session
    page.goto(f"{srv.url}/?lang=English&asof=2025-06-30")
    wait_idle(page)
    expect(page.get_by_text("FY2025 · as of 2025-06-30")).to_be_visible()
    assert "asof=2025-06-30" in page.url
