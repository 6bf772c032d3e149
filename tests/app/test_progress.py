"""Progress page (pages/2_progress.py) in AppTest: languages, URL-selected scope and period, numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import metrics, store
from analysis.access import SYSTEM
from analysis.i18n import fmt_amount, fmt_pct
from tests.app.conftest import app as app_for

PAGE = "pages/2_progress.py"
AS_OF = "2026-11-27"


def app(script: str, db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """The page inside the app (page links resolve against the entry file, dashboard.py)."""
    at = app_for("dashboard.py", db, monkeypatch, **params)
    at.switch_page(script)
    return at


def direct(db: Path, period: str, scope: str = "company", key: object = None) -> metrics.Progress:
    with store.connect(db, read_only=True) as con:
        data = metrics.load_inputs(con, dt.date.fromisoformat(AS_OF))
    return metrics.progress(data, metrics.period_by_label(data.fy, period), scope, key)  # type: ignore[arg-type]


def cards(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


class TestProgressPage:
    def test_chinese_company_month_matches_metrics(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(PAGE, demo_db, monkeypatch, asof=AS_OF).run()
        assert not at.exception
        assert at.title[0].value == "进度追踪"
        p = direct(demo_db, "2026-11")
        c = cards(at)
        assert c["目标"] == fmt_amount(p.target, "zh")
        assert c["实际销售"] == fmt_amount(p.actual, "zh")
        assert c["达成率"] == fmt_pct(p.attainment, "zh")
        assert c["进度差额"] == fmt_amount(p.pace_gap, "zh")
        assert c["期末预测"] == fmt_amount(p.forecast, "zh")
        assert any("默认方案" in i.value for i in at.info)  # no active plan: the default one, said visibly
        # burn-up, "how good is this forecast", growth, heatmap
        assert len(at.get("plotly_chart")) == 4
        assert p.check is not None and p.check.within is not None
        trust = f"预测与最终结果相差在 ±{fmt_pct(p.check.within, 'zh')} 以内的有 {p.check.within_count} / "
        assert any(trust in c.value for c in at.caption)

    def test_url_selects_team_and_quarter_in_english(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(
            PAGE, demo_db, monkeypatch, asof=AS_OF, lang="English", team="华北", period="FY2026-Q4"
        ).run()
        assert not at.exception
        assert at.selectbox(key="team").value == "华北"
        assert at.selectbox(key="period").value == "FY2026-Q4"
        p = direct(demo_db, "FY2026-Q4", "team", "T03")
        c = cards(at)
        assert c["Target"] == fmt_amount(p.target, "en")
        assert c["Actual"] == fmt_amount(p.actual, "en")
        assert c["YoY (like-for-like)"] == fmt_pct(p.yoy, "en", signed=True)
        # The demo's data end on 2026-11-26: the figures (and the caption) stop there.
        assert "华北 · FY2026 · FY2026-Q4 · as of 2026-11-26" in [s.value for s in at.subheader]

    def test_url_selects_rep_and_week(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(PAGE, demo_db, monkeypatch, asof=AS_OF, lang="English", rep="陈静", period="2026-W48").run()
        assert not at.exception
        p = direct(demo_db, "2026-W48", "rep", "R005")
        assert cards(at)["Actual"] == fmt_amount(p.actual, "en")

    def test_selecting_a_team_changes_the_view(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(PAGE, demo_db, monkeypatch, asof=AS_OF, lang="English").run()
        company = cards(at)["Target"]
        at.selectbox(key="team").set_value("华东").run()
        assert not at.exception
        p = direct(demo_db, "2026-11", "team", "T01")
        assert cards(at)["Target"] == fmt_amount(p.target, "en") != company

    def test_active_plan_is_used_and_named(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            data = metrics.load_inputs(con, dt.date.fromisoformat(AS_OF))
            reps = store.reps_frame(con)
            dp = metrics.default_plan_targets(
                data.fy,
                reps,
                store.daily_actuals(con, dt.date(2025, 1, 1), dt.date(2025, 12, 31), by_rep=True),
                uplift=metrics.Decimal("1.10"),
            )
            pv = store.save_plan_version(
                con,
                scenario="Stretch",
                based_on=None,
                fiscal_year=2026,
                fy_start_month=1,
                target=dp.target,
                unit=metrics.Decimal("0.01"),
                params={},
                targets=dp.targets,
            )
            store.set_active_plan(con, pv.version_id)
        at = app(PAGE, demo_db, monkeypatch, asof=AS_OF, lang="English", period="FY2026").run()
        assert not at.exception
        assert not at.info
        assert any("Stretch v1" in c.value for c in at.caption)
        assert cards(at)["Target"] == fmt_amount(dp.target, "en")


class TestHeatmap:
    def test_one_row_per_rep(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import json

        at = app(PAGE, demo_db, monkeypatch, asof=AS_OF).run()
        assert not at.exception
        (heat,) = [
            tr
            for chart in at.get("plotly_chart")
            for tr in json.loads(chart.proto.spec)["data"]
            if tr.get("type") == "heatmap"
        ]
        with store.connect(demo_db, read_only=True) as con:
            data = metrics.load_inputs(con, dt.date.fromisoformat(AS_OF))
        reps = metrics.rep_month_attainment(data)["rep_id"].nunique()
        assert 20 <= reps <= 24  # the demo's reps with a plan or sales this year
        assert len(heat["y"]) == len(set(heat["y"])) == reps  # was ~100: every rep under every team
        assert all(" · " in y for y in heat["y"])
