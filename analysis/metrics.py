"""Progress, pace and growth against the plan, for a scope (company / team / rep) and a period.

Pure: :func:`prepare` turns DataFrames into :class:`ProgressData` (int64 cents arrays
[rep, day]); every metric is computed from those arrays. Only :func:`load_inputs` and
:func:`bench_progress` talk to the store, through :mod:`analysis.store` (summary tables).

Money is integer cents inside, Decimal in scalars and int64 ``*_cents`` columns in DataFrames.
Ratios (attainment, growth, probability) are floats, and ``None`` when the base is zero or
negative (never inf). Forecasts are estimates rounded to the cent.

Definitions, for a period [start, end] (clipped to the fiscal year) and an as-of day:

- elapsed = days start .. min(as_of, end); nothing after as_of counts, so a past week can be replayed.
- expected to date = the plan's daily targets summed over the elapsed days (so pace follows the
  plan's working days and seasonality, not a straight line). Pace gap = actual - expected.
- required daily run rate = (target - actual) / working days left after as_of (>= 0).
- run-rate forecast = per rep, actual + actual / elapsed working days while employed x working days
  left while employed; a rep hired mid-period only counts from the hire date (and one gone before
  as_of adds nothing). A rep with no elapsed working day is assumed to meet the remaining plan.
- seasonal forecast = actual + last year's sales in the rest of the year-ago period x (actual /
  last year's sales in its first *k* working days), k = this period's elapsed working days.
  None when last year had nothing to compare with. The headline forecast is the seasonal one
  when available, else the run-rate one.
- interval and probability: see :func:`forecast_band`.
- growth (WoW, MoM, QoQ, YoY) is like-for-like: a partial period is compared with the same number
  of elapsed working days at the start of the comparison period; complete periods compare in full.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis import forecast, store
from analysis.allocate import is_vacancy
from analysis.calendar import FiscalYear, WorkCalendar, period_codes
from analysis.forecast import Result as ForecastCheck
from analysis.messages import Message
from analysis.overview import fiscal_year_of
from analysis.plan import build_plan
from analysis.spread import PlanInputError

Scope = Literal["company", "team", "rep"]
PeriodGrain = Literal["year", "quarter", "month", "week"]
PERIOD_GRAINS: tuple[PeriodGrain, ...] = ("year", "quarter", "month", "week")
NO_TEAM = store.NO_TEAM  # the team label of reps with no team (an import creates unknown reps without one)
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

DEFAULT_UPLIFT = Decimal("1.15")
INTERVAL_Z = 1.2816  # two-sided 80 % interval of a normal distribution
RATIO_WEEKS = 26  # how many past complete weeks feed the forecast interval
MIN_RATIO_WEEKS = 4


class MetricsError(ValueError):
    """A progress request that cannot be answered; the message says why."""


def cents_to_decimal(cents: int | float) -> Decimal:
    """Integer cents (floats are rounded half-up to the cent first) as a Decimal amount in yuan."""
    c = (
        int(Decimal(repr(float(cents))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if isinstance(cents, float)
        else int(cents)
    )
    return Decimal(c).scaleb(-2)


def growth_rate(current: int | float, previous: int | float) -> float | None:
    """current / previous - 1; None when previous is zero or negative (shown as n/a, never inf)."""
    if previous <= 0:
        return None
    return float(current) / float(previous) - 1.0


def _ratio(num: int | float, den: int | float) -> float | None:
    return None if den <= 0 else float(num) / float(den)


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A period of a fiscal year; weeks at the year's edges are clipped to it (both ends inclusive)."""

    label: str
    grain: PeriodGrain
    start: dt.date
    end: dt.date


@functools.lru_cache(maxsize=32)
def fiscal_periods(fy: FiscalYear) -> tuple[Period, ...]:
    """The year, its quarters, months and (ISO) weeks, in that order; labels as in :mod:`analysis.calendar`."""
    days = fy.days()
    out: list[Period] = []
    for grain in PERIOD_GRAINS:
        codes, labels = period_codes(days, grain, fy)
        starts = np.searchsorted(codes, np.arange(len(labels)))
        ends = np.append(starts[1:], len(days)) - 1
        out += [Period(lab, grain, days[s], days[e]) for lab, s, e in zip(labels, starts, ends, strict=True)]
    return tuple(out)


def period_of(fy: FiscalYear, day: dt.date, grain: PeriodGrain) -> Period:
    """The ``grain`` period of ``fy`` that contains ``day`` (``day`` is clamped into the fiscal year)."""
    if grain not in PERIOD_GRAINS:
        raise MetricsError(f"unknown period grain {grain!r}; use one of {', '.join(PERIOD_GRAINS)}")
    day = min(max(day, fy.start), fy.end)
    for p in fiscal_periods(fy):
        if p.grain == grain and p.start <= day <= p.end:
            return p
    raise MetricsError(f"no {grain} contains {day}")  # pragma: no cover - periods tile the year


def period_by_label(fy: FiscalYear, label: str) -> Period:
    for p in fiscal_periods(fy):
        if p.label == label:
            return p
    raise MetricsError(
        f"{label!r} is not a period of {fy.label} (e.g. {fy.label}, {fy.label}-Q1, 2026-03, 2026-W09)"
    )


def _shift_year(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


def _add_months(d: dt.date, months: int) -> dt.date:
    m0 = d.year * 12 + d.month - 1 + months
    return dt.date(m0 // 12, m0 % 12 + 1, 1)


def _month_end(d: dt.date) -> dt.date:
    return _add_months(d, 1) - dt.timedelta(days=1)


def calendar_period(day: dt.date, grain: PeriodGrain, fy_start_month: int = 1) -> tuple[dt.date, dt.date]:
    """The unclipped calendar period containing ``day``: ISO week, month, fiscal quarter or fiscal year."""
    if grain == "week":
        s = day - dt.timedelta(days=day.weekday())
        return s, s + dt.timedelta(days=6)
    if grain == "month":
        s = day.replace(day=1)
        return s, _month_end(s)
    fy = fiscal_year_of(day, fy_start_month)
    if grain == "quarter":
        s = _add_months(fy.start, (fy.fiscal_month(day) // 3) * 3)
        return s, _add_months(s, 3) - dt.timedelta(days=1)
    return fy.start, fy.end


def previous_period(start: dt.date, end: dt.date, grain: PeriodGrain) -> tuple[dt.date, dt.date]:
    """The period of the same grain just before the (unclipped) period starting at ``start``."""
    if grain == "week":
        return start - dt.timedelta(days=7), start - dt.timedelta(days=1)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    s = _add_months(start, -months)
    return s, start - dt.timedelta(days=1)


def year_ago(start: dt.date, end: dt.date, grain: PeriodGrain) -> tuple[dt.date, dt.date]:
    """The same period one year earlier: weeks 52 weeks back (same weekdays), others the same dates."""
    if grain == "week":
        return start - dt.timedelta(days=364), end - dt.timedelta(days=364)
    return _shift_year(start, -1), _shift_year(end, -1)


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressData:
    """Everything the metrics need, as arrays over one window of days.

    ``reps`` row i is row i of ``plan`` and ``actual``; columns rep_id, name, team_id, team,
    hire_date, leave_date. Days run from ``start`` to the fiscal year's end; ``plan`` holds
    targets only on the fiscal year's days, ``actual`` is zero after ``as_of``.
    """

    fy: FiscalYear
    as_of: dt.date
    calendar: WorkCalendar
    reps: pd.DataFrame
    start: dt.date
    plan: IntArray  # [rep, day] cents
    actual: IntArray  # [rep, day] cents
    work: BoolArray  # [day] working day
    active: BoolArray  # [rep, day] employed (hire .. leave, inclusive)
    plan_source: Literal["active", "default", "none"]
    plan_label: str = ""
    notes: tuple[str, ...] = ()
    month_code: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # [day] calendar month
    data_through: dt.date | None = None  # last day with sales in the store (None: not read from a store)
    requested_as_of: dt.date | None = None  # the day asked for; ``as_of`` is min(it, data_through)

    @property
    def measured_short(self) -> bool:
        """Whether the day asked for lies after the last data day (figures stop at ``as_of``)."""
        return self.requested_as_of is not None and self.requested_as_of > self.as_of

    @property
    def n_days(self) -> int:
        return int(self.plan.shape[1])

    def idx(self, d: dt.date) -> int:
        """Column of day ``d`` (may be out of range: callers clip)."""
        return (d - self.start).days

    def day(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=i)

    @functools.cached_property
    def _keys(self) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        return (
            np.array(self.reps["rep_id"].tolist(), dtype=object),
            np.array(self.reps["team_id"].tolist(), dtype=object),
        )

    def rows(self, scope: Scope = "company", key: object = None) -> BoolArray:
        """Row mask of a scope: every rep, one team (``key`` = team_id) or one rep (``key`` = rep_id)."""
        if scope == "company":
            return np.ones(len(self.reps), dtype=bool)
        if scope not in ("team", "rep"):
            raise MetricsError(f"unknown scope {scope!r}; use company, team or rep")
        keys = self._keys[1] if scope == "team" else self._keys[0]
        # Reps an import created have no team yet (team_id NULL → None/NaN, which never equals
        # itself): the "team" of a missing key is every rep without one.
        mask: BoolArray = np.asarray(
            pd.isna(keys) if scope == "team" and _missing(key) else keys == key, dtype=bool
        )
        if not mask.any():
            raise MetricsError(f"no {scope} {key!r}")
        return mask


def _missing(key: object) -> bool:
    """Whether a team key is missing (None, NaN or pandas' NA)."""
    return key is None or key is pd.NA or (isinstance(key, float) and key != key)


def window_start(fy: FiscalYear, as_of: dt.date) -> dt.date:
    """First day of history the metrics read: last fiscal year, and 24 months + a week before as_of."""
    two_years = _add_months(as_of.replace(day=1), -25) - dt.timedelta(days=7)
    return min(fy.previous().start, two_years)


def _to_matrix(df: pd.DataFrame, value: str, rep_index: pd.Index, start: dt.date, n_days: int) -> IntArray:
    out = np.zeros((len(rep_index), n_days), dtype=np.int64)
    if len(df) == 0:
        return out
    d = pd.to_datetime(df["day"]).to_numpy(dtype="datetime64[D]")
    col = (d - np.datetime64(start, "D")).astype(np.int64)
    row = rep_index.get_indexer(pd.Index(df["rep_id"]))
    ok = (col >= 0) & (col < n_days) & (row >= 0)
    np.add.at(out, (row[ok], col[ok]), df[value].to_numpy(dtype=np.int64)[ok])
    return out


def calendar_from_overrides(overrides: pd.DataFrame | None, kind: str = "cn") -> WorkCalendar:
    """The working-day calendar with user-entered holidays / workdays [day, kind, note]."""
    if overrides is None or len(overrides) == 0:
        return WorkCalendar(kind)  # type: ignore[arg-type]
    days = pd.to_datetime(overrides["day"]).dt.date
    hol = frozenset(days[overrides["kind"] == "holiday"])
    wrk = frozenset(days[overrides["kind"] == "workday"])
    return WorkCalendar(kind, extra_holidays=hol, extra_workdays=wrk)  # type: ignore[arg-type]


def prepare(
    fy: FiscalYear,
    as_of: dt.date,
    reps: pd.DataFrame,
    actuals: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    calendar: WorkCalendar | None = None,
    plan_source: Literal["active", "default", "none"] = "active",
    plan_label: str = "",
    notes: Sequence[str] = (),
    start: dt.date | None = None,
) -> ProgressData:
    """Arrange the inputs as [rep, day] cents arrays.

    ``reps``: [rep_id, name, team_id, team?, hire_date?, leave_date?]; ``actuals``: rep x day
    [day, rep_id, amount_cents]; ``targets``: rep x day [rep_id, team_id, day, target_cents] of
    the plan for ``fy``. Reps that appear only in actuals or targets are added (named by id).
    Actuals after ``as_of`` are ignored.
    """
    if not fy.contains(as_of):
        raise MetricsError(f"as-of date {as_of} is not in {fy.label}")
    cal = calendar or WorkCalendar("cn")
    start = start or window_start(fy, as_of)
    reps = reps.copy()
    for col in ("name", "team_id", "team", "hire_date", "leave_date"):
        if col not in reps.columns:
            reps[col] = None
    seen = pd.unique(np.concatenate([actuals["rep_id"].unique(), targets["rep_id"].unique()]))
    more = seen[~pd.Index(seen).isin(reps["rep_id"])].tolist()
    if more:
        firsts = targets.drop_duplicates("rep_id")
        extra_team = dict(zip(firsts["rep_id"], firsts["team_id"], strict=True))
        team_name = dict(zip(reps["team_id"], reps["team"], strict=False))
        add = pd.DataFrame(
            {
                "rep_id": more,
                # a plan's unassigned line (analysis.allocate.vacancy_id) is named after its team
                "name": [
                    Message(
                        "msg.alloc.vacancy_name",
                        team=str(team_name.get(extra_team.get(r)) or extra_team.get(r)),
                    )
                    if is_vacancy(r)
                    else str(r)
                    for r in more
                ],
                "team_id": [extra_team.get(r) for r in more],
            }
        )
        reps = pd.concat([reps, add], ignore_index=True)
    reps["name"] = reps["name"].where(reps["name"].notna(), reps["rep_id"].astype(str))
    reps["team"] = reps["team"].where(reps["team"].notna(), reps["team_id"]).fillna(NO_TEAM)
    reps = reps.reset_index(drop=True)[["rep_id", "name", "team_id", "team", "hire_date", "leave_date"]]
    rep_pos = pd.Index(reps["rep_id"])
    n_days = (fy.end - start).days + 1
    act = actuals[pd.to_datetime(actuals["day"]) <= pd.Timestamp(as_of)] if len(actuals) else actuals
    actual = _to_matrix(act, "amount_cents", rep_pos, start, n_days)
    plan = _to_matrix(targets, "target_cents", rep_pos, start, n_days)
    plan[:, : (fy.start - start).days] = 0
    days = [start + dt.timedelta(days=i) for i in range(n_days)]
    work = cal.workday_mask(days)
    ordinals = np.array([d.toordinal() for d in days])
    hire = pd.to_datetime(reps["hire_date"]).to_numpy(dtype="datetime64[D]")
    leave = pd.to_datetime(reps["leave_date"]).to_numpy(dtype="datetime64[D]")
    epoch = dt.date(1970, 1, 1).toordinal()
    lo = np.where(np.isnat(hire), -(10**9), hire.astype("datetime64[D]").astype(np.int64) + epoch)
    hi = np.where(np.isnat(leave), 10**9, leave.astype("datetime64[D]").astype(np.int64) + epoch)
    active = (ordinals[None, :] >= lo[:, None]) & (ordinals[None, :] <= hi[:, None])
    _, month_code = np.unique(np.array([d.year * 12 + d.month for d in days]), return_inverse=True)
    return ProgressData(
        fy=fy,
        as_of=as_of,
        calendar=cal,
        reps=reps,
        start=start,
        plan=plan,
        actual=actual,
        work=work,
        active=active,
        plan_source=plan_source,
        plan_label=plan_label,
        notes=tuple(notes),
        month_code=month_code.astype(np.int64),
    )


def _month_average_reference(series: IntArray, work: BoolArray, month_code: IntArray) -> NDArray[np.float64]:
    """Per working day, its month's total / the month's working days (0 on other days)."""
    tot = np.bincount(month_code, weights=series.astype(np.float64))
    nwork = np.bincount(month_code, weights=work.astype(np.float64))
    per = np.divide(tot, nwork, out=np.zeros_like(tot), where=nwork > 0)
    return np.asarray(per[month_code] * work, dtype=np.float64)


# --- the default plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class DefaultPlan:
    targets: pd.DataFrame  # [rep_id, team_id, day, target_cents]
    target: Decimal
    last_year: Decimal
    method: str
    notes: tuple[str, ...]


def default_plan_targets(
    fy: FiscalYear,
    reps: pd.DataFrame,
    ly_actuals: pd.DataFrame,
    *,
    calendar: WorkCalendar | None = None,
    uplift: Decimal = DEFAULT_UPLIFT,
) -> DefaultPlan:
    """A stand-in plan when none is active: last fiscal year's actuals x ``uplift`` (1.15 = +15 %).

    ``ly_actuals``: rep x day [day, rep_id, amount_cents] (rows outside last year are ignored).
    The target is last year's total x uplift, rounded half-up to the cent, spread over the days
    by last year's month shares on this year's working days (``build_plan`` "seasonality") and
    allocated to reps by their last-year sales ("history": reps without history get their team's
    median, new hires ramp up, nobody gets days outside hire .. leave). Days sum exactly to the
    target. Falls back to a working-days spread when last year has months without sales; with no
    sales at all last year the plan is empty (targets 0) and the note says so.
    """
    ly = fy.previous()
    h = ly_actuals
    if len(h):
        d = pd.to_datetime(h["day"])
        h = h[(d >= pd.Timestamp(ly.start)) & (d <= pd.Timestamp(ly.end))]
    # The plan is a pure function of these inputs, and building it is the costliest step of a
    # progress page (~30 ms at 24 reps, more with hundreds); the page is opened far more often
    # than last year's sales or the rep list change, so it is memoised on a hash of its content
    # (correct by construction: any change to the inputs is a different key).
    key = (fy, calendar or WorkCalendar("cn"), uplift, _frame_digest(reps), _frame_digest(h))
    hit = _DEFAULT_PLANS.get(key)
    if hit is None:
        hit = _default_plan(fy, reps, h, calendar=key[1], uplift=uplift)
        _DEFAULT_PLANS[key] = hit
        while len(_DEFAULT_PLANS) > _DEFAULT_PLAN_CACHE:
            _DEFAULT_PLANS.pop(next(iter(_DEFAULT_PLANS)))
    # A copy, so a caller that changes its frame cannot change what the next caller gets.
    return replace(hit, targets=hit.targets.copy())


_DEFAULT_PLAN_CACHE = 8
_DEFAULT_PLANS: dict[tuple[object, ...], DefaultPlan] = {}


def _frame_digest(df: pd.DataFrame) -> tuple[tuple[str, ...], int, bytes]:
    """Content key of a frame: its columns, length and a hash of every value (not the index)."""
    cells = pd.util.hash_pandas_object(df, index=False).to_numpy() if len(df) else np.empty(0)
    return tuple(map(str, df.columns)), len(df), hashlib.blake2b(cells.tobytes(), digest_size=16).digest()


def _default_plan(
    fy: FiscalYear, reps: pd.DataFrame, h: pd.DataFrame, *, calendar: WorkCalendar, uplift: Decimal
) -> DefaultPlan:
    """:func:`default_plan_targets` on ``h``, last fiscal year's rep x day actuals (uncached)."""
    ly = fy.previous()
    empty = pd.DataFrame(
        {"rep_id": [], "team_id": [], "day": [], "target_cents": pd.Series([], dtype="int64")}
    )
    ly_cents = int(h["amount_cents"].sum()) if len(h) else 0
    ly_total = Decimal(ly_cents).scaleb(-2)
    if ly_cents <= 0:
        return DefaultPlan(empty, Decimal(0), ly_total, "none", (f"no sales in {ly.label}: no default plan",))
    target_cents = int((Decimal(ly_cents) * uplift).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    hire = (
        pd.to_datetime(reps["hire_date"])
        if "hire_date" in reps.columns
        else pd.Series(pd.NaT, index=reps.index)
    )
    leave = (
        pd.to_datetime(reps["leave_date"])
        if "leave_date" in reps.columns
        else pd.Series(pd.NaT, index=reps.index)
    )
    keep = (hire.isna() | (hire <= pd.Timestamp(fy.end))) & (leave.isna() | (leave >= pd.Timestamp(fy.start)))
    team = reps["team_id"].where(reps["team_id"].notna(), "") if "team_id" in reps.columns else ""
    cols = {c: reps[c] for c in ("rep_id", "name", "level", "hire_date", "leave_date") if c in reps.columns}
    plan_reps = pd.DataFrame({**cols, "team_id": team})[keep].reset_index(drop=True)
    if len(plan_reps) == 0:
        return DefaultPlan(
            empty, Decimal(0), ly_total, "none", (f"no rep employed in {fy.label}: no default plan",)
        )
    per_day = h.groupby("day")["amount_cents"].sum()
    daily = pd.DataFrame({"day": pd.to_datetime(per_day.index).date, "amount": per_day.to_numpy() / 100})
    per_rep = h.groupby("rep_id")["amount_cents"].sum()
    by_rep = pd.DataFrame({"rep_id": per_rep.index, "amount": per_rep.clip(lower=0).to_numpy() / 100})
    notes: list[str] = []
    method = "seasonality"
    target = Decimal(target_cents).scaleb(-2)
    kw: dict[str, Any] = {
        "reps": plan_reps,
        "fy_start_month": fy.start_month,
        "calendar": calendar,
        "allocate_method": "history",
        "history_by_rep": by_rep,
        "history_daily": daily,
    }
    try:
        plan = build_plan(fy.year, target, spread_method="seasonality", **kw)
    except PlanInputError as exc:
        method = "working_days"
        notes.append(f"seasonality unavailable ({exc}); spread over working days instead")
        plan = build_plan(fy.year, target, spread_method="working_days", **kw)
    n_r, n_d = plan.cents.shape
    team_ids = np.array([None if t == "" else t for t in plan.team_ids], dtype=object)
    targets = pd.DataFrame(
        {
            "rep_id": np.repeat(np.array(plan.rep_ids, dtype=object), n_d),
            "team_id": np.repeat(team_ids, n_d),
            "day": np.tile(np.array(plan.days, dtype="datetime64[D]"), n_r),
            "target_cents": plan.cents.ravel(),
        }
    )
    notes += list(plan.notes)
    return DefaultPlan(targets, target, ly_total, method, tuple(notes))


def measured_day(as_of: dt.date, data_through: dt.date | None) -> dt.date:
    """The day figures are measured to: ``as_of``, but never after the last day with data.

    A day after ``data_through`` is not a day without sales, only one not loaded yet; counting it
    as elapsed would put pace, forecasts, growth and risk flags behind for no reason."""
    return as_of if data_through is None or data_through >= as_of else data_through


def load_inputs(
    con: store.Connection, as_of: dt.date, fy_start_month: int = 1, *, raw: bool = False
) -> ProgressData:
    """Read what the progress metrics need from the summary tables (rep x day) and the plan tables.

    Figures are measured to :func:`measured_day` (``as_of`` capped at the store's last data day):
    the result's ``as_of`` is that day, ``requested_as_of`` the day asked for and ``data_through``
    the last data day, so a page can say which day its numbers stop at.
    Uses the fiscal year's active plan, or else :func:`default_plan_targets`. ``raw=True``
    aggregates rep x day from the raw sales table instead (benchmark baseline only).
    """
    through = store.data_through(con)
    data = _load_inputs(con, measured_day(as_of, through), fy_start_month, raw=raw)
    return replace(data, data_through=through, requested_as_of=as_of)


def _load_inputs(con: store.Connection, as_of: dt.date, fy_start_month: int, *, raw: bool) -> ProgressData:
    fy = fiscal_year_of(as_of, fy_start_month)
    start = window_start(fy, as_of)
    reps = store.reps_frame(con)
    if raw:
        actuals = store.raw_rep_day_actuals(con, start, as_of)
    else:
        actuals = store.daily_actuals(con, start, as_of, by_rep=True)
    pv = store.active_plan(con, fy.year)
    cal = forecast.progress_calendar(
        calendar_from_overrides(store.calendar_overrides(con)),
        None if pv is None else pv.params.get("calendar"),
        actuals,
    )
    if pv is not None:
        targets = store.plan_targets(con, pv.version_id)
        return prepare(
            fy,
            as_of,
            reps,
            actuals,
            targets,
            calendar=cal,
            plan_source="active",
            plan_label=f"{pv.scenario} v{pv.version}",
            start=start,
        )
    dp = default_plan_targets(fy, reps, actuals, calendar=cal)
    source: Literal["default", "none"] = "default" if dp.method != "none" else "none"
    return prepare(
        fy,
        as_of,
        reps,
        actuals,
        dp.targets,
        calendar=cal,
        plan_source=source,
        plan_label=f"{fy.previous().label} × {DEFAULT_UPLIFT}",
        notes=dp.notes,
        start=start,
    )


# --- progress of one scope and period --------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """Forecast interval (80 %) and probability of reaching the target; see :func:`forecast_band`."""

    low: Decimal
    high: Decimal
    probability: float | None
    sigma: float | None  # sd of the weekly actual / reference ratios
    weeks: int  # how many weekly ratios (or past outcomes, basis "history") it rests on
    basis: Literal["plan", "last_year", "history", "final", "none"]


@dataclass(frozen=True)
class Progress:
    """Where a scope stands in a period as of a day. Money in Decimal yuan, ratios as floats."""

    scope: Scope
    key: object
    period: Period
    as_of: dt.date
    target: Decimal
    actual: Decimal
    expected_to_date: Decimal
    attainment: float | None  # actual / period target
    attainment_to_date: float | None  # actual / expected to date
    pace_gap: Decimal  # actual - expected to date
    pace_gap_pct: float | None  # actual / expected - 1
    elapsed_workdays: int
    remaining_workdays: int
    required_daily: Decimal | None  # (target - actual) / remaining working days, >= 0
    run_rate_daily: Decimal | None  # actual / elapsed working days
    forecast_run_rate: Decimal
    forecast_seasonal: Decimal | None
    forecast: Decimal  # seasonal when available, else run rate; the actual once the period is over
    band: Band
    ly_to_date: Decimal | None  # year-ago period, same elapsed working days
    ly_total: Decimal  # whole year-ago period
    yoy: float | None  # like-for-like
    growth: dict[str, float | None]  # wow, mom, qoq, yoy (like-for-like, periods containing as_of)
    complete: bool
    check: ForecastCheck | None = None  # how the forecast did on past periods (running periods only)


def _span(data: ProgressData, a: dt.date, b: dt.date) -> tuple[int, int]:
    """Columns [i0, i1) of days a..b clipped to the window."""
    return max(0, data.idx(a)), max(0, min(data.n_days, data.idx(b) + 1))


def _like_for_like(
    data: ProgressData, act: IntArray, cur: tuple[dt.date, dt.date], prev: tuple[dt.date, dt.date]
) -> tuple[int, int] | None:
    """(current to date, comparison over the same elapsed working days) in cents; None if not started.

    Elapsed non-working days after the last elapsed working day are matched day for day.
    """
    s, e = cur
    cut = min(data.as_of, e)
    if cut < s:
        return None
    i0, i1 = _span(data, s, cut)
    cur_sum = int(act[i0:i1].sum())
    j0, j1 = _span(data, *prev)
    if j1 <= j0:
        return cur_sum, 0
    if cut == e:
        return cur_sum, int(act[j0:j1].sum())
    w = data.work[i0:i1]
    k = int(w.sum())
    n_el = i1 - i0
    wpos = np.flatnonzero(data.work[j0:j1])
    if k == 0:
        pos = min(n_el, j1 - j0) - 1
    else:
        trailing = n_el - 1 - int(np.flatnonzero(w)[-1])
        pos = int(wpos[k - 1]) + trailing if k <= len(wpos) else j1 - j0 - 1
        pos = min(pos, j1 - j0 - 1)
    return cur_sum, int(act[j0 : j0 + pos + 1].sum())


def _lfl_growth(
    data: ProgressData, act: IntArray, cur: tuple[dt.date, dt.date], prev: tuple[dt.date, dt.date]
) -> float | None:
    pair = _like_for_like(data, act, cur, prev)
    return None if pair is None else growth_rate(*pair)


def weekly_ratios(
    data: ProgressData, rows: BoolArray
) -> tuple[list[float], Literal["plan", "last_year", "none"]]:
    """Actual / reference of the last complete Monday-Sunday weeks up to as_of (at most 26).

    The reference is the plan when at least 4 complete weeks of this fiscal year have a plan,
    else each month's actual average per working day (which also covers last year's weeks).
    """
    act = data.actual[rows].sum(axis=0)
    plan = data.plan[rows].sum(axis=0)
    first_monday = (7 - data.start.weekday()) % 7
    last = data.idx(data.as_of)
    n_weeks = max(0, (last + 1 - first_monday) // 7)
    if n_weeks == 0:
        return [], "none"
    cols = first_monday + 7 * np.arange(n_weeks)
    cols = cols[-RATIO_WEEKS:]
    act_w = np.add.reduceat(act, cols)[: len(cols)] if len(cols) else act[:0]
    # reduceat's last slot runs to the end of the window; recompute it to the week's end.
    act_w[-1] = act[cols[-1] : cols[-1] + 7].sum()
    in_fy = cols >= data.idx(data.fy.start)
    plan_w = np.array([plan[c : c + 7].sum() for c in cols])
    ok = in_fy & (plan_w > 0)
    if ok.sum() >= MIN_RATIO_WEEKS:
        return [float(a) / float(p) for a, p in zip(act_w[ok], plan_w[ok], strict=True)], "plan"
    ref = _month_average_reference(act, data.work, data.month_code)
    ref_w = np.array([ref[c : c + 7].sum() for c in cols])
    good = ref_w > 0
    if not good.any():
        return [], "none"
    return [float(a) / float(r) for a, r in zip(act_w[good], ref_w[good], strict=True)], "last_year"


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def forecast_band(
    forecast_cents: float,
    actual_cents: int,
    target_cents: int,
    remaining_plan_cents: int,
    remaining_workdays: int,
    ratios: Sequence[float],
    basis: Literal["plan", "last_year", "none"] = "plan",
) -> Band:
    """80 % interval around the forecast and the probability of reaching the target.

    Method (normal approximation): the past weekly ratios actual / reference have sample sd σ.
    The rest of the period is ``n = max(1, remaining working days / 5)`` weeks, assumed
    independent, so its average ratio has sd σ/√n and the remaining amount
    (``remaining_plan_cents``, or forecast - actual when the plan has nothing left) has sd
    ``remaining x σ/√n``. The period total is taken as Normal(forecast, that sd):
    interval = forecast ± 1.2816 sd (the low end never below the actual to date),
    P(reach) = 1 - Φ((target - forecast) / sd). With no remaining days (or sd 0) the outcome is
    certain: P is 1 or 0. Fewer than two ratios → no interval and P None. No target → P None.
    """
    remaining = remaining_plan_cents if remaining_plan_cents > 0 else abs(forecast_cents - actual_cents)
    sigma = statistics.stdev(ratios) if len(ratios) >= 2 else None
    if remaining_workdays <= 0:
        sd = 0.0
    elif sigma is None:
        f = cents_to_decimal(forecast_cents)
        return Band(f, f, None, None, len(ratios), "none")
    else:
        sd = remaining * sigma / math.sqrt(max(1.0, remaining_workdays / 5))
    low = max(float(actual_cents), forecast_cents - INTERVAL_Z * sd)
    high = forecast_cents + INTERVAL_Z * sd
    if target_cents <= 0:
        prob = None
    elif sd == 0:
        prob = 1.0 if forecast_cents >= target_cents else 0.0
    else:
        prob = 1.0 - _phi((target_cents - forecast_cents) / sd)
    return Band(cents_to_decimal(low), cents_to_decimal(high), prob, sigma, len(ratios), basis)


def progress(
    data: ProgressData, period: Period, scope: Scope = "company", key: object = None, *, detail: bool = True
) -> Progress:
    """Target, actual, pace, forecast and growth of ``scope`` in ``period`` as of ``data.as_of``.

    See the module docstring for the definitions. ``detail=False`` skips the interval (weekly
    ratios) and the WoW/MoM/QoQ set, for tables with many rows.
    """
    rows = data.rows(scope, key)
    P = data.plan[rows]
    A = data.actual[rows]
    i_s, i_e1 = _span(data, period.start, period.end)
    i_c1 = min(i_e1, data.idx(data.as_of) + 1)
    n_el = max(0, i_c1 - i_s)
    plan_p = P[:, i_s:i_e1]
    act_p = A[:, i_s:i_e1]
    target = int(plan_p.sum())
    actual = int(act_p[:, :n_el].sum())
    expected = int(plan_p[:, :n_el].sum())
    work_p = data.work[i_s:i_e1]
    complete = n_el == i_e1 - i_s
    wd_el = int(work_p[:n_el].sum())
    wd_rem = int(work_p[n_el:].sum())
    act_mask = data.active[rows][:, i_s:i_e1] & work_p[None, :]
    e_r = act_mask[:, :n_el].sum(axis=1)
    r_r = act_mask[:, n_el:].sum(axis=1)
    a_r = act_p[:, :n_el].sum(axis=1)
    rp_r = plan_p[:, n_el:].sum(axis=1)
    rate_r = np.divide(a_r, e_r, out=np.zeros(len(a_r)), where=e_r > 0)
    fc_r = np.where(e_r > 0, a_r + rate_r * r_r, a_r + rp_r)
    forecast_rr = float(fc_r.sum())
    rem_days = int(r_r[0]) if scope == "rep" else wd_rem
    elapsed_days = int(e_r[0]) if scope == "rep" else wd_el
    required = cents_to_decimal(max(0, target - actual) / rem_days) if rem_days > 0 else None
    run_rate = cents_to_decimal(actual / elapsed_days) if elapsed_days > 0 else None

    act_s = A.sum(axis=0)
    ly_s, ly_e = year_ago(period.start, period.end, period.grain)
    pair = _like_for_like(data, act_s, (period.start, period.end), (ly_s, ly_e))
    j0, j1 = _span(data, ly_s, ly_e)
    ly_total = int(act_s[j0:j1].sum())
    ly_to_date = pair[1] if pair is not None else None
    seasonal: float | None = None
    if complete:
        seasonal = float(actual)
    elif n_el > 0 and ly_to_date is not None and ly_to_date > 0:
        seasonal = actual + (ly_total - ly_to_date) * actual / ly_to_date
    check: ForecastCheck | None = None
    if complete:
        headline = float(actual)
    elif n_el == 0:
        headline = float(target)
    elif not rows.any():  # a store without reps (nothing imported yet)
        headline = forecast_rr
    else:
        check = forecast.period_forecast(
            *forecast.frame_of(data, scope, key), period.start, period.end, period.grain, float(target)
        )
        headline = check.forecast
    if check is not None:
        f = cents_to_decimal(headline)
        band = Band(
            f if check.low is None else cents_to_decimal(check.low),
            f if check.high is None else cents_to_decimal(check.high),
            check.p_target,
            None,
            check.samples,
            "history" if check.low is not None else "none",
        )
    elif complete:  # the outcome is known: no range, and P(target) is 1 or 0
        f = cents_to_decimal(headline)
        band = Band(f, f, None if target <= 0 else float(actual >= target), None, 0, "final")
    elif detail:
        ratios, basis = weekly_ratios(data, rows)
        band = forecast_band(
            headline, actual, target, target - expected, 0 if complete else rem_days, ratios, basis
        )
    else:
        f = cents_to_decimal(headline)
        band = Band(f, f, None, None, 0, "none")
    growth = _growth_set(data, act_s) if detail else {}
    yoy = growth_rate(*pair) if pair is not None else None
    growth["yoy"] = yoy
    return Progress(
        scope=scope,
        key=key,
        period=period,
        as_of=data.as_of,
        target=cents_to_decimal(target),
        actual=cents_to_decimal(actual),
        expected_to_date=cents_to_decimal(expected),
        attainment=_ratio(actual, target),
        attainment_to_date=_ratio(actual, expected),
        pace_gap=cents_to_decimal(actual - expected),
        pace_gap_pct=None if expected <= 0 else actual / expected - 1.0,
        elapsed_workdays=elapsed_days,
        remaining_workdays=rem_days,
        required_daily=required,
        run_rate_daily=run_rate,
        forecast_run_rate=cents_to_decimal(float(actual) if complete else forecast_rr),
        forecast_seasonal=None if seasonal is None else cents_to_decimal(seasonal),
        forecast=cents_to_decimal(headline),
        band=band,
        ly_to_date=None if ly_to_date is None else cents_to_decimal(ly_to_date),
        ly_total=cents_to_decimal(ly_total),
        yoy=yoy,
        growth=growth,
        complete=complete,
        check=check,
    )


def _growth_set(data: ProgressData, act_s: IntArray) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, grain in (("wow", "week"), ("mom", "month"), ("qoq", "quarter")):
        cur = calendar_period(data.as_of, grain, data.fy.start_month)  # type: ignore[arg-type]
        out[name] = _lfl_growth(data, act_s, cur, previous_period(*cur, grain))  # type: ignore[arg-type]
    return out


# --- tables and chart data -------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    frame: pd.DataFrame  # [period, start, end, actual_cents, complete, growth, yoy]
    slope: float | None  # least-squares change per period of the complete periods / their mean


def trend(
    data: ProgressData,
    grain: Literal["week", "month"],
    scope: Scope = "company",
    key: object = None,
    n: int = 12,
) -> Trend:
    """The last ``n`` calendar weeks or months up to the one containing as_of (which may be partial).

    growth is vs the previous period and yoy vs the year-ago period, both like-for-like for the
    partial last period; NaN (n/a) where the base is zero or negative, never inf.
    """
    act = data.actual[data.rows(scope, key)].sum(axis=0)
    s, e = calendar_period(data.as_of, grain, data.fy.start_month)
    spans = [(s, e)]
    for _ in range(n - 1):
        spans.append(previous_period(*spans[-1], grain))
    spans.reverse()
    rec = []
    for s, e in spans:
        i0, i1 = _span(data, s, min(e, data.as_of))
        label = f"{s.isocalendar().year:04d}-W{s.isocalendar().week:02d}" if grain == "week" else f"{s:%Y-%m}"
        rec.append(
            {
                "period": label,
                "start": s,
                "end": e,
                "actual_cents": int(act[i0:i1].sum()),
                "complete": e <= data.as_of,
                "growth": _lfl_growth(data, act, (s, e), previous_period(s, e, grain)),
                "yoy": _lfl_growth(data, act, (s, e), year_ago(s, e, grain)),
            }
        )
    frame = pd.DataFrame(rec)
    frame["actual_cents"] = frame["actual_cents"].astype("int64")
    full = frame.loc[frame["complete"], "actual_cents"].to_numpy(dtype=np.float64)
    slope = None
    if len(full) >= 3 and full.mean() > 0:
        slope = float(np.polyfit(np.arange(len(full)), full, 1)[0] / full.mean())
    return Trend(frame, slope)


def breakdown(
    data: ProgressData,
    period: Period,
    by: Literal["team", "rep"],
    scope: Scope = "company",
    key: object = None,
) -> pd.DataFrame:
    """One row per team or rep (inside ``scope``), most behind plan first (pace gap ascending).

    Columns: team_id, team, [rep_id, rep], target_cents, actual_cents, expected_cents, gap_cents,
    gap_pct, attainment, attainment_to_date, forecast_cents, yoy, forecast_low_cents,
    forecast_high_cents (Int64, NA when unknown), p_target. Rep rows only for reps with a target
    or sales in the period.
    """
    inside = data.reps[data.rows(scope, key)]
    if by == "team":
        groups = inside[["team_id", "team"]].drop_duplicates("team_id")
        keys: list[tuple[Scope, object, dict[str, object]]] = [
            ("team", None, {"team_id": None, "team": NO_TEAM})
            if _missing(t)
            else ("team", t, {"team_id": t, "team": n})
            for t, n in zip(groups["team_id"], groups["team"], strict=True)
        ]
    else:
        keys = [
            ("rep", r, {"team_id": t, "team": tn, "rep_id": r, "rep": n})
            for r, n, t, tn in zip(
                inside["rep_id"], inside["name"], inside["team_id"], inside["team"], strict=True
            )
        ]
    rec = []
    for sc, k, base in keys:
        p = progress(data, period, sc, k, detail=False)
        if by == "rep" and p.target == 0 and p.actual == 0 and p.ly_total == 0:
            continue
        rec.append(
            {
                **base,
                "target_cents": int(p.target * 100),
                "actual_cents": int(p.actual * 100),
                "expected_cents": int(p.expected_to_date * 100),
                "gap_cents": int(p.pace_gap * 100),
                "gap_pct": p.pace_gap_pct,
                "attainment": p.attainment,
                "attainment_to_date": p.attainment_to_date,
                "forecast_cents": int(p.forecast * 100),
                "yoy": p.yoy,
                **band_cents(p.band),
            }
        )
    cols = ["team_id", "team"] + (["rep_id", "rep"] if by == "rep" else [])
    money = ["target_cents", "actual_cents", "expected_cents", "gap_cents", "forecast_cents"]
    band_cols = ["forecast_low_cents", "forecast_high_cents", "p_target"]
    out = pd.DataFrame(
        rec,
        columns=[
            *cols,
            *money[:4],
            "gap_pct",
            "attainment",
            "attainment_to_date",
            money[4],
            "yoy",
            *band_cols,
        ],
    )
    for c in money:
        out[c] = out[c].astype("int64")
    for c in band_cols[:2]:
        out[c] = out[c].astype("Int64")
    return out.sort_values(["gap_cents", *cols[:1]], kind="stable").reset_index(drop=True)


def band_cents(band: Band) -> dict[str, object]:
    """The 80 % band in cents and P(target), None where unknown (no band rests on any history)."""
    known = band.basis != "none"
    return {
        "forecast_low_cents": int(band.low * 100) if known else None,
        "forecast_high_cents": int(band.high * 100) if known else None,
        "p_target": band.probability,
    }


def rep_period_numbers(
    data: ProgressData, tgt: IntArray, exp: IntArray, act: IntArray, prev: IntArray
) -> pd.DataFrame:
    """Per rep sums of one period (arrays in ``data.reps`` order, cents): [rep_id, rep, team_id,
    team, target_cents, expected_cents, actual_cents, prev_cents, gap_cents, attainment, growth].

    The weekly review and the retrospective both show these; reps with no target, no sales and
    none in the previous period are left out; sorted by team, then actual (largest first)."""
    keys = data.reps[["rep_id", "name", "team_id", "team"]].rename(columns={"name": "rep"})
    out = _period_frame(keys, tgt, exp, act, prev)
    keep = (out["target_cents"] != 0) | (out["actual_cents"] != 0) | (out["prev_cents"] != 0)
    return out[keep].sort_values(["team_id", "actual_cents"], ascending=[True, False]).reset_index(drop=True)


def team_period_numbers(reps: pd.DataFrame) -> pd.DataFrame:
    """:func:`rep_period_numbers` rows summed per team (exact cents); ratios recomputed from the sums."""
    money = ["target_cents", "expected_cents", "actual_cents", "prev_cents"]
    g = reps.groupby(["team_id", "team"], dropna=False, sort=True)[money].sum().reset_index()
    return _period_frame(
        g[["team_id", "team"]],
        g["target_cents"].to_numpy(),
        g["expected_cents"].to_numpy(),
        g["actual_cents"].to_numpy(),
        g["prev_cents"].to_numpy(),
    )


def _period_frame(
    keys: pd.DataFrame, tgt: IntArray, exp: IntArray, act: IntArray, prev: IntArray
) -> pd.DataFrame:
    out = keys.reset_index(drop=True).copy()
    out["target_cents"] = tgt.astype(np.int64)
    out["expected_cents"] = exp.astype(np.int64)
    out["actual_cents"] = act.astype(np.int64)
    out["prev_cents"] = prev.astype(np.int64)
    out["gap_cents"] = (act - exp).astype(np.int64)
    out["attainment"] = [_ratio(int(a), int(t)) for a, t in zip(act, tgt, strict=True)]
    out["growth"] = [growth_rate(int(a), int(p)) for a, p in zip(act, prev, strict=True)]
    return out


def rep_month_attainment(data: ProgressData, scope: Scope = "company", key: object = None) -> pd.DataFrame:
    """Rep x fiscal month: actual / plan to date (whole months before as_of, the elapsed part of as_of's month).

    Columns [rep_id, rep, team, month, plan_cents, actual_cents, attainment]; months after
    as_of's month are left out, and reps with neither plan nor sales; attainment None (NaN in
    the float column) where the plan to date is 0.
    """
    rows = data.rows(scope, key)
    reps = data.reps[rows]
    last = data.idx(data.as_of) + 1
    months = [dt.date(y, m, 1) for y, m in data.fy.months() if dt.date(y, m, 1) <= data.as_of]
    starts = np.array([data.idx(m) for m in months], dtype=np.int64)
    P = data.plan[rows][:, :last]
    A = data.actual[rows][:, :last]
    pc = np.add.reduceat(P, starts, axis=1)
    ac = np.add.reduceat(A, starts, axis=1)
    keep = ((pc.sum(axis=1) + ac.sum(axis=1)) > 0) & ~reps["rep_id"].map(is_vacancy).to_numpy(dtype=bool)
    pc, ac = pc[keep], ac[keep]
    reps = reps[keep]
    n_r, n_m = pc.shape
    att = np.divide(ac, pc, out=np.full(pc.shape, np.nan), where=pc > 0)
    return pd.DataFrame(
        {
            "rep_id": np.repeat(reps["rep_id"].to_numpy(dtype=object), n_m),
            "rep": np.repeat(reps["name"].to_numpy(dtype=object), n_m),
            "team": np.repeat(reps["team"].to_numpy(dtype=object), n_m),
            "month": np.tile(np.array([f"{m:%Y-%m}" for m in months], dtype=object), n_r),
            "plan_cents": pc.ravel().astype(np.int64),
            "actual_cents": ac.ravel().astype(np.int64),
            "attainment": att.ravel(),
        }
    )


def burnup(data: ProgressData, period: Period, prog: Progress) -> pd.DataFrame:
    """Per day of ``period``: cumulative plan and actual, and the forecast path with its band.

    Columns [day, plan_cum_cents (int64), actual_cum_cents (Int64, NA after as_of),
    forecast_cents, low_cents, high_cents (float, for charts; NaN before as_of)]. The forecast
    path runs from the actual at as_of to the forecast at period end following the plan's shape
    (the working days when the plan has nothing left).
    """
    rows = data.rows(prog.scope, prog.key)
    i0, i1 = _span(data, period.start, period.end)
    plan_cum = np.cumsum(data.plan[rows][:, i0:i1].sum(axis=0))
    act_cum = np.cumsum(data.actual[rows][:, i0:i1].sum(axis=0))
    n = i1 - i0
    days = [data.day(i0 + i) for i in range(n)]
    n_el = max(0, min(n, data.idx(data.as_of) + 1 - i0))
    actual_col = pd.array([int(v) if i < n_el else None for i, v in enumerate(act_cum)], dtype="Int64")
    fc = np.full(n, np.nan)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    if n_el < n:
        base_a = float(act_cum[n_el - 1]) if n_el else 0.0
        base_p = float(plan_cum[n_el - 1]) if n_el else 0.0
        rest = plan_cum[n_el:] - base_p
        if rest[-1] > 0:
            share = rest / rest[-1]
        else:
            w = np.cumsum(data.work[i0 + n_el : i1].astype(np.float64))
            share = w / w[-1] if w[-1] > 0 else np.linspace(1 / len(w), 1.0, len(w))
        start_i = max(n_el - 1, 0)
        for arr, end in ((fc, prog.forecast), (lo, prog.band.low), (hi, prog.band.high)):
            arr[n_el:] = base_a + (float(end) * 100 - base_a) * share
            arr[start_i] = base_a if n_el else arr[start_i]
    return pd.DataFrame(
        {
            "day": days,
            "plan_cum_cents": plan_cum.astype(np.int64),
            "actual_cum_cents": actual_col,
            "forecast_cents": fc,
            "low_cents": lo,
            "high_cents": hi,
        }
    )


# --- the whole page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PageView:
    """Everything the progress page shows for one scope and period."""

    progress: Progress
    burnup: pd.DataFrame
    teams: pd.DataFrame
    reps: pd.DataFrame
    heatmap: pd.DataFrame
    trend: Trend


def page_view(data: ProgressData, period: Period, scope: Scope = "company", key: object = None) -> PageView:
    """KPIs, burn-up, team and rep tables, rep x month heatmap and the 12-period trend.

    The trend is weekly for a week period and monthly otherwise. The team table is for the
    company (so a team can be compared with its peers), the rep table and heatmap follow the scope.
    """
    prog = progress(data, period, scope, key)
    tgrain: Literal["week", "month"] = "week" if period.grain == "week" else "month"
    # Reps are shown within their team, so a selected rep is seen among peers.
    sub: tuple[Scope, object] = (
        ("company", None) if scope == "company" else ("team", _team_of(data, scope, key))
    )
    return PageView(
        progress=prog,
        burnup=burnup(data, period, prog),
        teams=breakdown(data, period, "team"),
        reps=breakdown(data, period, "rep", *sub),
        heatmap=rep_month_attainment(data, *sub),
        trend=trend(data, tgrain, scope, key),
    )


def _team_of(data: ProgressData, scope: Scope, key: object) -> object:
    if scope == "team":
        return key
    return data.reps.loc[data.rows("rep", key), "team_id"].iloc[0]


# --- benchmark ---------------------------------------------------------------------------------


def _timeit(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def bench_progress(db_path: str, runs: int = 20, as_of: dt.date | None = None) -> list[dict[str, object]]:
    """Time the full progress page (reads + every figure) on ``db_path``, with same-run baselines.

    1. summary tables: :func:`load_inputs` (rep x day summary, plan, reps, calendar) + :func:`page_view`;
    2. the same with rep x day aggregated from the raw sales table in DuckDB;
    3. the same with rep x day aggregated by pandas from raw rows already in memory (loading them
       is reported as its own row). The as-of day defaults to the day after the last sale.
    Rows {"operation", "rows", "p50_ms", "p95_ms", "baseline_ms", "ratio"}; ratio = baseline / p50.
    """
    with store.connect(db_path, read_only=True) as con:
        first, last, n_rows = store.sales_bounds(con)
        if last is None:
            raise MetricsError(f"{db_path} has no sales to benchmark")
        day = as_of or last + dt.timedelta(days=1)
        fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
        fy = fiscal_year_of(day, fy_start)
        period = period_of(fy, day, "month")
        start = window_start(fy, day)

        def summary() -> PageView:
            return page_view(load_inputs(con, day, fy_start), period)

        def raw_duckdb() -> PageView:
            return page_view(load_inputs(con, day, fy_start, raw=True), period)

        s50, s95 = _timeit(summary, runs)
        r50, r95 = _timeit(raw_duckdb, max(5, runs // 4))
        t0 = time.perf_counter()
        raw = store.raw_sales_frame(con, start, day)
        load_ms = (time.perf_counter() - t0) * 1000
        reps = store.reps_frame(con)
        cal = calendar_from_overrides(store.calendar_overrides(con))

    def pandas_page() -> PageView:
        agg: pd.DataFrame = raw.groupby(["day", "rep_id"], as_index=False)[["amount_cents"]].sum()
        dp = default_plan_targets(fy, reps, agg, calendar=cal)
        data = prepare(fy, day, reps, agg, dp.targets, calendar=cal, plan_source="default", start=start)
        return page_view(data, period)

    p50, p95 = _timeit(pandas_page, max(3, runs // 5))
    return [
        {
            "operation": "progress page (summary tables)",
            "rows": n_rows,
            "p50_ms": round(s50, 1),
            "p95_ms": round(s95, 1),
            "baseline_ms": round(r50, 1),
            "ratio": round(r50 / s50, 1),
        },
        {
            "operation": "progress page (raw sales, DuckDB) baseline",
            "rows": n_rows,
            "p50_ms": round(r50, 1),
            "p95_ms": round(r95, 1),
            "baseline_ms": None,
            "ratio": None,
        },
        {
            "operation": "progress page (raw sales, pandas in memory) baseline",
            "rows": len(raw),
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "baseline_ms": round(p50, 1),
            "ratio": round(p50 / s50, 1),
        },
        {
            "operation": "raw sales → pandas (one-off load for the pandas baseline)",
            "rows": len(raw),
            "p50_ms": round(load_ms, 1),
            "p95_ms": round(load_ms, 1),
            "baseline_ms": None,
            "ratio": None,
        },
    ]
