"""The load test's protocol session (tests/load/protocol.py) against a real server, so it cannot rot.

One session does what a load session does (open, switch page, filter by team, save a scenario)
over the websocket, with no browser; the saved scenario must be in the database afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from pathlib import Path

import pytest

from analysis import store
from tests.browser.conftest import Server
from tests.load.protocol import ProtocolSession

pytestmark = pytest.mark.browser


async def one_session(url: str) -> list[str]:
    """Open, progress page, filter by a team, plan page, save "proto-1"; what went wrong, if anything."""
    problems: list[str] = []
    async with ProtocolSession(url, timeout=60) as s:
        await s.open("lang=English")
        await s.switch_page("progress")
        await s.set_value(s.widget("selectbox", re.compile("^Team$")), "华南")
        if "team=%E5%8D%8E%E5%8D%97" not in s.query:
            problems.append(f"filter not in the URL: ?{s.query}")
        problems += s.run.exceptions
        await s.switch_page("plan")
        problems += s.run.exceptions
        s.fill(s.widget("text_input", re.compile("^Scenario name$")), "proto-1")
        save = next(w for w in s.run.widgets.values() if w.kind == "button" and w.proto.is_form_submitter)
        await s.submit(save)
        problems += s.run.exceptions
        if "scenario=proto-1" not in s.query:
            problems.append(f"save not shown: ?{s.query} {s.errors_shown()}")
        if "lang=English" not in s.query:
            problems.append(f"language lost: ?{s.query}")
    return problems


def test_protocol_session_switches_filters_and_saves(demo_db: Path, server_for: type[Server]) -> None:
    srv = server_for(demo_db)
    # Its own thread and event loop: Playwright's sync API, once another browser test has started
    # it, keeps an event loop running in this thread, where asyncio.run() is refused.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, one_session(srv.url)).result() == []
    # The server holds no lock between requests; the fixture checks its log for tracebacks.
    with store.connect(str(demo_db), read_only=True) as con:
        saved = con.execute("SELECT version FROM plan_versions WHERE scenario = ?", ["proto-1"]).fetchall()
    assert saved == [(1,)]
