"""Execution-loop helpers for the tasks, weekly review and scorecard pages: cached reads, writes that
clear the caches, and the charts. Numbers come from :mod:`analysis.tasks`, ``review`` and ``scorecard``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import csat, retro, review, risks, scorecard, store, tasks
from analysis.filesafety import IngestError
from analysis.i18n import fmt_amount, fmt_pct, t
from analysis.ingest import RowError
from components import auth, charts
from components.safe import md
from components.shell import Shell, writing

T = TypeVar("T")


@st.cache_data(show_spinner=False, max_entries=16)
def load_tasks(db: str, version: tuple[float, int], today: dt.date) -> pd.DataFrame:
    """Every task with its state (overdue, due soon, …) judged against ``today``, the real date."""
    del version
    with store.connect(db, read_only=True) as con:
        return tasks.classify(tasks.load(con), today)


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
    db: str, version: tuple[float, int], as_of: dt.date, period: str, fy_start_month: int, today: dt.date
) -> scorecard.Scorecard:
    """The scorecard: sales measured to ``as_of``, tasks done or due up to ``today`` (the real date)."""
    del version
    with store.connect(db, read_only=True) as con:
        return scorecard.load(con, as_of, period, fy_start_month, today=today)


def write(sh: Shell, fn: Callable[[store.Connection], T]) -> T:
    """Run one write in a short read-write connection acting as the signed-in user
    (``shell.writing``: the store's gate checks the user; a refusal is shown and stops the run).

    Cached reads need no clearing: they are keyed on ``store.data_version``, which the write
    changes, so the next rerun reads afresh while other sessions keep their cached views (a
    global clear made every session recompute everything after anyone's write)."""
    with writing(sh) as con:
        return fn(con)


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


def timeline_chart(df: pd.DataFrame, today: dt.date, lang: str) -> go.Figure:
    """Each task as a bar from its creation day to its deadline, one row per task, coloured by state;
    a dotted line at today."""
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
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line_dash="dot", line_color="#57606a")
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


# --- retrospective / csat ---


@st.cache_data(show_spinner=False, max_entries=16)
def load_retro(
    db: str, version: tuple[float, int], label: str, as_of: dt.date, fy_start_month: int
) -> retro.Retrospective:
    del version
    with store.connect(db, read_only=True) as con:
        return retro.load(con, label, as_of, fy_start_month)


def _money(cents: object, lang: str) -> str:
    return fmt_amount(int(str(cents)) / 100, lang)


def render_retro(rt: retro.Retrospective, lang: str) -> None:
    """The retrospective of a month or quarter: summary, stages (table + chart), biggest misses
    with their flags, plan versions changed in the period and the review notes."""
    p = rt.period
    st.markdown(f"#### {t('retro.md_title', lang, period=p.label, start=p.start, end=p.end)}")
    plan_key = "rep.plan_active" if rt.plan_source == "active" else "rep.plan_default"
    st.caption(t(plan_key, lang, label=md(rt.plan_label)))
    st.markdown("\n".join(f"- {md(line)}" for line in rt.summary(lang)))

    def money_cols(df: pd.DataFrame, first: dict[str, pd.Series]) -> pd.DataFrame:
        out = pd.DataFrame(first)
        for col, key in (("target_cents", "retro.target"), ("expected_cents", "retro.expected"),
                         ("actual_cents", "rev.actual"), ("gap_cents", "retro.gap")):  # fmt: skip
            out[t(key, lang)] = [_money(c, lang) for c in df[col]]
        out[t("rev.attainment", lang)] = [fmt_pct(a, lang) for a in df["attainment"]]
        return out

    st.markdown(f"##### {t('retro.stages', lang)}")
    stages = money_cols(rt.stages, {t("retro.stage", lang): rt.stages["stage"].astype(str)})
    st.dataframe(stages, hide_index=True, width="stretch", key="retro_stages")
    st.plotly_chart(
        charts.grouped_bars(
            [str(s) for s in rt.stages["stage"]],
            {
                t("retro.target", lang): (rt.stages["target_cents"] / 100).tolist(),
                t("rev.actual", lang): (rt.stages["actual_cents"] / 100).tolist(),
            },
            lang=lang,
            x_title=t("retro.stage", lang),
            y_title_key="home.amount",
        ),
        width="stretch",
        key="retro_chart",
    )
    st.markdown(f"##### {t('retro.misses', lang)}")
    m = rt.misses
    if m.empty:
        st.caption(t("rev.none", lang))
    else:
        misses = money_cols(
            m,
            {
                t("retro.scope", lang): pd.Series([t(f"retro.scope.{s}", lang) for s in m["scope"]]),
                t("rep.who", lang): m["name"].astype(str),
            },
        )
        misses[t("retro.flags", lang)] = [
            rt.flag_text(str(s), str(e), lang) or t("rev.none", lang)
            for s, e in zip(m["scope"], m["entity_id"], strict=True)
        ]
        st.dataframe(misses, hide_index=True, width="stretch", key="retro_misses")
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"##### {t('retro.events', lang)}")
        ev = rt.events
        if ev.empty:
            st.caption(t("rev.none", lang))
        else:
            view = pd.DataFrame(
                {
                    t("retro.when", lang): [pd.Timestamp(w).strftime("%Y-%m-%d %H:%M") for w in ev["when"]],
                    t("retro.event", lang): [t(f"retro.event.{e}", lang) for e in ev["event"]],
                    t("retro.scenario", lang): [
                        f"{s} v{v}" for s, v in zip(ev["scenario"], ev["version"], strict=True)
                    ],
                    t("retro.author", lang): ev["author"].fillna("").astype(str),
                    t("retro.changes", lang): ev["changes"],
                }
            )
            st.dataframe(view, hide_index=True, width="stretch", key="retro_events")
    with c2:
        st.markdown(f"##### {t('retro.notes', lang)}")
        notes = rt.notes
        if notes.empty:
            st.caption(t("rev.none", lang))
        else:
            view = pd.DataFrame(
                {
                    t("retro.week", lang): notes["iso_week"].astype(str),
                    t("col.rep", lang): notes["rep"].astype(str),
                    t("rev.note", lang): notes["note"].astype(str),
                }
            )
            st.dataframe(view, hide_index=True, width="stretch", key="retro_notes")


def row_errors(errors: Sequence[RowError], lang: str) -> pd.DataFrame:
    """Per-row problems of a side import (CSAT, tasks) as a table: row, column, value, reason."""
    return pd.DataFrame(
        {
            t("imp.row", lang): [e.row for e in errors],
            t("imp.column", lang): [e.column for e in errors],
            t("imp.value", lang): [e.value for e in errors],
            t("imp.reason", lang): [e.reason for e in errors],
        }
    )


def import_csat(sh: Shell, name: str, data: bytes) -> None:
    """Read, validate and store a CSAT file; success reruns the page, problems are shown in place."""
    try:
        with store.connect(sh.db, read_only=True) as con:
            parsed = csat.read(con, data, name, sh.today)
        if parsed.errors:
            st.error(t("csat.errors", sh.lang, n=len({e.row for e in parsed.errors})))
            st.dataframe(row_errors(parsed.errors, sh.lang), hide_index=True, width="stretch")
            return
        iid = write(sh, lambda con: csat.commit(con, parsed, name))
    except (IngestError, csat.CsatError, store.StoreError) as exc:
        st.error(t("csat.refused", sh.lang, msg=md(exc)))
        return
    st.session_state["sc_msg"] = t("csat.done", sh.lang, n=len(parsed.rows), id=iid)
    st.rerun()


def task_file_preview(sh: Shell, name: str, data: bytes) -> None:
    """Read an uploaded task list: per-row errors, or a button that creates every task."""
    try:
        with store.connect(sh.db, read_only=True) as con:
            reps = store.reps_frame(con)
            tf = tasks.read_task_file(
                data, name, reps, store.customers_frame(con), sh.today, tasks.rules(con)
            )
    except (IngestError, store.StoreError) as exc:
        st.error(t("task.import_refused", sh.lang, msg=md(exc)))
        return
    if tf.errors:
        st.error(t("task.import_errors", sh.lang, n=len({e.row for e in tf.errors})))
        st.dataframe(row_errors(tf.errors, sh.lang), hide_index=True, width="stretch")
        return
    team_of = dict(zip(reps["rep_id"].astype(str), reps["team_id"], strict=True))
    if st.button(
        t("task.import_go", sh.lang, n=len(tf.items)), type="primary", key="task_file_go"
    ) and auth.may_write(sh.access, [team_of.get(str(it.rep_id)) for it in tf.items], sh.lang):
        try:
            ids = write(sh, lambda con: tasks.create(con, tf.items, sh.today))
            st.session_state["task_msg"] = t("task.created", sh.lang, n=len(ids))
            st.session_state["task_file_n"] = int(st.session_state.get("task_file_n", 0)) + 1
        except (store.StoreError, tasks.TaskError) as exc:
            st.session_state["task_err"] = t("task.err", sh.lang, msg=str(exc))
        st.rerun()
