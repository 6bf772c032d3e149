"""User text is never HTML: a rep and a customer named ``<img src=x onerror=alert(1)>`` show as text.

The names are planted straight into the demo database; the home, progress and insights pages
are opened in real Chromium. No ``img`` element may appear, no script may run (no dialog), and
the rep name must be visible somewhere as literal text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analysis import store
from analysis.access import SYSTEM
from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=alert(1)>"
PAGES = ["/", "/progress", "/insights"]


def plant(db: Path) -> str:
    """Rename the year's top rep and the biggest customer to the payload; returns the rep's team."""
    with store.connect(db, actor=SYSTEM) as con:
        top_rep, team = con.execute(
            "SELECT r.rep_id, t.name FROM sum_rep_day d JOIN reps r USING (rep_id) JOIN teams t USING (team_id) "
            "WHERE d.day >= DATE '2026-01-01' GROUP BY ALL ORDER BY sum(d.amount) DESC LIMIT 1"
        ).fetchall()[0]
        top_customer = con.execute(
            "SELECT customer_id FROM sum_rep_customer GROUP BY ALL ORDER BY sum(amount) DESC LIMIT 1"
        ).fetchall()[0][0]
        con.execute("UPDATE reps SET name = ? WHERE rep_id = ?", [PAYLOAD, top_rep])
        con.execute("UPDATE customers SET name = ? WHERE customer_id = ?", [PAYLOAD, top_customer])
    return str(team)


@pytest.mark.parametrize("path", PAGES)
def test_payload_in_names_shows_as_text(
    demo_db: Path, server_for: type[Server], page: Page, path: str
) -> None:
    team = plant(demo_db)
    srv = server_for(demo_db)
    dialogs: list[str] = []

    def on_dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    query = (
        f"?lang=English&asof=2026-11-26&team={team}"
        if path == "/progress"
        else "?lang=English&asof=2026-11-26"
    )
    page.goto(f"{srv.url}{path}{query}")
    wait_idle(page)
    page.mouse.wheel(0, 4000)  # bring lower tables and charts into view
    wait_idle(page)
    screenshot(page, f"xss{path.replace('/', '_') or '_home'}")
    assert page.locator("img[src='x']").count() == 0
    assert (
        page.evaluate(
            "() => [...document.querySelectorAll('img')].filter(i => i.getAttribute('src') === 'x').length"
        )
        == 0
    )
    assert dialogs == []
    assert not [u for u in failed if u.rstrip("/").endswith("/x")], "the browser tried to load src=x"
    # Tables draw on a canvas and fill their accessible DOM mirror a moment later: wait for the
    # text to appear rather than reading the DOM once (flaky on a loaded machine).
    try:
        page.wait_for_function(
            "(p) => [...document.querySelectorAll('body *')].some(e => [...e.childNodes].some("
            "n => n.nodeType === 3 && n.textContent.includes(p)))",
            arg=PAYLOAD,
            timeout=30_000,
        )
    except PlaywrightTimeout as exc:
        raise AssertionError(f"the planted name is not shown as text on {path}") from exc
    assert page.locator("img[src='x']").count() == 0
