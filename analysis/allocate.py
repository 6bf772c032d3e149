"""Allocate a company target to teams and reps, per day, exact to the cent.

The result is a rep x day grid. Each cell's weight is

    weight(rep, day) = rep_weight(rep) x active(rep, day) x ramp(rep, day) x day_weight(day)

where rep_weight comes from the method (even, history, capacity, manual), active is 1 between
hire_date and leave_date (both inclusive) and 0 otherwise, ramp is the new-hire ramp (default
25 % / 50 % / 75 % in the first three months after hire, then 100 %), and day_weight is the
spread's per-day weight (0 on non-working days). Rep annual targets are a largest-remainder split
of the company target over each rep's summed weight, in multiples of ``unit``; each rep's year is
then split top-down into months (multiples of ``unit``) and days (multiples of ``min(unit, 1)``).
Team totals are sums of their reps, so they add up exactly by construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from analysis.calendar import FiscalYear
from analysis.messages import Message
from analysis.spread import (
    FloatArray,
    IntArray,
    PlanInputError,
    check_target,
    split_int,
    split_topdown,
    to_cents,
    unit_cents,
)

AllocMethod = Literal["even", "history", "capacity", "manual"]
ALLOC_METHODS: tuple[str, ...] = ("even", "history", "capacity", "manual")
LEVELS: tuple[str, ...] = ("senior", "mid", "junior")
_REQUIRED = ("rep_id", "team_id")


@dataclass(frozen=True)
class AllocateParams:
    """Options of the allocation.

    level_weights: capacity weight per level. ramp: share of a full target in months 1, 2, 3 ...
    after hire (any length, each 0..1). manual: amounts per rep_id (method "manual") or per
    team_id (team_first with team_method "manual"); they must sum to the total. team_first:
    fix team totals first (team_method "manual", "even" = equal per team, or "sum" = the sum
    of the reps' weights), then split each team's total over its reps by the method.
    """

    level_weights: Mapping[str, float] = field(
        default_factory=lambda: {"senior": 1.3, "mid": 1.0, "junior": 0.7}
    )
    ramp: Sequence[float] = (0.25, 0.5, 0.75)
    manual: Mapping[object, Decimal | int | str] = field(default_factory=dict)
    team_first: bool = False
    team_method: Literal["sum", "even", "manual"] = "sum"

    @classmethod
    def of(cls, params: AllocateParams | Mapping[str, object] | None) -> AllocateParams:
        if params is None:
            return cls()
        if isinstance(params, AllocateParams):
            return params
        unknown = sorted(set(params) - {f.name for f in fields(cls)})
        if unknown:
            raise PlanInputError(Message("msg.alloc.unknown_options", names=", ".join(unknown)))
        return cls(**params)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Allocation:
    """Rep x day targets in cents, with the weights and the reasons behind them."""

    rep_ids: tuple[object, ...]
    team_ids: tuple[object, ...]
    weights: FloatArray  # [rep, day], the cell weights (rep_weight x active x ramp x day_weight)
    cents: IntArray  # [rep, day]
    # rep_id -> Message "name: how" (English as str; render in a language with analysis.messages);
    # its "how" parameter is the formula without the name
    explanations: dict[object, str]
    factors: pd.DataFrame  # rep_id, team_id, rep_weight, basis (Message), active_months, ramp, share

    @property
    def annual_cents(self) -> IntArray:
        out: IntArray = self.cents.sum(axis=1)
        return out


def _dates(col: pd.Series) -> list[date | None]:
    days = pd.to_datetime(col, errors="coerce").to_numpy(dtype="datetime64[D]")
    return [None if d is None else d for d in days.astype(object).tolist()]


def _check_reps(reps: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in reps.columns]
    if missing:
        raise PlanInputError(Message("msg.alloc.rep_columns", columns=", ".join(missing)))
    if len(reps) == 0:
        raise PlanInputError(Message("msg.alloc.no_reps"))
    dup = reps["rep_id"][reps["rep_id"].duplicated()].unique().tolist()
    if dup:
        raise PlanInputError(Message("msg.alloc.duplicate_reps", reps=", ".join(map(str, dup))))


def _rep_weights(
    reps: pd.DataFrame, method: str, history: pd.DataFrame | None, p: AllocateParams
) -> tuple[FloatArray, list[str]]:
    """Method weight per rep and a short text saying where it came from."""
    n = len(reps)
    if method in ("even", "manual"):
        return np.ones(n), [Message(f"msg.alloc.basis.{method}")] * n
    if method == "capacity":
        if "level" not in reps.columns:
            raise PlanInputError(Message("msg.alloc.no_level"))
        bad_w = {k: v for k, v in p.level_weights.items() if not float(v) >= 0}
        if bad_w:
            raise PlanInputError(Message("msg.alloc.capacity_negative", weights=str(bad_w)))
        levels = reps["level"].astype(str).str.strip().str.lower().tolist()
        unknown = sorted(set(levels) - set(p.level_weights))
        if unknown:
            raise PlanInputError(
                Message(
                    "msg.alloc.unknown_levels",
                    levels=", ".join(unknown),
                    choices=", ".join(map(str, p.level_weights)),
                )
            )
        w = np.array([float(p.level_weights[lv]) for lv in levels])
        return w, [
            Message(
                "msg.alloc.basis.capacity",
                weight=f"{x:g}",
                level=Message(f"msg.level.{lv}") if lv in LEVELS else lv,
            )
            for x, lv in zip(w, levels, strict=True)
        ]
    if method == "history":
        if history is None or len(history) == 0 or not {"rep_id", "amount"} <= set(history.columns):
            raise PlanInputError(Message("msg.alloc.no_history"))
        amounts = pd.to_numeric(history["amount"], errors="coerce")
        if amounts.isna().any() or (amounts < 0).any():
            raise PlanInputError(Message("msg.alloc.history_bad"))
        by_rep = amounts.groupby(history["rep_id"]).sum()
        raw = np.array([float(by_rep.get(r, 0.0)) for r in reps["rep_id"]])
        has = raw > 0
        if not has.any():
            return np.ones(n), [Message("msg.alloc.basis.nobody_history")] * n
        # Fallback for reps without positive history (new hires): the median of their team's reps
        # with history, else the company median, so a newcomer is planned like a typical peer.
        company_med = float(np.median(raw[has]))
        teams = reps["team_id"].tolist()
        w = raw.copy()
        basis: list[str] = []
        for i in range(n):
            if has[i]:
                basis.append(Message("msg.alloc.basis.history", amount=f"{raw[i]:,.2f}"))
                continue
            peers = [raw[j] for j in range(n) if has[j] and teams[j] == teams[i]]
            if peers:
                w[i] = float(np.median(peers))
                basis.append(Message("msg.alloc.basis.team_median", amount=f"{w[i]:,.2f}"))
            else:
                w[i] = company_med
                basis.append(Message("msg.alloc.basis.company_median", amount=f"{w[i]:,.2f}"))
        return w, basis
    raise PlanInputError(
        Message("msg.alloc.unknown_method", value=repr(method), choices=", ".join(ALLOC_METHODS))
    )


def activity_ramp(
    reps: pd.DataFrame, days: Sequence[date], ramp: Sequence[float]
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Rows whose activity or ramp varies within ``days``, with their active (0/1) and ramp factors.

    Returns (row indices, active [k, day], ramp [k, day]); every other rep is fully active with
    no ramp, which keeps the common case (few hires and leavers among many reps) cheap.
    Month k after hire runs from the hire day-of-month to the day before it in the next month;
    ``ramp[k]`` applies in month k (k = 0 is the first month), 1 afterwards. Dates are inclusive.
    """
    if any(not 0 <= float(x) <= 1 for x in ramp):
        raise PlanInputError(Message("msg.alloc.ramp_range"))
    n = len(reps)
    hire = _dates(reps["hire_date"]) if "hire_date" in reps.columns else [None] * n
    leave = _dates(reps["leave_date"]) if "leave_date" in reps.columns else [None] * n
    bad = [str(r) for r, h, x in zip(reps["rep_id"], hire, leave, strict=True) if h and x and h > x]
    if bad:
        raise PlanInputError(Message("msg.alloc.leave_before_hire", reps=", ".join(bad)))
    first, last = days[0], days[-1]
    ramp_days = 31 * (len(ramp) + 1)
    special = [
        i
        for i in range(n)
        if (hire[i] and (hire[i] > first or (first - hire[i]).days < ramp_days))  # type: ignore[operator]
        or (leave[i] and leave[i] < last)  # type: ignore[operator]
    ]
    idx = np.array(special, dtype=np.int64)
    d_ord = np.array([d.toordinal() for d in days])
    lo = np.array([hire[i].toordinal() if hire[i] else -(10**9) for i in special])  # type: ignore[union-attr]
    hi = np.array([leave[i].toordinal() if leave[i] else 10**9 for i in special])  # type: ignore[union-attr]
    active = ((d_ord[None, :] >= lo[:, None]) & (d_ord[None, :] <= hi[:, None])).astype(np.float64)
    factor = np.ones((len(special), len(days)))
    ramp_arr = np.array([float(x) for x in ramp], dtype=np.float64)
    with_hire = [j for j, i in enumerate(special) if hire[i]]
    if len(ramp_arr) and with_hire:
        d_y = np.array([d.year for d in days])
        d_m = np.array([d.month for d in days])
        d_d = np.array([d.day for d in days])
        hs = [hire[special[j]] for j in with_hire]
        hy = np.array([h.year for h in hs])[:, None]  # type: ignore[union-attr]
        hm = np.array([h.month for h in hs])[:, None]  # type: ignore[union-attr]
        hd = np.array([h.day for h in hs])[:, None]  # type: ignore[union-attr]
        k = (d_y[None, :] - hy) * 12 + (d_m[None, :] - hm) - (d_d[None, :] < hd)
        sub = np.ones(k.shape)
        in_ramp = (k >= 0) & (k < len(ramp_arr))
        sub[in_ramp] = ramp_arr[k[in_ramp]]
        factor[with_hire] = sub
    return idx, active, factor


def allocate(
    total: Decimal | int | str,
    fy: FiscalYear,
    reps: pd.DataFrame,
    day_weights: FloatArray,
    *,
    method: str = "even",
    unit: Decimal = Decimal("0.01"),
    history: pd.DataFrame | None = None,
    params: AllocateParams | Mapping[str, object] | None = None,
    quarter_first: bool = False,
) -> Allocation:
    """Allocate ``total`` to reps (rows of ``reps``) and days of ``fy``; all sums exact.

    ``reps``: DataFrame[rep_id, name, team_id, level, hire_date, leave_date (nullable)].
    ``day_weights``: per-day weights over ``fy.days()`` from the spread. ``history``:
    DataFrame[rep_id, amount] for the history method. Rep annual targets and months are
    multiples of ``unit``, days of ``min(unit, 1)``. Raises PlanInputError for unusable input.
    """
    p = AllocateParams.of(params)
    uc = unit_cents(unit)
    tc = check_target(total, unit)
    _check_reps(reps)
    days = fy.days()
    if len(day_weights) != len(days):
        raise PlanInputError("day weights do not match the days of the fiscal year")
    rep_w, basis = _rep_weights(reps, method, history, p)
    idx, active, ramp = activity_ramp(reps, days, p.ramp)
    dw = np.asarray(day_weights, dtype=np.float64)
    weights = np.outer(rep_w, dw)
    if len(idx):
        weights[idx] *= active * ramp
    row_w = weights.sum(axis=1)
    rep_ids = tuple(reps["rep_id"].tolist())
    team_ids = tuple(reps["team_id"].tolist())
    names = reps["name"].astype(str).tolist() if "name" in reps.columns else [str(r) for r in rep_ids]

    if method == "manual" and not p.team_first:
        annual = _manual_amounts(p.manual, list(rep_ids), "rep", tc, uc)
    elif p.team_first:
        annual = _team_first(tc, uc, team_ids, row_w, p)
    else:
        if not row_w.sum() > 0:
            raise PlanInputError(Message("msg.alloc.nobody_active", fy=fy.label))
        annual = split_int(tc // uc, row_w) * uc
    idle = [names[i] for i in range(len(rep_ids)) if annual[i] > 0 and not row_w[i] > 0]
    if idle:
        raise PlanInputError(Message("msg.alloc.idle_reps", reps=", ".join(idle), fy=fy.label))
    cents = split_topdown(annual, weights, fy.month_index(), uc, quarter_first=quarter_first)

    ramp_avg = np.ones(len(rep_ids))
    active_months = np.full(len(rep_ids), 12.0)
    if len(idx):
        dw_sum = active @ dw
        ramp_avg[idx] = np.divide((active * ramp) @ dw, dw_sum, out=np.ones(len(idx)), where=dw_sum > 0)
        active_months[idx] = active.sum(axis=1) / len(days) * 12
    share = annual / tc if tc else np.zeros(len(rep_ids))
    explanations: dict[object, str] = {}
    for i, r in enumerate(rep_ids):
        how = Message(
            "msg.alloc.how",
            basis=basis[i],
            active=f"{active_months[i]:.1f}",
            ramp=f"{ramp_avg[i]:.2f}",
            share=f"{share[i] * 100:.2f}",
            amount=f"{Decimal(int(annual[i])).scaleb(-2):,}",
        )
        explanations[r] = Message("msg.alloc.explain", name=names[i], how=how)
    factors = pd.DataFrame(
        {
            "rep_id": list(rep_ids),
            "team_id": list(team_ids),
            "rep_weight": rep_w,
            "basis": basis,
            "active_months": active_months,
            "ramp": ramp_avg,
            "share": share,
        }
    )
    return Allocation(rep_ids, team_ids, weights, cents, explanations, factors)


def _manual_amounts(
    manual: Mapping[object, Decimal | int | str], keys: list[object], what: str, tc: int, uc: int
) -> IntArray:
    who = Message(f"msg.what.{what}")
    unknown = sorted(map(str, set(manual) - set(keys)))
    if unknown:
        raise PlanInputError(Message("msg.alloc.manual_unknown", what=who, keys=", ".join(unknown)))
    out = np.zeros(len(keys), dtype=np.int64)
    for i, k in enumerate(keys):
        c = to_cents(manual.get(k, 0), Message("msg.what.manual_amount", what=who, key=str(k)))
        if c < 0:
            raise PlanInputError(Message("msg.alloc.manual_negative", what=who, key=str(k)))
        if c % uc:
            raise PlanInputError(
                Message(
                    "msg.alloc.manual_not_multiple",
                    what=who,
                    key=str(k),
                    amount=f"{Decimal(c).scaleb(-2):,}",
                    unit=f"{Decimal(uc).scaleb(-2):,}",
                )
            )
        out[i] = c
    if int(out.sum()) != tc:
        raise PlanInputError(
            Message(
                "msg.alloc.manual_total",
                what=who,
                total=f"{Decimal(int(out.sum())).scaleb(-2):,}",
                target=f"{Decimal(tc).scaleb(-2):,}",
                difference=f"{Decimal(tc - int(out.sum())).scaleb(-2):,}",
            )
        )
    return out


def _team_first(
    tc: int, uc: int, team_ids: tuple[object, ...], row_w: FloatArray, p: AllocateParams
) -> IntArray:
    teams = list(dict.fromkeys(team_ids))
    member = np.array([[t == team for t in team_ids] for team in teams])  # [team, rep]
    team_w = member @ row_w
    if p.team_method == "manual":
        team_c = _manual_amounts(p.manual, teams, "team", tc, uc)
    elif p.team_method in ("sum", "even"):
        basis = team_w if p.team_method == "sum" else (team_w > 0).astype(np.float64)
        if not basis.sum() > 0:
            raise PlanInputError(Message("msg.alloc.no_team_active"))
        team_c = split_int(tc // uc, basis) * uc
    else:
        raise PlanInputError(Message("msg.alloc.unknown_team_method", value=repr(p.team_method)))
    annual = np.zeros(len(team_ids), dtype=np.int64)
    for t, team in enumerate(teams):
        idx = np.nonzero(member[t])[0]
        if team_c[t] and not row_w[idx].sum() > 0:
            raise PlanInputError(Message("msg.alloc.team_idle", team=str(team)))
        annual[idx] = split_int(int(team_c[t]) // uc, row_w[idx]) * uc
    return annual
