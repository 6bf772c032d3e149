"""Machine output is strict JSON on any store (issue 22): a property test over stores with reps
that have no team, no hire or leave date, no sales, history that ended long ago or is one day long.

Every ``--json`` command runs on the generated store (in process) and its stdout must parse with a
parser that refuses NaN and Infinity, as jq and JavaScript do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from analysis import cli, importer, store
from analysis.access import SYSTEM
from tests.unit.test_journey import strict_json

DAY0 = dt.date(2010, 1, 1)


@st.composite
def stores(draw: st.DrawFn) -> dict[str, object]:
    """Reps (some in a team, some not; some with hire/leave dates) and sales rows for some of them."""
    n_reps = draw(st.integers(1, 4))
    first = DAY0 + dt.timedelta(days=draw(st.integers(0, 15 * 365)))
    span = draw(st.integers(0, 500))  # 0: one day of history
    optional_day = st.one_of(
        st.none(), st.integers(-400, span + 400).map(lambda d: first + dt.timedelta(days=d))
    )
    reps = []
    for i in range(n_reps):
        hire, leave = draw(optional_day), draw(optional_day)
        if hire and leave and leave < hire:  # refused as bad input (exit 2), not what this tests
            hire, leave = leave, hire
        team = draw(st.sampled_from([None, "North", "South"]))
        reps.append({"name": f"Rep {i}", "team": team, "hire_date": hire, "leave_date": leave})
    sellers = draw(st.lists(st.integers(0, n_reps - 1), min_size=1, max_size=n_reps, unique=True))
    sales = [
        {
            "date": first + dt.timedelta(days=draw(st.integers(0, span))),
            "rep": reps[draw(st.sampled_from(sellers))]["name"],
            "amount": f"{draw(st.integers(1, 5_000_000)) / 100:.2f}",
        }
        for _ in range(draw(st.integers(1, 30)))
    ]
    return {"reps": reps, "sales": sales, "first": first, "last": max(s["date"] for s in sales)}


def build(db: Path, spec: dict[str, object]) -> None:
    store.init_db(db)
    reps = pd.DataFrame(spec["reps"])  # type: ignore[arg-type]
    teams = pd.DataFrame({"team_id": ["T1", "T2"], "name": ["North", "South"], "region": [None, None]})
    ref = pd.DataFrame(
        {
            "rep_id": [f"R{i:05d}" for i in range(len(reps))],
            "name": reps["name"],
            "team_id": reps["team"].map({"North": "T1", "South": "T2"}),
            "region": None,
            "level": "mid",
            "hire_date": pd.to_datetime(reps["hire_date"]).dt.date,
            "leave_date": pd.to_datetime(reps["leave_date"]).dt.date,
        }
    )
    empty = pd.DataFrame({"customer_id": [], "name": [], "region": [], "tier": []}, dtype=object)
    with store.connect(db, actor=SYSTEM) as con:
        store.replace_reference(
            con, teams, ref, empty, pd.DataFrame({"product_id": [], "name": []}, dtype=object)
        )
    csv = pd.DataFrame(spec["sales"]).to_csv(index=False).encode()  # type: ignore[arg-type]
    importer.commit(db, importer.preview(db, csv, "sales.csv"), actor=SYSTEM)


def run_json(db: Path, *args: str, may_refuse: bool = False) -> Any:
    """The command's parsed stdout; None when ``may_refuse`` and it refused the input (exit 2)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([*args, "--db", str(db), "--json"])
    if may_refuse and code == 2:  # e.g. every rep left before the year: nobody to plan for
        assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        return None
    assert code == 0, (args, err.getvalue())
    return strict_json(out.getvalue())


# ~2.5 s an example: enough stores to meet missing teams, dates and empty years, within the
# suite's time budget; no shrinking (a failure prints the whole store, which is small).
@settings(max_examples=6, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(spec=stores(), as_of_offset=st.integers(-40, 40))
def test_every_json_command_prints_strict_json(spec: dict[str, object], as_of_offset: int) -> None:
    last: dt.date = spec["last"]  # type: ignore[assignment]
    as_of = (last + dt.timedelta(days=as_of_offset)).isoformat()
    year = str(last.year)
    week = "{}-W{:02d}".format(*last.isocalendar()[:2])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "gen.duckdb"
        build(db, spec)
        for by in ("company", "team", "rep"):
            run_json(db, "progress", "--as-of", as_of, "--by", by)
        run_json(db, "progress", "--grain", "week", "--by", "rep")  # default as-of: the data's last day
        run_json(db, "risks", "--as-of", as_of, "--lang", "en")
        run_json(db, "risks")
        for allocate in ("history", "even", "capacity"):
            run_json(
                db, "plan", "--year", year, "--target", "1000000", "--allocate", allocate, may_refuse=True
            )
        saved = run_json(
            db, "plan", "--year", year, "--target", "1000000", "--save", "a", "--activate", may_refuse=True
        )
        if saved is not None:
            other = run_json(
                db, "plan", "--year", year, "--target", "1200000", "--allocate", "even", "--save", "b"
            )
            a, b = str(saved["saved"]["version_id"]), str(other["saved"]["version_id"])
            run_json(db, "progress", "--as-of", as_of, "--by", "rep")  # now against the active plan
            run_json(db, "plan", "compare", a, b)
            run_json(db, "plan", "catch-up", "--version", a, "--as-of", f"{year}-06-30")
            run_json(db, "plan", "export", "--version", a, "--out", str(Path(tmp) / "plan.xlsx"))
            run_json(db, "share", "create", "--version-id", a)
        run_json(db, "plan", "versions")
        run_json(db, "report", "weekly", "--week", week, "--out", str(Path(tmp) / "w.xlsx"))
        run_json(
            db, "report", "monthly", "--month", last.strftime("%Y-%m"), "--out", str(Path(tmp) / "m.xlsx")
        )
        run_json(db, "tasks", "list")
        run_json(db, "share", "list")
        run_json(db, "imports")
        run_json(db, "backup", "--out", str(Path(tmp) / "bk"))
        run_json(db, "undo", "1")
        run_json(db, "imports")
        run_json(db, "progress", "--as-of", as_of)  # a store whose only import is undone


# Commands the journeys and the property test above run with --json; the others, and why not.
EXERCISED = {
    "init",
    "import",
    "imports",
    "undo",
    "plan",
    "progress",
    "risks",
    "report",
    "tasks",
    "share",
    "backup",
    "backtest",
}
NOT_HERE = {
    "demo": "builds the demo company; its --json is tested in test_cli/test_demo",
    "bench": "times operations and rewrites BENCHMARKS.md",
    "restore": "replaces the whole store from a backup (test_backup)",
    "import-csat": "satisfaction scores, not sales (test_csat)",
}


def test_every_command_is_exercised_or_excused() -> None:
    """A new command must join the journeys (strict JSON on a store of imports) or say why not."""
    import argparse

    parser = cli.build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == EXERCISED | set(NOT_HERE)
