"""Retrospective section of the review page (pages/7_review.py) in AppTest: URL period, stages,
misses with flags, plan events and notes, the period report download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import retro, store
from analysis.access import SYSTEM
from tests.app.conftest import app as app_for

PAGE = "pages/7_review.py"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof="2026-11-26", **params)
    at.switch_page(PAGE)
    return at


def frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table with this column (AppTest does not keep a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


class TestRetroSection:
    def test_default_is_last_complete_month(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        assert not at.exception
        assert at.selectbox(key="retro").value == "2026-10"
        assert at.subheader[-1].value == "复盘（总结与反思）"
        stages = frame(at, "阶段")
        assert stages["阶段"].tolist() == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]

    def test_url_quarter_in_english_matches_analysis(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch, lang="English", retro="FY2026-Q4").run()
        assert not at.exception
        assert at.selectbox(key="retro").value == "FY2026-Q4"
        with store.connect(demo_db, read_only=True) as con:
            rt = retro.load(con, "FY2026-Q4", dt.date(2026, 11, 26))
        stages = frame(at, "Stage")
        assert stages["Stage"].tolist() == ["2026-10", "2026-11", "2026-12"]
        misses = frame(at, "Risk flags")
        assert misses["Who"].tolist() == rt.misses["name"].tolist()
        flagged = [
            rt.flag_text(s, e, "en") for s, e in zip(rt.misses["scope"], rt.misses["entity_id"], strict=True)
        ]
        assert any(flagged) and misses["Risk flags"].iloc[0] == (flagged[0] or "None")
        assert any("- Actual " in m.value and "still running" in m.value for m in at.markdown)

    def test_notes_and_plan_events_show(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.save_review_notes(con, "2026-W44", {"R001": "大客户推迟到下月"})
        at = app(demo_db, monkeypatch, retro="2026-10").run()
        assert not at.exception
        notes = frame(at, "周")
        assert notes["备注"].tolist() == ["大客户推迟到下月"] and notes["周"].tolist() == ["2026-W44"]

    def test_download_offered(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        labels = [b.label for b in at.get("download_button")]
        assert "下载月报/季报 Excel（含复盘）" in labels
