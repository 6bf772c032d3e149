"""The period forecast: a prior moved toward the evidence as the period fills, and a band that held.

Grain: one period (month, week, quarter, year) of one scope, as of a day; money in cents
(floats inside, rounded to the cent by the caller).

**Day weights.** Each day counts by what such a day usually sells: per weekday for working days
and one factor for non-working days (weekends, public holidays), learned from the year of
history before the period on the company's daily series, and shrunk toward the calendar
(1 for a working day, 0 for a day off) when there are few such days. So a store whose weekends
sell (Superstore) counts its weekends, and the demo's rare weekend orders count for little.

**Point.** With ``A`` sold to date, ``E`` the elapsed day weight and ``R`` the remaining one:

- evidence rate = A / E (the working-day run rate);
- prior rate = last year's same period per day weight x the trend (the last ``trend_days``
  before the period against the same days a year earlier, per day weight), blended with the
  recent rate (the last ``trend_days`` before the period) by ``seasonal``; the recent rate alone
  when last year is not in the data;
- forecast = A + R x (z x evidence + (1 - z) x prior), z = E / (E + K): credibility weighting,
  K (in days of weight) chosen per level by the backtest (:mod:`analysis.backtest`).

**Band and P(target).** The same forecast is replayed on the past periods of the same grain in
the data, cut at the same share of the period, for every entity of the level (company, all
teams, all reps); the ratios outcome remainder / forecast remainder form an empirical (conformal-style)
distribution (a team or rep with ``OWN_MIN`` ratios of its own uses those). The 80 % band is
the actual to date + the forecast remainder times its 10th and 90th percentiles (conformal
finite-sample correction; never below the actual, always holding the forecast), P(target) the
share of ratios that would reach the target (Laplace-smoothed). Computed once per data, period,
cut and level (cached).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calendar import WorkCalendar

if TYPE_CHECKING:
    from analysis.metrics import ProgressData

Level = Literal["company", "team", "rep"]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Settings:
    """Model constants of one level, chosen by the backtest (see BENCHMARKS.md)."""

    credibility: float  # K: day weights of evidence that count as much as the prior
    seasonal: float = 0.8  # share of last year's same period (with trend) in the prior
    trend_days: int = 182  # days before the period whose rate, against a year earlier, is the trend
    recent_days: int = 182  # days before the period whose rate is the non-seasonal prior
    low_q: float = 0.10  # band quantiles of outcome / forecast
    high_q: float = 0.90


SETTINGS: dict[Level, Settings] = {
    "company": Settings(credibility=8.0),
    "team": Settings(credibility=8.0),
    "rep": Settings(credibility=8.0),
}
HISTORY_DAYS = 364  # day weights are learned on the last 52 weeks before the period
WEIGHT_PRIOR_DAYS = 8.0  # pseudo-days pulling a day type's factor toward the calendar
MIN_PRIOR_DAYS = 28  # a past period needs this much history before it to be replayed
POOL = 1  # past periods are also cut one day earlier and later, for a steadier spread
MIN_ALIKE = 6  # past periods with the same kind of prior needed to use only those
MIN_PRIOR_WEIGHT = 20.0  # days (of weight) of history a row needs for a prior
MIN_TREND_DAYS = 56  # a shorter history gives no trend, so no seasonal prior
NEAR_END = 4  # cuts this many days or fewer before the end are pooled only with earlier ones
MIN_SAMPLES = 5  # fewer past outcomes than this: no band, P(target) unknown


# --- the calendar that follows the data ------------------------------------------------------


def data_calendar_kind(
    days: Sequence[dt.date] | pd.Series, amounts: Sequence[float] | pd.Series
) -> str | None:
    """``"all"`` when the sales themselves say weekends are trading days, else None (keep the default).

    Weekends count as trading days when at least 5 % of the amount falls on Saturdays and
    Sundays and sales happen on at least a third of the weekends' days in the history.
    """
    d = pd.to_datetime(pd.Series(days))
    a = pd.Series(amounts, dtype="float64").to_numpy()
    if len(d) == 0 or a.sum() <= 0:
        return None
    weekend = d.dt.day_of_week.to_numpy() >= 5
    span = (d.max() - d.min()).days + 1
    n_weekend_days = span * 2 / 7
    sold = a > 0
    weekend_days_sold = pd.Series(d[weekend & sold]).nunique()
    share = a[weekend].sum() / a.sum()
    if share >= 0.05 and weekend_days_sold >= n_weekend_days / 3:
        return "all"
    return None


def progress_calendar(base: WorkCalendar, plan_kind: object, actuals: pd.DataFrame) -> WorkCalendar:
    """The working days progress counts: the active plan's calendar, else one the sales suggest.

    ``base`` is the store's calendar (China's, with the user's overrides); ``plan_kind`` the
    calendar the active plan was built on (None without one); ``actuals`` [day, amount_cents]
    rows of the history. Without a plan, a history that sells on weekends (see
    :func:`data_calendar_kind`) counts every day; otherwise ``base``.
    """
    if plan_kind in ("all", "weekdays", "cn"):
        return calendar_for(str(plan_kind), base)
    if len(actuals) == 0:
        return base
    return calendar_for(data_calendar_kind(actuals["day"], actuals["amount_cents"]), base)


def calendar_for(kind: str | None, base: WorkCalendar) -> WorkCalendar:
    """``base`` with its kind replaced (user overrides kept); ``base`` when kind is None."""
    if kind is None or kind == base.kind:
        return base
    return WorkCalendar(
        kind,  # type: ignore[arg-type]
        extra_holidays=base.extra_holidays,
        extra_workdays=base.extra_workdays,
        official_years=base.official_years,
    )


# --- day weights -----------------------------------------------------------------------------


def day_weights(total: FloatArray, work: BoolArray, dow: NDArray[np.int64], upto: int) -> FloatArray:
    """Weight of each day (a normal working day ~ 1) from the sales of the year before column ``upto``.

    Types: the weekday of a working day (7 types) and "day off" (one type). A type's factor is its
    mean sales / the mean sales of all working days, shrunk toward 1 (working) or 0 (day off) by
    ``WEIGHT_PRIOR_DAYS`` pseudo-days. With no sales in that year, the calendar alone (1 / 0).
    """
    lo = max(0, upto - HISTORY_DAYS)
    h, w, d = total[lo:upto], work[lo:upto], dow[lo:upto]
    kind = np.where(work, dow, 7)
    base = float(h[w].mean()) if w.any() else 0.0
    factors = np.array([1.0] * 7 + [0.0])
    if base > 0:
        hk = np.where(w, d, 7)
        for t in range(8):
            sel = hk == t
            n = int(sel.sum())
            prior = 1.0 if t < 7 else 0.0
            mean = float(h[sel].mean()) / base if n else prior
            factors[t] = (n * mean + WEIGHT_PRIOR_DAYS * prior) / (n + WEIGHT_PRIOR_DAYS)
    return np.asarray(factors[kind], dtype=np.float64)


# --- the point forecast ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cut:
    """Columns of one period and its cut: [s, e] the period, c the last elapsed day (s-1: none);
    (ls, le) the year-ago period (None when it lies before the data)."""

    s: int
    e: int
    c: int
    ly: tuple[int, int] | None
    first: int = 0  # first column with data (days before it are unknown, not zero)


def trend_days(cut: Cut, settings: Settings) -> int:
    """Days of the trend window: ``settings.trend_days``, fewer when the data start later (0: none)."""
    if cut.ly is None or settings.seasonal <= 0:
        return 0
    t = min(settings.trend_days, cut.ly[0] - cut.first)
    return t if t >= MIN_TREND_DAYS else 0


def seasonal_ok(cut: Cut, settings: Settings) -> bool:
    """Whether the data reach back far enough for the seasonal prior of ``cut``."""
    return trend_days(cut, settings) > 0


def point(
    x: FloatArray, wt: FloatArray, cut: Cut, settings: Settings, active: BoolArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """(forecast, actual to date) of the period for each row of ``x`` [entity, day] (cents).

    ``active`` [entity, day] (employment) zeroes the day weights of a rep outside hire .. leave,
    so a leaver's remaining days add nothing and a new hire's rates count only employed days. A
    row with less than ``MIN_PRIOR_WEIGHT`` days of history has no prior: its run rate alone.
    """
    s, e, c = cut.s, cut.e, cut.c
    n = x.shape[0]
    w = np.broadcast_to(wt, x.shape) if active is None else active * wt

    def rate(lo: int, hi: int) -> tuple[FloatArray, FloatArray]:
        lo = max(lo, cut.first, 0)
        sw = w[:, lo:hi].sum(axis=1)
        return np.divide(x[:, lo:hi].sum(axis=1), sw, out=np.zeros(n), where=sw > 0), sw

    a = x[:, s : c + 1].sum(axis=1)
    w_el = w[:, s : c + 1].sum(axis=1)
    w_rem = w[:, c + 1 : e + 1].sum(axis=1)
    evidence = np.divide(a, w_el, out=np.zeros(n), where=w_el > 0)
    prior, known = rate(s - settings.recent_days, s)
    t = trend_days(cut, settings)
    if t > 0:
        assert cut.ly is not None
        ls, le = cut.ly
        recent, _ = rate(s - t, s)
        ly_rate, ly_w = rate(ls, le + 1)
        base_rate, _ = rate(ls - t, ls)
        ok = (base_rate > 0) & (ly_w > 0)
        trend = np.divide(recent, base_rate, out=np.ones(n), where=ok)
        seasonal = np.where(ok, ly_rate * trend, prior)
        prior = settings.seasonal * seasonal + (1 - settings.seasonal) * prior
    z = np.where(known >= MIN_PRIOR_WEIGHT, w_el / (w_el + settings.credibility), 1.0)
    return a + w_rem * (z * evidence + (1 - z) * prior), a


# --- the band --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastErrors:
    """Outcome / forecast of past periods cut at the same share, pooled over a level's entities."""

    ratios: FloatArray  # all entities of the level
    own: list[tuple[str, float, float]]  # this series only: (period label, forecast, outcome) cents


@dataclass(frozen=True)
class Result:
    """A forecast with its band; money in cents (floats)."""

    forecast: float
    low: float | None
    high: float | None
    p_target: float | None
    samples: int
    within: float | None  # |error| that m of the n own past periods stayed within (m = ceil(0.8 n))
    within_count: int
    own: list[tuple[str, float, float]]


def band(
    ratios: FloatArray, forecast: float, actual: float, settings: Settings
) -> tuple[float, float] | None:
    """The 80 % band: actual + the forecast remainder x the empirical quantiles of past
    outcome remainder / forecast remainder; never below the actual to date, always holding the forecast."""
    if len(ratios) < MIN_SAMPLES:
        return None
    lo, hi = np.quantile(ratios, quantile_levels(len(ratios), settings))
    rest = max(forecast - actual, 0.0)
    # The band always holds the forecast itself (a reader takes it as the band's centre).
    low = min(actual + rest * max(float(lo), 0.0), forecast)
    return max(low, actual), max(actual + rest * float(hi), forecast)


def quantile_levels(n: int, settings: Settings) -> tuple[float, float]:
    """Quantile levels that hold the nominal share of a new outcome among ``n`` exchangeable past ones.

    ``np.quantile``'s interpolated quantiles at p and 1 - p hold a new draw with probability
    (1 - 2p)(n - 1)/(n + 1), so the nominal centre share is stretched by (n + 1)/(n - 1)
    (capped at the sample's range): the conformal finite-sample correction.
    """
    centre = (settings.high_q - settings.low_q) * (n + 1) / max(n - 1, 1)
    half = min(0.5, centre / 2)
    mid = (settings.high_q + settings.low_q) / 2
    return max(0.0, mid - half), min(1.0, mid + half)


def p_target(ratios: FloatArray, forecast: float, actual: float, target: float) -> float | None:
    """How likely the target is reached: of the n past remainder ratios, k would reach it with this
    forecast; P = (k + 1) / (n + 2) (Laplace's rule, so a finite past never says 0 % or 100 %).
    1 once the target is reached; None without a target or with too little history."""
    if target <= 0:
        return None
    if actual >= target:
        return 1.0
    if len(ratios) < MIN_SAMPLES or forecast <= actual:
        return None
    k = int(np.sum(actual + ratios * (forecast - actual) >= target))
    return (k + 1) / (len(ratios) + 2)


def within(own: list[tuple[str, float, float]], share: float = 0.8) -> tuple[float | None, int]:
    """The smallest x such that ``ceil(share x n)`` of the own past forecasts were within ±x of the outcome."""
    errs = sorted(abs(f / y - 1) for _, f, y in own if y > 0)
    if len(errs) < MIN_SAMPLES:
        return None, 0
    m = math.ceil(share * len(errs))
    return errs[m - 1], m


def digest(*arrays: NDArray[np.generic]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(str(a.shape).encode())
    return h.digest()


# --- one scope of the progress data --------------------------------------------------------------

Grain = Literal["year", "quarter", "month", "week"]
MAX_PAST = {"week": 52, "month": 36, "quarter": 12, "year": 3}
_CACHE_SIZE = 64
_CACHE: dict[tuple[object, ...], tuple[FloatArray, list[list[tuple[str, float, float]]]]] = {}
_NOW: dict[tuple[object, ...], tuple[FloatArray, FloatArray]] = {}
_PER: dict[tuple[object, ...], FloatArray] = {}  # past_errors' ratios by entity [cut, entity]
OWN_MIN = 30  # a team or rep with this many past ratios of its own gets a band from those alone


def _add_months(d: dt.date, months: int) -> dt.date:
    m0 = d.year * 12 + d.month - 1 + months
    return dt.date(m0 // 12, m0 % 12 + 1, 1)


def _shift_year(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


def previous(start: dt.date, grain: Grain) -> tuple[dt.date, dt.date]:
    """The whole period of ``grain`` just before the one starting at ``start``."""
    if grain == "week":
        return start - dt.timedelta(days=7), start - dt.timedelta(days=1)
    s = _add_months(start.replace(day=1), -{"month": 1, "quarter": 3, "year": 12}[grain])
    return s, start.replace(day=1) - dt.timedelta(days=1)


def year_ago(start: dt.date, end: dt.date, grain: Grain) -> tuple[dt.date, dt.date]:
    """Weeks 52 weeks back (same weekdays), other periods the same dates a year earlier."""
    if grain == "week":
        return start - dt.timedelta(days=364), end - dt.timedelta(days=364)
    return _shift_year(start, -1), _shift_year(end, -1)


@dataclass(frozen=True)
class Frame:
    """The progress arrays one forecast reads (a view of :class:`analysis.metrics.ProgressData`)."""

    actual: NDArray[np.int64]  # [rep, day] cents, zero after as_of
    active: BoolArray  # [rep, day]
    work: BoolArray  # [day]
    start: dt.date  # first column
    as_of: dt.date
    groups: NDArray[np.int64]  # [rep] entity index of each rep at this level (company: all 0)
    level: Level


def _col(f: Frame, d: dt.date) -> int:
    return (d - f.start).days


def _cut(f: Frame, s: dt.date, e: dt.date, n_el: int, grain: Grain, first: int) -> Cut:
    i0, i1 = _col(f, s), _col(f, e)
    ls, le = year_ago(s, e, grain)
    ly = (_col(f, ls), _col(f, le)) if _col(f, ls) >= first else None
    return Cut(i0, i1, i0 + n_el - 1, ly, first)


def _first(total: FloatArray) -> int:
    nz = np.flatnonzero(total)
    return int(nz[0]) if len(nz) else len(total)


def _level_matrix(f: Frame) -> tuple[FloatArray, BoolArray | None]:
    """[entity, day] sales of the level (and employment, reps only)."""
    if f.level == "rep":
        return f.actual.astype(np.float64), f.active
    n = int(f.groups.max()) + 1 if len(f.groups) else 0
    onehot = np.zeros((n, len(f.groups)))
    onehot[f.groups, np.arange(len(f.groups))] = 1.0
    return onehot @ f.actual.astype(np.float64), None


def past_errors(
    f: Frame, s: dt.date, e: dt.date, n_el: int, grain: Grain
) -> tuple[FloatArray, list[list[tuple[str, float, float]]]]:
    """Outcome / forecast of the past periods of ``grain`` before ``s``, cut at the same share.

    Pooled ratios of every entity of the level (outcome and forecast both > 0), and per entity
    its own (label, forecast, outcome) list, oldest first. Cached on the content of the arrays.
    """
    key = (digest(f.actual, f.work, f.groups), f.start, f.as_of, s, e, n_el, grain, f.level)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    x, act = _level_matrix(f)
    total = f.actual.sum(axis=0).astype(np.float64)
    dow = _dow(f)
    settings = SETTINGS[f.level]
    frac = n_el / ((e - s).days + 1)
    ratios: list[FloatArray] = []
    alike: list[bool] = []  # whether a ratio's period had the same kind of prior as this one
    per: list[FloatArray] = []  # the same ratios by entity (NaN where none)
    own: list[list[tuple[str, float, float]]] = [[] for _ in range(x.shape[0])]
    ps, pe = previous(s, grain)
    first = _first(total)
    now_seasonal = seasonal_ok(_cut(f, s, e, n_el, grain, first), settings)
    periods_alike = 0
    for _ in range(MAX_PAST[grain]):
        if _col(f, ps) - MIN_PRIOR_DAYS < first:
            break
        length = (pe - ps).days + 1
        k0 = min(max(1, round(frac * length)), length - 1)
        wt = day_weights(total, f.work, dow, _col(f, ps))
        y = x[:, _col(f, ps) : _col(f, pe) + 1].sum(axis=1)
        # Neighbouring cuts, but none nearer the end than this one's remaining days allow: the
        # spread of a remainder of one or two days differs from that of three.
        ks = {min(max(1, k0 + d), length - 1) for d in range(-POOL, POOL + 1)}
        for k in sorted(k for k in ks if k <= k0 or length - k >= NEAR_END):
            cut = _cut(f, ps, pe, k, grain, first)
            fc, a = point(x, wt, cut, settings, act)
            rest = fc - a
            ok = (rest > 0) & (y > 0)
            ratios.append((y[ok] - a[ok]) / rest[ok])
            alike.append(seasonal_ok(cut, settings) == now_seasonal)
            r_all = np.full(x.shape[0], np.nan)
            r_all[ok] = ratios[-1]
            per.append(r_all)
            if k == k0:
                label = _label(ps, grain)
                for i in np.flatnonzero((fc > 0) & (y > 0)):
                    own[i].insert(0, (label, float(fc[i]), float(y[i])))
        periods_alike += alike[-1] if alike else 0
        ps, pe = previous(ps, grain)
    # Past periods whose prior was of the same kind (seasonal or recent only) tell most about
    # this one's error; the others are used only while there are too few of them.
    if periods_alike >= MIN_ALIKE:
        ratios = [r for r, same in zip(ratios, alike, strict=True) if same]
        per = [r for r, same in zip(per, alike, strict=True) if same]
    _PER[key] = np.array(per) if per else np.zeros((0, x.shape[0]))
    out = (np.concatenate(ratios) if ratios else np.zeros(0), own)
    _CACHE[key] = out
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    return out


def _label(s: dt.date, grain: Grain) -> str:
    if grain == "week":
        iso = s.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if grain == "month":
        return f"{s:%Y-%m}"
    return s.isoformat()


def _dow(f: Frame) -> NDArray[np.int64]:
    n = f.actual.shape[1]
    return np.asarray((np.arange(n) + f.start.weekday()) % 7, dtype=np.int64)


def period_forecast(f: Frame, row: int, s: dt.date, e: dt.date, grain: Grain, target: float) -> Result:
    """The forecast of entity ``row`` (of ``f.groups``) for the period [s, e] as of ``f.as_of``.

    The period has begun and is not over (callers handle both ends); cents as floats. Every
    entity of the level is forecast at once and cached, so a table of reps costs one pass.
    """
    n_el = (min(f.as_of, e) - s).days + 1
    fc, a = current(f, s, e, n_el, grain)
    forecast, actual = float(fc[row]), float(a[row])
    ratios, own = past_errors(f, s, e, n_el, grain)
    # Teams and reps differ in how noisy they are: one with enough history of its own is judged
    # by its own past errors (teams' cover on the 200k demo 0.72-0.77 -> 0.77-0.79 mid-month).
    if OWN_MIN and f.level != "company":
        key = (digest(f.actual, f.work, f.groups), f.start, f.as_of, s, e, n_el, grain, f.level)
        mine = _PER[key][:, row]
        mine = mine[~np.isnan(mine)]
        if len(mine) >= OWN_MIN:
            ratios = mine
    b = band(ratios, forecast, actual, SETTINGS[f.level])
    x_within, m = within(own[row])
    return Result(
        forecast=forecast,
        low=None if b is None else b[0],
        high=None if b is None else b[1],
        p_target=p_target(ratios, forecast, actual, target),
        samples=len(ratios),
        within=x_within,
        within_count=m,
        own=own[row],
    )


def current(f: Frame, s: dt.date, e: dt.date, n_el: int, grain: Grain) -> tuple[FloatArray, FloatArray]:
    """(forecast, actual to date) of every entity of the level for [s, e] cut after ``n_el`` days (cached)."""
    key = ("now", digest(f.actual, f.work, f.groups), f.start, f.as_of, s, e, n_el, grain, f.level)
    hit = _NOW.get(key)
    if hit is None:
        x, act = _level_matrix(f)
        total = f.actual.sum(axis=0).astype(np.float64)
        cut = _cut(f, s, e, n_el, grain, _first(total))
        wt = day_weights(total, f.work, _dow(f), cut.s)
        hit = point(x, wt, cut, SETTINGS[f.level], act)
        _NOW[key] = hit
        while len(_NOW) > _CACHE_SIZE:
            _NOW.pop(next(iter(_NOW)))
    return hit


def frame_of(data: ProgressData, scope: Level, key: object) -> tuple[Frame, int]:
    """The arrays of ``data`` grouped at the level of ``scope``, and the row of ``key`` among them."""
    n = len(data.reps)
    if scope == "company":
        groups = np.zeros(n, dtype=np.int64)
    elif scope == "team":
        codes, _ = pd.factorize(pd.Series(data.reps["team_id"].tolist(), dtype=object), use_na_sentinel=False)
        groups = np.asarray(codes, dtype=np.int64)
    else:
        groups = np.arange(n, dtype=np.int64)
    row = int(groups[np.flatnonzero(data.rows(scope, key))[0]])
    f = Frame(data.actual, data.active, data.work, data.start, data.as_of, groups, scope)
    return f, row
