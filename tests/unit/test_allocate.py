"""Allocating a company target to teams and reps per day."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.allocate import allocate, is_vacancy
from analysis.calendar import FiscalYear, WorkCalendar
from analysis.plan import build_plan
from analysis.spread import PlanInputError, spread_weights

FY = FiscalYear(2027)
DW = spread_weights(FY, WorkCalendar("weekdays"), "working_days").weights


def reps_frame(rows: list[tuple[str, str, str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rep_id", "team_id", "level", "hire_date", "leave_date"]).assign(
        name=lambda d: d["rep_id"].str.upper()
    )


BASIC = reps_frame(
    [
        ("a", "north", "senior", "2020-01-01", None),
        ("b", "north", "mid", "2020-01-01", None),
        ("c", "south", "junior", "2020-01-01", None),
    ]
)


class TestMethods:
    def test_even(self) -> None:
        a = allocate(Decimal(300_000), FY, BASIC, DW, method="even", unit=Decimal(100))
        assert a.annual_cents.tolist() == [10_000_000] * 3

    def test_capacity_weights(self) -> None:
        a = allocate(Decimal(3_000_000), FY, BASIC, DW, method="capacity", unit=Decimal(1))
        # 1.3 : 1.0 : 0.7 of 3,000,000
        assert a.annual_cents.tolist() == [130_000_000, 100_000_000, 70_000_000]
        assert "capacity 1.3 (senior)" in a.explanations["a"]
        assert "share 43.33 %" in a.explanations["a"]

    def test_capacity_weights_editable(self) -> None:
        params = {"level_weights": {"senior": 2, "mid": 1, "junior": 1}}
        a = allocate(Decimal(400), FY, BASIC, DW, method="capacity", unit=Decimal(1), params=params)
        assert a.annual_cents.tolist() == [20_000, 10_000, 10_000]

    def test_history_with_fallback_for_new_rep(self) -> None:
        hist = pd.DataFrame({"rep_id": ["a", "b", "b"], "amount": [300.0, 50.0, 50.0]})
        a = allocate(Decimal(1000), FY, BASIC, DW, method="history", unit=Decimal(1), history=hist)
        # c has no history and no team peer with history: the company median (200) stands in.
        assert a.annual_cents.tolist() == [50_000, 16_700, 33_300]
        assert "company median" in a.explanations["c"]

    def test_manual_per_rep(self) -> None:
        params = {"manual": {"a": 500, "b": "300", "c": Decimal(200)}}
        a = allocate(Decimal(1000), FY, BASIC, DW, method="manual", unit=Decimal(100), params=params)
        assert a.annual_cents.tolist() == [50_000, 30_000, 20_000]

    def test_team_first_manual(self) -> None:
        params = {"team_first": True, "team_method": "manual", "manual": {"north": 900, "south": 100}}
        a = allocate(Decimal(1000), FY, BASIC, DW, method="capacity", unit=Decimal(1), params=params)
        assert a.annual_cents.tolist() == [50_900, 39_100, 10_000]  # 900 split 1.3 : 1.0

    def test_team_first_even(self) -> None:
        params = {"team_first": True, "team_method": "even"}
        a = allocate(Decimal(1000), FY, BASIC, DW, method="even", unit=Decimal(1), params=params)
        assert a.annual_cents.tolist() == [25_000, 25_000, 50_000]


class TestProrationAndRamp:
    def test_leaver_and_new_hire(self) -> None:
        reps = reps_frame(
            [
                ("full", "t", "mid", "2020-01-01", None),
                ("leaver", "t", "mid", "2020-01-01", "2027-06-30"),
                ("new", "t", "mid", "2027-07-01", None),
            ]
        )
        a = allocate(Decimal(1_000_000), FY, reps, DW, method="even", unit=Decimal(1))
        days = FY.days()
        after = [i for i, d in enumerate(days) if d.month >= 7]
        before = [i for i, d in enumerate(days) if d.month < 7]
        assert a.cents[1, after].sum() == 0 and a.cents[2, before].sum() == 0
        assert a.annual_cents.sum() == 100_000_000
        # the new hire ramps 25 % / 50 % / 75 % in Jul / Aug / Sep, so earns less than the leaver
        assert a.annual_cents[2] < a.annual_cents[1] < a.annual_cents[0]
        f = a.factors.set_index("rep_id")
        assert f.loc["leaver", "active_months"] == pytest.approx(181 / 365 * 12)
        jul = [i for i, d in enumerate(days) if d.month == 7]
        oct_ = [i for i, d in enumerate(days) if d.month == 10]
        ratio = a.weights[2, jul].sum() / a.weights[0, jul].sum()
        assert ratio == pytest.approx(0.25)
        assert a.weights[2, oct_].sum() == pytest.approx(a.weights[0, oct_].sum())
        assert "ramp" in a.explanations["new"]

    def test_custom_ramp(self) -> None:
        reps = reps_frame([("x", "t", "mid", "2027-01-01", None), ("y", "t", "mid", "2020-01-01", None)])
        a = allocate(Decimal(1000), FY, reps, DW, unit=Decimal(1), params={"ramp": [0.0]})
        jan = [i for i, d in enumerate(FY.days()) if d.month == 1]
        assert a.cents[0, jan].sum() == 0


class TestInvalid:
    @pytest.mark.parametrize(
        ("method", "params", "history", "match"),
        [
            ("magic", None, None, "unknown allocation method 'magic'"),
            (
                "manual",
                {"manual": {"a": 100}},
                None,
                "total 100.00 but the target is 1,000.00 \\(difference 900.00\\)",
            ),
            ("manual", {"manual": {"zz": 1000}}, None, "unknown rep"),
            ("manual", {"manual": {"a": 950, "b": 50}}, None, "not a multiple of the rounding unit 100"),
            ("history", None, None, "needs last year's sales per rep"),
            ("capacity", {"level_weights": {"senior": 1}}, None, "unknown level"),
            ("even", {"ramp": [1.5]}, None, "between 0 and 100"),
            ("even", {"speed": 1}, None, "unknown allocation option"),
        ],
    )
    def test_clear_errors(
        self, method: str, params: dict[str, object] | None, history: pd.DataFrame | None, match: str
    ) -> None:
        with pytest.raises(PlanInputError, match=match):
            allocate(
                Decimal(1000), FY, BASIC, DW, method=method, unit=Decimal(100), params=params, history=history
            )

    def test_nobody_active(self) -> None:
        reps = reps_frame([("a", "t", "mid", "2030-01-01", None)])
        with pytest.raises(PlanInputError, match="no rep is active"):
            allocate(Decimal(1000), FY, reps, DW)

    def test_duplicate_reps(self) -> None:
        with pytest.raises(PlanInputError, match="more than once"):
            allocate(Decimal(1000), FY, pd.concat([BASIC, BASIC]), DW)


class TestProperties:
    @settings(max_examples=50, deadline=None)
    @given(
        units=st.integers(0, 200_000),
        unit=st.sampled_from([Decimal("0.01"), Decimal(1), Decimal(100), Decimal(10000)]),
        n=st.integers(1, 25),
        method=st.sampled_from(["even", "capacity", "history"]),
        team_first=st.booleans(),
        seed=st.integers(0, 10_000),
    )
    def test_reps_sum_to_teams_to_company(
        self, units: int, unit: Decimal, n: int, method: str, team_first: bool, seed: int
    ) -> None:
        rng = np.random.default_rng(seed)
        hires = rng.choice(["2019-05-05", "2027-03-15", "2027-11-30"], n, p=[0.7, 0.2, 0.1])
        leaves = [
            lv if h == "2019-05-05" else None
            for h, lv in zip(hires, rng.choice([None, "2027-09-10"], n, p=[0.9, 0.1]), strict=True)
        ]
        reps = reps_frame(
            [
                (f"r{i}", f"t{rng.integers(0, 4)}", str(rng.choice(["senior", "mid", "junior"])), h, lv)
                for i, (h, lv) in enumerate(zip(hires, leaves, strict=True))
            ]
        )
        reps.loc[0, ["hire_date", "leave_date"]] = ["2019-01-01", None]  # someone always active
        k = max(1, n // 2)
        hist = pd.DataFrame({"rep_id": reps["rep_id"][:k], "amount": rng.uniform(0, 1e5, k)})
        total = unit * units
        a = allocate(
            total, FY, reps, DW, method=method, unit=unit, history=hist, params={"team_first": team_first}
        )
        assert int(a.cents.sum()) == int(total * 100)
        uc = int(unit * 100)
        assert (a.annual_cents % uc == 0).all()
        assert (a.cents % min(uc, 100) == 0).all()
        assert (a.cents[a.weights == 0] == 0).all()  # never a target on an inactive or non-working day
        teams = pd.Series(a.annual_cents, index=list(a.team_ids)).groupby(level=0).sum()
        assert int(teams.sum()) == int(total * 100)


def _cn_reps(rows: list[tuple[str, str, str | None, str | None]]) -> pd.DataFrame:
    return reps_frame([(r, t, "mid", h, lv) for r, t, h, lv in rows])


class TestCompanyFollowsSpread:
    """The company's periods are the chosen spread whatever the staffing (issue 15)."""

    def test_leaver_keeps_working_day_months(self) -> None:
        # China's 2026 calendar has 248 working days, 21 in January: 10,000,000 x 21 / 248.
        reps = _cn_reps(
            [(f"r{i}", "north" if i < 3 else "south", "2020-01-01", None) for i in range(6)]
            + [("leaver", "north", "2020-01-01", "2026-06-30")]
        )
        plan = build_plan(
            2026,
            Decimal(10_000_000),
            reps=reps,
            calendar=WorkCalendar("cn"),
            spread_method="working_days",
            allocate_method="even",
        )
        months = plan.by("month", "company").set_index("period")["target"]
        assert months["2026-01"] == Decimal("846774.19")
        assert months.tolist() == plan.spread.by("month")["target"].tolist()
        # the leaver's remaining months are a line of their own in the leaver's team
        vac = [i for i, r in enumerate(plan.rep_ids) if is_vacancy(r)]
        assert [plan.team_ids[i] for i in vac] == ["north"]
        by_month, _, labels = plan.cents_by("month", "rep")
        leaver = plan.rep_ids.index("leaver")
        assert by_month[vac[0], :6].sum() == 0 and (by_month[vac[0], 6:] > 0).all()
        assert by_month[leaver, 6:].sum() == 0
        # the vacancy holds the leaver's seat: July's vacancy equals a full rep's July
        assert abs(int(by_month[vac[0], 6]) - int(by_month[0, 6])) <= 1

    def test_vacancy_given_to_reps(self) -> None:
        reps = _cn_reps([("a", "t", "2020-01-01", None), ("leaver", "t", "2020-01-01", "2026-06-30")])
        plan = build_plan(
            2026,
            Decimal(1_000_000),
            reps=reps,
            calendar=WorkCalendar("cn"),
            spread_method="working_days",
            allocate_params={"vacancy": "reps"},
        )
        assert not any(is_vacancy(r) for r in plan.rep_ids)
        months = plan.by("month", "company")["target"].tolist()
        assert months == plan.spread.by("month")["target"].tolist()
        by_month, _, _ = plan.cents_by("month", "rep")
        assert by_month[0, 6:].sum() == plan.spread.cents[plan.fy.month_index() >= 6].sum()

    def test_planned_hire_not_yet_named(self) -> None:
        reps = _cn_reps([("a", "t", "2020-01-01", None), ("b", "u", "2020-01-01", None)])
        hires = [{"team_id": "u", "start": "2026-04-01"}]
        plan = build_plan(
            2026, Decimal(1_000_000), reps=reps, calendar=WorkCalendar("cn"), allocate_params={"hires": hires}
        )
        vac = [i for i, r in enumerate(plan.rep_ids) if is_vacancy(r)]
        assert [plan.team_ids[i] for i in vac] == ["u"]
        by_month, _, _ = plan.cents_by("month", "rep")
        assert by_month[vac[0], :3].sum() == 0 and by_month[vac[0], 3] > 0
        assert plan.by("month", "company")["target"].tolist() == plan.spread.by("month")["target"].tolist()

    @settings(max_examples=int(os.environ.get("ALLOC_EXAMPLES", "60")), deadline=None)
    @given(
        units=st.integers(0, 300_000),
        unit=st.sampled_from([Decimal("0.01"), Decimal(1), Decimal(100), Decimal(10000)]),
        n=st.integers(1, 12),
        method=st.sampled_from(["even", "capacity", "history"]),
        spread=st.sampled_from(["working_days", "even", "custom"]),
        vacancy=st.sampled_from(["keep", "reps"]),
        offsets=st.lists(st.tuples(st.integers(-400, 420), st.integers(0, 500)), min_size=12, max_size=12),
        seed=st.integers(0, 10_000),
    )
    def test_random_join_and_leave_dates(
        self,
        units: int,
        unit: Decimal,
        n: int,
        method: str,
        spread: str,
        vacancy: str,
        offsets: list[tuple[int, int]],
        seed: int,
    ) -> None:
        rng = np.random.default_rng(seed)
        start = date(2026, 1, 1)
        rows = []
        for i in range(n):
            h, stay = offsets[i]
            hire = start + timedelta(days=h)
            leave = hire + timedelta(days=stay) if stay < 400 else None
            rows.append((f"r{i}", f"t{rng.integers(0, 3)}", str(hire), None if leave is None else str(leave)))
        reps = _cn_reps(rows)
        reps = reps[reps["leave_date"].isna() | (pd.to_datetime(reps["leave_date"]) >= "2026-01-01")]
        assume((pd.to_datetime(reps["hire_date"]) <= "2026-12-31").any())  # someone works in 2026
        hist = pd.DataFrame({"rep_id": reps["rep_id"], "amount": rng.uniform(0, 1e5, len(reps))})
        total = unit * units
        params = {"custom": {"Q1": 10, "Q2": 20, "Q3": 30, "Q4": 40}} if spread == "custom" else None
        try:
            plan = build_plan(
                2026,
                total,
                reps=reps.reset_index(drop=True),
                calendar=WorkCalendar("cn"),
                spread_method=spread,
                spread_params=params,
                allocate_method=method,
                allocate_params={"vacancy": vacancy},
                unit=unit,
                history_by_rep=hist,
            )
        except PlanInputError as exc:
            assume("no rep is active" not in str(exc))  # everyone's days in 2026 are holidays
            raise
        # company months (hence quarters, halves, the year) are the spread's, to the cent; days
        # too when months need not be coarser than days (a unit of at most 1)
        company = plan.cents.sum(axis=0)
        month_idx = plan.fy.month_index()
        for m in range(12):
            assert company[month_idx == m].sum() == plan.spread.cents[month_idx == m].sum()
        if unit <= 1:
            assert (company == plan.spread.cents).all()
        assert int(plan.cents.sum()) == int(total * 100)
        uc = int(unit * 100)
        months, _, _ = plan.cents_by("month", "rep")
        assert (months % uc == 0).all()
        assert (plan.cents % min(uc, 100) == 0).all()
        assert (plan.cents >= 0).all()
        # a rep has targets only on days they are employed
        days = np.array(plan.days, dtype="datetime64[D]")
        for i, r in enumerate(plan.rep_ids):
            if is_vacancy(r):
                continue
            row = reps.set_index("rep_id").loc[r]
            on = np.ones(len(days), dtype=bool)
            if pd.notna(row["hire_date"]):
                on &= days >= np.datetime64(row["hire_date"])
            if pd.notna(row["leave_date"]):
                on &= days <= np.datetime64(row["leave_date"])
            assert plan.cents[i, ~on].sum() == 0
