"""The plan page in real Chromium: deep link on a fresh server, build, drag a rep's bar, save."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from analysis import store
from tests.browser.conftest import Server, screenshot, wait_idle

pytestmark = pytest.mark.browser


def bar(page: Page, i: int) -> Any:
    return page.locator(f".db-bar[data-index='{i}']")  # pierces the component's shadow root


def bar_values(page: Page) -> list[int]:
    n = page.locator(".db-bar").count()
    return [int(bar(page, i).get_attribute("data-value") or "-1") for i in range(n)]


def shoot(page: Page, name: str) -> Path:
    """A screenshot of the whole app: Streamlit scrolls an inner container, so grow the viewport."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 6000)})
    page.wait_for_timeout(400)  # charts re-layout to the new size
    path = screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path


def save(page: Page, name: str) -> None:
    page.get_by_role("tab", name="版本与方案").click()
    box = page.get_by_label("方案名称")
    box.fill(name)
    page.get_by_role("button", name="保存", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(f"已保存：{name} · v")).to_be_visible()


def team_totals(db: Path, version_id: int) -> dict[str, Decimal]:
    with store.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT team_id, sum(target) FROM plan_targets WHERE version_id = ? GROUP BY team_id",
            [version_id],
        ).fetchall()
    return {r[0]: Decimal(r[1]) for r in rows}


def rep_totals(db: Path, version_id: int) -> dict[str, Decimal]:
    with store.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT rep_id, sum(target) FROM plan_targets WHERE version_id = ? GROUP BY rep_id", [version_id]
        ).fetchall()
    return {r[0]: Decimal(r[1]) for r in rows}


def test_build_drag_and_save(demo_db: Path, server_for: type[Server], page: Page) -> None:
    srv = server_for(demo_db)  # fresh process: the deep link must work on a cold start
    page.goto(f"{srv.url}/plan?asof=2026-11-27&year=2027")
    wait_idle(page)
    expect(page.get_by_role("heading", name="目标分解", level=1)).to_be_visible()
    expect(page.get_by_text("2027 年为估算", exact=False).first).to_be_visible()
    target = page.get_by_label("目标", exact=True)
    target.fill("36000000")
    target.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="生成分解").click()
    wait_idle(page)
    expect(page.get_by_text("3,600.0万", exact=False).first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shot = shoot(page, "plan_zh")
    assert shot.stat().st_size > 30_000

    save(page, "browser")
    with store.connect(demo_db, read_only=True) as con:
        [v1] = store.list_plan_versions(con, 2027)
    assert v1.target == Decimal(36_000_000)

    page.get_by_role("tab", name="调整与锁定").click()
    expect(bar(page, 1)).to_be_visible()
    before = bar_values(page)
    first_rep_total = page.get_by_role("spinbutton", name="年度目标")  # bar 0's rep, drawn by Python
    shown_before = first_rep_total.input_value()
    bar(page, 1).scroll_into_view_if_needed()
    handle = bar(page, 1).locator(".db-handle").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 30, steps=6)
    page.mouse.move(x, y - 60, steps=6)
    page.mouse.up()
    # Python has applied the drag when its own widgets change (the bars alone may show the preview).
    expect(first_rep_total).not_to_have_value(shown_before, timeout=15_000)
    wait_idle(page)
    after = bar_values(page)  # the chart now shows what Python holds after the rebalance
    assert after[1] > before[1]
    assert sum(after) == sum(before)  # the team's total is unchanged, to the cent
    expect(page.get_by_role("tab", name="调整与锁定")).to_have_attribute(
        "aria-selected", "true"
    )  # stays open
    shoot(page, "plan_edit_zh")

    save(page, "browser")
    with store.connect(demo_db, read_only=True) as con:
        v2 = max(store.list_plan_versions(con, 2027), key=lambda v: v.version)
    assert v2.version == 2 and v2.target == Decimal(36_000_000)
    assert team_totals(demo_db, v2.version_id) == team_totals(demo_db, v1.version_id)
    r1, r2 = rep_totals(demo_db, v1.version_id), rep_totals(demo_db, v2.version_id)
    assert r1 != r2 and sum(r1.values()) == sum(r2.values())

    # The versions tab in English: the list and the comparison of the two saves, per rep. A choice
    # made in Chinese survives the language switch.
    page.get_by_role("tab", name="版本与方案").click()
    page.locator("label[data-testid='stRadioOption']:visible", has_text="销售人员").click()
    wait_idle(page)
    page.get_by_text("English", exact=True).click()
    wait_idle(page)
    page.get_by_role("tab", name="Versions").click()
    expect(page.get_by_text("Total difference (B − A)")).to_be_visible()
    expect(page.get_by_role("radio", name="Rep")).to_be_checked()
    assert "scenario=browser" in page.url  # the latest version is the default, so not in the URL
    shoot(page, "plan_versions_en")
