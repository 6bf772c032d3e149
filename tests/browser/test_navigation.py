"""Sidebar page switches in real Chromium keep the URL-bound language (and the other bound params)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analysis.i18n import t
from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser

# (sidebar link label key, the page's title key), in menu order, then back home.
PAGES = [
    ("nav.plan", "plan.title"),
    ("nav.progress", "prog.title"),
    ("nav.data", "data.title"),
    ("nav.risks", "risk.title"),
    ("nav.insights", "ins.title"),
    ("nav.tasks", "task.title_page"),
    ("nav.review", "rev.title"),
    ("nav.scorecard", "sc.title"),
    ("nav.incentives", "inc.title"),
    ("nav.home", "app.title"),
]


def test_every_sidebar_switch_keeps_the_language(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)  # fresh server: the first switch of a new session is the one that lost it
    page.goto(f"{srv.url}/?lang=English")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Sales Target Planner", level=1)).to_be_visible()
    for nav, title in PAGES:
        page.get_by_test_id("stSidebar").get_by_role("link", name=t(nav, "en"), exact=True).click()
        wait_idle(page)
        expect(page.get_by_role("heading", name=t(title, "en"), level=1)).to_be_visible()
        assert "lang=English" in page.url, (nav, page.url)
        expect(page.get_by_test_id("stSidebar").get_by_role("radio", name="English")).to_be_checked()
    screenshot(page, "navigation_en")


def test_a_switch_keeps_the_as_of_date_too(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/?lang=English&asof=2025-06-30")
    wait_idle(page)
    for nav, title in [("nav.progress", "prog.title"), ("nav.plan", "plan.title")]:
        page.get_by_test_id("stSidebar").get_by_role("link", name=t(nav, "en"), exact=True).click()
        wait_idle(page)
        expect(page.get_by_role("heading", name=t(title, "en"), level=1)).to_be_visible()
        assert "lang=English" in page.url and "asof=2025-06-30" in page.url, (nav, page.url)
