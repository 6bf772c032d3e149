"""Cached reads for pages. Thin wrappers: open a short-lived read-only connection, call analysis.

The cache key includes the database file's (mtime, size), so a write by the command line or
another session shows up on the next rerun without holding a connection open.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import plotly.graph_objects as go
import streamlit as st

from analysis import overview, store
from analysis.i18n import month_label, t
from components import charts


def ensure_db(db: str) -> None:
    """Create the database on first use (a missing file is a first run, not an error) and bring a
    file made by an older version of the app up to the current schema (pages read-only, so
    without this a new page would fail on a table the file does not have yet)."""
    path = store.db_path(db)
    if not path.exists():
        store.init_db(db)
        return
    seen = (str(path), store.data_version(db))
    if seen in _CURRENT:
        return
    if not store.is_current(db):
        store.init_db(db)  # a read-write open applies the pending migrations
    _CURRENT.add((str(path), store.data_version(db)))


# Files (by path and version) already known to be on the current schema, so the check costs a
# read-only open only after a write.
_CURRENT: set[tuple[str, tuple[float, int]]] = set()


@st.cache_data(show_spinner=False, max_entries=64)
def load_overview(
    db: str, version: tuple[float, int], as_of: dt.date, fy_start_month: int
) -> overview.Overview:
    del version  # part of the cache key only
    with store.connect(db, read_only=True) as con:
        return overview.build_overview(con, as_of, fy_start_month)


# Built once per data version and language, shared by every session (see progress_view.figures:
# a resource, because unpickling a figure validates it again; st.plotly_chart never changes it).
@st.cache_resource(show_spinner=False, max_entries=32)
def overview_chart(
    db: str, version: tuple[float, int], as_of: dt.date, fy_start_month: int, lang: str
) -> go.Figure:
    """The home page's monthly sales, this fiscal year against last."""
    ov = load_overview(db, version, as_of, fy_start_month)
    return charts.grouped_bars(
        [month_label(int(m), lang) for m in ov.monthly["month"]],
        {
            t("home.this_fy", lang): ov.monthly["this_fy"].tolist(),
            t("home.last_fy", lang): ov.monthly["last_fy"].tolist(),
        },
        lang=lang,
        x_title=t("home.month", lang),
        y_title_key="home.amount",
    )


@st.cache_data(show_spinner=False, max_entries=16)
def load_setting(db: str, version: tuple[float, int], key: str, default: str) -> str:
    del version
    with store.connect(db, read_only=True) as con:
        return store.get_setting(con, key, default) or default


def fy_start_month(db: str) -> int:
    return int(load_setting(db, store.data_version(db), "fy_start_month", "1"))


@st.cache_data(show_spinner=False, max_entries=16)
def last_sale_day(db: str, version: tuple[float, int]) -> dt.date | None:
    del version
    with store.connect(db, read_only=True) as con:
        return store.sales_bounds(con)[1]


def data_through(db: str) -> dt.date | None:
    """The store's last day with sales (None for a missing, empty or unreadable store)."""
    if not store.db_path(db).exists():
        return None
    try:
        return last_sale_day(db, store.data_version(db))
    except (store.StoreError, duckdb.Error):  # the page itself reports the store problem
        return None


# Fixes "today" (YYYY-MM-DD) for tests and recorded demos; unset, today is the machine's date.
TODAY_ENV = "SALES_TODAY"


def today() -> dt.date:
    """The real date, which deadlines are judged against (overdue, due this week, a task's creation
    and done day), unlike sales numbers, which are measured to the sidebar's as-of day: on a store
    whose data ended in 2017 a task due last Friday is still overdue today. ``$SALES_TODAY`` fixes it."""
    fixed = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def default_as_of(db: str) -> dt.date:
    """The sidebar's as-of date when the URL names none: the data's last day with sales (today
    when there is none; :func:`analysis.overview.default_as_of`)."""
    today_ = today()
    if not store.db_path(db).exists():  # first run: the page creates the store after the sidebar
        return today_
    try:
        version = store.data_version(db)
        return overview.default_as_of(today_, last_sale_day(db, version), fy_start_month(db))
    except (store.StoreError, duckdb.Error):  # the page itself reports the store problem
        return today_
