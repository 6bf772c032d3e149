"""The drag component in real Chromium: drag a bar's top, click to lock; Python keeps the total exact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, Server, screenshot, wait_idle

pytestmark = pytest.mark.browser

HARNESS = ROOT / "tests" / "browser" / "drag_app.py"
TOTAL = 60_000_000  # cents, as in the harness
LOCKED = 3


@pytest.fixture
def harness() -> Iterator[Server]:
    srv = Server(None, script=HARNESS)
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log[-3000:]


def state(page: Page) -> dict[str, Any]:
    """What Python holds after applying the events (the harness prints it as JSON)."""
    out: dict[str, Any] = json.loads(page.locator("[data-testid='stCode'] code").inner_text())
    return out


def bar(page: Page, i: int) -> Any:
    # Components v2 render into an open shadow root; Playwright's CSS locators pierce it.
    return page.locator(f".db-bar[data-index='{i}']")


def shown_values(page: Page) -> list[int]:
    return [int(bar(page, i).get_attribute("data-value") or "-1") for i in range(6)]


def test_drag_rebalances_and_click_locks(harness: Server, page: Page) -> None:
    page.goto(harness.url)
    wait_idle(page)
    expect(bar(page, 5)).to_be_visible()
    before = state(page)
    assert before["total"] == TOTAL and before["locked"][LOCKED] is True
    # Labels are text: the markup in a rep's name is shown, not parsed.
    assert page.locator(".db-xlab title").nth(4).text_content() == "<b>Ökonom & Co</b>"
    assert page.locator(".db-chart b").count() == 0

    handle = bar(page, 2).locator(".db-handle").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 40, steps=8)
    page.mouse.move(x, y - 70, steps=8)
    live = shown_values(page)  # the JS preview, before anything reaches Python
    assert live[2] > before["values"][2]
    assert live[LOCKED] == before["values"][LOCKED]
    assert all(live[k] < before["values"][k] for k in (0, 1, 4, 5))
    assert abs(sum(live) - TOTAL) <= 6  # floats, rounded per bar for display
    page.mouse.up()

    expect(page.locator("[data-testid='stCode']")).to_contain_text('"events": 1')
    wait_idle(page)
    after = state(page)
    assert after["error"] is None
    assert after["values"][2] > before["values"][2]
    assert after["values"][LOCKED] == before["values"][LOCKED]
    assert after["total"] == sum(after["values"]) == TOTAL
    assert all(v % 100 == 0 for v in after["values"])
    assert shown_values(page) == after["values"]  # the chart now shows Python's numbers

    bar(page, 4).locator(".db-fill").click()
    expect(page.locator("[data-testid='stCode']")).to_contain_text('"events": 2')
    wait_idle(page)
    locked = state(page)
    assert locked["locked"] == [False, False, False, True, True, False]
    assert locked["values"] == after["values"]
    expect(bar(page, 4)).to_have_attribute("data-locked", "true")
    shot = screenshot(page, "drag_bars")
    assert shot.stat().st_size > 10_000


def test_locked_bar_does_not_drag(harness: Server, page: Page) -> None:
    page.goto(harness.url)
    wait_idle(page)
    box = bar(page, LOCKED).locator(".db-fill").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + 3
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 80, steps=8)
    assert shown_values(page) == state(page)["values"]  # no preview for a locked bar
    page.mouse.up()
    wait_idle(page)
    assert state(page)["events"] == 0
