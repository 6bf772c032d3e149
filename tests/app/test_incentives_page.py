"""Incentives page (pages/9_incentives.py) in AppTest: renders in both languages, payouts on the demo
match the analysis, URL period, tier editor refusals name the row, a valid plan is saved as a version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import incentives, store
from components import incentive_view
from tests.app.conftest import app as app_for

PAGE = "pages/9_incentives.py"
AS_OF = dt.date(2026, 11, 26)


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof=AS_OF.isoformat(), **params)
    at.switch_page(PAGE)
    return at


def edit(
    at: AppTest, key: str, rows: dict[int, dict[str, object]], added: list[dict[str, object]] | None = None
) -> None:
    at.session_state[key] = {"edited_rows": rows, "added_rows": added or [], "deleted_rows": []}


def save(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


class TestRender:
    @pytest.mark.parametrize(
        "lang,title,payout_col",
        [
            ("中文", "激励机制：提成、奖金与表彰", "应发合计"),
            ("English", "Incentives: commission, bonuses, recognition", "Payout"),
        ],
    )
    def test_both_languages(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str, title: str, payout_col: str
    ) -> None:
        at = app(demo_db, monkeypatch, lang=lang).run()
        assert not at.exception
        assert at.title[0].value == title
        table = at.dataframe[0].value
        assert payout_col in table.columns and len(table) > 5
        assert not at.dataframe[1].value.empty
        assert not at.dataframe[2].value.empty

    def test_payouts_on_the_demo_match_the_analysis(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            res = incentives.load(con, AS_OF, "2026-11")
        first = res.table.iloc[0]
        expected = incentives.payout(
            incentives.DEFAULT_PLAN, int(first["actual_cents"]), int(first["target_cents"]), "month"
        )
        table = at.dataframe[0].value
        assert table["Rep"].iloc[0] == first["rep"]
        assert table["Payout"].iloc[0] == incentive_view.money(expected.total_cents)
        assert table["Payout at forecast"].iloc[0] == incentive_view.money(first["forecast_payout_cents"])
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Payout on actuals"] == incentive_view.money(int(res.table["payout_cents"].sum()))
        assert metrics["Everyone exactly on plan"] == incentive_view.money(res.cost.at_plan_cents)
        assert "Using the default commission plan (not saved yet)." in [c.value for c in at.caption]
        badges = res.streaks[res.streaks["badge"]]
        assert not badges.empty  # the demo has a rep 3+ weeks above pace as of 2026-11-26
        assert [s.value for s in at.success] == [
            f"{r}: {n} weeks above pace" for r, n in zip(badges["rep"], badges["current"], strict=True)
        ]

    def test_url_period(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English", period="FY2026-Q3").run()
        assert not at.exception
        assert at.selectbox(key="period").value == "FY2026-Q3"
        # Q3 is over: the quarter bonus (5,000.00) is what a rep on plan earns on top of commission
        bonus = at.dataframe[0].value["Bonus"]
        assert set(bonus) <= {"0.00", "5,000.00"}


class TestPlanEditor:
    def test_overlapping_row_is_refused_with_its_row(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch).run()
        # row 2 now ends at 110 % while row 3 still starts at 100 %
        edit(at, "tier_editor", {1: {"upper_pct": 110.0}})
        at = save(at, "保存为新版本")
        assert not at.exception
        errors = [e.value for e in at.error]
        assert errors == [
            "未保存：分档表第 3 行「下限 %」：从 100% 开始，但上一档在 110% 才结束，两档重叠：各档必须首尾相接、逐档上升。"
        ]
        with store.connect(demo_db, read_only=True) as con:
            assert store.latest_incentive_plan(con) is None

    @pytest.mark.parametrize(
        "rows,added,message",
        [
            (
                {2: {"multiplier": -1.0}},
                None,
                "Tiers row 3, × base rate: -1 is negative; it must be 0 or more.",
            ),
            (
                {3: {"upper_pct": 150.0}},
                None,
                "Tiers row 4, To %: the last tier's upper bound must be blank (open), not 150 %.",
            ),
            (
                {1: {"lower_pct": 85.0}},
                None,
                "Tiers row 2, From %: starts at 85 % but the tier above ends at 80 %, leaving a gap: tiers must be contiguous.",
            ),
            (
                {},
                [{"lower_pct": 150.0, "upper_pct": None, "multiplier": 3.0}],
                "Tiers row 4, To %: only the last tier may have a blank (open) upper bound.",
            ),
        ],
    )
    def test_refusals_in_english(
        self,
        demo_db: Path,
        monkeypatch: pytest.MonkeyPatch,
        rows: dict[int, dict[str, object]],
        added: list[dict[str, object]] | None,
        message: str,
    ) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        edit(at, "tier_editor", rows, added)
        at = save(at, "Save as a new version")
        assert not at.exception
        assert [e.value for e in at.error] == [f"Not saved: {message}"]

    def test_negative_cap_is_refused(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        at.number_input(key="inc_cap_year").set_value(-1.0)
        at = save(at, "Save as a new version")
        assert [e.value for e in at.error] == ["Not saved: Annual cap: -1 is negative; it must be 0 or more."]

    def test_valid_plan_is_saved_and_used(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        before = at.dataframe[0].value
        at.number_input(key="inc_rate").set_value(5.0)
        edit(at, "tier_editor", {3: {"multiplier": 3.0}})
        edit(at, "bonus_editor", {}, [{"grain": "Month", "threshold_pct": 50.0, "amount": 10.5}])
        at = save(at, "Save as a new version")
        assert not at.exception and not at.error
        assert at.success[0].value == "Commission plan saved (version 1)."
        with store.connect(demo_db, read_only=True) as con:
            plan = incentives.load_plan(con)
        assert plan.plan_id == 1 and plan.base_rate * 100 == 5 and plan.tiers[3].multiplier == 3
        assert (plan.bonuses[-1].grain, plan.bonuses[-1].amount_cents) == ("month", 1050)
        assert plan.bonuses[-1].threshold * 100 == 50
        assert "Commission plan in force: version 1" in [c.value for c in at.caption]
        after = at.dataframe[0].value
        assert after["Commission"].tolist() != before["Commission"].tolist()


class TestAccess:
    AUTH = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-only-cookie-secret-0123456789abcdef",
        "client_id": "planner",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
    }
    ROLES = {"admins": ["boss@example.com"], "managers": {"east@example.com": ["T01"]}}

    def signed_in(self, db: Path, monkeypatch: pytest.MonkeyPatch, email: str) -> AppTest:
        at = app_for("dashboard.py", db, monkeypatch, asof=AS_OF.isoformat(), lang="English")
        at.secrets["auth"] = self.AUTH
        at.secrets["roles"] = self.ROLES
        at.user = {"is_logged_in": True, "email": email, "email_verified": True}
        at.switch_page(PAGE)
        return at.run()

    @pytest.mark.parametrize("email", ["east@example.com", "guest@example.com"])
    def test_only_an_admin_can_change_the_plan(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, email: str
    ) -> None:
        at = self.signed_in(demo_db, monkeypatch, email)
        assert not at.exception
        assert "Only an admin can do this." in [i.value for i in at.info]
        assert at.number_input(key="inc_rate").disabled
        assert len(at.dataframe[0].value) > 5  # payouts are still shown
        assert next(b for b in at.button if b.label == "Save as a new version").disabled
        with store.connect(demo_db, read_only=True) as con:
            assert store.latest_incentive_plan(con) is None

    def test_admin_can(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = self.signed_in(demo_db, monkeypatch, "boss@example.com")
        edit(at, "tier_editor", {3: {"multiplier": 3.0}})
        at = save(at, "Save as a new version")
        assert at.success[0].value == "Commission plan saved (version 1)."
