"""Fiscal years, period keys and working-day calendars."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.calendar import (
    CalendarError,
    FiscalYear,
    WorkCalendar,
    add_period_columns,
    estimated_cn_holidays,
    period_codes,
    period_key,
)


class TestFiscalYear:
    def test_april_start_naming(self) -> None:
        fy = FiscalYear(2027, start_month=4)
        assert (fy.start, fy.end) == (date(2027, 4, 1), date(2028, 3, 31))
        assert len(fy.days()) == 366  # Feb 2028 is a leap month
        assert fy.month_labels()[0] == "2027-04" and fy.month_labels()[-1] == "2028-03"

    def test_calendar_year(self) -> None:
        fy = FiscalYear(2027)
        assert (fy.start, fy.end, len(fy.days())) == (date(2027, 1, 1), date(2027, 12, 31), 365)

    @pytest.mark.parametrize("month", [0, 13])
    def test_bad_start_month(self, month: int) -> None:
        with pytest.raises(CalendarError, match="start month"):
            FiscalYear(2027, month)

    @pytest.mark.parametrize(
        ("day", "grain", "key"),
        [
            (date(2027, 4, 1), "year", "FY2027"),
            (date(2027, 9, 30), "half", "FY2027-H1"),
            (date(2027, 10, 1), "half", "FY2027-H2"),
            (date(2028, 1, 2), "quarter", "FY2027-Q4"),
            (date(2027, 7, 1), "quarter", "FY2027-Q2"),
            (date(2028, 2, 29), "month", "2028-02"),
            (date(2028, 1, 2), "week", "2027-W52"),
            (date(2028, 1, 3), "week", "2028-W01"),
            (date(2027, 4, 5), "day", "2027-04-05"),
        ],
    )
    def test_period_key(self, day: date, grain: str, key: str) -> None:
        assert period_key(day, grain, FiscalYear(2027, 4)) == key  # type: ignore[arg-type]

    def test_week_crossing_year_edge_is_partial(self) -> None:
        fy = FiscalYear(2027)
        codes, labels = period_codes(fy.days(), "week", fy)
        assert labels[0] == "2026-W53" and (codes == 0).sum() == 3  # Fri 1 .. Sun 3 Jan 2027
        assert labels[-1] == "2027-W52"
        assert len(labels) == 53

    def test_vectorised_columns_match_scalar(self) -> None:
        fy = FiscalYear(2026, 7)
        df = add_period_columns(pd.DataFrame({"day": fy.days()}), fy)
        for g in ("year", "half", "quarter", "month", "week"):
            assert df[g].tolist() == [period_key(d, g, fy) for d in fy.days()]  # type: ignore[arg-type]

    def test_vectorised_refuses_days_outside(self) -> None:
        with pytest.raises(CalendarError, match="outside"):
            add_period_columns(pd.DataFrame({"day": [date(2026, 12, 31)]}), FiscalYear(2027))


class TestChinaCalendar:
    cal = WorkCalendar("cn")

    def test_october_2026_official(self) -> None:
        days = [date(2026, 10, d) for d in range(1, 32)]
        off = [d.day for d in days if not self.cal.is_workday(d)]
        # National Day 1-7 Oct, Sat 10 Oct is a make-up workday (调休); other weekends off.
        assert off[:7] == [1, 2, 3, 4, 5, 6, 7]
        assert self.cal.is_workday(date(2026, 10, 10))
        assert not self.cal.is_workday(date(2026, 10, 11))
        # 22 weekdays - 5 weekday holidays (1, 2, 5, 6, 7) + make-up Saturday 10 = 18.
        assert len(self.cal.workdays(date(2026, 10, 1), date(2026, 10, 31))) == 18
        assert self.cal.holiday_name(date(2026, 10, 1)) == "National Day"
        assert self.cal.status(2026).official

    def test_2027_is_estimate(self) -> None:
        st_ = self.cal.status(2027)
        assert not st_.official and st_.estimated_years == (2027,) and st_.label == "estimate"
        assert "ESTIMATE" in st_.message_en and "估算" in st_.message_zh

    def test_fiscal_year_across_covered_and_estimated(self) -> None:
        st_ = self.cal.status(FiscalYear(2026, 4))
        assert not st_.official and st_.estimated_years == (2027,)

    def test_2027_estimate_days(self) -> None:
        hol = estimated_cn_holidays(2027)
        # Spring Festival 2027: 初一 = 6 Feb, so 除夕 5 Feb .. 初三 8 Feb; 清明 5 Apr; 端午 9 Jun; 中秋 15 Sep.
        expected = {date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)}
        expected |= {
            date(2027, 4, 5),
            date(2027, 5, 1),
            date(2027, 5, 2),
            date(2027, 6, 9),
            date(2027, 9, 15),
        }
        expected |= {date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)}
        assert set(hol) == expected
        assert len(hol) == 13
        assert not self.cal.is_workday(date(2027, 2, 8))  # a Monday holiday
        assert self.cal.is_workday(date(2027, 2, 9))
        # No make-up workday is guessed: a Saturday stays off.
        assert not self.cal.is_workday(date(2027, 2, 20))

    def test_estimate_rules_match_official_2026_statutory_days(self) -> None:
        # The 2025 rules' statutory days for 2026 must all be official days off.
        for d in estimated_cn_holidays(2026):
            assert not self.cal.is_workday(d), d

    def test_user_dates_override(self) -> None:
        custom = WorkCalendar("cn", extra_holidays={date(2027, 3, 3)}, extra_workdays={date(2027, 2, 20)})
        assert not custom.is_workday(date(2027, 3, 3))
        assert custom.is_workday(date(2027, 2, 20))
        assert custom.holiday_name(date(2027, 3, 3)) is not None
        # ...also over the official package data.
        assert WorkCalendar("cn", extra_workdays={date(2026, 10, 5)}).is_workday(date(2026, 10, 5))
        n = len(self.cal.workdays(date(2027, 3, 1), date(2027, 3, 31)))
        assert len(custom.workdays(date(2027, 3, 1), date(2027, 3, 31))) == n - 1

    def test_official_years_flag(self) -> None:
        assert WorkCalendar("cn", official_years={2027}).status(2027).official

    def test_conflicting_user_dates(self) -> None:
        with pytest.raises(CalendarError, match="both"):
            WorkCalendar("cn", extra_holidays={date(2027, 1, 4)}, extra_workdays={date(2027, 1, 4)})


class TestSimpleCalendars:
    @pytest.mark.parametrize(("kind", "n"), [("all", 31), ("weekdays", 22)])
    def test_october_2026(self, kind: str, n: int) -> None:
        cal = WorkCalendar(kind)  # type: ignore[arg-type]
        assert len(cal.workdays(date(2026, 10, 1), date(2026, 10, 31))) == n
        assert cal.status(2030).official

    def test_unknown_kind(self) -> None:
        with pytest.raises(CalendarError, match="unknown calendar"):
            WorkCalendar("moon")  # type: ignore[arg-type]

    @settings(max_examples=60, deadline=None)
    @given(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    def test_weekend_rule_outside_holidays(self, d: date) -> None:
        cn = WorkCalendar("cn")
        if d.year > 2026 and d not in estimated_cn_holidays(d.year):
            assert cn.is_workday(d) == (d.weekday() < 5)
        assert WorkCalendar("weekdays").is_workday(d) == (d.weekday() < 5)

    def test_fiscal_mask_matches_is_workday(self) -> None:
        cal, fy = WorkCalendar("cn"), FiscalYear(2026, 10)
        mask = cal.fiscal_mask(fy)
        assert mask.tolist() == [cal.is_workday(d) for d in fy.days()]
        assert fy.days()[0] + timedelta(days=len(mask) - 1) == fy.end
