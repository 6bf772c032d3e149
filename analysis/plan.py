"""The plan: an annual target spread over days and allocated to reps, with views and re-plans.

Used by the UI and the command line. Pure: takes DataFrames and parameters, returns data.
Internally a plan is an int64 array of cents [rep, day]; Decimals appear only in the views.
Every view is a sum of day cells, so days -> weeks -> months -> quarters -> halves -> year and
reps -> teams -> company always add up exactly.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from analysis.allocate import VACANCY_PREFIX, AllocateParams, allocate, is_vacancy
from analysis.calendar import CalendarStatus, FiscalYear, Grain, WorkCalendar, period_codes
from analysis.messages import Message
from analysis.rebalance import Cell, Grid, edit_cell, edit_rep_total
from analysis.spread import (
    FloatArray,
    IntArray,
    PlanInputError,
    Spread,
    SpreadParams,
    cents_to_decimals,
    split_int,
    split_topdown,
    spread_target,
    to_cents,
    unit_cents,
)

Level = Literal["company", "team", "rep"]
CatchUpMode = Literal["even", "seasonal", "front_loaded"]


@functools.lru_cache(maxsize=64)
def _grain_starts(fy: FiscalYear, grain: Grain) -> tuple[IntArray, tuple[str, ...]]:
    codes, labels = period_codes(fy.days(), grain, fy)
    starts = np.searchsorted(codes, np.arange(len(labels))).astype(np.int64)
    starts.flags.writeable = False
    return starts, tuple(labels)


@dataclass(frozen=True)
class Plan:
    """Targets per rep and day (cents), plus what produced them."""

    fy: FiscalYear
    unit: Decimal
    days: tuple[date, ...]
    rep_ids: tuple[object, ...]
    team_ids: tuple[object, ...]
    weights: FloatArray  # [rep, day] allocation weights, reused to re-spread edits
    cents: IntArray  # [rep, day]
    explanations: Mapping[object, str]  # Messages from allocate (English as str)
    status: CalendarStatus
    spread: Spread
    notes: tuple[str, ...] = ()  # Messages: render with analysis.messages.render(note, lang)

    @property
    def total(self) -> Decimal:
        return Decimal(int(self.cents.sum())).scaleb(-2)

    @property
    def team_of(self) -> dict[object, object]:
        return dict(zip(self.rep_ids, self.team_ids, strict=True))

    def frame(self) -> pd.DataFrame:
        """DataFrame[rep_id, team_id, day, target (Decimal)], one row per rep and day."""
        n_r, n_d = self.cents.shape
        return pd.DataFrame(
            {
                "rep_id": np.repeat(np.array(self.rep_ids, dtype=object), n_d),
                "team_id": np.repeat(np.array(self.team_ids, dtype=object), n_d),
                "day": np.tile(np.array(self.days, dtype=object), n_r),
                "target": cents_to_decimals(self.cents).ravel(),
            }
        )

    def cents_by(self, grain: Grain, level: Level) -> tuple[IntArray, list[object], tuple[str, ...]]:
        """Integer cents [group, period] with the group keys and period labels."""
        if grain == "day":
            per = self.cents
            labels = tuple(d.isoformat() for d in self.days)
        else:
            starts, labels = _grain_starts(self.fy, grain)
            per = np.add.reduceat(self.cents, starts, axis=1)
        if level == "rep":
            return per, list(self.rep_ids), labels
        if level == "team":
            teams = list(dict.fromkeys(self.team_ids))
            code = {t: i for i, t in enumerate(teams)}
            out = np.zeros((len(teams), per.shape[1]), dtype=np.int64)
            np.add.at(out, np.array([code[t] for t in self.team_ids]), per)
            return out, teams, labels
        if level == "company":
            return per.sum(axis=0, keepdims=True), ["company"], labels
        raise PlanInputError(Message("msg.plan.unknown_level", value=repr(level)))

    def by(self, grain: Grain, level: Level = "company") -> pd.DataFrame:
        """Long DataFrame[period, <team_id|rep_id>, target (Decimal)] at ``grain`` x ``level``.

        Rep rows also carry team_id. Periods are in chronological order.
        """
        arr, keys, labels = self.cents_by(grain, level)
        n_k, n_p = arr.shape
        data: dict[str, object] = {"period": np.tile(np.array(labels, dtype=object), n_k)}
        if level == "rep":
            data["rep_id"] = np.repeat(np.array(keys, dtype=object), n_p)
            data["team_id"] = np.repeat(np.array(self.team_ids, dtype=object), n_p)
        elif level == "team":
            data["team_id"] = np.repeat(np.array(keys, dtype=object), n_p)
        data["target"] = cents_to_decimals(arr).ravel()
        return pd.DataFrame(data)

    def month_grid(self) -> Grid:
        """{(rep_id, month label): Decimal} for editing with :mod:`analysis.rebalance`."""
        arr, keys, labels = self.cents_by("month", "rep")
        decs = cents_to_decimals(arr)
        return {(k, lab): decs[i, j] for i, k in enumerate(keys) for j, lab in enumerate(labels)}


def build_plan(
    year: int,
    target: Decimal | int | str,
    *,
    reps: pd.DataFrame,
    fy_start_month: int = 1,
    calendar: WorkCalendar | None = None,
    spread_method: str = "even",
    spread_params: SpreadParams | Mapping[str, object] | None = None,
    allocate_method: str = "even",
    allocate_params: AllocateParams | Mapping[str, object] | None = None,
    unit: Decimal = Decimal("0.01"),
    history_daily: pd.DataFrame | None = None,
    history_by_rep: pd.DataFrame | None = None,
) -> Plan:
    """Spread ``target`` over fiscal year ``year`` and allocate it to ``reps`` per day.

    See :func:`analysis.spread.spread_target` (methods, rounding: months multiples of ``unit``,
    days of ``min(unit, 1)``) and :func:`analysis.allocate.allocate` (reps, proration, ramp).
    ``history_daily``: DataFrame[day, amount] of last year's company actuals (seasonality,
    growth); ``history_by_rep``: DataFrame[rep_id, amount] (history allocation).
    """
    fy = FiscalYear(year, fy_start_month)
    cal = calendar or WorkCalendar("cn")
    spread = spread_target(
        target, fy, cal, spread_method, unit=unit, history=history_daily, params=spread_params
    )
    quarter_first = spread_method == "custom" and set(SpreadParams.of(spread_params).custom) <= {
        "Q1",
        "Q2",
        "Q3",
        "Q4",
    }
    alloc = allocate(
        spread.target,
        fy,
        reps,
        spread.weights,
        method=allocate_method,
        unit=unit,
        history=history_by_rep,
        params=allocate_params,
        quarter_first=quarter_first,
        company_cents=spread.cents,
    )
    return Plan(
        fy=fy,
        unit=Decimal(unit),
        days=spread.days,
        rep_ids=alloc.rep_ids,
        team_ids=alloc.team_ids,
        weights=alloc.weights,
        cents=alloc.cents,
        explanations=alloc.explanations,
        status=spread.status,
        spread=spread,
        notes=spread.notes + alloc.notes,
    )


def with_vacancy_lines(plan: Plan, wanted: Sequence[object]) -> Plan:
    """``plan`` with exactly the unassigned lines (``vacancy:<team_id>``) among ``wanted``.

    A stored or imported plan decides which lines exist: a rebuild today may see a vacancy the
    version did not have (saved before vacancies were lines, or given to the reps), or miss one
    it had. Dropped lines take their cents with them (callers set the cents afterwards); a line
    the plan lacks starts at 0 with the working days as its weights.
    """
    want = set(wanted)
    keep = [i for i, r in enumerate(plan.rep_ids) if not is_vacancy(r) or r in want]
    add = [r for r in dict.fromkeys(wanted) if is_vacancy(r) and r not in set(plan.rep_ids)]
    if len(keep) == len(plan.rep_ids) and not add:
        return plan
    work = (plan.spread.weights > 0).astype(np.float64)
    return replace(
        plan,
        rep_ids=tuple(plan.rep_ids[i] for i in keep) + tuple(add),
        team_ids=tuple(plan.team_ids[i] for i in keep) + tuple(str(r)[len(VACANCY_PREFIX) :] for r in add),
        weights=np.vstack([plan.weights[keep], np.tile(work, (len(add), 1))]),
        cents=np.vstack([plan.cents[keep], np.zeros((len(add), plan.cents.shape[1]), dtype=np.int64)]),
    )


def apply_month_grid(plan: Plan, grid: Mapping[Cell, Decimal]) -> Plan:
    """Re-spread edited (rep_id, month) values over the days of each month.

    Cells missing from ``grid`` keep their current month value. Days follow the plan's weights
    for that rep and month, or the month's working days if the rep had none there.
    Values must be >= 0 and multiples of ``min(unit, 1)``.
    """
    uc = unit_cents(plan.unit)
    du = min(uc, 100)
    month_c, reps, labels = plan.cents_by("month", "rep")
    month_c = month_c.copy()
    r_pos = {r: i for i, r in enumerate(reps)}
    m_pos = {m: j for j, m in enumerate(labels)}
    for (rep, month), value in grid.items():
        if rep not in r_pos or month not in m_pos:
            raise PlanInputError(Message("msg.plan.cell_unknown", rep=str(rep), month=str(month)))
        c = to_cents(value, Message("msg.what.cell_target", rep=str(rep), month=str(month)))
        if c < 0 or c % du:
            raise PlanInputError(
                Message(
                    "msg.plan.cell_not_multiple",
                    rep=str(rep),
                    month=str(month),
                    unit=str(Decimal(du).scaleb(-2)),
                )
            )
        month_c[r_pos[rep], m_pos[month]] = c
    midx = plan.fy.month_index()
    weights = plan.weights
    month_w = np.add.reduceat(weights, np.searchsorted(midx, np.arange(12)), axis=1)
    need = (month_c > 0) & (month_w <= 0)
    if need.any():
        weights = weights.copy()
        work = plan.spread.weights > 0
        for r, m in zip(*np.nonzero(need), strict=True):
            cols = (midx == m) & work
            if not cols.any():
                raise PlanInputError(Message("msg.plan.month_no_workday", month=labels[m], rep=str(reps[r])))
            weights[r, cols] = 1.0
    cents = split_topdown(month_c.sum(axis=1), weights, midx, du, month_cents=month_c)
    return replace(plan, weights=weights, cents=cents)


def catch_up(
    plan: Plan,
    actual_by_rep_day: pd.DataFrame,
    as_of: date,
    mode: CatchUpMode = "even",
    *,
    elapsed: Literal["target", "actual"] = "target",
) -> Plan:
    """Re-plan the days after ``as_of`` so each rep still reaches their annual target.

    ``actual_by_rep_day``: DataFrame[rep_id, day, amount]. For each rep, the remaining days get
    annual target - actual to date (the original remaining target plus the shortfall, or minus
    the surplus), spread by ``mode``: "even" (equal per active working day), "seasonal" (the
    plan's own day weights) or "front_loaded" (plan weights x a factor falling linearly from 2 on
    the first remaining day to 1 on the last). Days up to and including ``as_of``:
    ``elapsed="target"`` keeps their targets unchanged, so actual to date + remaining targets =
    the annual target; ``elapsed="actual"`` sets them to the actuals, so the plan's own rep and
    company totals stay exactly the same. A rep already above the annual target gets 0 for the
    remaining days (noted in ``notes``). Remaining days are in multiples of ``min(unit, 1)`` when
    possible, else cents.
    """
    fy = plan.fy
    if not fy.start <= as_of < fy.end:
        raise PlanInputError(
            Message("msg.plan.as_of_outside", as_of=str(as_of), fy=fy.label, end=str(fy.end))
        )
    missing = {"rep_id", "day", "amount"} - set(actual_by_rep_day.columns)
    if missing:
        raise PlanInputError(Message("msg.plan.actuals_columns", missing=", ".join(sorted(missing))))
    k = (as_of - fy.start).days + 1  # days 0..k-1 have elapsed
    n_r, n_d = plan.cents.shape
    r_pos = {r: i for i, r in enumerate(plan.rep_ids)}
    act = np.zeros((n_r, k), dtype=np.int64)
    days = pd.to_datetime(actual_by_rep_day["day"]).dt.date
    notes = list(plan.notes)
    unknown: set[object] = set()
    for rep, d, amount in zip(actual_by_rep_day["rep_id"], days, actual_by_rep_day["amount"], strict=True):
        if not fy.start <= d <= as_of:
            continue
        if rep not in r_pos:
            unknown.add(rep)
            continue
        act[r_pos[rep], (d - fy.start).days] += to_cents(
            Decimal(str(amount)).quantize(Decimal("0.01")), Message("msg.what.actual")
        )
    if unknown:
        notes.append(Message("msg.note.unknown_reps", reps=", ".join(sorted(map(str, unknown)))))
    annual = plan.cents.sum(axis=1)
    to_date = act.sum(axis=1)
    remaining = annual - to_date
    over = [str(plan.rep_ids[i]) for i in np.nonzero(remaining < 0)[0]]
    if over:
        notes.append(Message("msg.note.reps_above_target", reps=", ".join(over)))
    remaining = np.maximum(remaining, 0)
    if elapsed == "actual":
        # Keep the company's annual total too: what reps above target sold beyond it comes off
        # the others' remaining targets, in proportion to what each still has to sell.
        surplus = int(np.maximum(to_date - annual, 0).sum())
        pool = int(remaining.sum())
        if surplus and pool >= surplus:
            remaining = (
                split_int(pool - surplus, remaining.astype(np.float64)) if pool > surplus else remaining * 0
            )
            notes.append(Message("msg.note.surplus_reduced", amount=f"{Decimal(surplus).scaleb(-2):,}"))
        elif surplus:
            notes.append(Message("msg.note.company_above_target"))

    w = np.zeros((n_r, n_d))
    if mode == "even":
        w[:, k:] = (plan.weights[:, k:] > 0).astype(np.float64)
    elif mode == "seasonal":
        w[:, k:] = plan.weights[:, k:]
    elif mode == "front_loaded":
        n_left = n_d - k
        ramp = np.linspace(2.0, 1.0, n_left) if n_left > 1 else np.ones(n_left)
        w[:, k:] = plan.weights[:, k:] * ramp[None, :]
    else:
        raise PlanInputError(Message("msg.plan.unknown_catch_up_mode", value=repr(mode)))
    no_days = (remaining > 0) & (w.sum(axis=1) <= 0)
    if no_days.any():
        work = (plan.spread.weights > 0).astype(np.float64)
        work[:k] = 0
        if not work.any():
            raise PlanInputError(Message("msg.plan.no_workday_left", fy=fy.label, as_of=str(as_of)))
        w[no_days] = work
        names = ", ".join(str(plan.rep_ids[i]) for i in np.nonzero(no_days)[0])
        notes.append(Message("msg.note.no_active_day_left", reps=names))
    du = min(unit_cents(plan.unit), 100)
    if (remaining % du).any():
        du = 1
    cents = plan.cents.copy()
    cents[:, k:] = split_topdown(remaining, w, fy.month_index(), du)[:, k:]
    if elapsed == "actual":
        cents[:, :k] = act
    elif elapsed != "target":
        raise PlanInputError(Message("msg.plan.unknown_elapsed", value=repr(elapsed)))
    return replace(plan, cents=cents, notes=tuple(notes))


# --- benchmark ------------------------------------------------------------------------------


def demo_reps(n: int = 500, teams: int = 20, seed: int = 7) -> pd.DataFrame:
    """A synthetic rep list: mixed levels, some new hires and one leaver, for tests and benchmarks."""
    rng = np.random.default_rng(seed)
    hire = pd.to_datetime(["2020-03-01"] * n)
    hire = hire.where(rng.random(n) > 0.05, pd.Timestamp("2027-05-10"))
    leave = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    leave.iloc[-1] = pd.Timestamp("2027-08-31")
    return pd.DataFrame(
        {
            "rep_id": [f"R{i:04d}" for i in range(n)],
            "name": [f"Rep {i}" for i in range(n)],
            "team_id": [f"T{i % teams:02d}" for i in range(n)],
            "level": rng.choice(["senior", "mid", "junior"], n),
            "hire_date": hire,
            "leave_date": leave,
        }
    )


def _time(fn: object, runs: int) -> tuple[float, float]:
    assert callable(fn)
    fn()  # warm caches (calendar masks, period codes)
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return statistics.median(ts), ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]


def bench_plan(n_reps: int = 500, runs: int = 15) -> list[dict[str, object]]:
    """Time the planning core on ``n_reps`` reps x 365 days (FY2027, China calendar, unit 100).

    Rows: {"operation", "rows", "p50_ms", "p95_ms"}; rows is the number of cells touched.
    """
    reps = demo_reps(n_reps, teams=max(1, n_reps // 25))

    def build() -> Plan:
        return build_plan(
            2027, Decimal(500_000_000), reps=reps, allocate_method="capacity", unit=Decimal(100)
        )

    plan = build()
    grid = plan.month_grid()
    team_of = plan.team_of
    cell = (plan.rep_ids[0], "2027-03")
    value = grid[cell] + Decimal(1000)
    edited = edit_cell(grid, cell, value, team_of=team_of, unit=Decimal(100))
    rep_total = sum((v for k, v in grid.items() if k[0] == cell[0]), Decimal(0))
    n_cells = plan.cents.size
    cases: list[tuple[str, int, object]] = [
        ("build_plan", n_cells, build),
        ("plan.by(month, team)", n_cells, lambda: plan.by("month", "team")),
        (
            "edit_cell (row rebalance)",
            len(grid),
            lambda: edit_cell(grid, cell, value, team_of=team_of, unit=Decimal(100)),
        ),
        (
            "edit_rep_total (team rebalance)",
            len(grid),
            lambda: edit_rep_total(
                grid, plan.rep_ids[0], rep_total + Decimal(1000), team_of=team_of, unit=Decimal(100)
            ),
        ),
        ("apply_month_grid", n_cells, lambda: apply_month_grid(plan, edited)),
        ("plan.frame() (Decimal rep x day)", n_cells, plan.frame),
    ]
    rows: list[dict[str, object]] = []
    for name, n, fn in cases:
        p50, p95 = _time(fn, runs)
        rows.append({"operation": name, "rows": n, "p50_ms": round(p50, 2), "p95_ms": round(p95, 2)})
    return rows
