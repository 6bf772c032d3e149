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

The company's days are the spread's days, whatever the staffing: each day's company target is
shared by the seats working that day in proportion to their weights, so a leaver or a new hire
moves money between reps, never between months. A seat without a rep (a leaver's remaining
months, a planned hire not yet named) is a line of its own per team, ``vacancy:<team_id>``
("unassigned / to be hired"), unless ``vacancy="reps"`` gives it to the reps active that day.
Seat months are then rounded to ``unit`` with both margins kept (each rep's year, each month of
the company: :func:`analysis.spread.round_table`), and days inside a month follow the seat's
share of each day, corrected so that every company day equals the spread's day to the cent.
With fixed rep or team amounts (manual, team_first) the rep years are kept and fitted to the
spread's days when the staffing allows it; otherwise the company's months follow the reps
(said in the notes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calendar import FiscalYear
from analysis.messages import Message
from analysis.spread import (
    FloatArray,
    IntArray,
    PlanInputError,
    check_target,
    month_starts,
    round_table,
    split_int,
    split_rows,
    split_topdown,
    to_cents,
    unit_cents,
)

AllocMethod = Literal["even", "history", "capacity", "manual"]
ALLOC_METHODS: tuple[str, ...] = ("even", "history", "capacity", "manual")
LEVELS: tuple[str, ...] = ("senior", "mid", "junior")
_REQUIRED = ("rep_id", "team_id")
VACANCY_PREFIX = "vacancy:"
VACANCY_MODES: tuple[str, ...] = ("keep", "reps")


def vacancy_id(team_id: object) -> str:
    """The rep id of a team's unassigned / to-be-hired line."""
    return f"{VACANCY_PREFIX}{team_id}"


def is_vacancy(rep_id: object) -> bool:
    """True for the unassigned / to-be-hired line of a team (see :func:`vacancy_id`)."""
    return isinstance(rep_id, str) and rep_id.startswith(VACANCY_PREFIX)


@dataclass(frozen=True)
class AllocateParams:
    """Options of the allocation.

    level_weights: capacity weight per level. ramp: share of a full target in months 1, 2, 3 ...
    after hire (any length, each 0..1). manual: amounts per rep_id (method "manual") or per
    team_id (team_first with team_method "manual"); they must sum to the total. team_first:
    fix team totals first (team_method "manual", "even" = equal per team, or "sum" = the sum
    of the reps' weights), then split each team's total over its reps by the method.
    vacancy: "keep" puts a seat without a rep (a leaver's days after leaving, a planned hire)
    on its team's unassigned line; "reps" gives it to the reps active on those days. hires:
    planned hires not yet named, each {"team_id", "start" (date), "level" (optional)}; their
    seats (weighted like a new rep of that team, with the ramp) are on the unassigned line.
    """

    level_weights: Mapping[str, float] = field(
        default_factory=lambda: {"senior": 1.3, "mid": 1.0, "junior": 0.7}
    )
    ramp: Sequence[float] = (0.25, 0.5, 0.75)
    manual: Mapping[object, Decimal | int | str] = field(default_factory=dict)
    team_first: bool = False
    team_method: Literal["sum", "even", "manual"] = "sum"
    vacancy: str = "keep"
    hires: Sequence[Mapping[str, object]] = ()

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
    notes: tuple[str, ...] = ()  # Messages

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
    company_cents: IntArray | None = None,
) -> Allocation:
    """Allocate ``total`` to reps (rows of ``reps``) and days of ``fy``; all sums exact.

    ``reps``: DataFrame[rep_id, name, team_id, level, hire_date, leave_date (nullable)].
    ``day_weights``: per-day weights over ``fy.days()`` from the spread. ``company_cents``: the
    spread's day targets (cents); the company's days equal them exactly (computed from
    ``day_weights`` when not given). ``history``: DataFrame[rep_id, amount] for the history
    method. Rep annual targets and months are multiples of ``unit``, days of ``min(unit, 1)``.
    Unassigned lines (``vacancy:<team_id>``) follow the reps. Raises PlanInputError for
    unusable input.
    """
    p = AllocateParams.of(params)
    if p.vacancy not in VACANCY_MODES:
        raise PlanInputError(Message("msg.alloc.unknown_vacancy", value=repr(p.vacancy)))
    uc = unit_cents(unit)
    tc = check_target(total, unit)
    _check_reps(reps)
    days = fy.days()
    if len(day_weights) != len(days):
        raise PlanInputError("day weights do not match the days of the fiscal year")
    month_idx = fy.month_index()
    dw = np.asarray(day_weights, dtype=np.float64)
    if company_cents is None:
        company = split_topdown(np.array([tc]), dw[None, :], month_idx, uc, quarter_first=quarter_first)[0]
    else:
        company = np.asarray(company_cents, dtype=np.int64)
        if company.shape != (len(days),) or int(company.sum()) != tc:
            raise PlanInputError("the company's day targets do not match the target and the fiscal year")
    rep_w, basis = _rep_weights(reps, method, history, p)
    idx, active, ramp = activity_ramp(reps, days, p.ramp)
    weights = np.outer(rep_w, dw)
    if len(idx):
        weights[idx] *= active * ramp
    row_w = weights.sum(axis=1)
    rep_ids = tuple(reps["rep_id"].tolist())
    team_ids = tuple(reps["team_id"].tolist())
    names = reps["name"].astype(str).tolist() if "name" in reps.columns else [str(r) for r in rep_ids]
    notes: list[str] = []

    fixed = method == "manual" or p.team_first
    if method == "manual" and not p.team_first:
        annual = _manual_amounts(p.manual, list(rep_ids), "rep", tc, uc)
    elif p.team_first:
        annual = _team_first(tc, uc, team_ids, row_w, p)
    else:
        if not row_w.sum() > 0:
            raise PlanInputError(Message("msg.alloc.nobody_active", fy=fy.label))
        annual = np.zeros(len(rep_ids), dtype=np.int64)
    idle = [names[i] for i in range(len(rep_ids)) if annual[i] > 0 and not row_w[i] > 0]
    if idle:
        raise PlanInputError(Message("msg.alloc.idle_reps", reps=", ".join(idle), fy=fy.label))

    vac_teams: list[object] = []
    vac_w = np.zeros((0, len(days)))
    if fixed:
        cents = split_seats(company, weights, month_idx, uc, row_totals=annual)
        if cents is None:
            cents = split_topdown(annual, weights, month_idx, uc, quarter_first=quarter_first)
            notes.append(Message("msg.alloc.months_follow_amounts"))
    else:
        vac_teams, vac_w = _vacancies(reps, rep_w, days, dw, p, method, history)
        uncovered = (company > 0) & (weights.sum(axis=0) + vac_w.sum(axis=0) <= 0)
        if uncovered.any():
            vac_teams, vac_w = _cover_days(reps, rep_w, dw, uncovered, vac_teams, vac_w)
            first, last = (days[i] for i in np.nonzero(uncovered)[0][[0, -1]])
            notes.append(
                Message(
                    "msg.alloc.uncovered_days",
                    days=str(int(uncovered.sum())),
                    first=str(first),
                    last=str(last),
                )
            )
        weights = np.vstack([weights, vac_w])
        seats = split_seats(company, weights, month_idx, uc)
        if seats is None:  # pragma: no cover - every company day has a seat by construction
            raise PlanInputError("cannot share the company's days among the reps")
        cents = seats
        rep_ids += tuple(vacancy_id(t) for t in vac_teams)
        team_ids += tuple(vac_teams)
    annual = cents.sum(axis=1)

    n_rep = len(names)
    ramp_avg = np.ones(len(rep_ids))
    active_months = np.full(len(rep_ids), 12.0)
    if len(idx):
        dw_sum = active @ dw
        ramp_avg[idx] = np.divide((active * ramp) @ dw, dw_sum, out=np.ones(len(idx)), where=dw_sum > 0)
        active_months[idx] = active.sum(axis=1) / len(days) * 12
    if len(vac_teams):
        active_months[n_rep:] = (weights[n_rep:] > 0).sum(axis=1) / len(days) * 12
    share = annual / tc if tc else np.zeros(len(rep_ids))
    explanations: dict[object, str] = {}
    all_basis = [*basis, *[Message("msg.alloc.basis.vacancy")] * len(vac_teams)]
    all_names = [*names, *[Message("msg.alloc.vacancy_name", team=str(t)) for t in vac_teams]]
    for i, r in enumerate(rep_ids):
        how = Message(
            "msg.alloc.how",
            basis=all_basis[i],
            active=f"{active_months[i]:.1f}",
            ramp=f"{ramp_avg[i]:.2f}",
            share=f"{share[i] * 100:.2f}",
            amount=f"{Decimal(int(annual[i])).scaleb(-2):,}",
        )
        explanations[r] = Message("msg.alloc.explain", name=all_names[i], how=how)
    factors = pd.DataFrame(
        {
            "rep_id": list(rep_ids),
            "team_id": list(team_ids),
            "rep_weight": [*rep_w, *[np.nan] * len(vac_teams)],
            "basis": all_basis,
            "active_months": active_months,
            "ramp": ramp_avg,
            "share": share,
        }
    )
    return Allocation(rep_ids, team_ids, weights, cents, explanations, factors, tuple(notes))


def _vacancies(
    reps: pd.DataFrame,
    rep_w: FloatArray,
    days: Sequence[date],
    dw: FloatArray,
    p: AllocateParams,
    method: str,
    history: pd.DataFrame | None,
) -> tuple[list[object], FloatArray]:
    """Teams with a seat but no rep on some days, and that seat weight per day ([team, day])."""
    if p.vacancy == "reps":
        return [], np.zeros((0, len(days)))
    rows: dict[object, FloatArray] = {}
    leave = _dates(reps["leave_date"]) if "leave_date" in reps.columns else [None] * len(reps)
    d_ord = np.array([d.toordinal() for d in days])
    for i, (team, lv) in enumerate(zip(reps["team_id"], leave, strict=True)):
        if lv is None or not days[0] <= lv < days[-1]:
            continue
        seat = rep_w[i] * dw * (d_ord > lv.toordinal())
        rows[team] = rows.get(team, 0) + seat
    if p.hires:
        planned = _planned_hires(p.hires, len(reps))
        both = pd.concat([reps, planned], ignore_index=True)
        w_all, _ = _rep_weights(both, "even" if method == "manual" else method, history, p)
        w_new = w_all[len(reps) :]
        h_idx, h_active, h_ramp = activity_ramp(planned, days, p.ramp)
        seat_w = np.outer(w_new, dw)
        if len(h_idx):
            seat_w[h_idx] *= h_active * h_ramp
        for team, seat in zip(planned["team_id"], seat_w, strict=True):
            rows[team] = rows.get(team, 0) + seat
    teams = [t for t in rows if np.asarray(rows[t]).sum() > 0]
    return teams, np.array([rows[t] for t in teams], dtype=np.float64).reshape(len(teams), len(days))


def _planned_hires(hires: Sequence[Mapping[str, object]], n: int) -> pd.DataFrame:
    """Planned hires as rep rows (ids that no rep has), checked."""
    out = []
    for k, h in enumerate(hires):
        team, start = h.get("team_id"), h.get("start")
        when = pd.to_datetime(str(start), errors="coerce") if start is not None else pd.NaT
        if team is None or str(team).strip() == "" or pd.isna(when):
            raise PlanInputError(Message("msg.alloc.hire_bad", item=str(dict(h))))
        level = str(h.get("level") or "mid")
        out.append((f"{VACANCY_PREFIX}hire{n + k}", team, level, when, pd.NaT))
    return pd.DataFrame(out, columns=["rep_id", "team_id", "level", "hire_date", "leave_date"])


def _cover_days(
    reps: pd.DataFrame,
    rep_w: FloatArray,
    dw: FloatArray,
    uncovered: NDArray[np.bool_],
    vac_teams: list[object],
    vac_w: FloatArray,
) -> tuple[list[object], FloatArray]:
    """Put days with a target but nobody to carry it on the teams' unassigned lines (by team weight)."""
    team_w = pd.Series(rep_w, index=list(reps["team_id"])).groupby(level=0, sort=False).sum()
    if not team_w.sum() > 0:
        team_w[:] = 1.0
    day = np.where(uncovered, np.where(dw > 0, dw, 1.0), 0.0)
    teams = list(vac_teams)
    rows = list(vac_w)
    for team, w in team_w.items():
        if team not in teams:
            teams.append(team)
            rows.append(np.zeros(len(dw)))
        rows[teams.index(team)] = rows[teams.index(team)] + float(w) * day
    keep = [i for i, r in enumerate(rows) if np.asarray(r).sum() > 0]
    return [teams[i] for i in keep], np.array([rows[i] for i in keep], dtype=np.float64)


def split_seats(
    company: IntArray,
    weights: FloatArray,
    month_idx: IntArray,
    unit_c: int,
    *,
    row_totals: IntArray | None = None,
) -> IntArray | None:
    """Share each company day (cents) among the rows by their weight that day; exact both ways.

    Returns int64 cents [rows, days] whose columns equal ``company``, whose months are multiples
    of ``unit_c`` and days of ``min(unit_c, 100)``; row totals are the largest-remainder split of
    the rows' real shares, or ``row_totals`` (multiples of ``unit_c``) when given. None when that
    is impossible (a company day with a target and no weight, or fixed row totals the staffing
    cannot carry).
    """
    n_r, n_d = weights.shape
    du = min(unit_c, 100)
    if not company.any():
        return np.zeros((n_r, n_d), dtype=np.int64)
    col = weights.sum(axis=0)
    if ((company > 0) & (col <= 0)).any():
        return None
    x = weights * np.divide(company, col, out=np.zeros(n_d), where=col > 0)[None, :]
    if row_totals is not None:
        fitted = _fit_rows(x, np.asarray(row_totals, dtype=np.float64), company.astype(np.float64))
        if fitted is None:
            return None
        x = fitted
    starts = month_starts(month_idx)
    month_units = np.add.reduceat(company, starts) // unit_c
    share = np.add.reduceat(x, starts, axis=1) / unit_c
    if row_totals is None:
        rows = split_int(int(month_units.sum()), share.sum(axis=1))
    else:
        rows = np.asarray(row_totals, dtype=np.int64) // unit_c
    try:
        month_c = round_table(share, rows, month_units) * unit_c
    except ValueError:  # these row totals do not fit the months (tiny targets, few days): round per month
        month_c = split_rows(month_units, np.ascontiguousarray(share.T)).T * unit_c
    cents = split_topdown(month_c.sum(axis=1), x, month_idx, unit_c, month_cents=month_c)
    _match_days(cents, x, company, starts, du, unit_c)
    return cents


def _fit_rows(x: FloatArray, rows: FloatArray, cols: FloatArray, rounds: int = 500) -> FloatArray | None:
    """Scale ``x`` so that its rows sum to ``rows`` and its columns to ``cols`` (iterative fitting)."""
    x = x.copy()
    for _ in range(rounds):
        r = x.sum(axis=1)
        if ((r <= 0) & (rows > 0)).any():
            return None
        x *= np.divide(rows, r, out=np.zeros_like(r), where=r > 0)[:, None]
        c = x.sum(axis=0)
        x *= np.divide(cols, c, out=np.zeros_like(c), where=c > 0)[None, :]
        if np.abs(x.sum(axis=1) - rows).max() < 0.5:
            return x
    return None


def _match_days(
    cents: IntArray, x: FloatArray, company: IntArray, starts: IntArray, du: int, uc: int
) -> None:
    """Move day units inside the seats' months until each company day equals ``company`` (in place).

    Rounding each seat's month over its days leaves company days off by a few units. Usually the
    seat with the biggest month that can take every correction absorbs them (seat months stay).
    Otherwise the month is re-rounded with both margins (:func:`round_table`); when even that
    cannot be done (seats that share no day and months coarser than days), days that need it are
    split among their seats directly if months may be as fine as days (``uc == du``), else left.
    """
    off = cents.sum(axis=0) - company
    if not off.any():
        return
    bounds = [*starts.tolist(), cents.shape[1]]
    for m in range(len(starts)):
        a, b = bounds[m], bounds[m + 1]
        e = off[a:b]
        if not e.any():
            continue
        block = cents[:, a:b]
        ok = (block >= e[None, :]).all(axis=1) & ((x[:, a:b] > 0) | (e[None, :] >= 0)).all(axis=1)
        if ok.any():
            r = int(np.argmax(np.where(ok, block.sum(axis=1), -1)))
            block[r] -= e
            continue
        try:
            block[:] = round_table(x[:, a:b] / du, block.sum(axis=1) // du, company[a:b] // du) * du
        except ValueError:
            if uc == du:
                block[:] = split_rows(company[a:b] // du, np.ascontiguousarray(x[:, a:b].T)).T * du


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
