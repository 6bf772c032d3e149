"""Weekly review page (pages/7_review.py) in AppTest: URL week, totals, running week, notes → tasks, downloads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import review, store, tasks
from tests.app.conftest import app as app_for

PAGE = "pages/7_review.py"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof="2026-11-26", **params)
    at.switch_page(PAGE)
    return at


class TestReviewPage:
    def test_url_week_in_english(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English", week="2026-W47").run()
        assert not at.exception
        assert at.subheader[0].value == "Weekly review 2026-W47 (2026-11-16 to 2026-11-22)"
        with store.connect(demo_db, read_only=True) as con:
            rv = review.load(con, "2026-W47")
        assert [m.label for m in at.metric] == ["Weekly target", "Actual", "Attainment", "WoW"]
        assert at.metric[2].value == f"{rv.total['attainment'] * 100:.1f}%"
        assert len(at.dataframe[0].value) == len(rv.reps)
        assert not at.info  # a complete week has no "still running" note

    @pytest.mark.parametrize(
        ("lang", "headers", "high"),
        [("English", ["Severity", "Entity", "Reason"], "High"), ("中文", ["严重程度", "对象", "原因"], "高")],
    )
    def test_problems_have_translated_headers(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str, headers: list[str], high: str
    ) -> None:
        at = app(demo_db, monkeypatch, lang=lang, week="2026-W47").run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            flags = review.load(con, "2026-W47", dt.date(2026, 11, 26)).problems("en")
        problems = next(d.value for d in at.dataframe if headers[0] in d.value.columns)
        assert list(problems.columns) == headers and len(problems) == len(flags) > 0
        assert (problems[headers[0]] == high).sum() == (flags["severity"] == "high").sum()

    def test_opens_on_the_last_complete_week(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()  # data through Thursday 2026-11-26
        assert not at.exception
        assert at.selectbox(key="week").value == "2026-W47"  # 11-16 .. 11-22, not the running W48
        assert not any("本周尚未结束" in i.value for i in at.info)

    def test_running_week_says_so(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, week="2026-W48").run()
        assert not at.exception
        assert "本周尚未结束" in at.info[0].value

    def test_notes_and_next_actions_become_tasks(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch, week="2026-W47").run()
        at.session_state["review_editor"] = {
            "edited_rows": {0: {"note": "大单延期", "next": "回访客户\n准备报价"}},
            "added_rows": [],
            "deleted_rows": [],
        }
        next(b for b in at.button if b.label == "保存备注并创建行动任务").click().run()
        assert not at.exception
        assert at.success[0].value == "已保存备注，创建了 2 个任务。"
        with store.connect(demo_db, read_only=True) as con:
            rv = review.load(con, "2026-W47")
            df = tasks.load(con)
        first = str(rv.reps["rep_id"].iloc[0])
        assert rv.notes == {first: "大单延期"}
        assert df["title"].tolist() == ["回访客户", "准备报价"] and set(df["review_week"]) == {"2026-W47"}
        assert set(df["rep_id"]) == {first}

    def test_downloads_offered(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, week="2026-W47").run()
        labels = [b.label for b in at.get("download_button")]
        assert labels == ["下载周报 Excel", "下载 Markdown", "下载月报/季报 Excel（含复盘）"]
        assert at.code[0].value.startswith("## 2026-W47 周会")
