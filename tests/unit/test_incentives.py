"""analysis.incentives: commission tiers at the boundaries (hand-computed), caps, bonuses, the rounding
rule, plan validation, payout invariants, scenario cost, recognition, and the stored plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import incentives as inc
from analysis import metrics, store
from analysis.access import SYSTEM
from analysis.calendar import FiscalYear, WorkCalendar

D = Decimal
TARGET = 10_000_000  # 100,000.00 yuan in cents
CN = WorkCalendar("cn")

# base 4 %; 0-80 % ×0.5, 80-100 % ×1, 100-120 % ×1.5, from 120 % ×2
TIERS = (
    inc.Tier(D(0), D("0.8"), D("0.5")),
    inc.Tier(D("0.8"), D(1), D(1)),
    inc.Tier(D(1), D("1.2"), D("1.5")),
    inc.Tier(D("1.2"), None, D(2)),
)
PLAN = inc.CommissionPlan(base_rate=D("0.04"), tiers=TIERS)


def flat(rate: str, *, caps: dict[inc.Grain, int | None] | None = None) -> inc.CommissionPlan:
    return inc.CommissionPlan(base_rate=D(rate), tiers=(inc.Tier(D(0), None, D(1)),), caps=caps or {})


def yuan(cents: int) -> Decimal:
    return D(cents).scaleb(-2)


class TestTiers:
    """Marginal slices: each tier's rate applies only to the sales inside its band."""

    @pytest.mark.parametrize(
        "actual,expected",
        [
            # 79,990 × 4 % × 0.5
            ("79990.00", "1599.80"),
            # 80,000 × 2 %
            ("80000.00", "1600.00"),
            # 1,600 + 20,000 × 4 %
            ("100000.00", "2400.00"),
            # 2,400 + 10 × 6 %
            ("100010.00", "2400.60"),
            # 2,400 + 20,000 × 6 % + 5,000 × 8 %
            ("125000.00", "4000.00"),
            ("0", "0.00"),
        ],
    )
    def test_boundaries(self, actual: str, expected: str) -> None:
        p = inc.payout(PLAN, int(D(actual) * 100), TARGET, "month")
        assert yuan(p.commission_cents) == D(expected)
        assert p.bonus_cents == 0 and p.total_cents == p.commission_cents

    def test_rate_is_not_applied_to_the_whole_amount(self) -> None:
        # a retroactive tier would pay 100,010 × 6 % = 6,000.60; the marginal slice pays 2,400.60
        p = inc.payout(PLAN, 10_001_000, TARGET, "month")
        assert p.commission_cents == 240_060
        assert [s.tier for s in p.slices] == [0, 1, 2]
        assert [s.base_cents for s in p.slices] == [D(8_000_000), D(2_000_000), D(1_000)]

    @pytest.mark.parametrize(
        "actual,expected,gated",
        [
            (7_999_000, 0, True),  # 79.99 %: below the gate, nothing
            (8_000_000, 320_000, False),  # 80 %: 80,000 × 4 % from the first yuan
            (10_000_000, 400_000, False),  # 100 %
            (10_001_000, 400_060, False),  # 100.01 %: + 10 × 6 %
        ],
    )
    def test_gate_at_80_percent(self, actual: int, expected: int, gated: bool) -> None:
        plan = inc.CommissionPlan(
            base_rate=D("0.04"),
            gate=D("0.8"),
            tiers=(inc.Tier(D(0), D(1), D(1)), inc.Tier(D(1), None, D("1.5"))),
        )
        p = inc.payout(plan, actual, TARGET, "month")
        assert (p.commission_cents, p.gated) == (expected, gated)

    def test_no_target_pays_base_rate_without_bonus(self) -> None:
        plan = inc.CommissionPlan(
            base_rate=D("0.04"), tiers=TIERS, gate=D("0.8"), bonuses=(inc.Bonus("month", D(0), 50_000),)
        )
        p = inc.payout(plan, 1_000_000, 0, "month")
        assert (p.commission_cents, p.bonus_cents, p.gated) == (40_000, 0, False)

    def test_negative_actual_earns_nothing(self) -> None:
        assert inc.payout(PLAN, -500_000, TARGET, "month").total_cents == 0


class TestCap:
    CAPPED = inc.CommissionPlan(base_rate=D("0.04"), tiers=TIERS, caps={"month": 300_000, "quarter": None})

    @pytest.mark.parametrize(
        "actual,commission,capped",
        [
            (10_999_900, 299_994, False),  # 2,400 + 9,999 × 6 % = 2,999.94, below the cap
            (11_000_000, 300_000, False),  # 110 %: exactly the cap 3,000.00
            (11_001_000, 300_000, True),  # 3,000.60 → cap 3,000.00
            (12_500_000, 300_000, True),  # 4,000.00 → cap
        ],
    )
    def test_at_and_above_the_cap(self, actual: int, commission: int, capped: bool) -> None:
        p = inc.payout(self.CAPPED, actual, TARGET, "month")
        assert (p.commission_cents, p.capped) == (commission, capped)

    def test_cap_is_per_grain(self) -> None:
        # the quarter has no cap in this plan
        assert inc.payout(self.CAPPED, 12_500_000, TARGET, "quarter").commission_cents == 400_000

    def test_bonus_is_paid_on_top_of_the_cap(self) -> None:
        plan = inc.CommissionPlan(
            base_rate=D("0.04"),
            tiers=TIERS,
            caps={"month": 300_000},
            bonuses=(inc.Bonus("month", D(1), 50_000),),
        )
        p = inc.payout(plan, 12_500_000, TARGET, "month")
        assert (p.commission_cents, p.bonus_cents, p.total_cents) == (300_000, 50_000, 350_000)


class TestBonuses:
    PLAN = inc.CommissionPlan(
        base_rate=D(0),
        tiers=(inc.Tier(D(0), None, D(1)),),
        bonuses=(
            inc.Bonus("month", D(1), 50_000),
            inc.Bonus("quarter", D(1), 200_000),
            inc.Bonus("year", D(1), 1_000_000),
            inc.Bonus("year", D("1.2"), 2_000_000),
        ),
    )

    @pytest.mark.parametrize(
        "actual,grain,bonus",
        [
            (9_999_000, "month", 0),  # 99.99 %
            (9_999_999, "month", 0),  # one cent short of 100 %
            (10_000_000, "month", 50_000),  # exactly 100 %
            (10_000_000, "quarter", 200_000),  # only the quarter's own bonus
            (11_999_999, "year", 1_000_000),
            (12_000_000, "year", 3_000_000),  # 120 %: both year thresholds stack
        ],
    )
    def test_thresholds(self, actual: int, grain: inc.Grain, bonus: int) -> None:
        assert inc.payout(self.PLAN, actual, TARGET, grain).bonus_cents == bonus


class TestRounding:
    """The exact commission is rounded once, half-up, to the cent."""

    def test_example(self) -> None:
        # 12,345.67 × 3.5 % = 432.09845 → 432.10
        assert inc.payout(flat("0.035"), 1_234_567, TARGET, "month").commission_cents == 43_210

    @pytest.mark.parametrize("actual,cents", [(50, 1), (150, 2), (250, 3), (249, 2), (49, 0)])
    def test_half_up_not_half_even(self, actual: int, cents: int) -> None:
        # 1 % of 2.50 yuan = 2.5 cents: half-up gives 3 (banker's rounding would give 2)
        assert inc.payout(flat("0.01"), actual, TARGET, "month").commission_cents == cents

    def test_no_rounding_per_slice(self) -> None:
        plan = inc.CommissionPlan(D("0.01"), (inc.Tier(D(0), D("0.5"), D(1)), inc.Tier(D("0.5"), None, D(1))))
        # two slices of 0.5 cent each: one rounding of 1.0 cent = 1 (per-slice rounding would give 2)
        assert inc.payout(plan, 100, 100, "month").commission_cents == 1

    def test_round_cents(self) -> None:
        assert [inc.round_cents(D(x)) for x in ("0.5", "1.5", "2.5", "2.4999")] == [1, 2, 3, 2]


def rows(*tiers: tuple[object, object, object]) -> list[dict[str, object]]:
    return [{"lower_pct": lo, "upper_pct": hi, "multiplier": m} for lo, hi, m in tiers]


GOOD = rows((0, 80, 0.5), (80, 100, 1), (100, 120, 1.5), (120, None, 2))


class TestValidation:
    def test_good_plan(self) -> None:
        plan = inc.build_plan(
            3.5,
            GOOD,
            gate_pct=79.99,
            caps={"month": 5000.5, "quarter": None, "year": ""},
            bonuses=[{"grain": "year", "threshold_pct": 120, "amount": 30000}],
        )
        assert plan.base_rate == D("0.035") and plan.gate == D("0.7999")
        assert plan.tiers == TIERS
        assert plan.caps == {"month": 500_050, "quarter": None, "year": None}
        assert plan.bonuses == (inc.Bonus("year", D("1.2"), 3_000_000),)

    def test_float_entry_goes_through_repr(self) -> None:
        # 79.99 as a float is 79.9899999…; parsing must keep 79.99 %
        plan = inc.build_plan(4, rows((0, 79.99, 1), (79.99, None, 2)))
        assert plan.tiers[0].upper == D("0.7999")

    @pytest.mark.parametrize(
        "tiers,code,row",
        [
            ([], "no_tiers", None),
            (rows((10, 80, 1), (80, None, 1)), "first_not_zero", 1),
            (rows((0, 80, 1), (90, None, 1)), "gap", 2),
            (rows((0, 80, 1), (70, None, 1)), "overlap", 2),
            (rows((0, 80, 1), (80, 80, 1), (80, None, 1)), "not_ascending", 2),
            (rows((0, None, 1), (80, None, 1)), "open_not_last", 1),
            (rows((0, 80, 1), (80, 120, 1)), "last_closed", 2),
            (rows((0, 80, 1), (80, None, -0.5)), "negative", 2),
            (rows((0, 80, 1), (80, None, None)), "missing", 2),
            (rows((0, 80, 1), (80, None, "abc")), "not_number", 2),
            (rows((0, 80, 1), (80, None, float("nan"))), "missing", 2),
            (rows((0, 80.123456, 1), (80.123456, None, 1)), "too_precise", 1),
            (rows((0, 80, 1), (80, None, 1000)), "too_large", 2),
        ],
    )
    def test_tier_refusals_name_the_row(
        self, tiers: list[dict[str, object]], code: str, row: int | None
    ) -> None:
        with pytest.raises(inc.PlanError) as err:
            inc.build_plan(4, tiers)
        assert (err.value.code, err.value.row) == (code, row)
        if row is not None:
            assert f"row {row}" in str(err.value)

    @pytest.mark.parametrize(
        "kwargs,code",
        [
            ({"base_rate_pct": -1}, "negative"),
            ({"base_rate_pct": 101}, "too_large"),
            ({"gate_pct": -5}, "negative"),
            ({"caps": {"month": -1}}, "negative"),
            ({"caps": {"month": 10.001}}, "too_precise"),
            ({"bonuses": [{"grain": "week", "threshold_pct": 100, "amount": 1}]}, "bad_grain"),
            ({"bonuses": [{"grain": "month", "threshold_pct": 100, "amount": -1}]}, "negative"),
        ],
    )
    def test_plan_refusals(self, kwargs: dict[str, object], code: str) -> None:
        args: dict[str, object] = {"base_rate_pct": 4, "gate_pct": 0, "caps": None, "bonuses": ()} | kwargs
        with pytest.raises(inc.PlanError) as err:
            inc.build_plan(
                args["base_rate_pct"],
                GOOD,
                gate_pct=args["gate_pct"],
                caps=args["caps"],
                bonuses=args["bonuses"],
            )  # type: ignore[arg-type]
        assert err.value.code == code

    def test_round_trip_through_editor_rows(self) -> None:
        plan = inc.build_plan(
            4, inc.tier_rows(PLAN), bonuses=inc.bonus_rows(inc.DEFAULT_PLAN), caps={"month": 3000}
        )
        assert plan.tiers == PLAN.tiers and plan.bonuses == inc.DEFAULT_PLAN.bonuses


pct = st.integers(min_value=1, max_value=40_000).map(lambda n: D(n) / D(10_000))  # 0.01 % .. 400 %


@st.composite
def plans(draw: st.DrawFn) -> inc.CommissionPlan:
    cuts = sorted(set(draw(st.lists(pct, max_size=4))))
    bounds = [D(0), *cuts]
    mults = draw(st.lists(st.integers(0, 400), min_size=len(bounds), max_size=len(bounds)))
    tiers = tuple(
        inc.Tier(lo, bounds[i + 1] if i + 1 < len(bounds) else None, D(m) / 100)
        for i, (lo, m) in enumerate(zip(bounds, mults, strict=True))
    )
    cap = draw(st.one_of(st.none(), st.integers(0, 10**9)))
    bonuses = tuple(
        inc.Bonus(g, th, a)
        for g, th, a in draw(
            st.lists(st.tuples(st.sampled_from(inc.GRAINS), pct, st.integers(0, 10**8)), max_size=4)
        )
    )
    return inc.CommissionPlan(
        base_rate=D(draw(st.integers(0, 2_000))) / D(10_000),
        tiers=tiers,
        gate=draw(st.one_of(st.just(D(0)), pct)),
        caps={"month": cap},
        bonuses=bonuses,
    )


class TestInvariants:
    @settings(max_examples=300, deadline=None)
    @given(
        plan=plans(),
        target=st.integers(0, 10**11),
        a=st.integers(-(10**6), 10**12),
        b=st.integers(-(10**6), 10**12),
    )
    def test_monotone_and_bounded(self, plan: inc.CommissionPlan, target: int, a: int, b: int) -> None:
        lo, hi = sorted((a, b))
        p_lo = inc.payout(plan, lo, target, "month")
        p_hi = inc.payout(plan, hi, target, "month")
        assert p_lo.total_cents <= p_hi.total_cents
        assert p_lo.commission_cents <= p_hi.commission_cents
        cap = plan.caps["month"]
        month_bonus = sum(x.amount_cents for x in plan.bonuses if x.grain == "month")
        for p in (p_lo, p_hi):
            assert p.commission_cents >= 0
            if cap is not None:
                assert p.commission_cents <= cap
                assert p.total_cents <= cap + month_bonus
            assert isinstance(p.total_cents, int)


def table(*reps: tuple[str, int, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": [r for r, *_ in reps],
            "rep": [r.lower() for r, *_ in reps],
            "team": ["T"] * len(reps),
            "target_cents": [t for _, t, _, _ in reps],
            "actual_cents": [a for _, _, a, _ in reps],
            "forecast_cents": [f for _, _, _, f in reps],
        }
    )


class TestScenario:
    def test_payouts_and_cost(self) -> None:
        t = inc.payouts(
            PLAN, table(("A", TARGET, 8_000_000, 12_500_000), ("B", TARGET, 10_001_000, 10_001_000)), "month"
        )
        by = t.set_index("rep_id")
        assert by.loc["A", "payout_cents"] == 160_000 and by.loc["A", "forecast_payout_cents"] == 400_000
        assert by.loc["B", "payout_cents"] == 240_060
        assert (by["plan_payout_cents"] == 240_000).all()  # exactly on plan: 100 %
        assert t["rep_id"].tolist() == ["B", "A"]  # by payout
        cost = inc.scenario_cost(t)
        assert (cost.at_plan_cents, cost.at_forecast_cents, cost.at_actual_cents) == (
            480_000,
            640_060,
            400_060,
        )
        assert cost.cost_of_sales_at_plan == pytest.approx(0.024)
        assert by.loc["B", "explain"] == "80,000.00×2% + 20,000.00×4% + 10.00×6% = 2,400.60"

    def test_leaderboard_ranks_by_attainment_and_skips_no_target(self) -> None:
        t = inc.payouts(
            PLAN,
            table(
                ("A", TARGET, 9_000_000, 0),
                ("B", 5_000_000, 6_000_000, 0),
                ("C", 0, 100, 0),
                ("D", TARGET, 9_000_000, 0),
            ),
            "month",
        )
        board = inc.leaderboard(t)
        assert board["rep_id"].tolist() == ["B", "A", "D"]
        assert board["rank"].tolist() == [1, 2, 2]


FY = FiscalYear(2026)


def per_workday(rep: str, start: dt.date, end: dt.date, cents: int, col: str) -> pd.DataFrame:
    days = CN.workdays(start, end)
    return pd.DataFrame(
        {"rep_id": [rep] * len(days), "team_id": ["T"] * len(days), "day": days, col: [cents] * len(days)}
    )


class TestStreaks:
    def test_week_streaks_skip_unplanned_weeks(self) -> None:
        met = np.array([[1, 1, 1, 1], [1, 0, 1, 1], [1, -1, 1, 1], [1, 1, 1, 0]])
        cur, best = inc.week_streaks(met)
        assert cur.tolist() == [4, 2, 3, 0] and best.tolist() == [4, 2, 3, 3]

    def test_from_weekly_plan_and_actual(self) -> None:
        # complete ISO weeks of FY2026 up to Sun 1 Feb: 5-11, 12-18, 19-25 Jan, 26 Jan-1 Feb
        as_of = dt.date(2026, 2, 1)
        weeks = [(dt.date(2026, 1, 5) + dt.timedelta(days=7 * i)) for i in range(4)]
        reps = pd.DataFrame({"rep_id": ["A", "B", "C"], "name": ["a", "b", "c"], "team_id": "T", "team": "T"})
        tgt = [
            per_workday(r, dt.date(2026, 1, 1), dt.date(2026, 12, 31), 10_000, "target_cents") for r in "AB"
        ]
        tgt += [
            per_workday("C", w, w + dt.timedelta(days=6), 10_000, "target_cents")
            for i, w in enumerate(weeks)
            if i != 1
        ]
        act = [per_workday("A", weeks[0], as_of, 10_000, "amount_cents")]  # exactly on plan: ≥ counts
        act += [
            per_workday("B", w, w + dt.timedelta(days=6), 9_999 if i == 1 else 10_000, "amount_cents")
            for i, w in enumerate(weeks)
        ]
        act += [per_workday("C", weeks[0], as_of, 10_000, "amount_cents")]
        data = metrics.prepare(FY, as_of, reps, pd.concat(act), pd.concat(tgt), calendar=CN)
        s = inc.streaks(data).set_index("rep_id")
        assert s.loc["A", ["current", "best", "weeks"]].tolist() == [4, 4, 4]
        assert s.loc["B", ["current", "best", "met_weeks"]].tolist() == [2, 2, 3]
        assert s.loc["C", ["current", "weeks"]].tolist() == [3, 3]  # the unplanned week is skipped
        assert s["badge"].to_dict() == {"A": True, "B": False, "C": True}
        assert s["last_week"].iloc[0] == "2026-W05"

    def test_current_week_does_not_count_until_complete(self) -> None:
        reps = pd.DataFrame({"rep_id": ["A"], "name": ["a"], "team_id": "T", "team": "T"})
        tgt = per_workday("A", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 10_000, "target_cents")
        act = per_workday("A", dt.date(2026, 1, 5), dt.date(2026, 1, 31), 10_000, "amount_cents")
        data = metrics.prepare(FY, dt.date(2026, 1, 31), reps, act, tgt, calendar=CN)  # a Saturday
        assert inc.streaks(data)["weeks"].tolist() == [3]


class TestStore:
    def test_default_then_saved_versions(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            assert inc.load_plan(con) == inc.DEFAULT_PLAN
            plan = inc.build_plan(
                3.5,
                GOOD,
                gate_pct=79.99,
                caps={"month": 5000.5},
                bonuses=[{"grain": "quarter", "threshold_pct": 100, "amount": 1234.56}],
            )
            first = inc.save_plan(con, plan)
            second = inc.save_plan(con, inc.DEFAULT_PLAN)
            assert second == first + 1
            loaded = inc.load_plan(con)
            assert loaded.plan_id == second and loaded.tiers == inc.DEFAULT_PLAN.tiers
            assert store.latest_incentive_plan(con)["plan_id"] == second  # type: ignore[index]
            con.execute("DELETE FROM incentive_plans WHERE plan_id = ?", [second])
            back = inc.load_plan(con)
        assert back.base_rate == D("0.035") and back.gate == D("0.7999") and back.tiers == TIERS
        assert back.caps == {"month": 500_050, "quarter": None, "year": None}
        assert back.bonuses == (inc.Bonus("quarter", D(1), 123_456),)

    def test_checks_are_the_backstop(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            with pytest.raises(Exception, match="(?i)constraint"):
                store.save_incentive_plan(
                    con, base_rate=D("-0.01"), gate=D(0), tiers=[(D(0), None, D(1))], caps={}, bonuses=[]
                )
            assert store.latest_incentive_plan(con) is None  # the transaction rolled back

    def test_load_on_demo(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con:
            r = inc.load(con, dt.date(2026, 11, 26), "FY2026-Q4")
        assert r.grain == "quarter" and len(r.table) > 5
        t = r.table
        assert r.cost.at_actual_cents == int(t["payout_cents"].sum())
        assert (t["payout_cents"] == t["commission_cents"] + t["bonus_cents"]).all()
        for row in t.itertuples():
            assert (
                row.payout_cents
                == inc.payout(inc.DEFAULT_PLAN, row.actual_cents, row.target_cents, "quarter").total_cents
            )

    def test_weeks_are_not_a_commission_period(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con, pytest.raises(inc.PlanError):
            inc.load(con, dt.date(2026, 11, 26), "2026-W47")
