"""A manager's own data, end to end (issue 22): an empty store, one real file, every command.

Each dataset (Superstore, Northwind, one rep with one month) goes through the command line in
process (``analysis.cli.main``, ~20x faster than a subprocess): init → import → plan … --save
--activate → progress --json → risks --json → report weekly → plan versions / compare /
catch-up / export. Machine output must be strict JSON: NaN or Infinity never reach stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis import cli


def _refuse(const: str) -> Any:
    raise ValueError(f"not JSON: {const}")


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and -Infinity (what jq and JavaScript do)."""
    return json.loads(text, parse_constant=_refuse)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return strict_json(self.out)


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> Run:
    capsys.readouterr()
    code = cli.main([*args, "--db", str(db)])
    cap = capsys.readouterr()
    return Run(code, cap.out, cap.err)


def ok(r: Run) -> Run:
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    return r


def one_rep_csv(path: Path) -> Path:
    """One rep, one month of orders (2019-03), no team, no customers: the smallest real import."""
    days = pd.bdate_range("2019-03-01", "2019-03-29")
    rows = [
        {
            "Order Date": d.strftime("%Y-%m-%d"),
            "Order ID": f"A{i:03d}",
            "Rep": "Li Wei",
            "Amount": f"{1000 + 37 * i}.50",
        }
        for i, d in enumerate(days)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


class TestEmit:
    """``cli.emit`` prints strict JSON: missing values become null whatever their type."""

    @pytest.mark.parametrize(
        "value", [float("nan"), float("inf"), -float("inf"), pd.NaT, pd.NA, None], ids=str
    )
    def test_missing_values_become_null(self, value: Any, capsys: pytest.CaptureFixture[str]) -> None:
        cli.emit({"v": value, "rows": [{"team": value}], "nested": {"x": (value,)}})
        assert strict_json(capsys.readouterr().out) == {
            "v": None,
            "rows": [{"team": None}],
            "nested": {"x": [None]},
        }

    def test_numpy_and_pandas_scalars(self, capsys: pytest.CaptureFixture[str]) -> None:
        import numpy as np

        cli.emit(
            {
                "i": np.int64(3),
                "f": np.float64(0.5),
                "nan": np.float64("nan"),
                "ts": pd.Timestamp("2017-06-30"),
                "money": Decimal("1.5"),
                "day": dt.date(2017, 6, 30),
            }
        )
        assert strict_json(capsys.readouterr().out) == {
            "i": 3,
            "f": 0.5,
            "nan": None,
            "ts": "2017-06-30T00:00:00",
            "money": "1.50",
            "day": "2017-06-30",
        }


class TestOwnDataCrashes:
    """The crashes found by importing a real file into an empty store (each a failing test first)."""

    def test_plan_without_leave_dates(
        self, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # pandas 3: .dt.date of an all-NaT column stays datetime64 and `>= date` raised TypeError.
        db = tmp_path / "s.duckdb"
        ok(run(capsys, db, "init"))
        ok(run(capsys, db, "import", str(shared_data / "northwind_rep_orders.csv")))
        for extra in ([], ["--allocate", "even"]):
            res = ok(run(capsys, db, "plan", "--year", "1998", "--target", "3000000", *extra, "--json"))
            body = strict_json(res.out)
            assert sum(Decimal(r["target"]) for r in body["rows"]) == Decimal("3000000.00")

    def test_progress_by_rep_text_with_teamless_reps(
        self, demo_db: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # The demo has teams; the import adds reps without one: NaN in a " / ".join raised.
        ok(run(capsys, demo_db, "import", str(shared_data / "northwind_rep_orders.csv")))
        res = ok(run(capsys, demo_db, "progress", "--by", "rep", "--as-of", "2026-11-20"))
        assert "Andrew Fuller" in res.out
        assert not re.search(r"\bnan\b", res.out, re.IGNORECASE)  # not Nancy Davolio

    @pytest.mark.parametrize("by", ["company", "team", "rep"])
    def test_progress_json_is_strict_with_teamless_reps(
        self, by: str, demo_db: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        ok(run(capsys, demo_db, "import", str(shared_data / "northwind_rep_orders.csv")))
        rows = run(capsys, demo_db, "progress", "--by", by, "--as-of", "2026-11-20", "--json").json()["rows"]
        teamless = [r for r in rows if r.get("rep") == "Andrew Fuller"]
        if by == "rep":
            assert teamless and teamless[0]["team"] is None
            assert teamless[0]["yoy"] is None
        for r in rows:
            assert r["yoy"] is None or math.isfinite(r["yoy"])

    def test_imports_lists_money_and_undo_state(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = tmp_path / "s.duckdb"
        ok(run(capsys, db, "init"))
        ok(run(capsys, db, "import", str(one_rep_csv(tmp_path / "one.csv"))))
        listed = run(capsys, db, "imports", "--json").json()["imports"][0]
        assert (listed["total"], listed["first_day"], listed["undone_at"]) == ("28780.50", "2019-03-01", None)
        assert "(undone)" not in ok(run(capsys, db, "imports")).out
        ok(run(capsys, db, "undo", "1"))
        assert "(undone)" in ok(run(capsys, db, "imports")).out
        assert run(capsys, db, "imports", "--json").json()["imports"][0]["undone_at"]


class TestTeamlessNumbers:
    """Wrong numbers the journeys found on a store of imports (no rep has a team)."""

    @pytest.fixture
    def northwind(self, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> Path:
        db = tmp_path / "nw.duckdb"
        ok(run(capsys, db, "init"))
        ok(run(capsys, db, "import", str(shared_data / "northwind_rep_orders.csv")))
        ok(run(capsys, db, "plan", "--year", "1998", "--target", "3000000", "--save", "b", "--activate"))
        return db

    def test_insights_gap_by_team_adds_up(self, northwind: Path) -> None:
        # groupby dropped the NaN team: the by-team gap read 0 against 0 on the insights page.
        from analysis import insights, store

        with store.connect(northwind, read_only=True) as con:
            view = insights.load_view(con, dt.date(1998, 4, 15))
        for vs in ("plan", "last_year"):
            team, rep = view.gap_frame("team", vs), view.gap_frame("rep", vs)
            assert team["actual_cents"].sum() == rep["actual_cents"].sum() > 0
            assert team["base_cents"].sum() == rep["base_cents"].sum() > 0
        assert list(view.team_health["team"]) == ["—"]
        assert view.rep_health["team"].notna().all()

    def test_overview_teams_table_has_the_teamless_row(self, northwind: Path) -> None:
        from analysis import overview, store

        with store.connect(northwind, read_only=True) as con:
            ov = overview.build_overview(con, dt.date(1998, 4, 15))
        assert list(ov.teams["team"]) == ["—"]
        assert ov.teams["ytd"].sum() == ov.reps["ytd"].sum() == ov.ytd

    def test_progress_rows_label_the_teamless_team(self, northwind: Path) -> None:
        # retro printed "Biggest miss: Team nan"; scorecard and incentives showed NaN as the team.
        from analysis import metrics, store

        with store.connect(northwind, read_only=True) as con:
            data = metrics.load_inputs(con, dt.date(1998, 4, 15))
        assert set(data.reps["team"]) == {metrics.NO_TEAM}
        assert data.reps["team_id"].isna().all()  # the key stays missing: filters still find them


class TestHistoryEnd:
    """Last year's months the data does not cover are borrowed from the year before; a file that
    ends on the month's last weekday covers its month (Superstore ends Saturday 2017-12-30)."""

    def test_superstore_december_is_its_own(
        self, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from analysis import planning, store
        from analysis.calendar import FiscalYear

        db = tmp_path / "s.duckdb"
        ok(run(capsys, db, "init"))
        ok(run(capsys, db, "import", str(shared_data / "superstore.xlsx")))
        with store.connect(db, read_only=True) as con:
            daily, notes = planning.last_year_daily(con, FiscalYear(2017))
        december = daily[pd.to_datetime(daily["day"]).dt.month == 12]["amount"].sum()
        assert notes == ()
        assert round(december, 2) == 83_829.30  # not December 2016's 96,999.07

    def test_a_month_cut_short_is_still_borrowed(
        self, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from analysis import planning, store
        from analysis.calendar import FiscalYear

        db = tmp_path / "nw.duckdb"
        ok(run(capsys, db, "init"))
        ok(run(capsys, db, "import", str(shared_data / "northwind_rep_orders.csv")))  # ends 1998-05-06
        with store.connect(db, read_only=True) as con:
            _daily, notes = planning.last_year_daily(con, FiscalYear(1998))
        assert len(notes) == 1 and "1998-05←1997-05" in notes[0]


def test_a_closed_pipe_is_not_an_internal_error(demo_db: Path) -> None:
    """``plan … --json | head -c 100``: the reader leaves early; exit quietly, no 'internal error'."""
    import subprocess
    import sys

    args = ["plan", "--year", "2027", "--target", "1000000", "--grain", "day", "--by", "rep", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", *args, "--db", str(demo_db)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)  # ~700 kB would follow: far more than a pipe buffers
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert err == "", err


class TestDefaultAsOf:
    """Views without an as-of date open on the data's own last year when its history ended long ago."""

    @pytest.mark.parametrize(
        "last_sale,start_month,expected",
        [
            (None, 1, "2026-12-03"),  # an empty store: today
            ("2026-12-02", 1, "2026-12-02"),  # the demo: data up to yesterday (issue 15: not today)
            ("2026-01-01", 1, "2026-01-01"),  # data reaches into today's fiscal year: its last day
            ("2025-12-31", 1, "2025-12-31"),  # ended last fiscal year: its last day
            ("2017-12-30", 1, "2017-12-30"),  # Superstore
            ("2026-03-31", 4, "2026-03-31"),  # fiscal years from April: FY2026 began 2026-04-01
            ("2026-04-01", 4, "2026-04-01"),
            ("2026-12-05", 1, "2026-12-03"),  # dated after today: today
        ],
    )
    def test_rule(self, last_sale: str | None, start_month: int, expected: str) -> None:
        from analysis.overview import default_as_of

        last = dt.date.fromisoformat(last_sale) if last_sale else None
        assert default_as_of(dt.date(2026, 12, 3), last, start_month) == dt.date.fromisoformat(expected)

    def test_cli_progress_and_risks_default_to_the_datas_last_day(
        self, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        db = tmp_path / "s.duckdb"
        ok(run(capsys, db, "init"))
        ok(run(capsys, db, "import", str(shared_data / "superstore.xlsx")))
        prog = run(capsys, db, "progress", "--json").json()
        assert prog["as_of"] == "2017-12-30"
        assert Decimal(prog["rows"][0]["actual"]) > 0
        assert run(capsys, db, "risks", "--json").json()["as_of"] == "2017-12-30"


@dataclass(frozen=True)
class Dataset:
    """A real file and where its history lies: the year to plan, an as-of day inside the data."""

    name: str
    file: str  # in ../shared/data, or "one_rep.csv" written by one_rep_csv
    rows: int
    total: str
    last_day: str
    year: int
    as_of: str
    week: str


DATASETS = [
    Dataset(
        "superstore", "superstore.xlsx", 9_994, "2297200.86", "2017-12-30", 2017, "2017-06-14", "2017-W24"
    ),
    Dataset(
        "northwind",
        "northwind_rep_orders.csv",
        830,
        "1265792.98",
        "1998-05-06",
        1998,
        "1998-04-15",
        "1998-W16",
    ),
    Dataset("one_rep", "one_rep.csv", 21, "28780.50", "2019-03-29", 2019, "2019-03-15", "2019-W11"),
]


def dataset_file(ds: Dataset, shared_data: Path) -> Path:
    return one_rep_csv(shared_data / ds.file) if ds.name == "one_rep" else shared_data / ds.file


def _sum(rows: list[dict[str, Any]], key: str = "target") -> Decimal:
    return sum((Decimal(r[key]) for r in rows), Decimal(0))


@pytest.mark.parametrize("ds", DATASETS, ids=lambda d: d.name)
def test_journey(ds: Dataset, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """init → import → plan --save --activate → progress → risks → report → versions/compare/catch-up/export."""
    db = tmp_path / "own.duckdb"

    def j(*args: str) -> Any:
        return run(capsys, db, *args, "--json").json()

    assert j("init")["schema_versions"]
    imported = j("import", str(dataset_file(ds, shared_data)))
    assert (imported["rows"], imported["total"], imported["last_date"]) == (ds.rows, ds.total, ds.last_day)

    year = str(ds.year)
    base = j("plan", "--year", year, "--target", "3000000", "--save", "base", "--activate")
    assert _sum(base["rows"]) == Decimal("3000000.00")
    assert base["saved"]["active"] is True
    alt = j("plan", "--year", year, "--target", "3300000", "--allocate", "even", "--save", "alt")
    assert _sum(alt["rows"]) == Decimal("3300000.00")
    base_id, alt_id = str(base["saved"]["version_id"]), str(alt["saved"]["version_id"])

    # Progress: the active plan, and the same actual whether summed by company, team or rep.
    by = {b: j("progress", "--as-of", ds.as_of, "--by", b) for b in ("company", "team", "rep")}
    assert by["company"]["plan"]["source"] == "active"
    company = by["company"]["rows"][0]
    assert Decimal(company["actual"]) > 0
    for b in ("team", "rep"):
        assert _sum(by[b]["rows"], "actual") == Decimal(company["actual"]), b
        assert _sum(by[b]["rows"], "target") == Decimal(company["target"]), b
    assert {r["team"] for r in by["rep"]["rows"]} == {None}  # an import sets no teams
    for grain in ("week", "quarter", "year"):
        assert j("progress", "--as-of", ds.as_of, "--grain", grain)["rows"]
    # No --as-of: the data's last day, not an empty year of today.
    assert j("progress")["as_of"] == ds.last_day

    for lang in ("zh", "en"):
        risks = j("risks", "--as-of", ds.as_of, "--lang", lang)
        assert risks["as_of"] == ds.as_of
        assert all(f["reason"] and f["action"] for f in risks["flags"])

    weekly = j(
        "report",
        "weekly",
        "--week",
        ds.week,
        "--out",
        str(tmp_path / "weekly.xlsx"),
        "--md",
        str(tmp_path / "w.md"),
    )
    assert Decimal(weekly["actual"]) > 0
    assert (tmp_path / "weekly.xlsx").stat().st_size > 0 and (tmp_path / "w.md").read_text(encoding="utf-8")
    month = ds.as_of[:7]
    assert j("report", "monthly", "--month", month, "--out", str(tmp_path / "m.xlsx"))["period"] == month

    versions = j("plan", "versions")["versions"]
    assert {(v["scenario"], v["active"]) for v in versions} == {("base", True), ("alt", False)}
    compare = j("plan", "compare", base_id, alt_id)
    assert compare["total_diff"] == "300000.00"
    catch = j("plan", "catch-up", "--version", base_id, "--as-of", ds.as_of)
    assert catch["catch_up"]["annual_after"] == "3000000.00"
    assert _sum(catch["rows"]) == Decimal("3000000.00")
    export = j("plan", "export", "--version", base_id, "--out", str(tmp_path / "plan.xlsx"))
    assert export["target"] == "3000000.00" and (tmp_path / "plan.xlsx").stat().st_size > 0

    # The forecast backtest needs a complete month with a year of history before it.
    backtest = run(capsys, db, "backtest", "--level", "team", "--json")
    if ds.name == "one_rep":
        assert backtest.code == 2 and len(backtest.err.strip().splitlines()) == 1
    else:
        assert backtest.json()["rows"]

    listed = j("imports")["imports"][0]
    assert (listed["total"], listed["last_day"], listed["undone_at"]) == (ds.total, ds.last_day, None)
    assert "(undone)" not in ok(run(capsys, db, "imports")).out  # NaT was truthy: every import looked undone
    assert j("tasks", "list")["tasks"] == []
    assert j("share", "create", "--version-id", base_id)["version_id"] == int(base_id)
    assert j("share", "list")["links"]
