"""Plan page helpers: cached inputs, the setup widgets, result tables and charts, the edit grid.

Pages stay short: each function here draws one section of ``pages/1_plan.py`` or converts
between the engine's exact values (Decimal / int cents) and what a widget shows (floats in
yuan, or 万元 in tables and charts in Chinese). Business rules stay in ``analysis``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import metrics, planhealth, planning, store
from analysis.allocate import VACANCY_MODES
from analysis.calendar import FiscalYear
from analysis.i18n import DEFAULT_LANG, fmt_amount, fmt_pct, month_label
from analysis.messages import Message, message_of, render
from analysis.money import split_exact
from analysis.plan import Plan
from analysis.planning import PlanInputs, PlanRequest
from analysis.rebalance import Cell, Locks, RebalanceError
from components import charts, data
from components import plan_state as ps
from components.safe import md
from components.shell import Shell, writing

UNITS = ("0.01", "1", "100", "10000")
GRAINS = ("quarter", "month", "week", "day")
LEVELS = ("company", "team", "rep")
NEW = "—"  # scenario option for an unsaved draft (bound to the URL: a stable, neutral value)
EDITOR = "plan.grid_key"
# Widgets whose options are shown translated (format_func): kept across a language switch.
TRANSLATED_WIDGETS = (
    "plan.fy_start",
    "plan.calendar",
    "plan.spread",
    "plan.allocate",
    "plan.window",
    "plan.season_grain",
    "plan.custom_by",
    "plan.blend_a",
    "plan.blend_b",
    "plan.grain",
    "plan.level",
    "plan.mode",
    "plan.lock_months",
    "plan.drag_what",
    "plan.cmp_level",
    "plan.cu_mode",
)  # session key holding the current data_editor key


@st.cache_data(show_spinner=False, max_entries=8)
def load_health_history(
    db: str, version: tuple[float, int], fy_start: dt.date
) -> tuple[pd.DataFrame, tuple[dt.date, dt.date] | None]:
    """Rep x month history for the plan health check of a fiscal year starting ``fy_start``."""
    del version
    with store.connect(db, read_only=True) as con:
        return planhealth.history_for(con, fy_start)


def health_section(sh: Shell, w: ps.Working) -> None:
    """Plan health (analysis.planhealth) of the plan on screen: one line, the reps who put it
    outside the band, and the per-rep detail in an expander."""
    history, window = load_health_history(sh.db, store.data_version(sh.db), w.plan.fy.start)
    h = planhealth.check(planhealth.quotas_of_plan(w.plan), history, window)
    if h.share is None or window is None:
        st.caption(sh.t("plan.health.unknown"))
        return
    lo, hi = (fmt_pct(b, sh.lang) for b in h.band)
    text = sh.t(
        f"plan.health.{h.status}", share=fmt_pct(h.share, sh.lang), lo=lo, hi=hi, n=h.counted,
        start=window[0].strftime("%Y-%m"), end=window[1].strftime("%Y-%m"),
    )  # fmt: skip
    p_of = dict(zip(h.reps["rep_id"], h.reps["p_at_quota"], strict=True))
    if h.status == "healthy":
        st.success(text, icon=":material/health_and_safety:")
    else:
        who = ", ".join(f"{w.inputs.names.get(r, r)} ({fmt_pct(p_of[r], sh.lang)})" for r in h.culprits)
        st.warning(
            text + " " + sh.t(f"plan.health.culprits_{h.status}", reps=md(who)), icon=":material/warning:"
        )
    with st.expander(sh.t("plan.health.detail"), icon=":material/monitoring:"):
        st.caption(sh.t("plan.health.how"))
        detail = pd.DataFrame(
            {
                sh.t("col.rep"): [w.inputs.names.get(r, r) for r in h.reps["rep_id"]],
                sh.t("col.team"): [w.inputs.team_names.get(t, t) for t in h.reps["team_id"]],
                sh.t("plan.health.quota"): [fmt_amount(int(c) / 100, sh.lang) for c in h.reps["quota_cents"]],
                sh.t("plan.health.expected"): [
                    "" if pd.isna(c) else fmt_amount(float(c) / 100, sh.lang)
                    for c in h.reps["expected_cents"]
                ],
                sh.t("plan.health.p"): [
                    sh.t("plan.health.no_history") if pd.isna(p) else fmt_pct(float(p), sh.lang)
                    for p in h.reps["p_at_quota"]
                ],
            }
        )
        st.dataframe(detail, hide_index=True, width="stretch")


def fy_of(day: dt.date, start_month: int) -> int:
    return day.year if day.month >= start_month else day.year - 1


@st.cache_data(show_spinner=False, max_entries=32)
def load_inputs(
    db: str, version: tuple[float, int], year: int, fy_start: int, calendar: str, window: str, as_of: dt.date
) -> PlanInputs:
    del version  # cache key only
    req = PlanRequest(year, Decimal(0), fy_start, calendar, history_window=window, as_of=as_of)
    with store.connect(db, read_only=True) as con:
        return planning.load_inputs(con, req)


@st.cache_data(show_spinner=False, max_entries=32)
def load_versions(
    db: str, version: tuple[float, int], year: int
) -> tuple[list[store.PlanVersion], int | None]:
    """Versions of ``year`` and the active version id."""
    del version
    with store.connect(db, read_only=True) as con:
        active = store.active_plan(con, year)
        return store.list_plan_versions(con, year), active.version_id if active else None


@st.cache_data(show_spinner=False, max_entries=8)
def load_calendar_overrides(db: str, version: tuple[float, int]) -> pd.DataFrame:
    """User-entered holidays / make-up workdays (cached per data version: read on every rerun)."""
    del version
    with store.connect(db, read_only=True) as con:
        return store.calendar_overrides(con)


@st.cache_data(show_spinner=False, max_entries=16)
def load_changes(db: str, version: tuple[float, int], scenario: str | None) -> pd.DataFrame:
    """The plan change log of ``scenario`` (cached per data version: read on every rerun)."""
    del version
    with store.connect(db, read_only=True) as con:
        return store.plan_changes(con, scenario)


def default_target(inputs: PlanInputs) -> float:
    """Last fiscal year's actuals x 1.15 as a round starting point (not a rule): to 10,000 from
    100,000 up, else to two significant digits (a one-rep shop's 33,097 is 33,000, not 30,000)."""
    ly = float(inputs.history_daily["amount"].sum()) if len(inputs.history_daily) else 0.0
    x = ly * 1.15
    if x < 1:
        return 10_000.0
    unit = 10_000 if x >= 100_000 else 10 ** max(0, math.floor(math.log10(x)) - 1)
    return float(max(round(x / unit) * unit, unit))


def month_names(labels: Sequence[str], lang: str) -> list[str]:
    """'2027-03' → '3月' / 'Mar' (with the year when the fiscal year spans two calendar years)."""
    years = {lab[:4] for lab in labels}
    out = []
    for lab in labels:
        name = month_label(int(lab[5:7]), lang)
        out.append(f"{lab[2:4]}/{name}" if len(years) > 1 else name)
    return out


# --- setup -------------------------------------------------------------------------------------


def _custom_editor(sh: Shell, fy: FiscalYear) -> dict[str, float] | None:
    by = st.radio(
        sh.t("plan.custom_by"),
        ["quarter", "month"],
        format_func=lambda v: sh.t(f"plan.grain.{v}"),
        horizontal=True,
        key="plan.custom_by",
    )
    periods = ["Q1", "Q2", "Q3", "Q4"] if by == "quarter" else fy.month_labels()
    shares = [float(p) for p in split_exact(Decimal(100), [1] * len(periods), Decimal("0.01"))]
    frame = pd.DataFrame({"period": periods, "pct": shares})
    edited = st.data_editor(
        frame,
        key=f"plan.custom.{by}.{fy.year}",
        hide_index=True,
        disabled=["period"],
        column_config={
            "period": st.column_config.TextColumn(sh.t("plan.period")),
            "pct": st.column_config.NumberColumn(
                "%", min_value=0.0, max_value=100.0, step=0.01, format="%.2f"
            ),
        },
    )
    pct = {str(p): float(v or 0) for p, v in zip(edited["period"], edited["pct"], strict=True)}
    total = sum((Decimal(repr(v)) for v in pct.values()), Decimal(0))
    if total != 100:
        st.error(sh.t("plan.custom_total", total=f"{total}"), icon=":material/error:")
        return None
    st.caption(sh.t("plan.custom_ok"))
    return pct


def _spread_params(sh: Shell, method: str, fy: FiscalYear) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    methods = [method]
    if method == "blend":
        c1, c2, c3 = st.columns(3)
        simple = [m for m in planning.SPREAD_METHODS if m not in ("blend", "custom")]
        a = c1.selectbox(
            sh.t("plan.blend_a"), simple, format_func=lambda m: sh.t(f"plan.spread.{m}"), key="plan.blend_a"
        )
        b = c2.selectbox(
            sh.t("plan.blend_b"),
            simple,
            index=2,
            format_func=lambda m: sh.t(f"plan.spread.{m}"),
            key="plan.blend_b",
        )
        w = c3.slider(sh.t("plan.blend_w"), 0.0, 1.0, 0.5, 0.05, key="plan.blend_w")
        params |= {"blend_a": a, "blend_b": b, "blend_w": float(w)}
        methods = [a, b]
    if "seasonality" in methods:
        params["season_grain"] = st.radio(
            sh.t("plan.season_grain"),
            ["month", "week", "dow"],
            format_func=lambda g: sh.t(f"plan.season.{g}"),
            horizontal=True,
            key="plan.season_grain",
        )
    if "growth" in methods:
        params["growth"] = (
            st.number_input(sh.t("plan.growth"), -90.0, 500.0, 15.0, 1.0, key="plan.growth") / 100
        )
    if method == "custom":
        custom = _custom_editor(sh, fy)
        if custom is None:
            return None
        params["custom"] = custom
    return params


def _allocate_params(
    sh: Shell, method: str, inputs: PlanInputs, target: Decimal, unit: Decimal
) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    if method == "capacity":
        cols = st.columns(3)
        defaults = {"senior": 1.3, "mid": 1.0, "junior": 0.7}
        params["level_weights"] = {
            lvl: float(c.number_input(sh.t(f"plan.level.{lvl}"), 0.0, 10.0, d, 0.1, key=f"plan.w.{lvl}"))
            for c, (lvl, d) in zip(cols, defaults.items(), strict=True)
        }
    if method == "manual":
        reps = inputs.reps
        even = split_exact(target, [1] * len(reps), unit) if target % unit == 0 else [Decimal(0)] * len(reps)
        frame = pd.DataFrame(
            {
                "rep_id": reps["rep_id"],
                "rep": reps["name"],
                "team": reps["team"],
                "amount": [float(v) for v in even],
            }
        )
        edited = st.data_editor(
            frame,
            key=f"plan.manual.{target}.{unit}",
            hide_index=True,
            disabled=["rep_id", "rep", "team"],
            column_config={
                "rep_id": None,
                "rep": st.column_config.TextColumn(sh.t("col.rep")),
                "team": st.column_config.TextColumn(sh.t("col.team")),
                "amount": st.column_config.NumberColumn(sh.t("plan.target"), min_value=0.0, format="%.2f"),
            },
        )
        amounts = {
            r: Decimal(repr(float(v or 0))) for r, v in zip(edited["rep_id"], edited["amount"], strict=True)
        }
        total = sum(amounts.values(), Decimal(0))
        if total != target:
            st.error(
                sh.t("plan.manual_total", total=f"{total:,}", target=f"{target:,}"), icon=":material/error:"
            )
            return None
        params["manual"] = {k: str(v) for k, v in amounts.items()}
    ramp = st.text_input(sh.t("plan.ramp"), "25, 50, 75", key="plan.ramp", help=sh.t("plan.ramp_help"))
    try:
        steps = [float(x) / 100 for x in ramp.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        st.error(sh.t("plan.ramp_bad"), icon=":material/error:")
        return None
    if any(not 0 <= s <= 1 for s in steps):
        st.error(sh.t("plan.ramp_bad"), icon=":material/error:")
        return None
    params["ramp"] = steps
    if method != "manual":
        hires = _planned_hires(sh, inputs)
        if hires:
            params["hires"] = hires
        vacancy = st.radio(
            sh.t("plan.vacancy"),
            VACANCY_MODES,
            format_func=lambda v: sh.t(f"plan.vacancy.{v}"),
            horizontal=True,
            key="plan.vacancy",
            help=sh.t("plan.vacancy_help"),
        )
        if vacancy != "keep":
            params["vacancy"] = vacancy
    return params


def _planned_hires(sh: Shell, inputs: PlanInputs) -> list[dict[str, str]]:
    """Planned hires not yet named (team, start, level): each seat goes on the team's unassigned line."""
    teams = list(inputs.team_names)
    with st.expander(sh.t("plan.hires")):
        edited = st.data_editor(
            pd.DataFrame(
                {
                    "team": pd.Series([], dtype=object),
                    "start": pd.Series([], dtype="datetime64[s]"),
                    "level": pd.Series([], dtype=object),
                }
            ),
            key="plan.hires",
            num_rows="dynamic",
            hide_index=True,
            column_config={
                "team": st.column_config.SelectboxColumn(sh.t("col.team"), options=teams, required=True),
                "start": st.column_config.DateColumn(sh.t("plan.hire_start"), required=True),
                "level": st.column_config.SelectboxColumn(
                    sh.t("plan.hire_level"), options=["senior", "mid", "junior"], default="mid"
                ),
            },
        )
    out = []
    for team, start, level in zip(edited["team"], edited["start"], edited["level"], strict=True):
        if team is None or pd.isna(start):
            continue
        out.append(
            {
                "team_id": str(team),
                "start": pd.Timestamp(start).date().isoformat(),
                "level": str(level or "mid"),
            }
        )
    return out


def setup(sh: Shell, year: int, fy_start_default: int) -> tuple[PlanRequest | None, PlanInputs]:
    """The setup widgets; returns the request (None while an input is invalid) and its inputs."""
    c1, c2, c3, c4 = st.columns(4)
    fy_start = c1.selectbox(
        sh.t("plan.fy_start"),
        list(range(1, 13)),
        index=fy_start_default - 1,
        format_func=lambda m: month_label(m, sh.lang),
        key="plan.fy_start",
    )
    calendar = c2.selectbox(
        sh.t("plan.calendar"),
        planning.CALENDARS,
        format_func=lambda c: sh.t(f"plan.cal.{c}"),
        key="plan.calendar",
    )
    unit_s = c3.selectbox(sh.t("plan.unit"), UNITS, index=2, key="plan.unit")
    window = "last_year"
    alloc_pick = st.session_state.get("plan.allocate", "history")
    if alloc_pick == "history":
        window = st.session_state.get("plan.window", "last_year")
    inputs = load_inputs(sh.db, store.data_version(sh.db), year, fy_start, calendar, window, sh.as_of)
    target_f = c4.number_input(
        sh.t("plan.target"),
        min_value=0.0,
        value=default_target(inputs),
        step=10_000.0,
        format="%.2f",
        key=f"plan.target.{year}",
        help=sh.t("plan.target_help"),
    )
    unit = Decimal(unit_s)
    target = Decimal(repr(float(target_f))).quantize(Decimal("0.01"))
    fy = FiscalYear(year, int(fy_start))
    left, right = st.columns(2)
    with left:
        spread = st.selectbox(
            sh.t("plan.spread"),
            planning.SPREAD_METHODS,
            format_func=lambda m: sh.t(f"plan.spread.{m}"),
            key="plan.spread",
        )
        spread_params = _spread_params(sh, spread, fy)
    with right:
        alloc = st.selectbox(
            sh.t("plan.allocate"),
            planning.ALLOCATE_METHODS,
            format_func=lambda m: sh.t(f"plan.alloc.{m}"),
            key="plan.allocate",
        )
        if alloc == "history":
            st.radio(
                sh.t("plan.window"),
                planning.HISTORY_WINDOWS,
                format_func=lambda w: sh.t(f"plan.window.{w}"),
                horizontal=True,
                key="plan.window",
            )
        alloc_params = _allocate_params(sh, alloc, inputs, target, unit)
    if spread_params is None or alloc_params is None:
        return None, inputs
    req = PlanRequest(
        year=year,
        target=target,
        fy_start_month=int(fy_start),
        calendar=calendar,
        spread_method=spread,
        spread_params=spread_params,
        allocate_method=alloc,
        allocate_params=alloc_params,
        unit=unit,
        history_window=window,
        as_of=sh.as_of,
    )
    return req, inputs


# --- results -----------------------------------------------------------------------------------


def period_table(
    plan: Plan, grain: str, level: str, names: Mapping[str, str], lang: str, total: str
) -> pd.DataFrame:
    """Rows = periods (plus a total row), columns = company / teams / reps (plus a total column); Decimal."""
    arr, keys, labels = plan.cents_by(grain, level)  # type: ignore[arg-type]
    cols = [names.get(str(k), str(k)) for k in keys] if level != "company" else [total]
    rows = month_names(labels, lang) if grain == "month" else list(labels)
    df = pd.DataFrame(
        [[Decimal(int(c)).scaleb(-2) for c in arr[:, j]] for j in range(arr.shape[1])],
        index=rows,
        columns=cols,
    )
    if level != "company":
        df[total] = [sum(r, Decimal(0)) for r in df.itertuples(index=False)]
    df.loc[total] = [sum(df[c], Decimal(0)) for c in df.columns]
    return df


def show_money_table(df: pd.DataFrame, lang: str, *, height: int | None = None, first: str = "") -> None:
    div, suffix = charts.money_scale(lang)
    view = df.map(lambda v: float(v) / div)
    view.index.name = first
    fmt = "%.1f" if lang == "zh" else "%,.2f"
    cfg = {c: st.column_config.NumberColumn(f"{c}{suffix}", format=fmt) for c in view.columns}
    st.dataframe(
        view, column_config=cfg, width="stretch" if len(view.columns) > 2 else 480, height=height or "auto"
    )


def ly_months(inputs: PlanInputs, fy: FiscalYear) -> list[float]:
    """Last fiscal year's actuals per fiscal month (completed months borrowed as the engine did)."""
    h = inputs.history_daily
    if not len(h):
        return [0.0] * 12
    ts = pd.to_datetime(h["day"])
    by = h.groupby([ts.dt.year, ts.dt.month])["amount"].sum()
    return [float(by.get((y, m), 0.0)) for y, m in fy.previous().months()]


def month_chart(plan: Plan, inputs: PlanInputs, level: str, lang: str, t: Any) -> go.Figure:
    """Plan per month (stacked by team below company level) with last year's actuals as a line."""
    div, suffix = charts.money_scale(lang)
    arr, keys, labels = plan.cents_by("month", "company" if level == "company" else "team")
    x = month_names(labels, lang)
    fig = go.Figure()
    for i, k in enumerate(keys):
        name = t("plan.company") if level == "company" else inputs.team_names.get(str(k), str(k))
        fig.add_bar(
            x=x,
            y=arr[i] / 100 / div,
            name=name,
            marker_color=charts.PALETTE[(i * 2) % len(charts.PALETTE)] if level == "company" else None,
            hovertemplate="%{y:,.1f}",
        )
    ly = [v / div for v in ly_months(inputs, plan.fy)]
    fig.add_scatter(
        x=x,
        y=ly,
        name=t("plan.ly_actual"),
        mode="lines+markers",
        line={"color": "#cf222e"},
        hovertemplate="%{y:,.1f}",
    )
    fig.update_layout(barmode="stack")
    return charts.style(fig, x_title=t("home.month"), y_title=t("plan.target") + suffix)


def explanations(plan: Plan, inputs: PlanInputs, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": [inputs.team_names.get(str(t), str(t)) for t in plan.team_ids],
            "rep": [planning.rep_label(inputs.names, r, lang) for r in plan.rep_ids],
            # the rep's name is already in its own column
            "how": [_how(plan.explanations.get(r, ""), lang) for r in plan.rep_ids],
        }
    )


def _how(explanation: str, lang: str) -> str:
    """An allocation explanation without the rep's name, in ``lang`` (imported plans: plain text)."""
    if isinstance(explanation, Message) and "how" in explanation.params:
        return render(explanation.params["how"], lang)
    return render(explanation, lang).split(": ", 1)[-1]


# --- the edit grid -----------------------------------------------------------------------------


def grid_frame(w: ps.Working, row_locks: frozenset[object], lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Rep rows (in team order) x month columns in yuan, with team, name, lock and total columns."""
    plan = w.base
    months = plan.fy.month_labels()
    grid = w.grid
    data: dict[str, Any] = {
        "team": [w.inputs.team_names.get(str(t), str(t)) for t in plan.team_ids],
        "rep": [planning.rep_label(w.inputs.names, r, lang) for r in plan.rep_ids],
        "lock": [r in row_locks for r in plan.rep_ids],
    }
    for m in months:
        data[m] = [float(grid[(r, m)]) for r in plan.rep_ids]
    data["total"] = [float(sum((grid[(r, m)] for m in months), Decimal(0))) for r in plan.rep_ids]
    return pd.DataFrame(data)


def grid_config(sh: Shell, w: ps.Working, *, locked_months: set[str]) -> dict[str, Any]:
    months = w.base.fy.month_labels()
    fmt = "localized"  # thousands separators; cents only where the unit has them
    step = float(min(w.unit, Decimal(1)))
    cfg: dict[str, Any] = {
        "team": st.column_config.TextColumn(sh.t("col.team"), disabled=True),
        "rep": st.column_config.TextColumn(sh.t("col.rep"), disabled=True),
        "lock": st.column_config.CheckboxColumn(sh.t("plan.lock_row"), help=sh.t("plan.lock_row_help")),
        "total": st.column_config.NumberColumn(sh.t("plan.total"), format=fmt, disabled=True),
    }
    for m, name in zip(months, month_names(months, sh.lang), strict=True):
        locked = m in locked_months
        cfg[m] = st.column_config.NumberColumn(
            f"🔒 {name}" if locked else name, min_value=0.0, step=step, format=fmt, disabled=locked
        )
    return cfg


def read_editor_delta(
    delta: Mapping[str, Any] | None, w: ps.Working, row_locks: frozenset[object], locks: Locks, mode: str
) -> tuple[ps.Working, frozenset[object], str | None]:
    """Apply the editor's edited rows: lock toggles and cell edits (all or nothing)."""
    rows = (delta or {}).get("edited_rows") or {}
    reps = w.base.rep_ids
    new_locks = set(row_locks)
    edits: list[tuple[Cell, Decimal]] = []
    for idx, change in rows.items():
        rep = reps[int(idx)]
        for col, value in change.items():
            if col == "lock":
                (new_locks.add if value else new_locks.discard)(rep)
            elif (rep, col) in w.grid:
                try:
                    edits.append(((rep, col), ps.to_decimal(value)))
                except RebalanceError as exc:
                    return w, row_locks, message_of(exc)
    if not edits:
        return w, frozenset(new_locks), None
    # Rows locked beyond the session's own locks (other teams' reps for a manager) stay locked.
    locks = Locks(
        cells=locks.cells, rows=frozenset(new_locks) | (locks.rows - row_locks), columns=locks.columns
    )
    try:
        grid = ps.apply_cell_edits(
            w.grid,
            edits,
            team_of=w.base.team_of,
            locks=locks,
            unit=w.unit,
            mode=mode,  # type: ignore[arg-type]
        )
    except RebalanceError as exc:
        return w, row_locks, message_of(exc)
    return w.with_grid(grid), frozenset(new_locks), None


def totals_frame(w: ps.Working, lang: str, total: str) -> pd.DataFrame:
    """Team rows and the company row per month (the grid's read-only total row)."""
    plan = w.plan
    df = period_table(plan, "month", "team", w.inputs.team_names, lang, total)
    return df.T


# --- versions ----------------------------------------------------------------------------------


def describe(sh: Shell, req: PlanRequest) -> str:
    """One line on how the plan was made: calendar, spread, allocation, unit."""
    return " · ".join(
        [
            sh.t(f"plan.cal.{req.calendar}"),
            sh.t(f"plan.spread.{req.spread_method}"),
            sh.t(f"plan.alloc.{req.allocate_method}"),
            f"{sh.t('plan.unit')} {req.unit:,}",
        ]
    )


def version_label(pv: store.PlanVersion) -> str:
    return f"{pv.scenario} · v{pv.version}"


def versions_frame(vs: Sequence[store.PlanVersion], active: int | None, lang: str) -> pd.DataFrame:
    div, _ = charts.money_scale(lang)
    return pd.DataFrame(
        {
            "scenario": [v.scenario for v in vs],
            "version": [v.version for v in vs],
            "author": [v.author or "" for v in vs],
            "time": [v.created_at for v in vs],
            "target": [float(v.target) / div for v in vs],
            "note": [v.note or "" for v in vs],
            "active": [v.version_id == active for v in vs],
        }
    )


@st.cache_data(show_spinner=False, max_entries=16)
def version_grid(db: str, version_id: int) -> pd.DataFrame:
    """Stored targets of a version per rep and month: [rep_id, team_id, period, target (Decimal)].

    Cached without a data version: a saved version never changes."""
    with store.connect(db, read_only=True) as con:
        t = store.plan_targets(con, version_id)
    t["period"] = pd.to_datetime(t["day"]).dt.strftime("%Y-%m")
    g = t.groupby(["team_id", "rep_id", "period"], as_index=False)["target_cents"].sum()
    g["target"] = [Decimal(int(c)).scaleb(-2) for c in g["target_cents"]]
    return g.drop(columns="target_cents")


def compare(a: pd.DataFrame, b: pd.DataFrame, level: str, names: Mapping[str, str]) -> pd.DataFrame:
    """B - A per (team | rep) x month, exact Decimals; rows [key, name, period, a, b, diff]."""
    key = "team_id" if level == "team" else "rep_id"
    ga = a.groupby([key, "period"])["target"].sum()
    gb = b.groupby([key, "period"])["target"].sum()
    idx = ga.index.union(gb.index)
    ga, gb = ga.reindex(idx, fill_value=Decimal(0)), gb.reindex(idx, fill_value=Decimal(0))
    out = pd.DataFrame({"a": ga, "b": gb}).reset_index()
    out["diff"] = [y - x for x, y in zip(out["a"], out["b"], strict=True)]
    out["name"] = [names.get(str(k), str(k)) for k in out[key]]
    return out.rename(columns={key: "key"})[["key", "name", "period", "a", "b", "diff"]]


def catch_up_actuals(db: str, fy: FiscalYear, as_of: dt.date) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        d = store.daily_actuals(con, fy.start, min(as_of, fy.end), by_rep=True)
    return pd.DataFrame({"rep_id": d["rep_id"], "day": d["day"], "amount": d["amount_cents"] / 100})


def foreign_reps(sh: Shell, w: ps.Working) -> frozenset[object]:
    """Reps of the teams this user may not edit: kept locked so no edit or rebalance moves them."""
    return frozenset(r for r in w.base.rep_ids if not sh.access.can_edit_team(w.base.team_of[r]))


def calendar_section(sh: Shell, w: ps.Working) -> None:
    """Official holidays / make-up workdays entered by the user → store → re-spread the plan."""
    cur = load_calendar_overrides(sh.db, store.data_version(sh.db))
    cur = cur[pd.to_datetime(cur["day"]).dt.year == w.base.fy.year] if len(cur) else cur
    cur = pd.DataFrame(
        {"day": pd.to_datetime(cur["day"]).dt.date, "kind": cur["kind"], "note": cur["note"]}
    ).reset_index(drop=True)
    edited = st.data_editor(
        cur,
        num_rows="dynamic",
        hide_index=True,
        key=f"plan.cal.{w.base.fy.year}",
        column_config={
            "day": st.column_config.DateColumn(sh.t("plan.cal_day"), required=True, format="YYYY-MM-DD"),
            "kind": st.column_config.SelectboxColumn(
                sh.t("plan.cal_kind"),
                options=["holiday", "workday"],
                required=True,
                help=sh.t("plan.cal_kind_help"),
            ),
            "note": st.column_config.TextColumn(sh.t("plan.note")),
        },
    )
    if not sh.access.can_manage_data:
        st.caption(sh.t("access.admin_only"))
        return
    if st.button(sh.t("plan.cal_save"), key="plan.cal_save", icon=":material/save:"):
        days = edited.dropna(subset=["day", "kind"])
        with writing(sh) as con:
            store.set_calendar_overrides(con, w.base.fy.year, days)
        fresh = load_inputs(
            sh.db,
            store.data_version(sh.db),
            w.base.fy.year,
            w.req.fy_start_month,
            w.req.calendar,
            w.req.history_window,
            sh.as_of,
        )
        ps.put(
            ps.Working.start(
                w.source,
                w.req,
                fresh,
                planning.build(fresh, w.req),
                scenario=w.scenario,
                based_on=w.based_on,
            )
        )
        st.rerun()


# --- sections of the edit and versions tabs ------------------------------------------------------


def _unit_cents(w: ps.Working) -> int:
    return int(w.unit * 100)


def drag_section(sh: Shell, w: ps.Working, locks: Locks) -> None:
    """Drag bar tops: the selected team's reps' annual totals, or the company's months."""
    if not sh.access.can_edit:
        return
    try:
        from components import drag_bars  # noqa: PLC0415 - built by a colleague; the page works without it
    except ImportError:
        st.caption(sh.t("plan.drag_missing"))
        return
    what = st.radio(
        sh.t("plan.drag_what"),
        ["team", "months"],
        format_func=lambda v: sh.t(f"plan.drag.{v}"),
        horizontal=True,
        key="plan.drag_what",
    )
    grid, plan = w.grid, w.base
    uc = _unit_cents(w)
    if what == "team":
        teams = [t for t in dict.fromkeys(plan.team_ids) if sh.access.can_edit_team(t)]
        if not teams:
            return
        team = st.selectbox(
            sh.t("col.team"),
            teams,
            format_func=lambda k: w.inputs.team_names.get(str(k), str(k)),
            key="plan.drag_team",
        )
        reps = [r for r in plan.rep_ids if plan.team_of[r] == team]
        totals = ps.rep_totals(grid)
        labels = [planning.rep_label(w.inputs.names, r, sh.lang) for r in reps]
        values = [int(totals[r] * 100) for r in reps]
        locked = [r in locks.rows for r in reps]
        res = drag_bars.drag_bars(
            labels,
            values,
            locked,
            total_cents=sum(values),
            unit_cents=uc,
            key=f"plan.drag.t.{team}",
            lang=sh.lang,
            axis_title=sh.t("plan.total"),
        )
        if res is None:
            return
        if res.lock is not None:
            i, flag = res.lock
            rows = set(locks.rows)
            (rows.add if flag else rows.discard)(reps[i])
            st.session_state["plan.row_locks"] = frozenset(rows)
        else:
            new, _, err = drag_bars.apply_drag(values, locked, res, total_cents=sum(values), unit_cents=uc)
            if err is None and res.edit is not None:
                rep = reps[res.edit[0]]
                try:
                    ps.put(
                        w.with_grid(
                            ps.edit_rep_total(
                                grid,
                                rep,
                                Decimal(new[res.edit[0]]).scaleb(-2),
                                team_of=plan.team_of,
                                locks=locks,
                                unit=w.unit,
                            )
                        )
                    )
                except RebalanceError as exc:
                    err = message_of(exc)
            st.session_state["plan.error"] = err
        st.rerun()
    months = plan.fy.month_labels()
    col = {m: sum((grid[(r, m)] for r in plan.rep_ids), Decimal(0)) for m in months}
    values = [int(col[m] * 100) for m in months]
    locked = [m in locks.columns for m in months]
    res = drag_bars.drag_bars(
        month_names(months, sh.lang),
        values,
        locked,
        total_cents=sum(values),
        unit_cents=uc,
        key="plan.drag.months",
        lang=sh.lang,
        axis_title=sh.t("plan.target"),
    )
    if res is None:
        return
    if res.lock is not None:
        i, flag = res.lock
        chosen = [m for m in st.session_state.get("plan.lock_months", []) if m != months[i]]
        ps.set_widgets_next_run(**{"plan.lock_months": [*chosen, months[i]] if flag else chosen})
    else:
        new, _, err = drag_bars.apply_drag(values, locked, res, total_cents=sum(values), unit_cents=uc)
        if err is None:
            try:
                totals = {m: Decimal(v).scaleb(-2) for m, v in zip(months, new, strict=True)}
                ps.put(w.with_grid(ps.set_month_totals(grid, totals, locks=locks, unit=w.unit)))
            except RebalanceError as exc:
                err = message_of(exc)
        st.session_state["plan.error"] = err
    st.rerun()


def rep_total_form(sh: Shell, w: ps.Working, locks: Locks) -> None:
    """Set one rep's annual total; the other reps of the team absorb the change."""
    mine = [r for r in w.base.rep_ids if sh.access.can_edit_team(w.base.team_of[r])]
    if not mine:
        return
    totals = ps.rep_totals(w.grid)
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    rep = c1.selectbox(
        sh.t("col.rep"),
        mine,
        format_func=lambda r: planning.rep_label(w.inputs.names, r, sh.lang),
        key="plan.rt_rep",
    )
    value = c2.number_input(
        sh.t("plan.rep_total"),
        min_value=0.0,
        value=float(totals[rep]),
        step=float(w.unit),
        format="%.2f",
        key=f"plan.rt_value.{rep}.{totals[rep]}",
    )
    if c3.button(sh.t("plan.apply"), key="plan.rt_apply"):
        try:
            grid = ps.edit_rep_total(
                w.grid, rep, ps.to_decimal(value), team_of=w.base.team_of, locks=locks, unit=w.unit
            )
            ps.put(w.with_grid(grid))
            st.session_state["plan.error"] = None
        except RebalanceError as exc:
            st.session_state["plan.error"] = message_of(exc)
        st.rerun()


def save_section(sh: Shell, w: ps.Working, versions: Sequence[store.PlanVersion]) -> None:
    """Save the working plan as a version; a stale save offers reload or a new scenario."""
    if not sh.access.can_edit:
        st.info(sh.t("access.read_only"), icon=":material/visibility:")
        return
    default = w.scenario or sh.t("plan.default_scenario")
    with st.form("plan.save_form"):
        c1, c2 = st.columns([1, 2])
        name = c1.text_input(sh.t("plan.scenario_name"), default, key="plan.save_name")
        note = c2.text_input(sh.t("plan.note"), "", key="plan.save_note")
        based = (
            sh.t("plan.based_on", v=f"{w.scenario} · v{w.based_on}")
            if w.based_on
            else sh.t("plan.new_scenario")
        )
        st.caption(based)
        if st.form_submit_button(sh.t("plan.save"), type="primary", icon=":material/save:"):
            based_on = w.based_on if name.strip() == w.scenario else None
            _save(sh, w, name, note, based_on)
    stale = st.session_state.get("plan.stale")
    if stale:
        st.error(sh.t("plan.stale", msg=md(stale["msg"])), icon=":material/sync_problem:")
        c1, c2 = st.columns(2)
        if c1.button(sh.t("plan.reload"), key="plan.reload", icon=":material/refresh:"):
            st.session_state.pop("plan.stale")
            latest = max(
                (v for v in versions if v.scenario == stale["name"]), key=lambda v: v.version, default=None
            )
            st.session_state.pop(ps.STATE_KEY, None)
            if latest is not None:
                ps.set_widgets_next_run(scenario=latest.scenario, version=f"v{latest.version}")
            st.rerun()
        taken = {v.scenario for v in versions}
        new_name = next(f"{stale['name']}-{i}" for i in range(2, 1000) if f"{stale['name']}-{i}" not in taken)
        if c2.button(sh.t("plan.save_as_new", name=new_name), key="plan.save_new", icon=":material/add:"):
            st.session_state.pop("plan.stale")
            _save(sh, w, new_name, stale["note"], None)


def _save(sh: Shell, w: ps.Working, name: str, note: str, based_on: int | None) -> None:
    # The one write path for plans: the role check runs here, on the server, for every save.
    changed = ps.changes(w.origin, w.grid)
    team_of = {str(r): t for r, t in w.base.team_of.items()}
    refusal = sh.access.plan_save_refusal(
        {team_of.get(str(r), r) for r in changed["rep_id"]}, from_saved_version=w.source[0] == "version"
    )
    if refusal is not None:
        kind, _, teams = refusal.partition(":")
        st.error(sh.t(f"access.refused.{kind}", teams=md(teams)), icon=":material/block:")
        return
    try:
        with writing(sh) as con:
            pv = planning.save(
                con,
                w.plan,
                w.req,
                scenario=name,
                based_on=based_on,
                note=note or None,
                changes=ps.changes(w.origin, w.grid),
                extra=w.extra,
                origin=int(w.source[1]) if w.source[0] == "version" else None,
            )
    except store.StaleVersion as exc:
        st.session_state["plan.stale"] = {"msg": str(exc), "name": name.strip(), "note": note}
        st.rerun()
    except store.StoreError as exc:
        st.error(sh.t("err.store", msg=md(exc)), icon=":material/error:")
        return
    st.session_state.pop("plan.stale", None)
    # The saved version becomes the view; the edits are now part of it.
    st.session_state[ps.STATE_KEY] = ps.Working.start(
        ("version", pv.version_id), w.req, w.inputs, w.plan, scenario=pv.scenario, based_on=pv.version
    )
    ps.set_widgets_next_run(scenario=pv.scenario, version=f"v{pv.version}")
    st.session_state["plan.saved"] = f"{pv.scenario} · v{pv.version}"
    st.rerun()


def versions_section(sh: Shell, vs: Sequence[store.PlanVersion], active: int | None) -> None:
    if not vs:
        st.caption(sh.t("plan.no_versions"))
        return
    _, suffix = charts.money_scale(sh.lang)
    st.dataframe(
        versions_frame(vs, active, sh.lang),
        hide_index=True,
        width="stretch",
        column_config={
            "scenario": sh.t("plan.scenario"),
            "version": st.column_config.NumberColumn(sh.t("plan.version"), format="v%d"),
            "author": sh.t("plan.author"),
            "time": st.column_config.DatetimeColumn(sh.t("plan.time"), format="YYYY-MM-DD HH:mm"),
            "target": st.column_config.NumberColumn(
                sh.t("plan.target") + suffix, format="%,.1f" if sh.lang == "zh" else "%,.2f"
            ),
            "note": sh.t("plan.note"),
            "active": st.column_config.CheckboxColumn(sh.t("plan.active")),
        },
    )
    labels = {version_label(v): v for v in vs}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox(
        sh.t("plan.set_active_pick"), list(labels), index=len(labels) - 1, key="plan.active_pick"
    )
    if sh.access.can_manage_data and c2.button(
        sh.t("plan.set_active"), key="plan.set_active", icon=":material/star:"
    ):
        with writing(sh) as con:
            store.set_active_plan(con, labels[pick].version_id)
        st.rerun()


def compare_section(
    sh: Shell, vs: Sequence[store.PlanVersion], names: Mapping[str, str], team_names: Mapping[str, str]
) -> None:
    if len(vs) < 2:
        st.caption(sh.t("plan.compare_need_two"))
        return
    labels = {version_label(v): v for v in vs}
    c1, c2, c3 = st.columns(3)
    a = c1.selectbox("A", list(labels), index=len(labels) - 2, key="plan.cmp_a")
    b = c2.selectbox("B", list(labels), index=len(labels) - 1, key="plan.cmp_b")
    level = c3.radio(
        sh.t("plan.level"),
        ["team", "rep"],
        format_func=lambda v: sh.t(f"plan.level_{v}"),
        horizontal=True,
        key="plan.cmp_level",
    )
    diff = compare(
        version_grid(sh.db, labels[a].version_id),
        version_grid(sh.db, labels[b].version_id),
        level,
        team_names if level == "team" else names,
    )
    changed = diff[diff["diff"] != 0]
    div, suffix = charts.money_scale(sh.lang)
    st.metric(sh.t("plan.cmp_total"), f"{sum(diff['diff'], Decimal(0)):+,.2f}")
    if not len(changed):
        st.info(sh.t("plan.cmp_same"), icon=":material/check:")
        return
    # Per month and team/rep: moves inside a team show up even when the team's total is unchanged.
    fig = go.Figure()
    for i, (who, part) in enumerate(changed.groupby("name", sort=False)):
        fig.add_bar(
            x=month_names(list(part["period"]), sh.lang),
            y=[float(v) / div for v in part["diff"]],
            name=str(who),
            marker_color=charts.PALETTE[i % len(charts.PALETTE)],
            hovertemplate="%{y:,.2f}",
        )
    fig.update_layout(barmode="relative")
    st.plotly_chart(
        charts.style(fig, x_title=sh.t("home.month"), y_title=sh.t("plan.diff") + suffix, height=300),
        key="plan.cmp_chart",
    )
    view = changed.assign(**{c: changed[c].map(lambda v: float(v) / div) for c in ("a", "b", "diff")})
    fmt = "%.1f" if sh.lang == "zh" else "%,.2f"
    st.dataframe(
        view[["name", "period", "a", "b", "diff"]],
        hide_index=True,
        width="stretch",
        column_config={
            "name": sh.t(f"plan.level_{level}"),
            "period": sh.t("plan.period"),
            "a": st.column_config.NumberColumn(f"A{suffix}", format=fmt),
            "b": st.column_config.NumberColumn(f"B{suffix}", format=fmt),
            "diff": st.column_config.NumberColumn(sh.t("plan.diff") + suffix, format=fmt),
        },
    )


def catchup_section(sh: Shell, w: ps.Working) -> None:
    """Re-plan the rest of the year from the sidebar's as-of date; the annual total is kept."""
    from analysis.plan import catch_up  # noqa: PLC0415

    # Elapsed up to the last day with data: a later sidebar day is not a day without sales.
    day = metrics.measured_day(sh.as_of, data.data_through(sh.db))
    st.caption(sh.t("plan.catchup_help", asof=day.isoformat()))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    mode = c1.radio(
        sh.t("plan.catchup_mode"),
        ["even", "seasonal", "front_loaded"],
        format_func=lambda m: sh.t(f"plan.cu.{m}"),
        horizontal=True,
        key="plan.cu_mode",
    )
    if c2.button(sh.t("plan.catchup"), key="plan.cu_go", icon=":material/update:"):
        try:
            actual = catch_up_actuals(sh.db, w.base.fy, day)
            new = catch_up(w.plan, actual, day, mode, elapsed="actual")  # type: ignore[arg-type]
        except (planning.PlanInputError, store.StoreError) as exc:
            st.session_state["plan.error"] = message_of(exc)
        else:
            ps.put(w.rebased(new, catch_up={"as_of": day.isoformat(), "mode": mode}))
            st.session_state["plan.error"] = None
        st.rerun()


def changelog_section(sh: Shell, scenario: str | None, names: Mapping[str, str]) -> None:
    log = load_changes(sh.db, store.data_version(sh.db), scenario).copy()
    log["rep_id"] = [names.get(str(r), str(r)) for r in log["rep_id"]]
    if not len(log):
        st.caption(sh.t("plan.no_changes"))
        return
    st.dataframe(
        log,
        hide_index=True,
        width="stretch",
        height=260,
        column_config={
            "scenario": sh.t("plan.scenario"),
            "version": st.column_config.NumberColumn(sh.t("plan.version"), format="v%d"),
            "rep_id": sh.t("col.rep"),
            "period": sh.t("plan.period"),
            "old": st.column_config.NumberColumn(sh.t("plan.old"), format="%,.2f"),
            "new": st.column_config.NumberColumn(sh.t("plan.new"), format="%,.2f"),
            "author": sh.t("plan.author"),
            "changed_at": st.column_config.DatetimeColumn(sh.t("plan.time"), format="YYYY-MM-DD HH:mm"),
        },
    )


def excel_section(sh: Shell, w: ps.Working) -> None:
    """Export with analysis.planio (a colleague's module) and import an existing plan file."""
    try:
        from analysis import planio  # noqa: PLC0415 - optional until the colleague's module lands
    except ImportError:
        st.caption(sh.t("plan.excel_missing"))
        return
    meta = {
        "scenario": w.scenario or "",
        "version": w.based_on or "",
        "spread_method": w.req.spread_method,
        "spread_params": w.req.spread_params,
        "allocate_method": w.req.allocate_method,
        "allocate_params": w.req.allocate_params,
        "unit": str(w.unit),
        "author": sh.access.who,
    }
    c1, c2 = st.columns(2)
    with c1:
        if st.button(sh.t("plan.export_prepare"), key="plan.xlsx_make", icon=":material/table_view:"):
            st.session_state["plan.xlsx"] = planio.plan_to_xlsx(
                w.plan, names=w.inputs.names, team_names=w.inputs.team_names, meta=meta, lang=sh.lang
            )
        if st.session_state.get("plan.xlsx"):
            st.download_button(
                sh.t("plan.export"),
                st.session_state["plan.xlsx"],
                file_name=f"plan_FY{w.base.fy.year}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="plan.xlsx_dl",
                icon=":material/download:",
            )
    with c2:
        # An imported plan is a draft that sets every team's targets: only an admin may save one,
        # so only an admin uploads (nobody else makes the server parse a file).
        if not sh.access.can_manage_data:
            st.caption(sh.t("access.admin_only"))
            return
        up = st.file_uploader(sh.t("plan.import"), type=["xlsx", "csv"], key="plan.import_file")
        if up is not None and st.button(sh.t("plan.import_go"), key="plan.import_go"):
            try:
                with store.connect(sh.db, read_only=True) as con:
                    parsed, req, inputs = planning.import_plan(
                        con,
                        up.getvalue(),
                        up.name,
                        year=w.base.fy.year,
                        fy_start_month=w.req.fy_start_month,
                        calendar=w.req.calendar,
                    )
            except Exception as exc:  # noqa: BLE001 - UploadRefused and friends: show the reason
                st.error(sh.t("plan.import_bad", msg=md(exc)), icon=":material/error:")
                return
            if not parsed.ok or parsed.plan is None:
                st.error(sh.t("plan.import_bad", msg=len(parsed.errors)), icon=":material/error:")
                st.dataframe(pd.DataFrame([e.__dict__ for e in parsed.errors]), hide_index=True)
                return
            ps.put(
                ps.Working.start(
                    ("draft", w.base.fy.year), req, inputs, parsed.plan, extra={"imported": up.name}
                )
            )
            ps.set_widgets_next_run(scenario=NEW)
            st.rerun()
