"""analysis.forecast: day weights, the credibility blend, the band from past outcomes, the calendar."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis import forecast
from analysis.calendar import WorkCalendar

NO_SEASON = forecast.Settings(credibility=8.0, seasonal=0.0, recent_days=56)


def _week_days(n: int, start_weekday: int = 0) -> np.ndarray:
    return np.asarray((np.arange(n) + start_weekday) % 7, dtype=np.int64)


class TestDayWeights:
    def test_days_off_that_never_sell_weigh_nothing_and_weekdays_their_share(self) -> None:
        n = 364
        dow = _week_days(n)
        work = dow < 5
        rhythm = np.array([1.0, 1.0, 1.0, 1.0, 2.0, 0.0, 0.0])  # Fridays sell twice as much
        total = rhythm[dow] * 100
        w = forecast.day_weights(total, work, dow, n)
        mean_work = total[work].mean()
        assert w[dow == 5].max() == 0.0
        # Friday's factor, shrunk by the pseudo-days toward 1
        n_fri = int(((dow == 4) & work).sum())
        expect = (n_fri * 200 / mean_work + forecast.WEIGHT_PRIOR_DAYS) / (n_fri + forecast.WEIGHT_PRIOR_DAYS)
        assert w[dow == 4][0] == pytest.approx(expect)
        assert w[dow == 4][0] > w[dow == 0][0]

    def test_weekends_that_sell_count_even_on_a_weekday_calendar(self) -> None:
        n = 364
        dow = _week_days(n)
        work = dow < 5
        w = forecast.day_weights(np.full(n, 100.0), work, dow, n)
        n_off = int((~work).sum())  # one "day off" type, shrunk toward 0 by the pseudo-days
        assert w[dow == 6][0] == pytest.approx(n_off / (n_off + forecast.WEIGHT_PRIOR_DAYS))

    def test_no_history_falls_back_to_the_calendar(self) -> None:
        dow = _week_days(30)
        work = dow < 5
        w = forecast.day_weights(np.zeros(30), work, dow, 30)
        assert list(w) == [1.0 if ok else 0.0 for ok in work]


class TestPoint:
    def test_credibility_blend_of_prior_and_run_rate(self) -> None:
        # 200 days at 100 a day, then a 30-day period selling 300 a day for 8 days.
        x = np.zeros((1, 230))
        x[0, :200] = 100
        x[0, 200:208] = 300
        wt = np.ones(230)
        cut = forecast.Cut(s=200, e=229, c=207, ly=None)
        fc, a = forecast.point(x, wt, cut, NO_SEASON)
        z = 8 / (8 + NO_SEASON.credibility)  # = 0.5
        assert a[0] == 2400
        assert fc[0] == pytest.approx(2400 + 22 * (z * 300 + (1 - z) * 100))

    def test_weight_moves_to_the_evidence_as_the_period_fills(self) -> None:
        x = np.zeros((1, 230))
        x[0, :200] = 100
        x[0, 200:230] = 300
        wt = np.ones(230)
        rates = []
        for c in (201, 205, 215, 226):
            fc, a = forecast.point(x, wt, forecast.Cut(200, 229, c, None), NO_SEASON)
            rates.append((fc[0] - a[0]) / (229 - c))
        assert rates == sorted(rates) and rates[-1] < 300 and rates[0] > 100

    def test_no_history_is_the_working_day_run_rate(self) -> None:
        x = np.zeros((1, 30))
        x[0, [0, 1, 3, 4]] = 50  # day 2 is a day off
        wt = np.array([1.0, 1.0, 0.0, 1.0, 1.0] * 6)
        fc, _ = forecast.point(x, wt, forecast.Cut(0, 29, 4, None), NO_SEASON)
        assert fc[0] == pytest.approx(200 + 50 * 20)  # 20 working days left at 50

    def test_seasonal_prior_is_last_year_times_the_trend(self) -> None:
        # Two years: the same month a year ago sold 3x the usual rate; this year runs 10 % above.
        n = 760
        x = np.full((1, n), 100.0)
        x[0, 365:] = 110.0
        x[0, 300:330] = 300.0  # last year's month (days 300..329)
        wt = np.ones(n)
        settings = forecast.Settings(credibility=8.0, seasonal=1.0, trend_days=182, recent_days=182)
        cut = forecast.Cut(s=665, e=694, c=664, ly=(300, 329))  # nothing elapsed yet
        fc, a = forecast.point(x, wt, cut, settings)
        assert a[0] == 0
        assert fc[0] == pytest.approx(30 * 300 * 1.1, rel=1e-6)

    def test_a_leaver_adds_nothing_after_leaving(self) -> None:
        x = np.zeros((2, 230))
        x[:, :205] = 100
        active = np.ones((2, 230), dtype=bool)
        active[1, 206:] = False
        fc, a = forecast.point(x, np.ones(230), forecast.Cut(200, 229, 207, None), NO_SEASON, active)
        assert fc[1] == a[1] == 500
        assert fc[0] > a[0]


class TestBand:
    def test_quantile_levels_widen_for_few_outcomes(self) -> None:
        s = forecast.Settings(credibility=8.0)
        lo, hi = forecast.quantile_levels(11, s)
        assert (lo, hi) == pytest.approx((0.02, 0.98))
        lo, hi = forecast.quantile_levels(10_001, s)
        assert (lo, hi) == pytest.approx((0.1, 0.9), abs=1e-3)

    def test_band_scales_the_remainder_holds_the_forecast_and_never_drops_below_actual(self) -> None:
        s = dataclasses.replace(forecast.SETTINGS["company"])
        ratios = np.linspace(0.5, 1.5, 101)
        b = forecast.band(ratios, 1000.0, 600.0, s)
        assert b is not None
        lo, hi = b
        q = np.quantile(ratios, forecast.quantile_levels(101, s))
        assert lo == pytest.approx(600 + 400 * q[0]) and hi == pytest.approx(600 + 400 * q[1])
        assert 600 <= lo <= 1000 <= hi
        assert forecast.band(np.full(20, 3.0), 1000.0, 600.0, s) == (1000.0, 600 + 400 * 3.0)
        assert forecast.band(np.full(20, -1.0), 1000.0, 600.0, s) == (600.0, 1000.0)
        assert forecast.band(ratios[:3], 1000.0, 600.0, s) is None

    def test_no_collapse_before_the_end_when_past_remainders_varied(self) -> None:
        lo, hi = forecast.band(
            np.array([0.2, 0.8, 1.0, 1.3, 2.5, 0.9, 1.1]), 1010.0, 1000.0, forecast.SETTINGS["company"]
        ) or (0, 0)
        assert hi - lo > 5

    def test_p_target_from_the_same_ratios(self) -> None:
        ratios = np.array([0.5, 0.8, 1.0, 1.2, 1.5])
        # remainders 200, 320, 400, 480, 600 on top of 600: 3 of 5 reach 1000, 1 reaches 1200
        assert forecast.p_target(ratios, 1000.0, 600.0, 1000.0) == pytest.approx(4 / 7)
        assert forecast.p_target(ratios, 1000.0, 600.0, 1200.0) == pytest.approx(2 / 7)
        assert forecast.p_target(ratios, 1000.0, 600.0, 5000.0) == pytest.approx(1 / 7)  # never 0 %
        assert forecast.p_target(ratios, 1000.0, 1000.0, 900.0) == 1.0  # already reached
        assert forecast.p_target(ratios, 1000.0, 600.0, 0.0) is None  # no target
        assert forecast.p_target(ratios[:2], 1000.0, 600.0, 900.0) is None

    def test_within_counts_the_own_past_periods(self) -> None:
        own = [
            (f"2026-{m:02d}", 100.0 * (1 + e), 100.0) for m, e in enumerate([0.01, -0.02, 0.05, -0.1, 0.2], 1)
        ]
        x, m = forecast.within(own)
        assert (m, x) == (4, pytest.approx(0.1))
        assert forecast.within(own[:3]) == (None, 0)


class TestPeriodForecast:
    def _frame(self) -> forecast.Frame:
        start = dt.date(2024, 1, 1)
        n = (dt.date(2026, 6, 30) - start).days + 1
        seen = (dt.date(2026, 6, 10) - start).days + 1  # nothing sold after as_of yet
        rng = np.random.default_rng(3)
        actual = np.zeros((2, n), dtype=np.int64)
        actual[0, :seen] = 10_000  # a steady rep
        actual[1, :seen] = rng.integers(0, 20_001, seen)  # a noisy one, same mean
        return forecast.Frame(
            actual=actual,
            active=np.ones((2, n), dtype=bool),
            work=np.ones(n, dtype=bool),
            start=start,
            as_of=dt.date(2026, 6, 10),
            groups=np.arange(2, dtype=np.int64),
            level="rep",
        )

    def _widths(self) -> list[float]:
        f = self._frame()
        out = []
        for row in (0, 1):
            r = forecast.period_forecast(f, row, dt.date(2026, 6, 1), dt.date(2026, 6, 30), "month", 1.0)
            assert r.low is not None and r.high is not None and r.low <= r.forecast <= r.high
            out.append((r.high - r.low) / r.forecast)
        return out

    def test_a_rep_with_history_of_its_own_gets_its_own_band(self) -> None:
        steady, noisy = self._widths()
        assert steady < 0.01 < noisy

    def test_pooled_when_own_history_is_short(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(forecast, "OWN_MIN", 10_000)
        steady, noisy = self._widths()
        assert steady == pytest.approx(noisy, rel=0.05)  # one spread of remainder ratios for both


class TestCalendar:
    def _frame(self, weekend_amount: int) -> pd.DataFrame:
        days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(120)]
        amounts = [weekend_amount if d.weekday() >= 5 else 1000 for d in days]
        return pd.DataFrame({"day": days, "amount_cents": amounts})

    def test_weekend_sales_make_every_day_count(self) -> None:
        base = WorkCalendar("cn", extra_holidays=frozenset({dt.date(2026, 5, 6)}))
        cal = forecast.progress_calendar(base, None, self._frame(800))
        assert cal.kind == "all" and cal.extra_holidays == base.extra_holidays

    def test_rare_weekend_orders_keep_the_default(self) -> None:
        base = WorkCalendar("cn")
        assert forecast.progress_calendar(base, None, self._frame(10)) is base
        assert forecast.progress_calendar(base, None, self._frame(0)) is base

    def test_the_active_plans_calendar_wins(self) -> None:
        base = WorkCalendar("cn")
        assert forecast.progress_calendar(base, "weekdays", self._frame(800)).kind == "weekdays"
