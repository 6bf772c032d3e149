"""The command line contract: exit codes 0/2/1, one-line errors, JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_store import hold_lock

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


class TestExitCodes:
    @pytest.mark.parametrize(
        "args,needle",
        [
            (["frobnicate"], "invalid choice"),
            (["imports", "--db", "/nonexistent/dir/x.duckdb"], "does not exist"),
            (["demo", "--db", "/nonexistent/dir/x.duckdb"], "does not exist"),
            (["demo", "--rows", "0", "--db", "/tmp/never.duckdb"], "--rows"),
            (["undo", "99", "--db", "{db}"], "no import #99"),
        ],
    )
    def test_bad_input_is_one_line_exit_2(self, args: list[str], needle: str, demo_db: Path) -> None:
        res = cli(*[a.replace("{db}", str(demo_db)) for a in args])
        assert res.returncode == 2, res.stderr
        assert needle in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert "Traceback" not in res.stderr

    def test_demo_json_twice_identical_totals(self, tmp_path: Path) -> None:
        db = str(tmp_path / "x.duckdb")
        args = ("demo", "--db", db, "--rows", "3000", "--end", "2026-11-26", "--json")
        first = json.loads(cli(*args).stdout)
        again = cli(*args)  # the first build's import is in the store now: refused without --force
        assert again.returncode == 2 and "--force" in again.stderr
        outs = [first, json.loads(cli(*args, "--force").stdout)]
        assert outs[0]["total"] == outs[1]["total"]
        assert outs[0]["rows"] == 3000
        assert isinstance(outs[0]["total"], str) and outs[0]["total"].count(".") == 1

    def test_write_to_locked_db_fails_cleanly(self, demo_db: Path) -> None:
        proc = hold_lock(demo_db, 60)
        try:
            res = cli("undo", "1", "--db", str(demo_db), env={"SALES_LOCK_WAIT": "0.5"})
        finally:
            proc.kill()
            proc.wait()
        assert res.returncode == 2
        assert "in use by another process" in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1

    def test_imports_lists_the_demo(self, demo_db: Path) -> None:
        res = cli("imports", "--db", str(demo_db), "--json")
        assert res.returncode == 0, res.stderr
        imports = json.loads(res.stdout)["imports"]
        assert [i["import_id"] for i in imports] == [1]
        assert imports[0]["source"] == "demo"
