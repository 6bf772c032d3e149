"""Progress page helpers: cached inputs and views, and the page's charts and tables.

Numbers come from :mod:`analysis.metrics`; this module only caches and draws them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from analysis import metrics, store
from analysis.forecast import Result as ForecastCheck
from analysis.i18n import fmt_amount, fmt_pct, t
from components import charts, data, shell, tables


@st.cache_data(show_spinner=False, max_entries=16)
def load_data(
    db: str, version: tuple[float, int], as_of: dt.date, fy_start_month: int
) -> metrics.ProgressData:
    del version  # part of the cache key only
    with store.connect(db, read_only=True) as con:
        return metrics.load_inputs(con, as_of, fy_start_month)


@dataclass(frozen=True)
class Loaded:
    """What the progress, scorecard and incentive pages read first."""

    version: tuple[float, int]  # store.data_version: the cache key of every read after this
    fy_start: int  # first month of the fiscal year (setting)
    data: metrics.ProgressData  # progress inputs as of the shell's as-of day


def open_db(sh: shell.Shell) -> tuple[tuple[float, int], int]:
    """Make sure the database exists and is current; its data version and fiscal-year start month.
    A store problem is shown as a message and the page stops there."""
    try:
        data.ensure_db(sh.db)
        return store.data_version(sh.db), data.fy_start_month(sh.db)
    except store.StoreError as exc:
        shell.store_error(sh, exc)
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers so


def load(sh: shell.Shell) -> Loaded:
    """:func:`open_db`, then the cached progress inputs as of ``sh.as_of`` (same error handling)."""
    version, fy_start = open_db(sh)
    try:
        pdata = load_data(sh.db, version, sh.as_of, fy_start)
    except store.StoreError as exc:
        shell.store_error(sh, exc)
        st.stop()
        raise
    return Loaded(version, fy_start, pdata)


@st.cache_data(show_spinner=False, max_entries=64)
def load_view(
    db: str,
    version: tuple[float, int],
    as_of: dt.date,
    fy_start_month: int,
    period_label: str,
    scope: str,
    key: str | None,
) -> metrics.PageView:
    data = load_data(db, version, as_of, fy_start_month)
    period = metrics.period_by_label(data.fy, period_label)
    return metrics.page_view(data, period, scope, key)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Figures:
    burnup: go.Figure
    growth: go.Figure
    heatmap: go.Figure | None  # None when there is no rep x month attainment to show
    check: go.Figure | None  # how the forecast did on past periods; None without enough of them


# Figures are built once per data version, view and language and shared by every session: a
# rerun only serialises them (~1 ms each) instead of building them again through plotly's
# validation (~10-20 ms each). Resources, not data: pickling a figure would validate it again on
# every read. st.plotly_chart copies the figure (to_dict) and never changes it; nor may a page.
@st.cache_resource(show_spinner=False, max_entries=64)
def figures(
    db: str,
    version: tuple[float, int],
    as_of: dt.date,
    fy_start_month: int,
    period_label: str,
    scope: str,
    key: str | None,
    lang: str,
) -> Figures:
    view = load_view(db, version, as_of, fy_start_month, period_label, scope, key)
    grain = "week" if view.progress.period.grain == "week" else "month"
    return Figures(
        burnup=burnup_chart(view.burnup, lang),
        growth=growth_chart(view.trend, lang, grain),
        heatmap=heatmap_chart(view.heatmap, lang) if len(view.heatmap) else None,
        check=check_chart(view.progress.check, lang),
    )


def _money(cents: float, div: float) -> float:
    return float(cents) / 100 / div


def burnup_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    div, suffix = charts.money_scale(lang)
    x = [d.isoformat() for d in df["day"]]
    fig = go.Figure()
    hi = [None if pd.isna(v) else _money(v, div) for v in df["high_cents"]]
    lo = [None if pd.isna(v) else _money(v, div) for v in df["low_cents"]]
    fig.add_scatter(x=x, y=hi, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    fig.add_scatter(
        x=x,
        y=lo,
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(210,153,34,0.25)",
        name=t("prog.cone", lang),
        hovertemplate="%{y:,.1f}",
    )
    fig.add_scatter(
        x=x,
        y=[_money(v, div) for v in df["plan_cum_cents"]],
        mode="lines",
        name=t("prog.cum_plan", lang),
        line={"color": charts.PALETTE[1], "dash": "dot", "width": 2},
        hovertemplate="%{y:,.1f}",
    )
    fig.add_scatter(
        x=x,
        y=[None if pd.isna(v) else _money(v, div) for v in df["actual_cum_cents"]],
        mode="lines",
        name=t("prog.cum_actual", lang),
        line={"color": charts.PALETTE[0], "width": 3},
        hovertemplate="%{y:,.1f}",
    )
    fig.add_scatter(
        x=x,
        y=[None if pd.isna(v) else _money(v, div) for v in df["forecast_cents"]],
        mode="lines",
        name=t("prog.cum_forecast", lang),
        line={"color": charts.PALETTE[3], "dash": "dash", "width": 2},
        hovertemplate="%{y:,.1f}",
    )
    return charts.style(fig, x_title=t("prog.day", lang), y_title=t("prog.cum", lang) + suffix)


def _unit(grain: str, lang: str) -> str:
    return t(f"prog.unit_{grain}", lang)


def trust_line(p: metrics.Progress, lang: str) -> str | None:
    """ "On this day of past months the forecast was within ±x % in m of n months" (None when the
    period is over or has not begun; a 'too little history' line when there is no check yet)."""
    c = p.check
    if c is None:
        return None
    if c.within is None:
        return t("prog.trust_none", lang)
    n = sum(1 for _, _, y in c.own if y > 0)
    return t(
        "prog.trust", lang, unit=_unit(p.period.grain, lang), x=fmt_pct(c.within, lang), m=c.within_count, n=n
    )


def check_chart(c: ForecastCheck | None, lang: str) -> go.Figure | None:
    """Past periods of this scope: forecast at the same point ÷ final actual − 1, within ±x or not."""
    if c is None or c.within is None:
        return None
    rows = [(label, (f / y - 1) * 100) for label, f, y in c.own if y > 0]
    x = c.within * 100
    inside = [abs(e) <= x + 1e-9 for _, e in rows]
    x_pct = fmt_pct(c.within, lang)
    fig = go.Figure()
    for flag, key, color in (
        (True, "prog.check_within", charts.PALETTE[2]),
        (False, "prog.check_outside", charts.PALETTE[4]),
    ):
        pick = [r for r, ok in zip(rows, inside, strict=True) if ok is flag]
        fig.add_bar(
            x=[r[0] for r in pick],
            y=[r[1] for r in pick],
            name=t(key, lang, x=x_pct),
            marker_color=color,
            hovertemplate="%{x}: %{y:+.1f}%<extra></extra>",
        )
    for level in (x, -x):
        fig.add_hline(y=level, line={"color": charts.PALETTE[1], "dash": "dot", "width": 1})
    charts.style(fig, x_title="", y_title=t("prog.check_err", lang) + " (%)", height=260)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[r[0] for r in rows])
    fig.update_yaxes(rangemode="normal", zeroline=True)
    return fig


def heatmap_rows(df: pd.DataFrame) -> tuple[list[str], list[str], pd.DataFrame]:
    """One row per rep (in the frame's order) and one column per month: (row labels "name · team",
    months, attainment grid). Pivoting on (team, rep) with dropna=False made every rep × every team
    (~100 rows for 24 reps); rep_id is the row key, so a rep is one row whatever the names."""
    reps = df.drop_duplicates("rep_id")[["rep_id", "rep", "team"]]
    months = list(dict.fromkeys(df["month"]))
    grid = df.pivot(index="rep_id", columns="month", values="attainment").reindex(
        index=reps["rep_id"], columns=months
    )
    labels = [f"{r} · {tm}" for r, tm in zip(reps["rep"], reps["team"].fillna(metrics.NO_TEAM), strict=True)]
    if len(set(labels)) < len(labels):  # same name in the same team: the id tells them apart
        labels = [f"{lab} ({rid})" for lab, rid in zip(labels, reps["rep_id"], strict=True)]
    return labels, months, grid


def heatmap_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    y, months, grid = heatmap_rows(df)
    z = (grid.to_numpy(dtype=float) * 100).round(0)
    text = [["" if v != v else f"{v:.0f}%" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=y,
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=100,
            zmin=50,
            zmax=150,
            colorbar={"title": {"text": t("prog.attainment", lang) + " %"}},
            hovertemplate="%{y} %{x}: %{z:.0f}%<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    height = max(300, 26 * len(y) + 90)
    charts.style(fig, x_title=t("prog.month", lang), y_title=t("prog.rep", lang), height=height)
    fig.update_yaxes(rangemode="normal")
    fig.update_xaxes(type="category")
    fig.update_layout(hovermode="closest")
    return fig


def growth_chart(tr: metrics.Trend, lang: str, grain: str) -> go.Figure:
    div, suffix = charts.money_scale(lang)
    df = tr.frame
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    colors = [charts.PALETTE[0] if c else "rgba(31,111,235,0.45)" for c in df["complete"]]
    fig.add_bar(
        x=list(df["period"]),
        y=[_money(v, div) for v in df["actual_cents"]],
        name=t("prog.sales", lang),
        marker_color=colors,
        hovertemplate="%{y:,.1f}",
        secondary_y=False,
    )
    for col, key, color in (
        ("growth", "prog.wow_series", charts.PALETTE[2]),
        ("yoy", "prog.yoy_series", charts.PALETTE[4]),
    ):
        fig.add_scatter(
            x=list(df["period"]),
            y=[None if v is None or v != v else v * 100 for v in df[col]],
            name=t(key, lang),
            mode="lines+markers",
            line={"color": color},
            hovertemplate="%{y:+.1f}%",
            secondary_y=True,
        )
    unit = t("prog.unit_week" if grain == "week" else "prog.unit_month", lang)
    charts.style(
        fig, x_title=unit if lang == "zh" else unit.capitalize(), y_title=t("prog.sales", lang) + suffix
    )
    fig.update_yaxes(
        title_text=t("prog.growth_rate", lang), secondary_y=True, rangemode="normal", zeroline=True
    )
    return fig


def table(df: pd.DataFrame, lang: str, *, by: str, key: str, on_select: object = None) -> None:
    """Team or rep table; money in 万 (zh) / CNY (en), ratios in %."""
    div, suffix = charts.money_scale(lang)
    view = pd.DataFrame({"team": df["team"]})
    if by == "rep":
        view["rep"] = df["rep"]
    for col, src in (("target", "target_cents"), ("actual", "actual_cents"), ("expected", "expected_cents")):
        view[col] = df[src] / 100 / div
    view["gap"] = df["gap_cents"] / 100 / div
    view["gap_pct"] = df["gap_pct"].astype(float) * 100
    view["attainment"] = df["attainment"].astype(float) * 100
    view["forecast"] = df["forecast_cents"] / 100 / div
    view["yoy"] = df["yoy"].astype(float) * 100
    money_fmt = "%.1f" if lang == "zh" else "%,.0f"
    cfg = {
        "team": st.column_config.TextColumn(t("prog.team", lang)),
        "rep": st.column_config.TextColumn(t("prog.rep", lang)),
        "target": st.column_config.NumberColumn(t("prog.target", lang) + suffix, format=money_fmt),
        "actual": st.column_config.NumberColumn(t("prog.actual", lang) + suffix, format=money_fmt),
        "expected": st.column_config.NumberColumn(t("prog.col_expected", lang) + suffix, format=money_fmt),
        "gap": st.column_config.NumberColumn(t("prog.pace_gap", lang) + suffix, format=money_fmt),
        "gap_pct": st.column_config.NumberColumn(t("prog.col_gap_pct", lang), format="%+.1f%%"),
        "attainment": st.column_config.ProgressColumn(
            t("prog.attainment", lang), format="%.1f%%", min_value=0, max_value=100
        ),
        "forecast": st.column_config.NumberColumn(t("prog.forecast", lang) + suffix, format=money_fmt),
        "yoy": st.column_config.NumberColumn(t("prog.yoy", lang), format="%+.1f%%"),
    }
    kw: dict[str, object] = {}
    if on_select is not None:
        kw = {"on_select": on_select, "selection_mode": "single-row"}
    st.dataframe(view, column_config=cfg, hide_index=True, width="stretch", key=key, **kw)  # type: ignore[arg-type]
    # The download holds exact yuan and plain ratios, headed as the table is.
    export = pd.DataFrame({c: view[c] for c in ("team", "rep") if c in view.columns})
    for col, src in (("target", "target_cents"), ("actual", "actual_cents"), ("expected", "expected_cents"),
                     ("gap", "gap_cents"), ("forecast", "forecast_cents")):  # fmt: skip
        export[col] = [Decimal(int(c)) / 100 for c in df[src]]
    for col in ("gap_pct", "attainment", "yoy"):
        export[col] = df[col].astype(float)
    heads = {"team": t("prog.team", lang), "rep": t("prog.rep", lang), "target": t("prog.target", lang),
             "actual": t("prog.actual", lang), "expected": t("prog.col_expected", lang),
             "gap": t("prog.pace_gap", lang), "gap_pct": t("prog.col_gap_pct", lang),
             "attainment": t("prog.attainment", lang), "forecast": t("prog.forecast", lang), "yoy": t("prog.yoy", lang)}  # fmt: skip
    sheet = t("prog.reps" if by == "rep" else "prog.teams", lang)
    tables.download({sheet: tables.labelled(export, heads)}, f"progress-{by}.xlsx", lang, key=f"{key}_xlsx")


def kpis(p: metrics.Progress, lang: str) -> None:
    """Six cards in two rows of three: target, actual, attainment / pace gap, forecast, YoY.

    Two rows so an exact amount (-1,234,567) fits its card; six in one row cut it to "-1,234,…"."""
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric(t("prog.target", lang), fmt_amount(p.target, lang))
    cols[1].metric(
        t("prog.actual", lang),
        fmt_amount(p.actual, lang),
        delta=t("prog.expected", lang, v=fmt_amount(p.expected_to_date, lang)),
        delta_color="off",
        delta_arrow="off",
    )
    cols[2].metric(
        t("prog.attainment", lang),
        fmt_pct(p.attainment, lang),
        delta=t("prog.to_date", lang, v=fmt_pct(p.attainment_to_date, lang)),
        delta_color="off",
        delta_arrow="off",
    )
    cols[3].metric(
        t("prog.pace_gap", lang),
        fmt_amount(p.pace_gap, lang),
        delta=fmt_pct(p.pace_gap_pct, lang, signed=True),
    )
    prob = p.band.probability
    cols[4].metric(
        t("prog.forecast", lang),
        fmt_amount(p.forecast, lang),
        delta=t("prog.prob", lang, v=fmt_pct(prob, lang)),
        delta_color="off",
        delta_arrow="off",
        help=t("prog.interval", lang, lo=fmt_amount(p.band.low, lang), hi=fmt_amount(p.band.high, lang)),
    )
    cols[5].metric(t("prog.yoy", lang), fmt_pct(p.yoy, lang, signed=True))


def required_line(p: metrics.Progress, lang: str) -> str:
    if p.complete:
        return t("prog.done", lang)
    return t(
        "prog.required",
        lang,
        days=p.remaining_workdays,
        v=fmt_amount(p.required_daily or Decimal(0), lang),
        rate=fmt_amount(p.run_rate_daily, lang),
    )


def growth_line(p: metrics.Progress, lang: str) -> str:
    g = p.growth
    return t(
        "prog.growth_line",
        lang,
        wow=fmt_pct(g.get("wow"), lang, signed=True),
        mom=fmt_pct(g.get("mom"), lang, signed=True),
        qoq=fmt_pct(g.get("qoq"), lang, signed=True),
        yoy=fmt_pct(g.get("yoy"), lang, signed=True),
    )
