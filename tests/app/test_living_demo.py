"""Every page of the living demo (as `make run` builds it) shows its content on first open."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import demo, store
from analysis.i18n import t
from tests.app.conftest import app
from tests.conftest import DEMO_END

ASOF = DEMO_END.isoformat()
pytestmark = pytest.mark.usefixtures("fixed_today")  # the day after the data, as `make run` builds it


def opened(db: Path, monkeypatch: pytest.MonkeyPatch, page: str | None, **params: str) -> AppTest:
    at = app("dashboard.py", db, monkeypatch, asof=ASOF, lang="English", **params)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def texts(at: AppTest) -> list[str]:
    """The text of every message, caption and markdown element on the page."""
    kinds = (at.markdown, at.caption, at.info, at.warning, at.success, at.subheader, at.title)
    return [str(e.value) for kind in kinds for e in kind]


def en(key: str, **fmt: object) -> str:
    return t(key, "en", **fmt)


class TestFirstOpen:
    def test_home_uses_the_active_plan(self, living_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        shown = " ".join(texts(opened(living_db, monkeypatch, None)))
        assert "Active plan" in shown and "FY2026 年度目标" in shown
        assert "There is no active plan" not in shown

    def test_progress_uses_the_active_plan(self, living_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        shown = texts(opened(living_db, monkeypatch, "pages/2_progress.py"))
        assert en("prog.plan_active", label="FY2026 年度目标 v1") in shown

    def test_tasks_overdue_and_done(self, living_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = opened(living_db, monkeypatch, "pages/6_tasks.py")
        metric = {m.label: int(m.value) for m in at.metric}
        assert metric[en("task.n_overdue")] >= 1 and metric[en("task.n_done")] >= 10
        assert len(at.dataframe[0].value) >= 40

    def test_review_shows_the_notes_of_past_reviews(
        self, living_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = opened(living_db, monkeypatch, "pages/7_review.py")
        frames = [d.value for d in at.dataframe]
        reps = next(f for f in frames if en("rev.note") in f.columns and en("col.rep") in f.columns)
        shown = {str(n) for n in reps[en("rev.note")] if str(n).strip()}
        with store.connect(living_db, read_only=True) as con:
            stored = set(store.review_notes(con, str(at.selectbox(key="week").value))["note"])
        assert shown == stored  # the selected week's notes (none yet for a week still running)
        # The month's retrospective lists the notes of its weekly reviews.
        past = next(f for f in frames if list(f.columns) == [en("retro.week"), en("col.rep"), en("rev.note")])
        assert len(past) >= 8 and past[en("retro.week")].nunique() >= 3

    def test_risks_register_is_filled(self, living_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = opened(living_db, monkeypatch, "pages/4_risks.py")
        assert en("risk.register_empty") not in texts(at)

    def test_scorecard_has_customer_satisfaction(
        self, living_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = opened(living_db, monkeypatch, "pages/8_scorecard.py")
        assert any(en("csat.responses") in d.value.columns for d in at.dataframe)

    def test_incentives_use_the_saved_scheme(self, living_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        shown = texts(opened(living_db, monkeypatch, "pages/9_incentives.py"))
        assert en("inc.plan_version", n=1) in shown and en("inc.plan_default") not in shown

    @pytest.mark.parametrize("page", ["pages/3_data.py", "pages/5_insights.py", "pages/1_plan.py"])
    def test_other_pages_open_cleanly(
        self, living_db: Path, monkeypatch: pytest.MonkeyPatch, page: str
    ) -> None:
        opened(living_db, monkeypatch, page)


class TestPlanHealthOnThePlanPage:
    def test_next_years_draft_is_too_hard_because_of_huabei(
        self, living_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = opened(
            living_db,
            monkeypatch,
            "pages/1_plan.py",
            year="2027",
            scenario="FY2027 年度目标（草案）",
            version="v1",
        )
        warning = next(w.value for w in at.warning if str(w.value).startswith("Plan too hard"))
        with store.connect(living_db, read_only=True) as con:
            reps = store.reps_frame(con)
        huabei = reps[(reps["team_id"] == demo.DECLINING_TEAM) & reps["leave_date"].isna()]["name"]
        assert all(str(n) in warning for n in huabei)

    def test_this_years_plan_is_healthy(self, living_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = opened(
            living_db, monkeypatch, "pages/1_plan.py", year="2026", scenario="FY2026 年度目标", version="v1"
        )
        assert any(str(s.value).startswith("Plan health:") for s in at.success)


class TestBuiltFromTheHomePage:
    def test_the_button_builds_the_living_demo_as_the_local_admin(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        build = demo.build_demo
        monkeypatch.setattr(demo, "build_demo", functools.partial(build, rows=3_000, end=DEMO_END))
        db = tmp_path / "new.duckdb"
        at = app("dashboard.py", db, monkeypatch, lang="English").run()
        next(b for b in at.button if b.label == en("empty.demo")).click().run()
        assert not at.exception, at.exception
        with store.connect(db, read_only=True) as con:
            assert store.active_plan(con, DEMO_END.year) is not None
            assert len(store.register_entries(con)) > 0 and len(store.list_tasks(con)) > 0
        at.query_params["asof"] = ASOF
        shown = " ".join(texts(at.run()))
        assert "Active plan" in shown
