"""analysis.metrics: hand-computed progress, pace, forecast and growth; invariants; default plan; CLI; bench."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import cli, metrics, store
from analysis.access import SYSTEM
from analysis.calendar import FiscalYear, WorkCalendar
from analysis.i18n import fmt_pct

D = Decimal
FY = FiscalYear(2026)
CN = WorkCalendar("cn")


def reps_frame(*rows: tuple[str, str, dt.date | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": [r for r, _, _ in rows],
            "name": [r.lower() for r, _, _ in rows],
            "team_id": [t for _, t, _ in rows],
            "team": [t for _, t, _ in rows],
            "hire_date": [h for _, _, h in rows],
            "leave_date": [None for _ in rows],
        }
    )


def per_workday(rep: str, start: dt.date, end: dt.date, cents: int, col: str) -> pd.DataFrame:
    days = CN.workdays(start, end)
    return pd.DataFrame(
        {"rep_id": [rep] * len(days), "team_id": ["T"] * len(days), "day": days, col: [cents] * len(days)}
    )


def make(
    as_of: dt.date, reps: pd.DataFrame, actuals: list[pd.DataFrame], targets: list[pd.DataFrame]
) -> metrics.ProgressData:
    act = (
        pd.concat(actuals, ignore_index=True)
        if actuals
        else pd.DataFrame({"day": [], "rep_id": [], "amount_cents": []})
    )
    tgt = pd.concat(targets, ignore_index=True)
    return metrics.prepare(FY, as_of, reps, act, tgt, calendar=CN)


class TestHandComputed:
    def test_october_with_national_day_holidays(self) -> None:
        # Oct 2026 (cn): 1-7 off, Sat 10 a make-up workday -> 18 working days; 7 of them by the 15th.
        oct1, oct31, as_of = dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 10, 15)
        data = make(
            as_of,
            reps_frame(("A", "T", None)),
            [per_workday("A", oct1, as_of, 200, "amount_cents")],
            [per_workday("A", oct1, oct31, 100, "target_cents")],
        )
        p = metrics.progress(data, metrics.period_by_label(FY, "2026-10"))
        assert p.target == D("18.00")
        assert p.expected_to_date == D("7.00")
        assert p.actual == D("14.00")
        assert p.attainment_to_date == 2.0
        assert p.attainment == pytest.approx(14 / 18)
        assert p.pace_gap == D("7.00") and p.pace_gap_pct == 1.0
        assert (p.elapsed_workdays, p.remaining_workdays) == (7, 11)
        assert p.required_daily == D("0.36")  # (18 - 14) / 11 = 0.3636
        assert p.run_rate_daily == D("2.00")
        assert p.forecast_run_rate == D("36.00")  # 14 + 2 x 11
        assert p.forecast_seasonal is None  # no sales last year
        assert p.forecast == D("36.00")
        assert p.yoy is None and fmt_pct(p.yoy, "en") == "n/a"

    def test_expected_follows_working_days_not_a_straight_line(self) -> None:
        oct1, oct31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
        data = make(
            dt.date(2026, 10, 7),
            reps_frame(("A", "T", None)),
            [],
            [per_workday("A", oct1, oct31, 100, "target_cents")],
        )
        p = metrics.progress(data, metrics.period_by_label(FY, "2026-10"))
        assert p.expected_to_date == 0  # the whole holiday week has no target
        assert p.attainment_to_date is None and p.pace_gap_pct is None

    def test_partial_week_across_a_month_boundary(self) -> None:
        # ISO week 2026-W49 runs Mon 30 Nov .. Sun 6 Dec; as of Tue 1 Dec two working days have elapsed.
        reps = reps_frame(("A", "T", None))
        acts = [
            per_workday("A", dt.date(2026, 11, 23), dt.date(2026, 11, 29), 100, "amount_cents"),
            per_workday("A", dt.date(2026, 11, 30), dt.date(2026, 12, 1), 150, "amount_cents"),
        ]
        plan = [per_workday("A", dt.date(2026, 11, 1), dt.date(2026, 12, 31), 120, "target_cents")]
        data = make(dt.date(2026, 12, 1), reps, acts, plan)
        week = metrics.period_of(FY, dt.date(2026, 12, 1), "week")
        assert (week.label, week.start, week.end) == ("2026-W49", dt.date(2026, 11, 30), dt.date(2026, 12, 6))
        p = metrics.progress(data, week)
        assert p.target == D("6.00")  # 5 working days x 1.20
        assert p.expected_to_date == D("2.40")
        assert p.actual == D("3.00")
        assert p.growth["wow"] == pytest.approx(0.5)  # (1.5 + 1.5) / (1 + 1) - 1, like-for-like
        # MoM: 1 Dec (1 working day) vs the first working day of November (Mon 2 Nov, no sales) -> n/a
        assert p.growth["mom"] is None
        tr = metrics.trend(data, "week", n=3)
        assert list(tr.frame["period"]) == ["2026-W47", "2026-W48", "2026-W49"]
        assert list(tr.frame["actual_cents"]) == [0, 500, 300]
        assert pd.isna(tr.frame["growth"].iloc[1])  # zero base: n/a, not inf
        assert tr.frame["growth"].iloc[2] == pytest.approx(0.5)

    def test_rep_hired_mid_period_counts_from_hire(self) -> None:
        # B joins Mon 19 Oct; 5 working days to Fri 23 Oct, 5 more (26-30 Oct) left in the month.
        hire = dt.date(2026, 10, 19)
        reps = reps_frame(("A", "T", None), ("B", "T", hire))
        acts = [
            per_workday("A", dt.date(2026, 10, 1), dt.date(2026, 10, 23), 100, "amount_cents"),
            per_workday("B", hire, dt.date(2026, 10, 23), 300, "amount_cents"),
        ]
        plan = [
            per_workday("A", dt.date(2026, 10, 1), dt.date(2026, 10, 31), 100, "target_cents"),
            per_workday("B", hire, dt.date(2026, 10, 31), 300, "target_cents"),
        ]
        data = make(dt.date(2026, 10, 23), reps, acts, plan)
        month = metrics.period_by_label(FY, "2026-10")
        b = metrics.progress(data, month, "rep", "B")
        assert b.elapsed_workdays == 5 and b.remaining_workdays == 5
        assert b.run_rate_daily == D("3.00")
        assert b.forecast_run_rate == D("30.00")  # 15 + 3 x 5, not diluted by the days before hire
        team = metrics.progress(data, month, "team", "T")
        a = metrics.progress(data, month, "rep", "A")
        assert team.forecast_run_rate == a.forecast_run_rate + b.forecast_run_rate
        assert team.target == a.target + b.target

    def test_zero_last_year_growth_is_none_never_inf(self) -> None:
        assert metrics.growth_rate(500, 0) is None
        assert metrics.growth_rate(500, -10) is None
        assert metrics.growth_rate(150, 100) == pytest.approx(0.5)

    def test_seasonal_forecast_uses_last_years_remaining_share(self) -> None:
        # Last Oct: 100/working day; this Oct: 200/working day so far -> pace 2x last year's same days.
        reps = reps_frame(("A", "T", None))
        ly = per_workday("A", dt.date(2025, 10, 1), dt.date(2025, 10, 31), 100, "amount_cents")
        cur = per_workday("A", dt.date(2026, 10, 1), dt.date(2026, 10, 15), 200, "amount_cents")
        plan = [per_workday("A", dt.date(2026, 10, 1), dt.date(2026, 10, 31), 100, "target_cents")]
        data = make(dt.date(2026, 10, 15), reps, [ly, cur], plan)
        p = metrics.progress(data, metrics.period_by_label(FY, "2026-10"))
        ly_days = CN.workdays(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
        ly_first7 = 100 * 7
        ly_rest = 100 * (len(ly_days) - 7)
        assert p.ly_to_date == D(ly_first7) / 100
        assert p.yoy == pytest.approx(1400 / ly_first7 - 1)
        assert p.forecast_seasonal == metrics.cents_to_decimal(1400 + ly_rest * 1400 / ly_first7)
        # The headline is no longer this ratio of two small sums but analysis.forecast's blend
        # (tests/unit/test_forecast.py); it never strays outside actual .. the run-rate forecast.
        assert p.actual <= p.forecast <= p.forecast_run_rate


class TestBand:
    def test_a_period_that_is_over_has_a_known_outcome(self) -> None:
        oct1, oct31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
        reps = reps_frame(("A", "T", None), ("B", "T", None))
        data = make(
            dt.date(2026, 11, 3),
            reps,
            [
                per_workday("A", oct1, oct31, 200, "amount_cents"),
                per_workday("B", oct1, oct31, 50, "amount_cents"),
            ],
            [per_workday(r, oct1, oct31, 100, "target_cents") for r in ("A", "B")],
        )
        period = metrics.period_by_label(FY, "2026-10")
        for key, reached in (("A", 1.0), ("B", 0.0)):
            p = metrics.progress(data, period, "rep", key, detail=False)
            assert p.complete and p.band.low == p.band.high == p.forecast == p.actual
            assert p.band.probability == reached and p.band.basis == "final"
        row = metrics.breakdown(data, period, "rep").set_index("rep_id").loc["B"]
        assert row["forecast_low_cents"] == row["forecast_high_cents"] == row["actual_cents"]
        assert row["p_target"] == 0.0

    def test_normal_approximation(self) -> None:
        b = metrics.forecast_band(10_000.0, 6_000, 10_000, 4_000, 5, [0.9, 1.1, 1.0, 1.0])
        sd = 4_000 * np.std([0.9, 1.1, 1.0, 1.0], ddof=1)  # one remaining week
        assert float(b.high) * 100 == pytest.approx(10_000 + 1.2816 * sd, abs=1)
        assert b.probability == pytest.approx(0.5)

    def test_no_days_left_is_certain(self) -> None:
        assert metrics.forecast_band(900.0, 900, 1000, 100, 0, [0.9, 1.1]).probability == 0.0
        assert metrics.forecast_band(1000.0, 1000, 1000, 0, 0, [0.9, 1.1]).probability == 1.0

    def test_too_few_ratios_gives_no_probability(self) -> None:
        assert metrics.forecast_band(900.0, 500, 1000, 500, 10, [1.0]).probability is None


def _random_data(seed: int, as_of: dt.date) -> metrics.ProgressData:
    rng = np.random.default_rng(seed)
    reps = reps_frame(("A", "T1", None), ("B", "T1", dt.date(2026, 5, 10)), ("C", "T2", None))
    days = list(FY.days())
    frames = []
    acts = []
    for r in ("A", "B", "C"):
        frames.append(
            pd.DataFrame(
                {"rep_id": r, "team_id": "T", "day": days, "target_cents": rng.integers(0, 10_000, len(days))}
            )
        )
        acts.append(
            pd.DataFrame({"rep_id": r, "day": days, "amount_cents": rng.integers(0, 10_000, len(days))})
        )
    return make(as_of, reps, acts, frames)


class TestInvariants:
    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 10_000), grain=st.sampled_from(metrics.PERIOD_GRAINS), doy=st.integers(0, 364))
    def test_expected_at_period_end_equals_target(
        self, seed: int, grain: metrics.PeriodGrain, doy: int
    ) -> None:
        day = FY.start + dt.timedelta(days=doy)
        period = metrics.period_of(FY, day, grain)
        data = _random_data(seed, period.end)
        p = metrics.progress(data, period)
        assert p.expected_to_date == p.target
        assert p.complete and p.forecast == p.actual
        if p.target > 0:
            assert p.attainment == pytest.approx(float(p.actual / p.target))
            assert p.attainment == p.attainment_to_date

    @settings(max_examples=15, deadline=None)
    @given(seed=st.integers(0, 10_000), doy=st.integers(0, 364))
    def test_teams_and_reps_add_up_to_the_company(self, seed: int, doy: int) -> None:
        as_of = FY.start + dt.timedelta(days=doy)
        data = _random_data(seed, as_of)
        period = metrics.period_of(FY, as_of, "quarter")
        company = metrics.progress(data, period)
        for by in ("team", "rep"):
            df = metrics.breakdown(data, period, by)
            assert int(df["target_cents"].sum()) == int(company.target * 100)
            assert int(df["actual_cents"].sum()) == int(company.actual * 100)
            assert int(df["gap_cents"].sum()) == int(company.pace_gap * 100)
            assert list(df["gap_cents"]) == sorted(df["gap_cents"])
        assert company.band.low <= company.forecast <= company.band.high

    def test_reps_without_a_team_form_their_own_row_and_still_add_up(self) -> None:
        # An import creates unknown reps with no team (team_id NULL): the company page must not
        # fail on them ("no team nan"), and they count once, in a team row of their own.
        as_of = dt.date(2026, 3, 31)
        reps = reps_frame(("R1", "T", None), ("R2", "T", None), ("N1", "T", None))
        reps.loc[2, ["team_id", "team"]] = [float("nan"), float("nan")]
        q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
        data = make(
            as_of,
            reps,
            [per_workday(r, *q1, 1000, "amount_cents") for r in ("R1", "R2", "N1")],
            [per_workday(r, *q1, 2000, "target_cents") for r in ("R1", "R2", "N1")],
        )
        period = metrics.period_of(FY, as_of, "quarter")
        teams = metrics.breakdown(data, period, "team").set_index("team")
        assert set(teams.index) == {"T", metrics.NO_TEAM}
        no_team = teams.loc[metrics.NO_TEAM]
        assert int(no_team["actual_cents"]) == int(metrics.progress(data, period, "rep", "N1").actual * 100)
        assert int(teams["actual_cents"].sum()) == int(metrics.progress(data, period).actual * 100)
        view = metrics.page_view(data, period)  # the whole company page, as the app draws it
        assert len(view.teams) == 2
        assert metrics.page_view(data, period, "rep", "N1").progress.actual == no_team["actual_cents"] / 100

    def test_nothing_after_as_of_counts(self) -> None:
        data = _random_data(1, dt.date(2026, 6, 10))
        assert data.actual[:, data.idx(dt.date(2026, 6, 11)) :].sum() == 0


class TestPeriods:
    def test_labels_and_edges(self) -> None:
        assert metrics.period_of(FY, dt.date(2026, 1, 2), "week") == metrics.Period(
            "2026-W01", "week", dt.date(2026, 1, 1), dt.date(2026, 1, 4)
        )  # clipped to the fiscal year
        assert metrics.period_of(FY, dt.date(2026, 11, 27), "quarter").label == "FY2026-Q4"
        with pytest.raises(metrics.MetricsError):
            metrics.period_by_label(FY, "2027-01")

    def test_year_ago_week_keeps_weekdays(self) -> None:
        s, e = metrics.year_ago(dt.date(2026, 11, 23), dt.date(2026, 11, 29), "week")
        assert s.weekday() == 0 and (e - s).days == 6


class TestDefaultPlan:
    def test_last_year_plus_15_percent_exact(self) -> None:
        reps = reps_frame(("A", "T", None), ("B", "T", None), ("N", "T", dt.date(2027, 3, 1)))
        ly = pd.concat(
            [
                per_workday("A", dt.date(2025, 1, 1), dt.date(2025, 12, 31), 1_001, "amount_cents"),
                per_workday("B", dt.date(2025, 1, 1), dt.date(2025, 12, 31), 333, "amount_cents"),
            ]
        )
        dp = metrics.default_plan_targets(FY, reps, ly, calendar=CN)
        ly_cents = int(ly["amount_cents"].sum())
        assert dp.last_year == D(ly_cents) / 100
        assert dp.target == (D(ly_cents) * D("1.15")).quantize(D(1)) / 100
        assert int(dp.targets["target_cents"].sum()) == int(dp.target * 100)
        assert set(dp.targets["rep_id"]) == {"A", "B"}  # N starts after the fiscal year
        by_rep = dp.targets.groupby("rep_id")["target_cents"].sum()
        assert by_rep["A"] / by_rep["B"] == pytest.approx(1001 / 333, rel=1e-3)  # history allocation
        hol = dp.targets[pd.to_datetime(dp.targets["day"]) == pd.Timestamp("2026-10-01")]
        assert int(hol["target_cents"].sum()) == 0  # no target on a public holiday

    def test_memo_follows_content_and_hands_out_copies(self) -> None:
        reps = reps_frame(("A", "T", None), ("B", "T", None))
        ly = pd.concat(
            [
                per_workday("A", dt.date(2025, 1, 1), dt.date(2025, 12, 31), 500, "amount_cents"),
                per_workday("B", dt.date(2025, 1, 1), dt.date(2025, 12, 31), 250, "amount_cents"),
            ]
        ).reset_index(drop=True)
        first = metrics.default_plan_targets(FY, reps, ly, calendar=CN)
        first.targets["target_cents"] = 0  # a caller scribbling on its copy
        again = metrics.default_plan_targets(FY, reps, ly.copy(), calendar=CN)
        assert int(again.targets["target_cents"].sum()) == int(again.target * 100) > 0
        more = ly.copy()
        more.loc[0, "amount_cents"] += 100  # one more yuan last year: a different plan, not the memo
        changed = metrics.default_plan_targets(FY, reps, more, calendar=CN)
        assert changed.last_year == again.last_year + 1
        moved = reps_frame(("A", "T", None), ("B", "U", None))  # B changes team
        regrouped = metrics.default_plan_targets(FY, moved, ly, calendar=CN)
        assert set(regrouped.targets.loc[regrouped.targets["rep_id"] == "B", "team_id"]) == {"U"}

    def test_no_sales_last_year_means_no_plan(self) -> None:
        dp = metrics.default_plan_targets(
            FY, reps_frame(("A", "T", None)), pd.DataFrame({"day": [], "rep_id": [], "amount_cents": []})
        )
        assert dp.method == "none" and len(dp.targets) == 0 and dp.notes


class TestWithDemo:
    def test_load_inputs_uses_default_plan_then_active(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            data = metrics.load_inputs(con, dt.date(2026, 11, 27))
            assert data.plan_source == "default"
            ly = store.total_between(con, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
            assert D(int(data.plan.sum())) / 100 == (ly * D("1.15")).quantize(D("0.01"))
            raw = metrics.load_inputs(con, dt.date(2026, 11, 27), raw=True)
            assert np.array_equal(raw.actual, data.actual)  # summary tables agree with the raw rows

    def test_cli_progress_json(self, demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        rc = cli.main(
            [
                "progress",
                "--db",
                str(demo_db),
                "--as-of",
                "2026-11-27",
                "--grain",
                "month",
                "--by",
                "rep",
                "--json",
            ]
        )
        assert rc == 0
        out = json.loads(capsys.readouterr().out)
        assert out["as_of"] == "2026-11-27" and out["plan"]["source"] == "default"
        row = out["rows"][0]
        assert set(row) == {
            "team",
            "rep",
            "period",
            "target",
            "actual",
            "attainment",
            "expected_to_date",
            "pace_gap",
            "forecast",
            "forecast_low",
            "forecast_high",
            "p_target",
            "yoy",
        }
        assert row["period"] == "2026-11"
        assert D(row["forecast_low"]) <= D(row["forecast"]) <= D(row["forecast_high"])
        total = sum(D(r["target"]) for r in out["rows"])
        company = cli.main(["progress", "--db", str(demo_db), "--as-of", "2026-11-27", "--json"])
        assert company == 0
        assert D(json.loads(capsys.readouterr().out)["rows"][0]["target"]) == total

    @pytest.mark.parametrize(
        "args", [["--as-of", "2026-13-01"], ["--grain", "fortnight"], ["--as-of", "1800-01-01"]]
    )
    def test_cli_bad_input_exits_2(
        self, demo_db: Path, args: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert cli.main(["progress", "--db", str(demo_db), *args]) == 2
        err = capsys.readouterr().err.strip()
        assert err and "\n" not in err

    def test_bench_rows(self, demo_db: Path) -> None:
        rows = metrics.bench_progress(str(demo_db), runs=2)
        assert [r["operation"] for r in rows][0] == "progress page (summary tables)"
        for r in rows:
            assert {"operation", "rows", "p50_ms", "p95_ms", "baseline_ms", "ratio"} <= set(r)
            assert r["p50_ms"] > 0
