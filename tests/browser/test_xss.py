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


# --- names that are Markdown or HTML: nothing may leave the browser for the URLs in them ---------

LEAK = "leak.invalid"  # never resolves; a request for it is what a tracking beacon would be


def beacon(kind: str) -> str:
    """A name that would make a Markdown renderer load ``http://leak.invalid/<kind>...``."""
    return (
        f"![p](http://{LEAK}/{kind}.png?img) [link](http://{LEAK}/{kind}/link) "
        f'<img src="http://{LEAK}/{kind}.gif?html"> :red[{kind}] $x$'
    )


ALL_PAGES = [
    "/",
    "/plan",
    "/progress",
    "/data",
    "/risks",
    "/insights",
    "/tasks",
    "/review",
    "/scorecard",
    "/incentives",
]


def plant_everywhere(db: Path) -> str:
    """Rename what users and files name (reps, customers, teams, plans and their authors, tasks,
    review notes, register entries, the import's file) to beacons; returns a share token for the
    active plan version."""
    from analysis import share

    with store.connect(db, actor=SYSTEM) as con:
        con.execute("UPDATE reps SET name = ? || rep_id", [beacon("rep")])
        con.execute("UPDATE customers SET name = ? || customer_id", [beacon("customer")])
        con.execute("UPDATE teams SET name = ? || team_id", [beacon("team")])
        con.execute(
            "UPDATE plan_versions SET scenario = ? || version_id, author = ?",
            [beacon("plan"), beacon("author")],
        )
        con.execute("UPDATE tasks SET title = ?, note = ?", [beacon("task"), beacon("tasknote")])
        con.execute("UPDATE review_notes SET note = ?", [beacon("review")])
        con.execute(
            "UPDATE risk_register SET owner = ?, plan = ?, entity_name = ?",
            [beacon("owner"), beacon("riskplan"), beacon("entity")],
        )
        con.execute("UPDATE imports SET file_name = ?", [beacon("file")])
        vid = int(con.execute("SELECT max(version_id) FROM plan_versions").fetchall()[0][0])
        return share.create_share(con, vid).token


def test_markdown_and_html_names_fetch_nothing(living_db: Path, server_for: type[Server], page: Page) -> None:
    token = plant_everywhere(living_db)
    srv = server_for(living_db)
    leaked: list[str] = []
    page.on("request", lambda r: leaked.append(f"{r.url}") if LEAK in r.url else None)
    seen_text = []
    for path in [*ALL_PAGES, f"/?share={token}"]:
        sep = "&" if "?" in path else "?"
        page.goto(f"{srv.url}{path}{sep}lang=English")
        wait_idle(page)
        page.mouse.wheel(0, 6000)
        wait_idle(page)
        for exp in page.locator("[data-testid='stExpander'] summary").all()[:8]:
            if exp.evaluate("e => e.closest('[inert]') !== null"):
                continue  # behind an open dialog: its contents are in the DOM and checked below
            exp.click()
            wait_idle(page)  # an expander can rerun the page
        assert page.locator(f"img[src^='http://{LEAK}']").count() == 0, path
        assert page.locator(f"a[href^='http://{LEAK}']").count() == 0, path
        seen_text.append(page.inner_text("body"))
    assert leaked == [], f"the browser requested {sorted(set(leaked))}"
    assert any(f"http://{LEAK}/rep.png" in t for t in seen_text)  # the names are shown, as text
