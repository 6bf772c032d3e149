"""``python -m analysis import``: real files, JSON shape, exit 2 with the store unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import classicmodels
from tests.unit.test_cli import cli
from tests.unit.test_importer import snapshot

KEYS = ["import_id", "rows", "total", "reps", "new_reps", "first_date", "last_date", "skipped", "statuses"]


def run_json(*args: str) -> dict[str, object]:
    res = cli("import", *args, "--json")
    assert res.returncode == 0, res.stderr
    out: dict[str, object] = json.loads(res.stdout)
    return out


class TestStatusPolicy:
    def test_classicmodels_by_default_and_with_every_status(self, tmp_path: Path) -> None:
        f = tmp_path / "classicmodels_orders.csv"
        f.write_bytes(classicmodels.orders_csv())
        out = run_json(str(f), "--db", str(tmp_path / "a.duckdb"))
        assert (out["rows"], out["total"]) == (320, "9365336.43")
        statuses = {s["value"]: s for s in out["statuses"]}  # type: ignore[attr-defined]
        assert statuses["Cancelled"] == {
            "value": "Cancelled",
            "rows": 6,
            "amount": "238854.18",
            "counts": False,
            "policy": "drop",
        }
        every = [a for v in classicmodels.STATUSES for a in ("--count-status", v)]
        out = run_json(str(f), "--db", str(tmp_path / "b.duckdb"), *every)
        assert (out["rows"], out["total"]) == (326, "9604190.61")

    def test_unknown_status_is_reported_and_dropped(self, tmp_path: Path) -> None:
        f = tmp_path / "orders.csv"
        f.write_text("date,rep,status,amount\n2026-01-01,A,Shipped,10\n2026-01-02,B,Backordered,5\n")
        res = cli("import", str(f), "--db", str(tmp_path / "a.duckdb"))
        assert res.returncode == 0, res.stderr
        assert "Backordered" in res.stdout and "not counted" in res.stdout
        assert "total 10.00" in res.stdout
        res = cli("import", str(f), "--db", str(tmp_path / "b.duckdb"), "--count-status", "*", "--json")
        assert json.loads(res.stdout)["total"] == "15.00"


class TestRealFiles:
    def test_superstore(self, demo_db: Path, shared_data: Path) -> None:
        out = run_json(str(shared_data / "superstore.xlsx"), "--db", str(demo_db))
        assert list(out) == KEYS
        assert out["import_id"] == 2  # the demo is #1
        assert out["rows"] == 9994
        assert out["total"] == "2297200.86"
        assert out["reps"] == ["Anna Andreadi", "Cassandra Brandow", "Chuck Magee", "Kelly Williams"]
        assert out["new_reps"] == out["reps"]
        assert (out["first_date"], out["last_date"]) == ("2014-01-03", "2017-12-30")
        assert out["skipped"] == []

    def test_northwind_exact_sum(self, tmp_path: Path, shared_data: Path) -> None:
        out = run_json(str(shared_data / "northwind_rep_orders.csv"), "--db", str(tmp_path / "n.duckdb"))
        assert out["total"] == "1265792.98"
        assert out["rows"] == 830

    @pytest.mark.parametrize(
        "extra,first_line",
        [
            ([], "no column found for rep, amount"),
            (["--map", "rep=employeeID", "--map", "amount=freight"], "176 rows have errors"),
        ],
    )
    def test_malformed_northwind_is_refused(
        self, demo_db: Path, shared_data: Path, extra: list[str], first_line: str
    ) -> None:
        before = snapshot(demo_db)
        res = cli("import", str(shared_data / "northwind_orders_malformed.csv"), "--db", str(demo_db), *extra)
        assert res.returncode == 2
        lines = res.stderr.strip().splitlines()
        assert first_line in lines[0]
        assert len(lines) <= 22
        if extra:
            assert lines[1].startswith("row 4, column -, value '10250,HANAR")
            assert lines[-1] == "… and 156 more"
        assert snapshot(demo_db) == before


class TestRefusals:
    def test_same_file_twice(self, demo_db: Path, shared_data: Path) -> None:
        f = str(shared_data / "northwind_rep_orders.csv")
        first = run_json(f, "--db", str(demo_db))
        before = snapshot(demo_db)
        res = cli("import", f, "--db", str(demo_db))
        assert res.returncode == 2
        assert "already imported on " in res.stderr and f"as #{first['import_id']}" in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert snapshot(demo_db) == before

    def test_ambiguous_amount_names_candidates_and_map(self, tmp_path: Path) -> None:
        f = tmp_path / "aw.csv"
        f.write_text("OrderDate,SalesPerson,SubTotal,TotalDue\n2026-11-03,Ann,100.00,113.00\n")
        db = str(tmp_path / "a.duckdb")
        res = cli("import", str(f), "--db", db)
        assert res.returncode == 2
        assert "'SubTotal', 'TotalDue'" in res.stderr and "--map amount=" in res.stderr
        assert not Path(db).exists()
        out = run_json(str(f), "--db", db, "--map", "amount=TotalDue")
        assert out["total"] == "113.00"

    @pytest.mark.parametrize(
        "args,needle",
        [
            (["--map", "amount"], "use FIELD=COLUMN"),
            (["--map", "colour=金额"], "unknown field 'colour'"),
            (["--mode", "merge"], "invalid choice"),
            (["--date-order", "ydm"], "invalid choice"),
            (["--sheet", "Nope"], "no sheet named 'Nope'"),
        ],
    )
    def test_bad_options_one_line(self, demo_db: Path, tmp_path: Path, args: list[str], needle: str) -> None:
        f = tmp_path / "s.csv"
        f.write_text("日期,销售员,金额\n2026-11-03,张伟,10\n", encoding="utf-8")
        res = cli("import", str(f), "--db", str(demo_db), *args)
        assert res.returncode == 2
        assert needle in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1

    def test_missing_file(self, demo_db: Path, tmp_path: Path) -> None:
        res = cli("import", str(tmp_path / "nope.csv"), "--db", str(demo_db))
        assert res.returncode == 2 and "is not a file" in res.stderr

    def test_strict_reps_lists_suggestions(self, demo_db: Path, tmp_path: Path) -> None:
        f = tmp_path / "s.csv"
        f.write_text("日期,销售员,金额\n2026-11-03,张\u3000伟,10\n", encoding="utf-8")
        before = snapshot(demo_db)
        res = cli("import", str(f), "--db", str(demo_db), "--strict-reps")
        assert res.returncode == 2
        assert "1 reps are not known" in res.stderr
        assert "did you mean '张伟'" in res.stderr
        assert snapshot(demo_db) == before


class TestModes:
    def test_replace_range_then_undo_via_cli(self, demo_db: Path, shared_data: Path, tmp_path: Path) -> None:
        run_json(str(shared_data / "northwind_rep_orders.csv"), "--db", str(demo_db))
        before = snapshot(demo_db)
        f = tmp_path / "july.csv"
        f.write_text("order_id,order_date,rep,amount\n10248,1996-07-04,Steven Buchanan,5.00\n")
        out = cli("import", str(f), "--db", str(demo_db), "--mode", "replace-range", "--json")
        assert out.returncode == 0, out.stderr
        body = json.loads(out.stdout)
        assert body["replaced_rows"] == 1  # only 1996-07-04 is in the file's range
        undo = cli("undo", str(body["import_id"]), "--db", str(demo_db))
        assert undo.returncode == 0, undo.stderr
        assert snapshot(demo_db) == before

    def test_skip_duplicates_reported_in_skipped(
        self, demo_db: Path, shared_data: Path, tmp_path: Path
    ) -> None:
        run_json(str(shared_data / "northwind_rep_orders.csv"), "--db", str(demo_db))
        f = tmp_path / "dup.csv"
        f.write_text(
            "order_id,order_date,rep,amount\n10248,1996-07-04,Steven Buchanan,440.0\n99999,1998-06-01,Steven Buchanan,1\n"
        )
        out = run_json(str(f), "--db", str(demo_db), "--mode", "skip-duplicates")
        assert out["rows"] == 1 and out["total"] == "1.00"
        assert out["skipped"] == [{"reason": "order key already stored", "count": 1}]

    def test_stage_skips_listed(self, tmp_path: Path) -> None:
        f = tmp_path / "crm.csv"
        f.write_text(
            "Close Date,Opportunity Owner,Stage,Amount\n2026-11-03,Ann,Closed Won,100\n"
            "2026-11-04,Ann,Closed Lost,50\n2026-11-05,Bob,Negotiation,70\n2026-11-06,Bob,Closed Lost,1\n"
        )
        out = run_json(str(f), "--db", str(tmp_path / "c.duckdb"))
        assert out["total"] == "100.00"
        assert out["skipped"] == [
            {"reason": "stage: Closed Lost", "count": 2},
            {"reason": "stage: Negotiation", "count": 1},
        ]

    def test_text_output(self, tmp_path: Path) -> None:
        f = tmp_path / "t.csv"
        f.write_text("日期,销售员,金额\n2026-11-03,张伟,10\n合计,,10\n", encoding="utf-8")
        res = cli("import", str(f), "--db", str(tmp_path / "t.duckdb"))
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith(
            "imported #1: 1 rows, total 10.00, 2026-11-03..2026-11-03, 1 reps (1 new)"
        )
        assert "skipped 1: totals row" in res.stdout
