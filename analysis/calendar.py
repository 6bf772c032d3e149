"""Fiscal years, period keys and working-day calendars (China public holidays with 调休).

Naming convention: a fiscal year is named by the calendar year in which it *starts*.
``FiscalYear(2027, start_month=4)`` runs 2027-04-01 .. 2028-03-31; ``FiscalYear(2027)`` is the
calendar year 2027. Fiscal halves and quarters count from the start month ("FY2027-Q1" is
Apr-Jun for an April start). Months keep their calendar label ("2028-01"); weeks use ISO weeks
("2027-W01", ISO year + week, Monday first), so a week at a fiscal-year edge is partial and its
value is always the sum of the days that fall inside the fiscal year.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import chinese_calendar
import numpy as np
import pandas as pd
from lunardate import LunarDate
from numpy.typing import NDArray

from analysis.messages import Message

Grain = Literal["year", "half", "quarter", "month", "week", "day"]
GRAINS: tuple[Grain, ...] = ("year", "half", "quarter", "month", "week", "day")
CalendarKind = Literal["all", "weekdays", "cn"]


class CalendarError(ValueError):
    """A calendar request that cannot be honoured; the message says why.

    Raised with an :class:`analysis.messages.Message` (``str(exc)`` is English; render it with
    ``analysis.messages.render(exc, lang)``).
    """


@dataclass(frozen=True)
class FiscalYear:
    """A fiscal year of 12 calendar months, named by the calendar year it starts in."""

    year: int
    start_month: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise CalendarError(Message("msg.cal.start_month", value=str(self.start_month)))
        if not 1900 < self.year < 2100:
            raise CalendarError(Message("msg.cal.year_range", year=str(self.year)))

    @property
    def start(self) -> date:
        return date(self.year, self.start_month, 1)

    @property
    def end(self) -> date:
        """Last day (inclusive)."""
        nxt = date(self.year + 1, self.start_month, 1)
        return nxt - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"FY{self.year}"

    def previous(self) -> FiscalYear:
        return FiscalYear(self.year - 1, self.start_month)

    def days(self) -> tuple[date, ...]:
        """Every calendar day of the fiscal year, in order (cached)."""
        return _fy_days(self)

    def months(self) -> list[tuple[int, int]]:
        """The 12 (calendar year, calendar month) pairs of the fiscal year, in order."""
        out = []
        for i in range(12):
            m0 = self.start_month - 1 + i
            out.append((self.year + m0 // 12, m0 % 12 + 1))
        return out

    def month_labels(self) -> list[str]:
        return [f"{y:04d}-{m:02d}" for y, m in self.months()]

    def fiscal_month(self, d: date) -> int:
        """0-based fiscal month index of ``d`` (0 = first month of the fiscal year)."""
        if not self.start <= d <= self.end:
            raise CalendarError(
                Message(
                    "msg.cal.day_outside", day=str(d), fy=self.label, start=str(self.start), end=str(self.end)
                )
            )
        return (d.year - self.year) * 12 + d.month - self.start_month

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def month_index(self) -> NDArray[np.int64]:
        """0-based fiscal month index for each day of :meth:`days` (cached, read-only)."""
        return _month_index(self)


def period_key(day: date, grain: Grain, fy: FiscalYear) -> str:
    """The label of the ``grain`` period containing ``day`` (see the module docstring)."""
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    fm = fy.fiscal_month(day)
    if grain == "quarter":
        return f"{fy.label}-Q{fm // 3 + 1}"
    if grain == "half":
        return f"{fy.label}-H{fm // 6 + 1}"
    if grain == "year":
        return fy.label
    raise CalendarError(Message("msg.cal.unknown_grain", value=repr(grain), choices=", ".join(GRAINS)))


def period_codes(days: Sequence[date], grain: Grain, fy: FiscalYear) -> tuple[NDArray[np.int64], list[str]]:
    """Integer code per day and the labels, in chronological order, for grouping arrays of days.

    ``days`` must be sorted; codes are 0..n-1 in order of first appearance.
    """
    labels: list[str] = []
    codes = np.empty(len(days), dtype=np.int64)
    last = None
    for i, d in enumerate(days):
        k = period_key(d, grain, fy)
        if k != last:
            labels.append(k)
            last = k
        codes[i] = len(labels) - 1
    return codes, labels


def add_period_columns(
    df: pd.DataFrame, fy: FiscalYear, *, day_col: str = "day", grains: Iterable[Grain] = GRAINS
) -> pd.DataFrame:
    """Return a copy of ``df`` with one string column per grain (named after the grain).

    Vectorised over the day column; rows outside the fiscal year are refused.
    """
    out = df.copy()
    ts = pd.to_datetime(out[day_col])
    if len(ts) and (ts.min().date() < fy.start or ts.max().date() > fy.end):
        raise CalendarError(
            Message("msg.cal.days_outside", fy=fy.label, start=str(fy.start), end=str(fy.end))
        )
    fm = (ts.dt.year - fy.year) * 12 + ts.dt.month - fy.start_month
    for g in grains:
        if g == "day":
            out["day"] = ts.dt.strftime("%Y-%m-%d") if day_col != "day" else out[day_col]
        elif g == "week":
            iso = ts.dt.isocalendar()
            out["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
        elif g == "month":
            out["month"] = ts.dt.strftime("%Y-%m")
        elif g == "quarter":
            out["quarter"] = fy.label + "-Q" + (fm // 3 + 1).astype(str)
        elif g == "half":
            out["half"] = fy.label + "-H" + (fm // 6 + 1).astype(str)
        elif g == "year":
            out["year"] = fy.label
        else:
            raise CalendarError(f"unknown grain {g!r}")
    return out


# --- China public holidays -------------------------------------------------------------------

# chinese_calendar ships the State Council schedules it knows (2004-2026 in 1.11) and raises
# NotImplementedError beyond. No library predicts future schedules, so the estimate below is
# hand-written: the statutory days under the rules in force since 2025 (国务院令第795号), with
# lunar dates from lunardate and 清明 from chinese_calendar's solar-term formula. It guesses no
# 调休 (make-up workdays / bridge days): those are announced each November.
_STATUTORY_RULES_YEAR = 2025
_CN_HOLIDAYS: dict[date, object] = chinese_calendar.holidays
_CN_WORKDAYS: dict[date, object] = chinese_calendar.workdays


@functools.cache
def _cn_covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _lunar(year: int, month: int, day: int) -> date:
    solar = LunarDate(year, month, day).to_solar_date()
    assert isinstance(solar, date)
    return solar


@functools.cache
def estimated_cn_holidays(year: int) -> dict[date, str]:
    """Estimated statutory holidays of ``year`` under the 2025 rules, day -> name (zh / en)."""
    out: dict[date, str] = {date(year, 1, 1): "元旦 New Year's Day"}
    new_year = _lunar(year, 1, 1)
    for i in range(-1, 3):  # 除夕 + 初一..初三
        out[new_year + timedelta(days=i)] = "春节 Spring Festival"
    qingming = [d for d, _ in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))]
    out[qingming[0] if qingming else date(year, 4, 5)] = "清明节 Tomb-sweeping Day"
    out[date(year, 5, 1)] = out[date(year, 5, 2)] = "劳动节 Labour Day"
    out[_lunar(year, 5, 5)] = "端午节 Dragon Boat Festival"
    out[_lunar(year, 8, 15)] = "中秋节 Mid-autumn Festival"
    for d in (1, 2, 3):
        out[date(year, 10, d)] = "国庆节 National Day"
    return out


@dataclass(frozen=True)
class CalendarStatus:
    """Whether the working days of some years come from official data or are an estimate."""

    official: bool
    estimated_years: tuple[int, ...]
    message_en: str
    message_zh: str

    @property
    def label(self) -> str:
        return "official" if self.official else "estimate"


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days.

    kind: "all" (every day), "weekdays" (Mon-Fri) or "cn" (China: the State Council schedule from
    chinese_calendar where known, else an ESTIMATE, see :func:`estimated_cn_holidays`).
    ``extra_holidays`` / ``extra_workdays`` are user-entered dates that override everything
    (e.g. the official schedule for a year the package does not cover yet). ``official_years``
    are years whose schedule the user says is now entered in full, so their status is official.
    """

    kind: CalendarKind = "cn"
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    official_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.kind not in ("all", "weekdays", "cn"):
            raise CalendarError(Message("msg.cal.unknown_calendar", value=repr(self.kind)))
        # Accept plain sets/lists from callers but keep the object hashable and immutable.
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        object.__setattr__(self, "official_years", frozenset(self.official_years))
        both = self.extra_holidays & self.extra_workdays
        if both:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise CalendarError(Message("msg.cal.holiday_and_workday", days=days))

    def is_workday(self, d: date) -> bool:
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        if self.kind == "all":
            return True
        if self.kind == "weekdays":
            return d.weekday() < 5
        if _cn_covered(d.year):
            # Same rule as chinese_calendar.is_workday, read from its tables directly: the public
            # function scans every key for its year range on each call (~50 us a day).
            return d in _CN_WORKDAYS or (d.weekday() < 5 and d not in _CN_HOLIDAYS)
        return d.weekday() < 5 and d not in estimated_cn_holidays(d.year)

    def holiday_name(self, d: date) -> str | None:
        """Name of the public holiday on ``d`` if any (None for plain weekends and workdays)."""
        if d in self.extra_holidays:
            return "自定义假日 custom holiday"
        if self.kind != "cn":
            return None
        if _cn_covered(d.year):
            on_holiday, name = chinese_calendar.get_holiday_detail(d)
            return str(name) if on_holiday and name else None
        return estimated_cn_holidays(d.year).get(d)

    def workday_mask(self, days: Sequence[date]) -> NDArray[np.bool_]:
        return np.fromiter((self.is_workday(d) for d in days), dtype=bool, count=len(days))

    def fiscal_mask(self, fy: FiscalYear) -> NDArray[np.bool_]:
        """Working-day mask over ``fy.days()`` (cached; the returned array is read-only)."""
        return _fiscal_mask(self, fy)

    def workdays(self, start: date, end: date) -> list[date]:
        """Working days from ``start`` to ``end``, both inclusive."""
        n = (end - start).days + 1
        return [d for d in (start + timedelta(days=i) for i in range(max(n, 0))) if self.is_workday(d)]

    def status(self, year: int | FiscalYear) -> CalendarStatus:
        """Official or estimate for a calendar year, or for every calendar year a fiscal year touches."""
        years = sorted({year.start.year, year.end.year}) if isinstance(year, FiscalYear) else [year]
        n_user = len(self.extra_holidays) + len(self.extra_workdays)
        user_en = f" {n_user} user-entered date(s) override it." if n_user else ""
        user_zh = f"另有 {n_user} 个用户录入日期优先生效。" if n_user else ""
        if self.kind == "all":
            return CalendarStatus(
                True, (), "Every day counts as a working day." + user_en, "每天都算工作日。" + user_zh
            )
        if self.kind == "weekdays":
            return CalendarStatus(
                True,
                (),
                "Monday to Friday are working days; no public holidays." + user_en,
                "周一至周五为工作日，不含法定节假日。" + user_zh,
            )
        est = tuple(y for y in years if not _cn_covered(y) and y not in self.official_years)
        shown = "/".join(str(y) for y in years)
        if not est:
            return CalendarStatus(
                True,
                (),
                f"China public holidays and make-up workdays for {shown}: official State Council schedule."
                + user_en,
                f"{shown} 年中国法定节假日及调休：国务院官方安排。" + user_zh,
            )
        ys = "/".join(str(y) for y in est)
        return CalendarStatus(
            False,
            est,
            f"ESTIMATE for {ys}: the official holiday schedule is not published yet. Weekends plus the "
            f"statutory holidays under the {_STATUTORY_RULES_YEAR} rules (New Year 1 day, Spring Festival "
            "4 days, Qingming 1, Labour Day 2, Dragon Boat 1, Mid-autumn 1, National Day 3); no make-up "
            "workdays guessed. Enter the official dates when announced and re-spread." + user_en,
            f"{ys} 年为估算：官方放假安排尚未发布。按周末加 {_STATUTORY_RULES_YEAR} 年起施行的法定节假日"
            "（元旦1天、春节4天、清明1天、劳动节2天、端午1天、中秋1天、国庆3天）计算，未推测调休。"
            "官方安排公布后请录入日期并重新分解。" + user_zh,
        )


@functools.lru_cache(maxsize=64)
def _fiscal_mask(cal: WorkCalendar, fy: FiscalYear) -> NDArray[np.bool_]:
    mask = cal.workday_mask(fy.days())
    mask.flags.writeable = False
    return mask


@functools.lru_cache(maxsize=64)
def _month_index(fy: FiscalYear) -> NDArray[np.int64]:
    idx = np.array([fy.fiscal_month(d) for d in fy.days()], dtype=np.int64)
    idx.flags.writeable = False
    return idx


@functools.lru_cache(maxsize=64)
def _fy_days(fy: FiscalYear) -> tuple[date, ...]:
    n = (fy.end - fy.start).days + 1
    return tuple(fy.start + timedelta(days=i) for i in range(n))
