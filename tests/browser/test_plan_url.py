"""The plan page's URL names the scenario shown (?scenario=), so a copied link opens the same view."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def param(page: Page, name: str) -> str | None:
    return parse_qs(urlsplit(page.url).query).get(name, [None])[-1]


def url_has(page: Page, name: str, value: str | None) -> None:
    """The URL gets ``name=value`` (or loses ``name``) within the expect timeout: the browser
    rewrites the address when the rerun's message arrives, which may be after the page is idle."""
    if value is None:
        expect(page).to_have_url(re.compile(rf"^(?!.*[?&]{name}=)"))
    else:
        expect(page).to_have_url(re.compile(rf"[?&]{name}={re.escape(quote(value))}(&|#|$)"))
    assert param(page, name) == value, page.url


def selector(page: Page, label: str) -> Locator:
    return page.get_by_role("combobox", name=label, exact=True).first  # the header's, above the tabs


def save(page: Page, name: str) -> None:
    page.get_by_role("tab", name="Versions").click()
    page.get_by_label("Scenario name").fill(name)
    page.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)


def choose(page: Page, label: str, option: str) -> None:
    box = selector(page, label)
    box.click()
    box.press("ArrowDown")  # opens the list (a plain click only focuses the combobox here)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def shows(page: Page, scenario: str, version: str) -> None:
    """The scenario and version selectors and the headline all name the saved version."""
    expect(selector(page, "Scenario")).to_have_value(scenario)
    expect(selector(page, "Version")).to_have_value(version)
    expect(page.get_by_test_id("stMetric").filter(has_text="Showing")).to_contain_text(
        f"{scenario} · {version}"
    )


def test_save_puts_the_new_scenario_in_the_url(
    demo_db: Path, server_for: type[Server], page: Page, browser: Browser
) -> None:
    srv = server_for(demo_db)  # fresh server: the first save of a new session
    page.goto(f"{srv.url}/plan?lang=English")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Plan", level=1)).to_be_visible()

    save(page, "north")
    expect(page.get_by_text("Saved: north · v1")).to_be_visible()
    url_has(page, "scenario", "north")
    url_has(page, "lang", "English")
    shows(page, "north", "v1")
    page.get_by_role("heading", name="Plan", level=1).scroll_into_view_if_needed()  # the selectors
    screenshot(page, "plan_url_saved_en")

    # The copied link, opened in a new session, shows the same scenario.
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    try:
        other.goto(page.url)
        wait_idle(other)
        shows(other, "north", "v1")
        url_has(other, "scenario", "north")
    finally:
        other.context.close()


def test_a_new_version_keeps_the_scenario_in_the_url(
    demo_db: Path, server_for: type[Server], page: Page
) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/plan?lang=English")
    wait_idle(page)
    save(page, "north")
    url_has(page, "scenario", "north")

    # A new version: the edited draft saved under the same name, from v1.
    page.get_by_role("tab", name="Edit and lock").click()
    total = page.get_by_role("spinbutton", name="Annual target").first
    total.fill(str(int(float(total.input_value() or "0")) + 100_000))
    total.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Apply", exact=True).click()
    wait_idle(page)
    save(page, "north")
    expect(page.get_by_text("Saved: north · v2")).to_be_visible()
    url_has(page, "scenario", "north")
    shows(page, "north", "v2")

    # Back to v1 in the version selector: the URL says so, and a reload keeps it.
    choose(page, "Version", "v1")
    url_has(page, "version", "v1")
    page.reload()
    wait_idle(page)
    shows(page, "north", "v1")


def test_switching_scenario_updates_the_url(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/plan?lang=English")
    wait_idle(page)
    save(page, "north")
    save(page, "south")
    url_has(page, "scenario", "south")

    choose(page, "Scenario", "north")
    url_has(page, "scenario", "north")
    shows(page, "north", "v1")

    choose(page, "Scenario", "New draft (not saved)")  # back to a new draft: nothing to name in the URL
    url_has(page, "scenario", None)

    save(page, "west")
    url_has(page, "scenario", "west")
    shows(page, "west", "v1")
