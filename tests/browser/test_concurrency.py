"""The server and the command line share one DuckDB file: CLI writes succeed while the app serves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, Server, wait_idle

pytestmark = pytest.mark.browser


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_writes_while_server_serves(
    demo_db: Path, tmp_path: Path, server_for: type[Server], page: Page
) -> None:
    srv = server_for(demo_db)
    page.goto(f"{srv.url}/?asof=2026-11-27")
    wait_idle(page)
    expect(page.get_by_text("本财年累计", exact=True)).to_be_visible()

    other = cli("demo", "--db", str(tmp_path / "other.duckdb"), "--rows", "2000", "--json")
    assert other.returncode == 0, other.stderr

    # A write to the served file: undo the demo import. The server holds no lock between requests.
    res = cli("undo", "1", "--db", str(demo_db), "--json")
    assert res.returncode == 0, res.stderr

    page.reload()
    wait_idle(page)
    expect(page.get_by_text("还没有销售数据")).to_be_visible()  # the server sees the change, no restart
