"""Scorecard page (pages/8_scorecard.py) in AppTest: ranked table with explanation, URL period, weights, focus tasks."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import scorecard, store, tasks
from tests.app.conftest import app as app_for

PAGE = "pages/8_scorecard.py"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof="2026-11-26", **params)
    at.switch_page(PAGE)
    return at


class TestScorecardPage:
    def test_ranked_and_explained(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        assert not at.exception
        assert at.title[0].value == "Rep scorecard"
        table = at.dataframe[0].value
        assert table["Rank"].tolist()[:3] == [1, 2, 3]
        assert table["How the score is made"].iloc[0].startswith("(Attainment to date ")

    def test_opens_on_the_last_complete_month(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()  # data through 2026-11-26: November is still running
        assert not at.exception
        assert at.selectbox(key="period").value == "2026-10"

    def test_url_period(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, period="FY2026-Q3").run()
        assert not at.exception
        assert at.selectbox(key="period").value == "FY2026-Q3"

    def test_weights_saved(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        at.number_input(key="w_growth").set_value(0.0)
        next(b for b in at.button if b.label == "保存权重").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            assert scorecard.merge_weights(store.get_setting(con, scorecard.SETTING_WEIGHTS))["growth"] == 0.0

    def test_focus_becomes_a_task(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        at.session_state["focus_editor"] = {
            "edited_rows": {0: {"pick": True}},
            "added_rows": [],
            "deleted_rows": [],
        }
        next(b for b in at.button if b.label == "为所选建议创建任务").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            df = tasks.load(con)
        assert len(df) == 1 and df["title"].iloc[0].startswith("提升") and df["source"].iloc[0] == "scorecard"
