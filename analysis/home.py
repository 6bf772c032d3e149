"""The home page's morning summary: where the year and the current month stand, who is furthest
behind, the flags with the most money at risk, what is due, and the last import.

Pure: :func:`morning` takes the progress inputs, the risk report and the task, register and import
frames, and returns :class:`Morning`. Money is Decimal yuan (exact); ratios are floats, ``None``
when the base is zero. Sales are measured to as_of (the last day with data by default); deadlines
are judged against ``today``, the real date: "this week" is the ISO week (Monday-Sunday) containing
today, and a task whose deadline has passed is overdue even when the data ended years ago.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from analysis import metrics, risks
from analysis.allocate import is_vacancy
from analysis.calendar import FiscalYear

BEHIND_ROWS = 3  # teams / reps furthest behind pace shown on the home page
TOP_FLAGS = 3


@dataclass(frozen=True)
class Standing:
    """One period's headline numbers for the company (see :class:`analysis.metrics.Progress`)."""

    period: metrics.Period
    target: Decimal
    actual: Decimal
    attainment: float | None
    expected: Decimal
    pace_gap: Decimal  # actual - expected to date (negative = behind)
    pace_gap_pct: float | None
    forecast: Decimal
    low: Decimal  # 80 % band
    high: Decimal
    probability: float | None  # of reaching the target
    complete: bool


@dataclass(frozen=True)
class RankedFlag:
    flag: risks.Flag
    money_at_risk: Decimal


@dataclass(frozen=True)
class LastImport:
    import_id: int
    at: dt.datetime
    rows: int
    total: Decimal
    file_name: str
    first_day: dt.date | None
    last_day: dt.date | None


@dataclass(frozen=True)
class Morning:
    fy: FiscalYear
    as_of: dt.date
    data_through: dt.date | None  # last day on or before as_of with any sales
    plan_source: str  # active / default / none (see ProgressData)
    plan_label: str
    year: Standing
    month: Standing
    behind_teams: pd.DataFrame  # [team_id, team, gap_cents, gap_pct, attainment_to_date], most behind first
    behind_reps: pd.DataFrame  # [rep_id, rep, team, gap_cents, gap_pct, attainment_to_date]
    flags: list[RankedFlag]  # top flags by money at risk
    n_flags: int
    tasks_overdue: pd.DataFrame  # [task_id, rep_id, rep, title, deadline, days_left], oldest first
    tasks_this_week: pd.DataFrame  # due from today to the week's Sunday, not done
    register_due: pd.DataFrame  # [entry_id, entity_name, rule, scope, owner, due_date, status], due by Sunday
    last_import: LastImport | None
    week_end: dt.date  # Sunday of today's week


def data_through(data: metrics.ProgressData) -> dt.date | None:
    """The store's last day with sales (``data.data_through``, issue 15); for inputs not read from a
    store, the last day on or before ``data.as_of`` with any sales (any rep), or None."""
    if data.data_through is not None:
        return data.data_through
    last = min(data.idx(data.as_of), data.n_days - 1)
    if last < 0:
        return None
    days = np.flatnonzero(data.actual[:, : last + 1].any(axis=0))
    return data.day(int(days[-1])) if len(days) else None


def standing(data: metrics.ProgressData, period: metrics.Period) -> Standing:
    """The company's numbers in ``period`` as of ``data.as_of``, with the forecast band."""
    p = metrics.progress(data, period)
    return Standing(
        period=period,
        target=p.target,
        actual=p.actual,
        attainment=p.attainment,
        expected=p.expected_to_date,
        pace_gap=p.pace_gap,
        pace_gap_pct=p.pace_gap_pct,
        forecast=p.forecast,
        low=p.band.low,
        high=p.band.high,
        probability=p.band.probability,
        complete=p.complete,
    )


def behind(data: metrics.ProgressData, period: metrics.Period, by: str, n: int = BEHIND_ROWS) -> pd.DataFrame:
    """The ``n`` teams or reps with the largest negative pace gap in ``period`` (behind only).

    Team-less reps form the team :data:`analysis.metrics.NO_TEAM`, as on the progress page."""
    df = metrics.breakdown(data, period, "team" if by == "team" else "rep")
    if by != "team":  # a plan's unassigned line is behind by design, and no one to talk to
        df = df[~df["rep_id"].map(is_vacancy).astype(bool)]
    df = df[df["gap_cents"] < 0].head(n)
    cols = ["team_id", "team"] if by == "team" else ["rep_id", "rep", "team"]
    out = df[[*cols, "gap_cents", "gap_pct", "attainment_to_date"]].reset_index(drop=True)
    out["team"] = out["team"].map(lambda v: metrics.NO_TEAM if _blank(v) else v)
    return out


def _blank(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT


def _dec(v: object) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(0)


def money_at_risk(flag: risks.Flag) -> Decimal:
    """What a flag puts at stake, in yuan, from its evidence (0 when the rule names no amount).

    Shortfalls for the target rules (target - forecast, plan - actual, last year - this year),
    the sales that depend on the customers for the customer rules, target above the best month for
    an unrealistic target. A flag that carries its own ``money_at_risk`` (risks.evaluate sets it)
    keeps it."""
    own = getattr(flag, "money_at_risk", None)
    if isinstance(own, Decimal) and own > 0:
        return own
    ev: dict[str, Any] = flag.evidence
    rule = flag.rule
    if rule == "forecast_attainment":
        value = _dec(ev.get("target")) - _dec(ev.get("forecast"))
    elif rule == "behind_pace":
        value = _dec(ev.get("plan")) - _dec(ev.get("actual"))
    elif rule == "yoy_decline":
        value = _dec(ev.get("sales_last_year")) - _dec(ev.get("sales"))
    elif rule == "concentration":
        value = _dec(ev.get("top_customer_sales"))
    elif rule == "silent_customers":
        value = _dec(ev.get("silent_sales"))
    elif rule == "orphaned_customers":
        value = _dec(ev.get("their_sales"))
    elif rule == "unrealistic_target":
        value = _dec(ev.get("target")) - _dec(ev.get("best_month_sales"))
    else:
        value = Decimal(0)
    return max(value, Decimal(0))


def top_flags(flags: list[risks.Flag], n: int = TOP_FLAGS) -> list[RankedFlag]:
    """The ``n`` flags with the most money at risk (ties: severity, then the report's order)."""
    order = {s: i for i, s in enumerate(risks.SEVERITIES)}
    ranked = sorted(
        enumerate(flags), key=lambda it: (-money_at_risk(it[1]), order.get(it[1].severity, 9), it[0])
    )
    return [RankedFlag(f, money_at_risk(f)) for _, f in ranked[:n]]


def week_end(day: dt.date) -> dt.date:
    """The Sunday of ``day``'s ISO week."""
    return day + dt.timedelta(days=6 - day.weekday())


def _days(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col, errors="coerce").dt.date


def due_tasks(tasks: pd.DataFrame, today: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(overdue, due from today to Sunday) among tasks not done or cancelled, soonest first;
    days_left = deadline - today."""
    cols = ["task_id", "rep_id", "rep", "title", "deadline", "days_left"]
    if tasks.empty:
        empty = pd.DataFrame(columns=cols)
        return empty, empty.copy()
    live = tasks[~tasks["status"].isin(["done", "cancelled"])].copy()
    if "rep" not in live.columns:  # the store's list names the rep; a bare frame shows its id
        live["rep"] = live["rep_id"]
    live["deadline"] = _days(live["deadline"])
    live["days_left"] = [(d - today).days if d is not None else 0 for d in live["deadline"]]
    live = live.sort_values(["deadline", "task_id"], kind="stable")
    late = live[live["days_left"] < 0]
    end = week_end(today)
    soon = live[(live["days_left"] >= 0) & (live["deadline"] <= end)]
    return late[cols].reset_index(drop=True), soon[cols].reset_index(drop=True)


def register_due(register: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Register entries not closed whose due date is on or before Sunday of today's week, oldest first."""
    cols = ["entry_id", "entity_name", "rule", "scope", "owner", "due_date", "status"]
    if register.empty:
        return pd.DataFrame(columns=cols)
    reg = register[register["status"] != "closed"].copy()
    reg["due_date"] = _days(reg["due_date"])
    reg = reg[reg["due_date"].map(lambda d: d is not None and not _blank(d) and d <= week_end(today))]
    return reg.sort_values(["due_date", "entry_id"], kind="stable")[cols].reset_index(drop=True)


def last_import(imports: pd.DataFrame) -> LastImport | None:
    """The newest import that was not undone."""
    live = imports[imports["undone_at"].isna()] if len(imports) else imports
    if live.empty:
        return None
    r = live.sort_values("import_id", ascending=False).iloc[0]

    def day(v: object) -> dt.date | None:
        return None if _blank(v) else pd.Timestamp(v).date()  # type: ignore[arg-type]

    return LastImport(
        import_id=int(r["import_id"]),
        at=pd.Timestamp(r["created_at"]).to_pydatetime(),
        rows=int(r["rows"]),
        total=Decimal(str(r["total"])),
        file_name="" if _blank(r["file_name"]) else str(r["file_name"]),
        first_day=day(r["first_day"]),
        last_day=day(r["last_day"]),
    )


def morning(
    data: metrics.ProgressData,
    report: risks.RiskReport | None,
    tasks: pd.DataFrame,
    register: pd.DataFrame,
    imports: pd.DataFrame,
    today: dt.date | None = None,
) -> Morning:
    """Everything the home page shows: sales as of ``data.as_of``, tasks and register entries due
    as of ``today`` (the real date; ``data.as_of`` when not given).

    The current period is as_of's month; teams and reps are ranked in that month (the year's gap
    is mostly history by December; the month's is what a manager can still change)."""
    fy = data.fy
    today = today or data.as_of
    year_p = metrics.period_of(fy, data.as_of, "year")
    month_p = metrics.period_of(fy, data.as_of, "month")
    late, soon = due_tasks(tasks, today)
    flags = list(report.flags) if report is not None else []
    return Morning(
        fy=fy,
        as_of=data.as_of,
        data_through=data_through(data),
        plan_source=data.plan_source,
        plan_label=data.plan_label,
        year=standing(data, year_p),
        month=standing(data, month_p),
        behind_teams=behind(data, month_p, "team"),
        behind_reps=behind(data, month_p, "rep"),
        flags=top_flags(flags),
        n_flags=len(flags),
        tasks_overdue=late,
        tasks_this_week=soon,
        register_due=register_due(register, today),
        last_import=last_import(imports),
        week_end=week_end(today),
    )
