"""AppTest fixtures: caches cleared around every test; the app reads the DB named by SALES_DB."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from components.data import TODAY_ENV
from components.shell import SHOW_EXCEPTIONS_ENV
from tests.conftest import DEMO_END

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def show_exceptions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep Streamlit's exception element, which AppTests check with ``at.exception``: the page
    error boundary (components/shell.py) would otherwise turn a crash into a one-line st.error.
    With its message and traceback: the app's config redacts them for users."""
    monkeypatch.setenv(SHOW_EXCEPTIONS_ENV, "1")
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


# Deadlines are judged against the real date (components.data.today), sales against the as-of day.
# Tests of task states fix today (``pytestmark = pytest.mark.usefixtures("fixed_today")``) on the day
# after the test demo's last data day, as `make run` builds the demo through yesterday, so they do
# not change with the wall clock.
TODAY = DEMO_END + dt.timedelta(days=1)


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setenv(TODAY_ENV, TODAY.isoformat())
    return TODAY


@pytest.fixture(autouse=True)
def clear_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def app(script: str, db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """An AppTest for ``script`` on database ``db`` with the given URL query parameters."""
    monkeypatch.setenv("SALES_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at
