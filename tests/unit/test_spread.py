"""Spreading an annual target over the days of a fiscal year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.calendar import FiscalYear, WorkCalendar, period_codes
from analysis.money import split_exact
from analysis.spread import (
    PlanInputError,
    cents_to_decimals,
    split_int,
    split_rows,
    split_segments,
    spread_target,
    spread_weights,
)

CN = WorkCalendar("cn")
FY27 = FiscalYear(2027)


def history_for(fy: FiscalYear, per_month: dict[int, float] | None = None) -> pd.DataFrame:
    """Last year's daily actuals: a flat amount per day, or ``per_month[calendar month]``."""
    days = fy.previous().days()
    amounts = [(per_month or {}).get(d.month, 100.0) for d in days]
    return pd.DataFrame({"day": days, "amount": amounts})


def exact_split(total: int, w: list[int]) -> list[int]:
    """The documented rule in exact rational arithmetic: floors, then one unit each to the
    largest remainders, ties to the earlier column. Fractions, not split_exact: that divides
    Decimals to 28 digits, which can break an exact tie between shares of different size
    (0.3181... and 22.3181...)."""
    if total == 0:
        return [0] * len(w)
    shares = [Fraction(x * total, sum(w)) for x in w]
    parts = [int(q) for q in shares]  # truncation is the floor for shares >= 0
    order = sorted(range(len(w)), key=lambda i: (parts[i] - shares[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class TestSplitInt:
    def test_split_exact_gives_exact_ties_to_the_earlier_index(self) -> None:
        # 200 over [21, 180, 1473, 4641, 6885] (sum 13200): shares 0.318…, 2.727…, 22.318…,
        # 70.318…, 104.318…; floors leave 2 units: the largest remainder (index 1), then the
        # exact tie 4200/13200 of indexes 0, 2, 3, 4 goes to index 0. Decimal division (28
        # significant digits) kept one more place for 0.318… than for 22.318… and chose index 2.
        w = [21, 180, 1473, 4641, 6885]
        assert [int(x) for x in split_exact(Decimal(200), w, Decimal(1))] == [1, 3, 22, 70, 104]

    def test_matches_split_exact(self) -> None:
        w = [3.0, 1.0, 1.0, 1.0, 0.0, 2.0]
        ours = split_int(1001, w).tolist()
        theirs = [int(x) for x in split_exact(Decimal(1001), w, Decimal(1))]
        assert ours == theirs and sum(ours) == 1001

    @settings(max_examples=80, deadline=None)
    @given(
        st.integers(0, 10**12),
        st.lists(st.integers(0, 10**6), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
    )
    def test_rows_sum_exactly_and_agree_with_split_exact(self, total: int, w: list[int]) -> None:
        got = split_int(total, [float(x) for x in w])
        assert int(got.sum()) == total
        assert all(g == 0 for g, x in zip(got, w, strict=True) if x == 0)
        if total < 10**9:  # beyond that float shares may tie-break differently; sums stay exact
            assert got.tolist() == [int(x) for x in split_exact(Decimal(total), w, Decimal(1))]

    @pytest.mark.parametrize(
        ("total", "w", "expect"),
        [
            # Shares 3.045, 22.318, 70.318, 104.318: three remainders tie exactly (4200/13200).
            # In float64 22.318181818181817 and 70.31818181818181 carry different noise, which
            # used to hand the spare unit to column 2 instead of column 1.
            (200, [201, 1473, 4641, 6885], [3, 23, 70, 104]),
            (15, [4, 4, 10], [4, 3, 8]),  # 3.33, 3.33, 8.33: float noise gave [3, 3, 9]
        ],
    )
    def test_exact_tie_goes_to_the_earlier_column(self, total: int, w: list[int], expect: list[int]) -> None:
        assert exact_split(total, w) == expect
        assert split_int(total, [float(x) for x in w]).tolist() == expect

    def test_zero_weight_row_refused(self) -> None:
        with pytest.raises(ValueError, match="zero weights"):
            split_rows(np.array([5]), np.zeros((1, 3)))

    def test_decimals_have_two_places(self) -> None:
        assert cents_to_decimals(np.array([[150, 0], [150, -7]])).tolist() == [
            [Decimal("1.50"), Decimal("0.00")],
            [Decimal("1.50"), Decimal("-0.07")],
        ]


class TestSplitSegments:
    SEG = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])

    def test_ties_in_every_segment_go_to_the_earlier_column(self) -> None:
        w = np.array(
            [[4, 4, 10, 201, 1473, 4641, 6885, 1, 1, 1], [1, 1, 1, 6885, 4641, 1473, 201, 0, 2, 2]],
            dtype=np.float64,
        )
        totals = np.array([[15, 200, 2], [2, 200, 3]])
        got = split_segments(totals, w, self.SEG)
        assert got.tolist() == [
            [4, 3, 8, 3, 23, 70, 104, 1, 1, 0],
            [1, 1, 0, 105, 70, 22, 3, 0, 2, 1],
        ]

    def test_rows_of_different_kinds_in_one_call(self) -> None:
        # Whole weights (exact ranks), fractional weights and whole weights too big for int64
        # shares (both float ranks) side by side; every segment still sums exactly.
        w = np.array(
            [
                [4, 4, 10, 201, 1473, 4641, 6885, 1, 1, 1],
                [0.5, 0.25, 0.25, 0.1, 0.2, 0.3, 0.4, 1 / 3, 1 / 3, 1 / 3],
                [1e15, 1e15, 3e15, 1, 2, 3, 4, 7, 0, 7],
            ]
        )
        totals = np.array([[15, 200, 2], [7, 999, 5], [10**6, 9, 11]])
        got = split_segments(totals, w, self.SEG)
        assert got[0].tolist() == [4, 3, 8, 3, 23, 70, 104, 1, 1, 0]
        assert got[1, 7:].tolist() == [2, 2, 1]  # equal fractional weights tie too
        for s in range(3):
            assert (got[:, self.SEG == s].sum(axis=1) == totals[:, s]).all()
        assert got[2, 8] == 0

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 10**6), st.lists(st.integers(0, 10**4), min_size=1, max_size=8)),
            min_size=1,
            max_size=4,
        ),
        st.integers(1, 3),
    )
    def test_agrees_with_exact_arithmetic(self, segs: list[tuple[int, list[int]]], n_rows: int) -> None:
        segs = [(t if sum(w) else 0, w) for t, w in segs]
        seg_idx = np.repeat(np.arange(len(segs)), [len(w) for _, w in segs])
        # Rows share the weights; their totals are multiples of the drawn ones.
        totals = np.array([[t * (r + 1) for t, _ in segs] for r in range(n_rows)])
        w = np.tile(np.concatenate([np.array(w, dtype=np.float64) for _, w in segs]), (n_rows, 1))
        got = split_segments(totals, w, seg_idx)
        for r in range(n_rows):
            expect = [p for s, (_, ws) in enumerate(segs) for p in exact_split(int(totals[r, s]), ws)]
            assert got[r].tolist() == expect


class TestSpread:
    def test_ten_million_even_unit_ten_thousand(self) -> None:
        s = spread_target(Decimal(10_000_000), FY27, CN, "even", unit=Decimal(10000))
        months = s.by("month")["target"].tolist()
        # 1000 units / 12 = 83.33: the first four months get the extra unit each.
        assert months == [Decimal(840000)] * 4 + [Decimal(830000)] * 8
        assert s.by("year")["target"].tolist() == [Decimal(10_000_000)]
        assert s.by("quarter")["target"].tolist() == [
            Decimal(2_520_000),
            Decimal(2_500_000),
            Decimal(2_490_000),
            Decimal(2_490_000),
        ]
        assert s.status.label == "estimate"
        frame = s.frame
        assert frame["target"].map(lambda d: d % 1 == 0).all()  # day unit is min(unit, 1)

    def test_no_target_on_non_working_days(self) -> None:
        s = spread_target(Decimal(1_000_000), FY27, CN, "working_days", unit=Decimal(1))
        targets = dict(zip(s.days, s.cents, strict=True))
        assert targets[date(2027, 1, 1)] == 0  # 元旦 (estimate)
        assert targets[date(2027, 1, 2)] == 0  # Saturday
        assert targets[date(2027, 1, 4)] > 0

    def test_custom_holiday_removes_a_day(self) -> None:
        base = spread_target(Decimal(120_000), FY27, CN, "even", unit=Decimal(1))
        cal = WorkCalendar("cn", extra_holidays={date(2027, 3, 3)})
        s = spread_target(Decimal(120_000), FY27, cal, "even", unit=Decimal(1))
        i = base.days.index(date(2027, 3, 3))
        assert base.cents[i] > 0 and s.cents[i] == 0
        march = [j for j, d in enumerate(s.days) if d.month == 3]
        assert s.cents[march].sum() == base.cents[march].sum() == 1_000_000  # month total unchanged

    def test_all_calendar_spreads_weekends(self) -> None:
        s = spread_target(Decimal(365), FY27, WorkCalendar("all"), "working_days", unit=Decimal(1))
        assert (s.cents == 100).all()

    def test_month_without_working_days_gets_zero(self) -> None:
        feb = [d for d in FY27.days() if d.month == 2]
        cal = WorkCalendar("weekdays", extra_holidays=set(feb))
        s = spread_target(Decimal(110_000), FY27, cal, "even", unit=Decimal(1))
        by = dict(zip(s.by("month")["period"], s.by("month")["target"], strict=True))
        assert by["2027-02"] == 0 and sum(by.values()) == Decimal(110_000)
        assert by["2027-01"] == Decimal(10_000)  # its share moved to the other 11 months

    def test_seasonality_by_month_follows_last_year(self) -> None:
        hist = history_for(FY27, {12: 300.0})  # December triple
        s = spread_target(Decimal(1_400_000), FY27, CN, "seasonality", unit=Decimal(100), history=hist)
        months = s.by("month")["target"]
        assert months.iloc[11] > Decimal("2.5") * months.iloc[6]

    @pytest.mark.parametrize("grain", ["week", "dow"])
    def test_seasonality_other_grains(self, grain: str) -> None:
        s = spread_target(
            Decimal(1_000_000),
            FY27,
            CN,
            "seasonality",
            unit=Decimal(1),
            history=history_for(FY27),
            params={"season_grain": grain},
        )
        assert s.cents.sum() == 100_000_000

    def test_growth_reports_implied_growth(self) -> None:
        hist = history_for(FY27)
        ly = Decimal(str(hist["amount"].sum()))
        s = spread_target(
            ly * Decimal("1.1"),
            FY27,
            CN,
            "growth",
            unit=Decimal("0.01"),
            history=hist,
            params={"growth": 0.05},
        )
        assert s.implied_growth == pytest.approx(0.10)
        assert s.last_year_total == ly

    def test_custom_quarters_exact(self) -> None:
        s = spread_target(
            Decimal(1000),
            FY27,
            CN,
            "custom",
            unit=Decimal(1),
            params={"custom": {"Q1": 40, "Q2": "30", "Q3": 20, "Q4": 10}},
        )
        assert s.by("quarter")["target"].tolist() == [Decimal(400), Decimal(300), Decimal(200), Decimal(100)]

    def test_custom_months(self) -> None:
        pct = dict.fromkeys(FY27.month_labels(), Decimal(5))
        pct["2027-12"] = Decimal(45)
        s = spread_target(Decimal(10_000), FY27, CN, "custom", unit=Decimal(100), params={"custom": pct})
        assert s.by("month")["target"].tolist() == [Decimal(500)] * 11 + [Decimal(4500)]

    def test_blend(self) -> None:
        hist = history_for(FY27, {12: 500.0})
        params = {"blend_a": "even", "blend_b": "seasonality", "blend_w": 0.5}
        s = spread_target(Decimal(1_200_000), FY27, CN, "blend", unit=Decimal(1), history=hist, params=params)
        a = spread_target(Decimal(1_200_000), FY27, CN, "even", unit=Decimal(1))
        dec = s.by("month")["target"].iloc[11]
        assert dec > a.by("month")["target"].iloc[11]
        assert s.cents.sum() == 120_000_000

    def test_april_fiscal_year(self) -> None:
        fy = FiscalYear(2027, 4)
        s = spread_target(Decimal(12_000), fy, CN, "even", unit=Decimal(1))
        assert s.by("month")["period"].tolist()[0] == "2027-04"
        assert s.by("half")["target"].tolist() == [Decimal(6000), Decimal(6000)]


class TestInvalid:
    @pytest.mark.parametrize(
        ("target", "unit", "method", "params", "match"),
        [
            (Decimal(-1), Decimal(1), "even", None, "must not be negative"),
            (Decimal(1_234_567), Decimal(10000), "even", None, "not a multiple of the rounding unit 10,000"),
            (Decimal("1.001"), Decimal("0.01"), "even", None, "more than two decimal places"),
            (Decimal(100), Decimal(5), "even", None, "rounding unit 5 is not offered"),
            (Decimal(100), Decimal(1), "magic", None, "unknown spread method 'magic'"),
            (
                Decimal(100),
                Decimal(1),
                "custom",
                {"custom": {"Q1": 50, "Q2": 49}},
                "total exactly 100 %; they total 99",
            ),
            (Decimal(100), Decimal(1), "custom", {"custom": {"2030-01": 100}}, "unknown: 2030-01"),
            (Decimal(100), Decimal(1), "custom", {"custom": {"Q1": -10, "Q2": 110}}, "0 or more"),
            (Decimal(100), Decimal(1), "even", {"colour": "red"}, "unknown spread option"),
            (Decimal(100), Decimal(1), "blend", {"blend_w": 2}, "between 0 and 1"),
        ],
    )
    def test_clear_errors(
        self, target: Decimal, unit: Decimal, method: str, params: dict[str, object] | None, match: str
    ) -> None:
        with pytest.raises(PlanInputError, match=match):
            spread_target(target, FY27, CN, method, unit=unit, params=params)

    def test_seasonality_without_history_names_the_year(self) -> None:
        with pytest.raises(PlanInputError, match=r"FY2026 \(2026-01-01 .. 2026-12-31\)"):
            spread_target(Decimal(100), FY27, CN, "seasonality", unit=Decimal(1))

    def test_seasonality_with_a_gap_names_the_months(self) -> None:
        hist = history_for(FY27)
        hist = hist[pd.to_datetime(hist["day"]).dt.month != 3]
        with pytest.raises(PlanInputError, match="no rows for 2026-03"):
            spread_target(Decimal(100), FY27, CN, "growth", unit=Decimal(1), history=hist)

    def test_is_value_error(self) -> None:
        assert issubclass(PlanInputError, ValueError)


UNITS = [Decimal("0.01"), Decimal(1), Decimal(100), Decimal(10000)]


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(
        units=st.integers(0, 5_000_000),
        unit=st.sampled_from(UNITS),
        kind=st.sampled_from(["all", "weekdays", "cn"]),
        method=st.sampled_from(["even", "working_days", "seasonality", "growth", "custom", "blend"]),
        year=st.integers(2025, 2029),
        start=st.sampled_from([1, 4, 7, 10]),
        seed=st.integers(0, 1000),
    )
    def test_every_level_sums_exactly(
        self, units: int, unit: Decimal, kind: str, method: str, year: int, start: int, seed: int
    ) -> None:
        fy = FiscalYear(year, start)
        rng = np.random.default_rng(seed)
        prev = fy.previous().days()
        hist = pd.DataFrame({"day": prev, "amount": rng.uniform(0, 1000, len(prev)).round(2)})
        pcts = rng.integers(0, 10, 12)
        pcts[0] += 100 - pcts.sum() if pcts.sum() <= 100 else 0
        custom = {"Q1": 25, "Q2": 25, "Q3": 25, "Q4": 25}
        if pcts.sum() == 100 and (pcts >= 0).all():
            custom = {k: int(v) for k, v in zip(fy.month_labels(), pcts, strict=True)}
        target = unit * units
        cal = WorkCalendar(kind)  # type: ignore[arg-type]
        s = spread_target(
            target,
            fy,
            cal,
            method,
            unit=unit,
            history=hist,
            params={"custom": custom, "blend_a": "even", "blend_b": "growth", "blend_w": 0.3},
        )
        assert sum(s.frame["target"], Decimal(0)) == target
        uc = int(unit * 100)
        months = s.by("month")["target"]
        assert all(m % unit == 0 for m in months)
        assert all(c % min(uc, 100) == 0 for c in s.cents)
        work = cal.fiscal_mask(fy)
        assert (s.cents[~work] == 0).all()
        for grain in ("week", "month", "quarter", "half", "year"):
            codes, labels = period_codes(s.days, grain, fy)  # type: ignore[arg-type]
            by = s.by(grain)  # type: ignore[arg-type]
            assert by["period"].tolist() == labels
            expect = np.bincount(codes, weights=s.cents.astype(float), minlength=len(labels))
            assert [int(t * 100) for t in by["target"]] == [int(round(x)) for x in expect]
            assert sum(by["target"], Decimal(0)) == target

    def test_weights_sum_to_one(self) -> None:
        w = spread_weights(FY27, CN, "working_days").weights
        assert w.sum() == pytest.approx(1.0)
