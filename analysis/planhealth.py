"""Plan health: the share of reps a saved plan can expect at quota, from their monthly history.

Sales leaders aim for roughly half to four fifths of reps reaching quota (:data:`BAND`, 50-80 %):
fewer means the quotas ask more than the reps' history supports, more means they ask less.
For each rep of a plan (all amounts integer cents):

- **history**: the rep's actuals in the :data:`HISTORY_MONTHS` whole months before the fiscal year
  (or before the last complete month of data, when the year has begun or the data stops earlier);
  months without a sale are left out. A rep with fewer than :data:`MIN_MONTHS` such months has
  no history to judge by and is not counted (listed with ``p_at_quota`` None);
- **trend**: the growth of the rep's team, like for like: the team's reps who sold in every one
  of the 24 months, last 12 months over the 12 before (1 when there are no such reps), clipped
  to [0.5, 2];
- **expected** = mean monthly actual x trend x the months the plan gives the rep a target;
- **spread**: the standard deviation of the rep's monthly actuals (what one month does compared
  with another, seasonality included) x trend, over the year as sd x sqrt(months);
- **P(at quota)** = 1 - Phi((quota - expected) / spread) (normal approximation; a rep without
  month-to-month spread is 1 when expected >= quota, else 0).

The plan's **share** is the mean of P over the counted reps. Outside the band the plan is flagged
``too_hard`` (below) or ``too_easy`` (above), with the reps that make it so: the fewest reps
without whom the others' share would be inside the band (the least likely to reach quota first
for a plan too hard, the most likely first for one too easy).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis import planning, store
from analysis.calendar import FiscalYear
from analysis.plan import Plan

BAND = (0.5, 0.8)
HISTORY_MONTHS = 12
MIN_MONTHS = 3
GROWTH_CLIP = (0.5, 2.0)

Status = Literal["healthy", "too_hard", "too_easy", "unknown"]


@dataclass(frozen=True)
class PlanHealth:
    """``reps``: [rep_id, team_id, quota_cents, months, history_months, growth, expected_cents,
    spread_cents, p_at_quota] (p None for a rep without history), least likely first."""

    share: float | None  # expected share of counted reps at quota; None when no rep has history
    status: Status
    band: tuple[float, float]
    reps: pd.DataFrame
    culprits: tuple[str, ...]  # rep ids that put the plan outside the band, worst first
    history: tuple[dt.date, dt.date] | None  # first day of the first month, last day of the last

    @property
    def counted(self) -> int:
        return int(self.reps["p_at_quota"].notna().sum())


def _p_at_quota(quota: float, expected: float, spread: float) -> float:
    if spread <= 0:
        return 1.0 if expected >= quota else 0.0
    z = (quota - expected) / spread
    return 0.5 * math.erfc(z / math.sqrt(2))


def history_window(fy_start: dt.date, data_through: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The :data:`HISTORY_MONTHS` whole months before ``fy_start`` that the data covers:
    (first day, last day), or None without data."""
    if data_through is None:
        return None
    cap = min(fy_start - dt.timedelta(days=1), data_through)
    month_end = (pd.Timestamp(cap) + pd.offsets.MonthEnd(0)).date()
    last = cap if cap == month_end else cap.replace(day=1) - dt.timedelta(days=1)
    first = (pd.Timestamp(last.replace(day=1)) - pd.DateOffset(months=HISTORY_MONTHS - 1)).date()
    return first, last


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _by_rep(history: pd.DataFrame, first: dt.date, last: dt.date) -> dict[str, dict[int, float]]:
    """rep_id → {month index: amount} of months first..last with a sale (plain dicts: the frame is
    a few hundred rows, and the plan page runs this on every rerun)."""
    lo, hi = _month_index(first), _month_index(last)
    out: dict[str, dict[int, float]] = {}
    for rep, day, cents in zip(history["rep_id"], history["month"], history["amount_cents"], strict=True):
        m = _month_index(day)
        if lo <= m <= hi and cents > 0:
            out.setdefault(str(rep), {})[m] = float(cents)
    return out


def team_growth(history: pd.DataFrame, window: tuple[dt.date, dt.date]) -> dict[str, float]:
    """team_id → like-for-like growth (last 12 months over the 12 before; see the module doc).

    ``history``: [rep_id, team_id, month (first day), amount_cents] covering both windows."""
    first, last = window
    prior_first = (pd.Timestamp(first) - pd.DateOffset(months=HISTORY_MONTHS)).date()
    split = _month_index(first)
    team_of = dict(zip(history["rep_id"].astype(str), history["team_id"].astype(str), strict=True))
    now: dict[str, float] = {}
    before: dict[str, float] = {}
    for rep, months in _by_rep(history, prior_first, last).items():
        if len(months) < 2 * HISTORY_MONTHS:
            continue  # not a steady seller in all 24 months: no part in the trend
        team = team_of[rep]
        now[team] = now.get(team, 0.0) + sum(v for m, v in months.items() if m >= split)
        before[team] = before.get(team, 0.0) + sum(v for m, v in months.items() if m < split)
    out: dict[str, float] = {}
    for team in set(team_of.values()):
        b, n = before.get(team, 0.0), now.get(team, 0.0)
        out[team] = float(np.clip(n / b, *GROWTH_CLIP)) if b > 0 and n > 0 else 1.0
    return out


def check(
    quotas: pd.DataFrame,
    history: pd.DataFrame,
    window: tuple[dt.date, dt.date] | None,
    band: tuple[float, float] = BAND,
) -> PlanHealth:
    """Judge a plan's quotas against history (pure).

    ``quotas``: [rep_id, team_id, quota_cents, months] (the rep's annual target and the number of
    months it has a target in); ``history``: [rep_id, team_id, month (first day, a date),
    amount_cents] for the window and the 12 months before it (for the trend)."""
    cols = ["rep_id", "team_id", "quota_cents", "months", "history_months", "growth", "expected_cents",
            "spread_cents", "p_at_quota"]  # fmt: skip
    rows = []
    growth = team_growth(history, window) if window is not None else {}
    months_of = (
        {r: np.array(list(m.values())) for r, m in _by_rep(history, *window).items()} if window else {}
    )
    for rep_id, team_id, quota, months in zip(
        quotas["rep_id"], quotas["team_id"], quotas["quota_cents"], quotas["months"], strict=True
    ):
        own = months_of.get(str(rep_id), np.zeros(0))
        g = growth.get(str(team_id), 1.0)
        if len(own) < MIN_MONTHS or int(months) == 0:
            rows.append([rep_id, team_id, int(quota), int(months), len(own), g, None, None, None])
            continue
        expected = float(own.mean()) * g * int(months)
        spread = float(own.std(ddof=1)) * g * math.sqrt(int(months))
        rows.append([rep_id, team_id, int(quota), int(months), len(own), g, round(expected), round(spread),
                     _p_at_quota(float(quota), expected, spread)])  # fmt: skip
    reps = pd.DataFrame(rows, columns=cols)
    reps = reps.sort_values("p_at_quota", na_position="last", kind="stable").reset_index(drop=True)
    p = reps["p_at_quota"].dropna().astype(float)
    share = float(p.mean()) if len(p) else None
    status: Status = "unknown" if share is None else "healthy"
    culprits: tuple[str, ...] = ()
    if share is not None and not band[0] <= share <= band[1]:
        status = "too_hard" if share < band[0] else "too_easy"
        culprits = _culprits(reps.dropna(subset=["p_at_quota"]), band, hard=status == "too_hard")
    return PlanHealth(share, status, band, reps, culprits, window)


def _culprits(counted: pd.DataFrame, band: tuple[float, float], *, hard: bool) -> tuple[str, ...]:
    """The fewest reps without whom the share would be inside the band: the least likely first
    for a plan too hard, the most likely first for one too easy."""
    ordered = counted.sort_values("p_at_quota", ascending=hard, kind="stable")
    p = ordered["p_at_quota"].to_numpy(dtype=float)
    ids = [str(r) for r in ordered["rep_id"]]
    for k in range(1, len(p)):
        rest = float(p[k:].mean())
        if band[0] <= rest <= band[1]:
            return tuple(ids[:k])
    return tuple(ids)


def quotas_of_plan(plan: Plan) -> pd.DataFrame:
    """[rep_id, team_id, quota_cents, months] of a plan in memory (e.g. the one being edited)."""
    arr, reps, _labels = plan.cents_by("month", "rep")
    return pd.DataFrame(
        {
            "rep_id": [str(r) for r in reps],
            "team_id": [str(plan.team_of[r]) for r in reps],
            "quota_cents": arr.sum(axis=1).astype("int64"),
            "months": (arr > 0).sum(axis=1).astype("int64"),
        }
    )


def history_for(
    con: store.Connection, fy_start: dt.date
) -> tuple[pd.DataFrame, tuple[dt.date, dt.date] | None]:
    """The history :func:`check` needs for a fiscal year starting ``fy_start``: (frame, window).

    Rep x month actuals of the window and the 12 months before it; a rep's team is today's."""
    window = history_window(fy_start, store.sales_bounds(con)[1])
    if window is None:
        return pd.DataFrame(columns=["rep_id", "team_id", "month", "amount_cents"]), None
    prior_first = (pd.Timestamp(window[0]) - pd.DateOffset(months=HISTORY_MONTHS)).date()
    hist = store.rep_month_actuals(con, prior_first, window[1])
    reps = store.reps_frame(con)
    team_of = dict(zip(reps["rep_id"].astype(str), reps["team_id"].fillna("—").astype(str), strict=True))
    frame = pd.DataFrame(
        {
            "rep_id": hist["rep_id"].astype(str),
            "team_id": hist["rep_id"].astype(str).map(team_of).fillna("—"),
            "month": pd.to_datetime(hist["month"]).dt.date,
            "amount_cents": hist["amount_cents"].astype("int64"),
        }
    )
    return frame, window


def load(con: store.Connection, version_id: int, band: tuple[float, float] = BAND) -> PlanHealth:
    """:func:`check` for stored version ``version_id`` against the history in the store (read
    from its stored targets, so it works for versions whose reps have left since)."""
    pv, cents = planning.version_cents(con, version_id, "month", "rep")
    quotas = (
        cents.assign(has=cents["cents"] > 0)
        .groupby(["rep_id", "team_id"], sort=False)
        .agg(quota_cents=("cents", "sum"), months=("has", "sum"))
        .reset_index()
    )
    history, window = history_for(con, FiscalYear(pv.fiscal_year, pv.fy_start_month).start)
    return check(quotas, history, window, band)
