"""Planning service: builds, saves and reloads plans from the store (used by the plan page and the CLI).

``analysis.plan`` is pure (DataFrames in, plans out); this module gathers its inputs from the
store (reps, last year's actuals, the user's calendar overrides) and turns plans into stored
versions and back. Money stays integer cents until it reaches a view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from analysis import store
from analysis.allocate import is_vacancy, vacancy_id
from analysis.calendar import FiscalYear, WorkCalendar
from analysis.messages import Message, render
from analysis.plan import Plan, build_plan, with_vacancy_lines
from analysis.spread import PlanInputError

CALENDARS = ("cn", "weekdays", "all")
SPREAD_METHODS = ("working_days", "even", "seasonality", "growth", "custom", "blend")
ALLOCATE_METHODS = ("history", "capacity", "even", "manual")
HISTORY_WINDOWS = ("last_year", "last_12m")


@dataclass(frozen=True)
class PlanRequest:
    """Everything that determines a plan; stored with each version so it can be rebuilt."""

    year: int
    target: Decimal
    fy_start_month: int = 1
    calendar: str = "cn"
    spread_method: str = "working_days"
    spread_params: dict[str, Any] = field(default_factory=dict)
    allocate_method: str = "history"
    allocate_params: dict[str, Any] = field(default_factory=dict)
    unit: Decimal = Decimal("0.01")
    history_window: str = "last_year"
    as_of: dt.date | None = None  # end of the last-12-months window

    def to_params(self) -> dict[str, Any]:
        d = asdict(self)
        d["target"] = str(self.target)
        d["unit"] = str(self.unit)
        d["as_of"] = self.as_of.isoformat() if self.as_of else None
        return d

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PlanRequest:
        p = dict(params)
        p["target"] = Decimal(str(p["target"]))
        p["unit"] = Decimal(str(p.get("unit", "0.01")))
        p["as_of"] = dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else None
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in p.items() if k in known})


def validate(req: PlanRequest) -> None:
    """Refuse requests the engine would misread, with a reason a manager understands."""
    if req.target < 0:
        raise PlanInputError(Message("msg.plan.target_negative", amount=str(req.target)))
    if req.calendar not in CALENDARS:
        raise PlanInputError(
            Message("msg.planning.unknown_calendar", value=repr(req.calendar), choices=", ".join(CALENDARS))
        )
    if req.spread_method not in SPREAD_METHODS:
        raise PlanInputError(
            Message(
                "msg.planning.unknown_spread",
                value=repr(req.spread_method),
                choices=", ".join(SPREAD_METHODS),
            )
        )
    if req.allocate_method not in ALLOCATE_METHODS:
        raise PlanInputError(
            Message(
                "msg.planning.unknown_allocate",
                value=repr(req.allocate_method),
                choices=", ".join(ALLOCATE_METHODS),
            )
        )
    if req.history_window not in HISTORY_WINDOWS:
        raise PlanInputError(
            Message(
                "msg.planning.unknown_window",
                value=repr(req.history_window),
                choices=", ".join(HISTORY_WINDOWS),
            )
        )


def make_calendar(kind: str, overrides: pd.DataFrame | None) -> WorkCalendar:
    """The working-day calendar with the user's entered holidays/workdays (they win over the package)."""
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    if overrides is not None and len(overrides):
        for day, kind_ in zip(pd.to_datetime(overrides["day"]).dt.date, overrides["kind"], strict=True):
            (holidays if kind_ == "holiday" else workdays).add(day)
    return WorkCalendar(kind, extra_holidays=frozenset(holidays), extra_workdays=frozenset(workdays))  # type: ignore[arg-type]


@dataclass(frozen=True)
class PlanInputs:
    reps: pd.DataFrame  # [rep_id, name, team_id, team, level, hire_date, leave_date]
    history_daily: pd.DataFrame  # [day, amount] company actuals of last fiscal year
    history_by_rep: pd.DataFrame  # [rep_id, amount] over the history window
    calendar: WorkCalendar
    names: dict[str, str]  # rep_id → name (a team's unassigned line: a Message, see :func:`rep_label`)
    team_names: dict[str, str]  # team_id → name
    notes: tuple[str, ...] = ()  # Messages: render with analysis.messages.render(note, lang)


def load_inputs(con: store.Connection, req: PlanRequest) -> PlanInputs:
    """Reps active in the fiscal year, last year's actuals and the calendar, from the store."""
    fy = FiscalYear(req.year, req.fy_start_month)
    reps = store.reps_frame(con)
    # Compare as timestamps: ``.dt.date`` of an all-NaT column (an import sets no leave dates)
    # stays datetime64 in pandas 3, and datetime64 >= date raises.
    leave = pd.to_datetime(reps["leave_date"])
    active = leave.isna() | (leave >= pd.Timestamp(fy.start))
    reps = reps[active].reset_index(drop=True)
    reps["team_id"] = reps["team_id"].fillna("—")
    reps["team"] = reps["team"].fillna("—")
    reps["level"] = reps["level"].fillna("mid")
    ly = fy.previous()
    history_daily, notes = last_year_daily(con, ly)
    if req.history_window == "last_12m":
        end = req.as_of or (store.sales_bounds(con)[1] or fy.start - dt.timedelta(days=1))
        start = (pd.Timestamp(end) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()
    else:
        start, end = ly.start, ly.end
    by_rep = store.rep_totals(con, start, end)
    history_by_rep = pd.DataFrame({"rep_id": by_rep["rep_id"], "amount": by_rep["amount_cents"] / 100})
    cal = make_calendar(req.calendar, store.calendar_overrides(con))
    teams = reps.drop_duplicates("team_id")
    names: dict[str, str] = dict(zip(reps["rep_id"], reps["name"], strict=True))
    # Each team's unassigned / to-be-hired line (a Message: render it in the page's language).
    names |= {
        vacancy_id(t): Message("msg.alloc.vacancy_name", team=str(n))
        for t, n in zip(teams["team_id"], teams["team"], strict=True)
    }
    return PlanInputs(
        reps=reps,
        history_daily=history_daily,
        history_by_rep=history_by_rep,
        calendar=cal,
        names=names,
        team_names=dict(zip(teams["team_id"], teams["team"], strict=True)),
        notes=notes,
    )


def last_year_daily(con: store.Connection, ly: FiscalYear) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Company actuals per day of fiscal year ``ly`` as [day, amount], completed where needed.

    Managers plan next year before this one ends (FY2027 in November 2026). Months of ``ly``
    that the data does not fully cover (it ends before the month's last weekday) are taken from the same
    month one year earlier, moved forward a year, and said so in the notes, so seasonality
    and growth spreads see twelve whole months instead of a fake December dip.
    """
    _first, last, _n = store.sales_bounds(con)
    daily = store.daily_actuals(con, ly.start, ly.end)
    frame = pd.DataFrame({"day": pd.to_datetime(daily["day"]), "amount": daily["amount_cents"] / 100})
    if last is None or last >= ly.end:
        return frame, ()
    borrowed: list[str] = []
    parts = [frame]
    for y, m in ly.months():
        month_end = (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).date()
        # Data that reaches the month's last weekday covers it: no sales on a closing weekend is
        # normal (Superstore ends Saturday 2017-12-30), not a month still running.
        last_weekday = month_end - dt.timedelta(days=max(0, month_end.weekday() - 4))
        if last_weekday <= last:
            continue
        parts[0] = parts[0][~((parts[0]["day"].dt.year == y) & (parts[0]["day"].dt.month == m))]
        prev = store.daily_actuals(
            con, dt.date(y - 1, m, 1), (pd.Timestamp(y - 1, m, 1) + pd.offsets.MonthEnd(0)).date()
        )
        if len(prev) == 0:
            continue
        moved = pd.to_datetime(prev["day"]) + pd.DateOffset(years=1)
        parts.append(pd.DataFrame({"day": moved, "amount": prev["amount_cents"] / 100}))
        borrowed.append(f"{y:04d}-{m:02d}←{y - 1:04d}-{m:02d}")
    out = pd.concat(parts, ignore_index=True).groupby("day", as_index=False).agg(amount=("amount", "sum"))
    note = Message("msg.note.borrowed_months", fy=ly.label, last=str(last), months=", ".join(borrowed))
    return out, (note,) if borrowed else ()


def build(inputs: PlanInputs, req: PlanRequest) -> Plan:
    """Build the plan for ``req`` from loaded inputs (pure)."""
    validate(req)
    return build_plan(
        req.year,
        req.target,
        reps=inputs.reps,
        fy_start_month=req.fy_start_month,
        calendar=inputs.calendar,
        spread_method=req.spread_method,
        spread_params=req.spread_params,
        allocate_method=req.allocate_method,
        allocate_params=req.allocate_params,
        unit=req.unit,
        history_daily=inputs.history_daily,
        history_by_rep=inputs.history_by_rep,
    )


def store_frame(plan: Plan) -> pd.DataFrame:
    """[rep_id, team_id, day, target_cents] for ``store.save_plan_version`` (non-zero days only)."""
    n_r, n_d = plan.cents.shape
    frame = pd.DataFrame(
        {
            "rep_id": np.repeat(np.array(plan.rep_ids, dtype=object), n_d),
            "team_id": np.repeat(np.array(plan.team_ids, dtype=object), n_d),
            "day": np.tile(np.array(plan.days, dtype="datetime64[D]"), n_r),
            "target_cents": plan.cents.ravel().astype(np.int64),
        }
    )
    return frame[frame["target_cents"] != 0].reset_index(drop=True)


def save(
    con: store.Connection,
    plan: Plan,
    req: PlanRequest,
    *,
    scenario: str,
    based_on: int | None,
    note: str | None = None,
    changes: pd.DataFrame | None = None,
    extra: dict[str, Any] | None = None,
    origin: int | None = None,
) -> store.PlanVersion:
    """Save ``plan`` as a new immutable version of ``scenario`` (StaleVersion if someone saved first).

    ``origin``: the version id the edit started from (a manager may save only such an edit, and
    only with changes in their teams: the store's gate); the author is the connection's actor."""
    params = req.to_params() | (extra or {})
    return store.save_plan_version(
        con,
        scenario=scenario,
        based_on=based_on,
        fiscal_year=req.year,
        fy_start_month=req.fy_start_month,
        target=plan.total,
        unit=req.unit,
        params=params,
        targets=store_frame(plan),
        note=note,
        changes=changes,
        origin=origin,
    )


def load_version(
    con: store.Connection, version_id: int
) -> tuple[store.PlanVersion, PlanRequest, Plan, PlanInputs]:
    """A stored version as an editable plan: rebuilt from its parameters, then its exact stored cents.

    The rebuild provides the day weights used to re-spread later edits; the targets themselves
    are the stored ones, so the reloaded plan equals what was saved to the cent.
    """
    pv = store.get_plan_version(con, version_id)
    req = PlanRequest.from_params(pv.params)
    inputs = load_inputs(con, req)
    stored = store.plan_targets(con, version_id)
    rep_ids = list(dict.fromkeys(stored["rep_id"].tolist()))
    known = set(inputs.reps["rep_id"])
    missing = [r for r in rep_ids if r not in known and not is_vacancy(r)]
    if missing:
        raise PlanInputError(
            Message("msg.planning.reps_gone", version=str(pv.version), reps=", ".join(missing))
        )
    reps = inputs.reps[inputs.reps["rep_id"].isin(rep_ids)].reset_index(drop=True)
    inputs = replace(inputs, reps=reps)
    try:
        plan = build(inputs, req)
    except PlanInputError:  # inputs changed since (e.g. history re-imported): weights only need a shape
        plan = build(
            inputs, replace(req, spread_method="working_days", allocate_method="even", allocate_params={})
        )
    plan = with_vacancy_lines(plan, rep_ids)
    r_pos = {r: i for i, r in enumerate(plan.rep_ids)}
    fy_start = np.datetime64(plan.fy.start, "D")
    cents = np.zeros_like(plan.cents)
    day_idx = (pd.to_datetime(stored["day"]).to_numpy(dtype="datetime64[D]") - fy_start).astype(np.int64)
    rows = np.array([r_pos[r] for r in stored["rep_id"]], dtype=np.int64)
    np.add.at(cents, (rows, day_idx), stored["target_cents"].to_numpy(dtype=np.int64))
    if int(cents.sum()) != int(pv.target * 100):
        raise PlanInputError(Message("msg.planning.version_total", version=str(pv.version)))
    return pv, req, replace(plan, cents=cents), inputs


def rep_label(names: dict[str, str], rep_id: object, lang: str) -> str:
    """A rep's name, or a team's unassigned line, in ``lang``."""
    return render(names.get(str(rep_id), str(rep_id)), lang)


# --- plan io: import, catch-up, compare (used by the CLI and the plan page) -------------------


def import_plan(
    con: store.Connection,
    data: bytes,
    filename: str,
    *,
    year: int,
    fy_start_month: int = 1,
    calendar: str = "cn",
    sheet: str | None = None,
) -> tuple[Any, PlanRequest, PlanInputs]:
    """Read an existing plan file against the reps of fiscal year ``year`` (nothing is stored).

    Returns (ParsedPlan, request, inputs). ``parsed.plan`` is set when the file has no problems:
    the file's rep × month targets on a working-days / even base plan, so days follow the
    calendar. The request (target = the file's total, unit 0.01) is what :func:`save` records.
    """
    from analysis import planio

    req = PlanRequest(
        year=year,
        target=Decimal(0),
        fy_start_month=fy_start_month,
        calendar=calendar,
        spread_method="working_days",
        allocate_method="even",
    )
    validate(req)
    inputs = load_inputs(con, req)
    fy = FiscalYear(year, fy_start_month)
    parsed = planio.read_plan_file(data, filename, fy=fy, reps=inputs.reps, sheet=sheet)
    if parsed.errors:
        return parsed, req, inputs
    req = replace(req, target=parsed.total)
    base = build(inputs, req)
    parsed.plan = planio.plan_from_parsed(parsed, base, source=filename)
    return parsed, req, inputs


def version_actuals(con: store.Connection, plan: Plan, as_of: dt.date) -> pd.DataFrame:
    """Actuals per rep and day from the start of ``plan``'s fiscal year to ``as_of``: [rep_id, day, amount]."""
    daily = store.daily_actuals(con, plan.fy.start, as_of, by_rep=True)
    return pd.DataFrame(
        {
            "rep_id": daily["rep_id"],
            "day": pd.to_datetime(daily["day"]).dt.date,
            "amount": [Decimal(int(c)).scaleb(-2) for c in daily["amount_cents"]],
        }
    )


def catch_up_version(
    con: store.Connection, version_id: int, as_of: dt.date, mode: str = "even"
) -> tuple[store.PlanVersion, PlanRequest, Plan, Plan, pd.DataFrame]:
    """Re-plan stored version ``version_id`` after ``as_of`` from the actuals in the store.

    Days up to ``as_of`` take the actuals and the rest of each rep's annual target is spread
    over the remaining days (:func:`analysis.plan.catch_up` with ``elapsed="actual"``), so the
    company's annual total stays exactly the same; what reps above target sold beyond it comes off
    the others' remaining targets (said in ``notes``). Returns (version, request, old plan, new plan, changes
    [rep_id, period (month), old, new] as decimal strings for the change log).
    """
    from analysis.plan import catch_up

    if mode not in ("even", "seasonal", "front_loaded"):
        raise PlanInputError(Message("msg.plan.unknown_catch_up_mode", value=repr(mode)))
    pv, req, old, _inputs = load_version(con, version_id)
    new = catch_up(old, version_actuals(con, old, as_of), as_of, mode, elapsed="actual")  # type: ignore[arg-type]
    return pv, req, old, new, month_changes(old, new)


def month_changes(old: Plan, new: Plan) -> pd.DataFrame:
    """Rep × month cells that differ: [rep_id, period, old, new] (decimal strings)."""
    a, reps, labels = old.cents_by("month", "rep")
    b, _reps, _labels = new.cents_by("month", "rep")
    rows = [
        (reps[i], labels[j], str(Decimal(int(a[i, j])).scaleb(-2)), str(Decimal(int(b[i, j])).scaleb(-2)))
        for i, j in zip(*np.nonzero(a != b), strict=True)
    ]
    return pd.DataFrame(rows, columns=["rep_id", "period", "old", "new"])


def version_cents(
    con: store.Connection, version_id: int, grain: str = "month", level: str = "rep"
) -> tuple[store.PlanVersion, pd.DataFrame]:
    """A stored version's targets at ``grain`` × ``level``: [team_id, rep_id, period, cents].

    Read straight from the stored day targets (no rebuild), so it works for versions whose reps
    have left since. team_id/rep_id are "" where the level is coarser.
    """
    from analysis.calendar import GRAINS, period_codes

    if grain not in GRAINS:
        raise PlanInputError(
            Message("msg.planning.unknown_grain", value=repr(grain), choices=", ".join(GRAINS))
        )
    if level not in ("company", "team", "rep"):
        raise PlanInputError(Message("msg.plan.unknown_level", value=repr(level)))
    pv = store.get_plan_version(con, version_id)
    fy = FiscalYear(pv.fiscal_year, pv.fy_start_month)
    days = fy.days()
    codes, labels = period_codes(days, grain, fy)
    label_of = {d: labels[c] for d, c in zip(days, codes, strict=True)}
    t = store.plan_targets(con, version_id)
    frame = pd.DataFrame(
        {
            "team_id": t["team_id"].fillna("—").astype(object) if level != "company" else "",
            "rep_id": t["rep_id"].astype(object) if level == "rep" else "",
            "period": [label_of[d] for d in pd.to_datetime(t["day"]).dt.date],
            "cents": t["target_cents"].astype("int64"),
        }
    )
    out = frame.groupby(["team_id", "rep_id", "period"], sort=False)["cents"].sum().reset_index()
    order = {lab: k for k, lab in enumerate(labels)}
    out["_order"] = out["period"].map(order)
    out = out.sort_values(["team_id", "rep_id", "_order"], kind="stable").drop(columns="_order")
    return pv, out.reset_index(drop=True)


def compare_versions(
    con: store.Connection, a: int, b: int, *, grain: str = "month", level: str = "rep"
) -> tuple[store.PlanVersion, store.PlanVersion, pd.DataFrame]:
    """Two stored versions side by side: [team_id, rep_id, period, a_cents, b_cents, diff_cents].

    diff = b - a; cells present in only one version count as 0 in the other.
    """
    pa, fa = version_cents(con, a, grain, level)
    pb, fb = version_cents(con, b, grain, level)
    keys = ["team_id", "rep_id", "period"]
    both = fa.rename(columns={"cents": "a_cents"}).merge(
        fb.rename(columns={"cents": "b_cents"}), on=keys, how="outer", sort=False
    )
    both[["a_cents", "b_cents"]] = both[["a_cents", "b_cents"]].fillna(0).astype("int64")
    both["diff_cents"] = both["b_cents"] - both["a_cents"]
    return pa, pb, both.reset_index(drop=True)
