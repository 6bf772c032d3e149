"""The execution loop in real Chromium: complete a task on the tasks page, see it counted in the scorecard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analysis import store, tasks
from analysis.access import SYSTEM
from components.data import TODAY_ENV
from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_complete_a_task_and_see_it_in_the_scorecard(
    demo_db: Path, server_for: type[Server], page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The task is done today (the real date, not the as-of): the day after the data, in November.
    monkeypatch.setenv(TODAY_ENV, "2026-11-27")
    with store.connect(demo_db, actor=SYSTEM) as con:
        tasks.create(con, [tasks.NewTask("R001", "Visit key account", "key_account")], dt.date(2026, 11, 23))
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/scorecard?lang=English&asof=2026-11-26&period=2026-11")
    wait_idle(page)
    expect(page.get_by_text("0 tasks count in this period, 0 of them done on time.")).to_be_visible()

    page.goto(f"{srv.url}/tasks?lang=English&asof=2026-11-26")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Tasks and deadlines", level=1)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1)  # the timeline
    screenshot(page, "tasks_en")
    # The status form preselects the first task and "Done"; saving completes it.
    page.get_by_role("button", name="Save changes").click()
    wait_idle(page)
    expect(page.get_by_text("Saved 2 changes.")).to_be_visible()
    with store.connect(demo_db, read_only=True) as con:
        row = tasks.load(con).iloc[0]
    assert row["status"] == "done"

    page.get_by_role("link", name="Scorecard", exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Rep scorecard", level=1)).to_be_visible()
    assert "/scorecard" in page.url and "lang=English" in page.url
    # The scorecard opens on the last complete month (October); the task is November's.
    page.goto(f"{srv.url}/scorecard?lang=English&asof=2026-11-26&period=2026-11")
    wait_idle(page)
    expect(page.get_by_text("1 tasks count in this period, 1 of them done on time.")).to_be_visible()
    screenshot(page, "scorecard_en")


def test_review_deep_link(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/review?asof=2026-11-26&week=2026-W47")
    wait_idle(page)
    expect(page.get_by_text("2026-W47 周会（2026-11-16 至 2026-11-22）").first).to_be_visible()
    expect(page.get_by_text("下载周报 Excel")).to_be_visible(timeout=30_000)
    screenshot(page, "review_zh")
