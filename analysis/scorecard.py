"""The rep scorecard (制定评估标准): configurable KPIs and weights, a composite score, a rank, explained.

KPIs for a period up to as_of (each rep with a target or sales in it):

- ``attainment``: actual / plan to date (the plan's days up to as_of).
- ``growth``: last complete ISO week's WoW growth minus the plan's WoW growth for the same weeks
  (percentage points above the growth the plan asked for).
- ``new_customers``: customers whose first order ever falls in the period.
- ``aov``: average order value (period sales / orders), yuan.
- ``on_time``: tasks done by their deadline / tasks due or done in the period (see ``tasks.on_time``),
  up to today when today is later than as_of: deadlines are real-world days, and a task done today
  counts although the sales data ends yesterday.
- ``csat``: mean customer-satisfaction score (1-5) of the answers dated in the period (``analysis.csat``);
  without any answers the KPI is empty and drops out like any KPI without a value.

Each KPI becomes a 0-100 score by min-max across the reps scored (best = 100, worst = 0, all
equal = 100). The composite is the weighted mean of the available KPI scores (a KPI without a
value for a rep, e.g. no tasks, is left out and the other weights re-normalised). Rank 1 = best.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import metrics, store, tasks
from analysis.allocate import is_vacancy

KPIS = ("attainment", "growth", "new_customers", "aov", "on_time", "csat")
DEFAULT_WEIGHTS: dict[str, float] = {
    "attainment": 40,
    "growth": 15,
    "new_customers": 15,
    "aov": 15,
    "on_time": 15,
    "csat": 10,
}
SETTING_WEIGHTS = "scorecard_weights"
DEVELOPMENT_KPIS = ("aov", "new_customers", "on_time")  # where lagging the team suggests a training focus


class ScorecardError(ValueError):
    """Bad weights or an impossible period; the message says why."""


def merge_weights(saved: str | None) -> dict[str, float]:
    out = dict(DEFAULT_WEIGHTS)
    try:
        loaded = json.loads(saved) if saved else {}
    except json.JSONDecodeError:
        loaded = {}
    if isinstance(loaded, dict):
        for k, v in loaded.items():
            if k in out and isinstance(v, int | float) and v >= 0:
                out[k] = float(v)
    return out


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    bad = [k for k in weights if k not in KPIS]
    if bad:
        raise ScorecardError(f"unknown KPI {bad[0]!r}; use {', '.join(KPIS)}")
    if any(not (float(v) >= 0) for v in weights.values()):
        raise ScorecardError("weights must be zero or positive")
    if sum(float(v) for v in weights.values()) <= 0:
        raise ScorecardError("at least one weight must be positive")
    return {k: float(weights.get(k, 0.0)) for k in KPIS}


def kpi_scores(values: pd.Series) -> pd.Series:
    """Min-max 0-100 of one KPI across reps (NaN stays NaN; all equal → 100)."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    lo, hi = v.min(), v.max()
    if pd.isna(lo):
        return v
    if hi == lo:
        return v.where(v.isna(), 100.0)
    return (v - lo) / (hi - lo) * 100.0


def score(kpis: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Add ``<kpi>_score``, ``composite``, ``rank`` and ``weight_used`` (the share of the weights that
    had a value) to a frame with one row per rep and a column per KPI; sorted by rank."""
    w = check_weights(weights)
    out = kpis.copy()
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    for k in KPIS:
        s = kpi_scores(out[k]) if k in out.columns else pd.Series(np.nan, index=out.index)
        out[f"{k}_score"] = s
        ok = s.notna().to_numpy()
        num += np.where(ok, s.fillna(0).to_numpy() * w[k], 0.0)
        den += np.where(ok, w[k], 0.0)
    out["composite"] = np.divide(num, den, out=np.full(len(out), np.nan), where=den > 0)
    out["weight_used"] = den / sum(w.values())
    out["rank"] = out["composite"].rank(ascending=False, method="min").astype("Int64")
    return out.sort_values(["rank", "rep_id"], na_position="last").reset_index(drop=True)


def explain(row: Mapping[str, object], weights: Mapping[str, float], labels: Mapping[str, str]) -> str:
    """'Attainment 80 × 40 + … = 73.5 / 100' for one scored row (``labels``: KPI → display name)."""
    w = check_weights(weights)
    parts, used = [], 0.0
    for k in KPIS:
        s = row.get(f"{k}_score")
        if s is None or (isinstance(s, float) and np.isnan(s)) or w[k] == 0:
            continue
        parts.append(f"{labels.get(k, k)} {float(s):.0f}×{w[k]:g}")  # type: ignore[arg-type]
        used += w[k]
    comp = row.get("composite")
    if not parts or comp is None:
        return "-"
    return f"({' + '.join(parts)}) / {used:g} = {float(comp):.1f}"  # type: ignore[arg-type]


def development_focus(scored: pd.DataFrame) -> pd.DataFrame:
    """Per rep, the development KPIs (AOV, new customers, on-time tasks) where the rep is below
    their team's median: [rep_id, rep, team, kpi, value, team_median]."""
    rows = []
    for _, grp in scored.groupby("team", dropna=False, sort=True):
        for k in DEVELOPMENT_KPIS:
            v = pd.to_numeric(grp[k], errors="coerce")
            if v.notna().sum() < 2:
                continue
            med = float(v.median())
            for rid, rep, team, x in zip(grp["rep_id"], grp["rep"], grp["team"], v, strict=True):
                if pd.notna(x) and float(x) < med:
                    rows.append([rid, rep, team, k, float(x), med])
    return pd.DataFrame(rows, columns=["rep_id", "rep", "team", "kpi", "value", "team_median"])


def _last_complete_weeks(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Mondays of the last complete ISO week before/at as_of and the week before it."""
    last_sunday = as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)
    last = last_sunday - dt.timedelta(days=6)
    return last, last - dt.timedelta(days=7)


def build_kpis(
    data: metrics.ProgressData,
    period: metrics.Period,
    stats: pd.DataFrame,
    task_frame: pd.DataFrame,
    csat: pd.DataFrame | None = None,
    tasks_through: dt.date | None = None,
) -> pd.DataFrame:
    """One row per rep with a target or sales in ``period``: [rep_id, rep, team_id, team, actual_cents,
    target_cents, attainment, growth, new_customers, aov, on_time, tasks_counted, csat, csat_responses].

    ``csat``: [rep_id, responses, avg_score] (``store.csat_by_rep``); None or empty → csat is NaN.
    Tasks count up to ``tasks_through`` (default ``data.as_of``) within the period."""
    br = metrics.breakdown(data, period, "rep")
    br = br[~br["rep_id"].map(is_vacancy).astype(bool)]  # a plan's unassigned line is scored as no rep
    out = br[["rep_id", "rep", "team_id", "team", "actual_cents", "target_cents", "expected_cents"]].copy()
    out["attainment"] = br["attainment_to_date"].astype("float64")
    last, prev = _last_complete_weeks(data.as_of)
    pos = pd.Index(data.reps["rep_id"])
    idx = pos.get_indexer(pd.Index(out["rep_id"]))
    i_last, i_prev = data.idx(last), data.idx(prev)

    def week(arr: np.ndarray, i: int) -> np.ndarray:
        return np.asarray(arr[idx, max(0, i) : max(0, i + 7)].sum(axis=1), dtype=np.float64)

    a_l, a_p = week(data.actual, i_last), week(data.actual, i_prev)
    p_l, p_p = week(data.plan, i_last), week(data.plan, i_prev)
    act_g = np.divide(a_l, a_p, out=np.full(len(idx), np.nan), where=a_p > 0) - 1
    plan_g = np.divide(p_l, p_p, out=np.full(len(idx), np.nan), where=p_p > 0) - 1
    out["growth"] = np.where(np.isnan(plan_g), act_g, act_g - plan_g)
    st = (
        stats.set_index("rep_id")
        if len(stats)
        else pd.DataFrame(columns=["orders", "amount_cents", "new_customers"])
    )
    orders = out["rep_id"].map(st["orders"]).astype("float64")
    amount = out["rep_id"].map(st["amount_cents"]).astype("float64")
    out["new_customers"] = out["rep_id"].map(st["new_customers"]).fillna(0).astype("int64")
    out["aov"] = (amount / orders / 100).where(orders > 0)
    end = min(period.end, tasks_through or data.as_of)
    ot = tasks.on_time(task_frame, period.start, end).set_index("rep_id")
    out["on_time"] = out["rep_id"].map(ot["rate"]).astype("float64")
    out["tasks_counted"] = out["rep_id"].map(ot["counted"]).fillna(0).astype("int64")
    cs = csat.set_index("rep_id") if csat is not None and len(csat) else None
    out["csat"] = out["rep_id"].map(cs["avg_score"]).astype("float64") if cs is not None else np.nan
    out["csat_responses"] = (
        out["rep_id"].map(cs["responses"]).fillna(0).astype("int64") if cs is not None else 0
    )
    return out


@dataclass(frozen=True)
class Scorecard:
    period: metrics.Period
    as_of: dt.date
    weights: dict[str, float]
    table: pd.DataFrame  # score(build_kpis(...))
    focus: pd.DataFrame  # development_focus


def load(
    con: store.Connection,
    as_of: dt.date,
    period_label: str | None = None,
    fy_start_month: int = 1,
    weights: Mapping[str, float] | None = None,
    today: dt.date | None = None,
) -> Scorecard:
    """Read and score the reps for a period (default: the month containing as_of); sales up to
    as_of, tasks up to ``today`` (the real date) when it is later."""
    data = metrics.load_inputs(con, as_of, fy_start_month)
    period = (
        metrics.period_by_label(data.fy, period_label)
        if period_label
        else metrics.period_of(data.fy, as_of, "month")
    )
    if period.start > as_of:
        raise ScorecardError(f"period {period.label} starts after the as-of day {as_of}")
    w = (
        check_weights(weights)
        if weights is not None
        else merge_weights(store.get_setting(con, SETTING_WEIGHTS))
    )
    stats = store.period_customer_stats(con, period.start, min(period.end, as_of))
    csat = store.csat_by_rep(con, period.start, min(period.end, as_of))
    through = max(as_of, today) if today is not None else as_of
    table = score(build_kpis(data, period, stats, store.list_tasks(con), csat, through), w)
    return Scorecard(period, as_of, w, table, development_focus(table))


def save_weights(con: store.Connection, weights: Mapping[str, float]) -> dict[str, float]:
    w = check_weights(weights)
    store.set_setting(con, SETTING_WEIGHTS, json.dumps(w))
    return w
