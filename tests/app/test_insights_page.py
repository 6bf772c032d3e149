"""Insights page (pages/5_insights.py) in AppTest: languages, URL-chosen breakdown, exact waterfall."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import app as app_for

PAGE = "pages/5_insights.py"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof="2026-11-27", **params)
    at.switch_page(PAGE)
    return at


class TestInsightsPage:
    def test_chinese_team_vs_plan(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        assert not at.exception
        assert at.title[0].value == "瓶颈与增长驱动"
        assert len(at.get("plotly_chart")) == 1
        assert any("漏斗需要商机阶段数据" in i.value for i in at.info)

    def test_english_rep_vs_last_year_from_the_url(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch, lang="English", vs="last_year", by="rep", top="5").run()
        assert not at.exception
        assert at.title[0].value == "Bottlenecks and growth drivers"
        assert (at.button_group(key="vs").value, at.button_group(key="by").value) == ("last_year", "rep")
        assert "vs last year" in at.button_group(key="vs").options  # words, the code only in the URL
        labels = {m.label for m in at.metric}
        assert {"Actual", "Last year", "Gap"} <= labels

    def test_product_vs_plan_says_why_not(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English", by="product").run()
        assert not at.exception
        assert any("not broken down by product" in i.value for i in at.info)
        assert len(at.get("plotly_chart")) == 0
