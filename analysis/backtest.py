"""Replay the month forecast over stored history: how far off it was, and how often its band held.

For every complete calendar month with a year of history before it, and as of the 2nd, 5th,
10th, 15th and third-last day of that month, the progress metrics are computed exactly as
``python -m analysis progress --as-of D`` would (same plan: the fiscal year's active plan or the
default one, same calendar, only sales up to D), for the company, every team and every rep.
Each forecast is compared with the month's final actual. Beside it, on the same daily series:

- run rate: actual to date / elapsed calendar days x days in the month;
- seasonal naive: each remaining day sells what the same weekday sold in the last elapsed week;
- AutoETS (statsforecast, weekly season) on the daily series, only when ``statsforecast`` can be
  imported (an optional dev tool; see requirements-dev.txt). It is never imported by the app.

Per level and as-of point: MAPE (mean |forecast - actual| / actual, months with a positive
actual only), bias (mean signed relative error) and cover (share of outcomes inside our 80 %
band). Pure apart from :func:`load_history`, which reads the store once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis import forecast, metrics, store
from analysis.calendar import FiscalYear, WorkCalendar
from analysis.overview import fiscal_year_of

Level = Literal["company", "team", "rep"]
LEVELS: tuple[Level, ...] = ("company", "team", "rep")
# (label, day of the month; negative counts from the end: -3 is the third-last day)
POINTS: tuple[tuple[str, int], ...] = (
    ("day 2", 2),
    ("day 5", 5),
    ("day 10", 10),
    ("day 15", 15),
    ("3rd-last", -3),
)
WEEK_POINTS: tuple[tuple[str, int], ...] = (("Mon", 1), ("Wed", 3), ("Fri", 5))
Grain = Literal["month", "week"]
BASELINES = ("run_rate", "seasonal_naive", "auto_ets")


def points(grain: Grain) -> tuple[tuple[str, int], ...]:
    return POINTS if grain == "month" else WEEK_POINTS


@dataclass(frozen=True)
class PlanInputs:
    targets: pd.DataFrame
    source: Literal["active", "default", "none"]
    label: str
    notes: tuple[str, ...]


@dataclass
class History:
    """Everything :func:`data_as_of` needs, read from the store once."""

    fy_start: int
    reps: pd.DataFrame
    calendar: WorkCalendar
    actuals: pd.DataFrame  # rep x day [day, rep_id, amount_cents], the whole history
    first: dt.date
    last: dt.date
    active: dict[int, tuple[pd.DataFrame, str]]  # fiscal year -> (targets, label)
    _plans: dict[int, PlanInputs] = field(default_factory=dict)

    def plan(self, fy: FiscalYear) -> PlanInputs:
        """The fiscal year's plan as :func:`analysis.metrics.load_inputs` picks it (cached)."""
        hit = self._plans.get(fy.year)
        if hit is None:
            if fy.year in self.active:
                targets, label = self.active[fy.year]
                hit = PlanInputs(targets, "active", label, ())
            else:
                dp = metrics.default_plan_targets(fy, self.reps, self.actuals, calendar=self.calendar)
                source: Literal["default", "none"] = "default" if dp.method != "none" else "none"
                hit = PlanInputs(
                    dp.targets, source, f"{fy.previous().label} × {metrics.DEFAULT_UPLIFT}", dp.notes
                )
            self._plans[fy.year] = hit
        return hit


def load_history(con: store.Connection) -> History:
    """Reps, calendar, every rep x day actual and the active plans, from the summary tables."""
    first, last, _ = store.sales_bounds(con)
    if first is None or last is None:
        raise metrics.MetricsError("the store has no sales to backtest")
    fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
    active: dict[int, tuple[pd.DataFrame, str]] = {}
    plan_versions = []
    for year in range(fiscal_year_of(first, fy_start).year, fiscal_year_of(last, fy_start).year + 1):
        pv = store.active_plan(con, year)
        plan_versions.append(pv)
        if pv is not None:
            active[year] = (store.plan_targets(con, pv.version_id), f"{pv.scenario} v{pv.version}")
    actuals = store.daily_actuals(con, first, last, by_rep=True)
    plan_kind = next((pv.params.get("calendar") for pv in plan_versions if pv is not None), None)
    return History(
        fy_start=fy_start,
        reps=store.reps_frame(con),
        calendar=forecast.progress_calendar(
            metrics.calendar_from_overrides(store.calendar_overrides(con)), plan_kind, actuals
        ),
        actuals=actuals,
        first=first,
        last=last,
        active=active,
    )


def data_as_of(hist: History, as_of: dt.date) -> metrics.ProgressData:
    """The progress inputs as :func:`analysis.metrics.load_inputs` builds them on ``as_of``."""
    fy = fiscal_year_of(as_of, hist.fy_start)
    start = metrics.window_start(fy, as_of)
    day = pd.to_datetime(hist.actuals["day"])
    act = hist.actuals[(day >= pd.Timestamp(start)) & (day <= pd.Timestamp(as_of))]
    p = hist.plan(fy)
    return metrics.prepare(
        fy,
        as_of,
        hist.reps,
        act,
        p.targets,
        calendar=hist.calendar,
        plan_source=p.source,
        plan_label=p.label,
        notes=p.notes,
        start=start,
    )


def months(hist: History) -> list[dt.date]:
    """First days of the complete months that have at least a year of history before them."""
    m = metrics._add_months(hist.first.replace(day=1), 12)
    out = []
    while metrics._month_end(m) <= hist.last:
        out.append(m)
        m = metrics._add_months(m, 1)
    return out


def weeks(hist: History) -> list[dt.date]:
    """Mondays of the complete ISO weeks with a year of history before them, inside one fiscal year."""
    first = hist.first + dt.timedelta(days=364 + (7 - hist.first.weekday()) % 7)
    out = []
    w = first
    while w + dt.timedelta(days=6) <= hist.last:
        if fiscal_year_of(w, hist.fy_start) == fiscal_year_of(w + dt.timedelta(days=6), hist.fy_start):
            out.append(w)
        w += dt.timedelta(days=7)
    return out


def period_end(start: dt.date, grain: Grain) -> dt.date:
    return metrics._month_end(start) if grain == "month" else start + dt.timedelta(days=6)


def cutoff(start: dt.date, day: int, grain: Grain = "month") -> dt.date:
    """The as-of day of a point: the ``day``-th day of the period, or counted from its end when negative."""
    if day > 0:
        return start + dt.timedelta(days=day - 1)
    return period_end(start, grain) + dt.timedelta(days=day + 1)


# --- baselines on one daily series -----------------------------------------------------------


def run_rate(series: NDArray[np.float64], i0: int, n_el: int, n_days: int) -> float:
    """Actual to date / elapsed calendar days x days in the month."""
    return float(series[i0 : i0 + n_el].sum()) / n_el * n_days


def seasonal_naive(series: NDArray[np.float64], i0: int, n_el: int, n_days: int) -> float:
    """Actual to date + each remaining day at the value of the same weekday in the last elapsed week."""
    last = i0 + n_el - 1
    total = float(series[i0 : i0 + n_el].sum())
    for j in range(i0 + n_el, i0 + n_days):
        k = j - 7 * math.ceil((j - last) / 7)
        total += float(series[k])
    return total


def auto_ets_factory() -> Callable[[NDArray[np.float64], int, int, int], float] | None:
    """AutoETS (season 7) forecast of the month total, or None when statsforecast is not installed."""
    try:
        from statsforecast.models import AutoETS  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None

    def auto_ets(series: NDArray[np.float64], i0: int, n_el: int, n_days: int) -> float:
        y = series[: i0 + n_el] / 100.0
        fit = AutoETS(season_length=7).forecast(y=y[-730:], h=n_days - n_el)
        return float(series[i0 : i0 + n_el].sum()) + float(np.sum(fit["mean"])) * 100.0

    return auto_ets


# --- the replay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One entity-month at one as-of point: forecasts and the outcome, in cents."""

    level: Level
    entity: str
    month: dt.date
    point: str
    actual: float
    ours: float
    low: float
    high: float
    p_target: float | None
    target: float
    baselines: dict[str, float]


def _entities(data: metrics.ProgressData, level: Level) -> Iterator[tuple[str, metrics.Scope, object]]:
    if level == "company":
        yield "company", "company", None
        return
    if level == "team":
        seen: set[object] = set()
        for t, name in zip(data.reps["team_id"], data.reps["team"], strict=True):
            k = None if metrics._missing(t) else t
            if k not in seen:
                seen.add(k)
                yield str(metrics.NO_TEAM if k is None else name), "team", k
        return
    for r, name in zip(data.reps["rep_id"], data.reps["name"], strict=True):
        yield str(name), "rep", r


def replay(
    hist: History,
    levels: tuple[Level, ...] = LEVELS,
    *,
    ets: bool = False,
    ets_levels: tuple[Level, ...] = ("company", "team"),
    month_list: list[dt.date] | None = None,
    grain: Grain = "month",
) -> list[Case]:
    """Every (level, entity, period, point) case; entities with no sales in the period are skipped."""
    ets_fn = auto_ets_factory() if ets else None
    out: list[Case] = []
    months_ = (months(hist) if grain == "month" else weeks(hist)) if month_list is None else month_list
    for month in months_:
        end = period_end(month, grain)
        n_days = (end - month).days + 1
        final = data_as_of(hist, end)
        for label, day in points(grain):
            as_of = cutoff(month, day, grain)
            data = data_as_of(hist, as_of)
            iso = month.isocalendar()
            name = f"{month:%Y-%m}" if grain == "month" else f"{iso.year:04d}-W{iso.week:02d}"
            period = metrics.Period(name, grain, month, end)
            i0 = data.idx(month)
            n_el = (as_of - month).days + 1
            for level in levels:
                for name, scope, key in _entities(data, level):
                    rows = final.rows(scope, key)
                    y = float(final.actual[rows, final.idx(month) : final.idx(end) + 1].sum())
                    if y <= 0:
                        continue
                    p = metrics.progress(data, period, scope, key)
                    series = data.actual[data.rows(scope, key)].sum(axis=0).astype(np.float64)
                    base = {
                        "run_rate": run_rate(series, i0, n_el, n_days),
                        "seasonal_naive": seasonal_naive(series, i0, n_el, n_days),
                    }
                    if ets_fn is not None and level in ets_levels:
                        base["auto_ets"] = ets_fn(series, i0, n_el, n_days)
                    out.append(
                        Case(
                            level=level,
                            entity=name,
                            month=month,
                            point=label,
                            actual=y,
                            ours=float(p.forecast) * 100,
                            low=float(p.band.low) * 100,
                            high=float(p.band.high) * 100,
                            p_target=p.band.probability,
                            target=float(p.target) * 100,
                            baselines=base,
                        )
                    )
    return out


def _stats(f: NDArray[np.float64], y: NDArray[np.float64]) -> dict[str, float]:
    e = (f - y) / y
    return {"mape": float(np.mean(np.abs(e))), "bias": float(np.mean(e))}


def summarise(cases: list[Case], grain: Grain = "month") -> list[dict[str, Any]]:
    """Per level and point: n, ours {mape, bias, cover}, each baseline {mape, bias}, best baseline."""
    rows: list[dict[str, Any]] = []
    for level in LEVELS:
        for label, _ in points(grain):
            cs = [c for c in cases if c.level == level and c.point == label]
            if not cs:
                continue
            y = np.array([c.actual for c in cs])
            ours = _stats(np.array([c.ours for c in cs]), y)
            cover = float(np.mean([c.low <= c.actual <= c.high for c in cs]))
            width = float(np.median([(c.high - c.low) / c.actual for c in cs]))
            row: dict[str, Any] = {
                "level": level,
                "point": label,
                "n": len(cs),
                "ours": {**ours, "cover": cover, "band_width": width},
            }
            best: tuple[str, float] | None = None
            for b in BASELINES:
                have = [c for c in cs if b in c.baselines]
                if len(have) != len(cs):
                    continue
                s = _stats(np.array([c.baselines[b] for c in have]), y)
                row[b] = s
                if best is None or s["mape"] < best[1]:
                    best = (b, s["mape"])
            row["best_baseline"] = None if best is None else {"name": best[0], "mape": best[1]}
            rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]], level: Level) -> str:
    """The issue's table for one level: as of | ours MAPE | bias | cover | baselines' MAPE."""
    head = "| as of | n | ours MAPE | ours bias | ours 80 % cover | run rate | seasonal naive | AutoETS |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|"]

    def pct(v: float | None, signed: bool = False) -> str:
        if v is None:
            return "—"
        return f"{v * 100:+.1f} %" if signed else f"{v * 100:.1f} %"

    for r in rows:
        if r["level"] != level:
            continue
        o = r["ours"]
        b = [pct(r[k]["mape"]) if k in r else "—" for k in BASELINES]
        lines.append(
            f"| {r['point']} | {r['n']} | {pct(o['mape'])} | {pct(o['bias'], True)} | {o['cover']:.2f} | "
            + " | ".join(b)
            + " |"
        )
    return "\n".join(lines)
