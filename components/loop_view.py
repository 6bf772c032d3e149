"""Execution-loop helpers for the tasks, weekly review and scorecard pages: cached reads, writes that
clear the caches, and the charts. Numbers come from :mod:`analysis.tasks`, ``review`` and ``scorecard``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import review, risks, scorecard, store, tasks
from analysis.i18n import t
from components import charts

T = TypeVar("T")


@st.cache_data(show_spinner=False, max_entries=16)
def load_tasks(db: str, version: tuple[float, int], as_of: dt.date) -> pd.DataFrame:
    del version
    with store.connect(db, read_only=True) as con:
        return tasks.classify(tasks.load(con), as_of)


@st.cache_data(show_spinner=False, max_entries=8)
def load_reps(db: str, version: tuple[float, int]) -> pd.DataFrame:
    del version
    with store.connect(db, read_only=True) as con:
        return store.reps_frame(con)


@st.cache_data(show_spinner=False, max_entries=8)
def load_rules(db: str, version: tuple[float, int]) -> dict[str, str]:
    del version
    with store.connect(db, read_only=True) as con:
        return tasks.rules(con)


@st.cache_data(show_spinner=False, max_entries=8)
def load_quiet(db: str, version: tuple[float, int], as_of: dt.date) -> pd.DataFrame:
    """The quiet-customer follow-up list of :func:`analysis.risks.silent_customers` as of a day."""
    del version
    with store.connect(db, read_only=True) as con:
        act = store.customer_activity(
            con,
            as_of - dt.timedelta(days=risks.HISTORY_DAYS - 1),
            as_of - dt.timedelta(days=risks.TRAILING_DAYS - 1),
            as_of,
        )
    return risks.silent_customers(act, as_of)


@st.cache_data(show_spinner=False, max_entries=16)
def load_review(
    db: str, version: tuple[float, int], week: str, as_of: dt.date, fy_start_month: int
) -> review.WeeklyReview:
    del version
    with store.connect(db, read_only=True) as con:
        return review.load(con, week, as_of, fy_start_month)


@st.cache_data(show_spinner=False, max_entries=16)
def load_scorecard(
    db: str, version: tuple[float, int], as_of: dt.date, period: str, fy_start_month: int
) -> scorecard.Scorecard:
    del version
    with store.connect(db, read_only=True) as con:
        return scorecard.load(con, as_of, period, fy_start_month)


def write(db: str, fn: Callable[[store.Connection], T]) -> T:
    """Run one write in a short read-write connection and clear the cached reads."""
    with store.connect(db) as con:
        out = fn(con)
    st.cache_data.clear()
    return out


def week_options(as_of: dt.date, n: int = 12) -> list[str]:
    """The ISO week of as_of and the ``n - 1`` weeks before it, newest first."""
    return [review.week_label(as_of - dt.timedelta(days=7 * i)) for i in range(n)]


STATE_COLOURS = {
    "overdue": "#cf222e",
    "due_soon": "#d29922",
    "open": "#1f6feb",
    "done": "#2da44e",
    "done_late": "#8250df",
    "cancelled": "#9aa5b1",
}


def timeline_chart(df: pd.DataFrame, as_of: dt.date, lang: str) -> go.Figure:
    """Each task as a bar from its creation day to its deadline, one row per task, coloured by state."""
    fig = go.Figure()
    for state, colour in STATE_COLOURS.items():
        part = df[df["state"] == state]
        if part.empty:
            continue
        start = pd.to_datetime(part["created_on"])
        end = pd.to_datetime(part["deadline"]) + pd.Timedelta(days=1)
        fig.add_bar(
            y=[f"#{i} {r}" for i, r in zip(part["task_id"], part["rep"], strict=True)],
            x=(end - start).dt.total_seconds() * 1000,
            base=start.dt.strftime("%Y-%m-%d"),
            orientation="h",
            name=t(f"task.state.{state}", lang),
            marker_color=colour,
            hovertext=part["title"].astype(str),
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line_dash="dot", line_color="#57606a")
    fig.update_xaxes(type="date")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        barmode="overlay",
        height=max(220, 28 * len(df) + 80),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.08},
        template="plotly_white",
    )
    return fig


def review_chart(reps: pd.DataFrame, lang: str) -> go.Figure:
    return charts.grouped_bars(
        [str(r) for r in reps["rep"]],
        {
            t("rev.target", lang): (reps["target_cents"] / 100).tolist(),
            t("rev.actual", lang): (reps["actual_cents"] / 100).tolist(),
        },
        lang=lang,
        x_title=t("col.rep", lang),
        y_title_key="home.amount",
    )


def label_map(prefix: str, codes: tuple[str, ...], lang: str) -> dict[str, str]:
    """code → translated label for a set of codes (task types, priorities, statuses, states)."""
    return {c: t(f"{prefix}.{c}", lang) for c in codes}
