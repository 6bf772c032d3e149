"""Tests for analysis.importer: preview against the store, the user's decisions, commit and undo."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from analysis import importer, store
from analysis.access import SYSTEM
from analysis.ingest import AmbiguousMapping

HEADER = "日期,销售员,客户,金额"


def csv_file(lines: list[str], header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


def snapshot(db: Path) -> dict[str, Any]:
    """Everything an import could change, in a comparable form."""
    with store.connect(db, read_only=True) as con:
        q = con.execute
        return {
            "sales": q(
                "SELECT day, rep_id, customer_id, product_id, region, quantity, amount, order_key, source, "
                "import_id FROM sales WHERE removed_by IS NULL ORDER BY ALL"
            ).fetchall(),
            "rep_day": q("SELECT * FROM sum_rep_day ORDER BY ALL").fetchall(),
            "team_week": q("SELECT * FROM sum_team_week ORDER BY ALL").fetchall(),
            "live_imports": q("SELECT import_id FROM imports WHERE undone_at IS NULL ORDER BY 1").fetchall(),
            "reps": q("SELECT count(*) FROM reps").fetchall(),
        }


def live_total(db: Path) -> Decimal:
    with store.connect(db, read_only=True) as con:
        return Decimal(con.execute("SELECT sum(amount) FROM sales WHERE removed_by IS NULL").fetchall()[0][0])


class TestSuggestReps:
    @pytest.mark.parametrize(
        "name,known,expected",
        [
            ("张\u3000伟", ["张伟", "王芳"], ["张伟"]),  # full-width space inside
            ("zhang wei", ["Zhang Wei", "Li Na"], ["Zhang Wei"]),  # case
            ("ZHANG  WEI", ["Zhang Wei"], ["Zhang Wei"]),  # case and double space
            ("Ｚｈａｎｇ Ｗｅｉ", ["Zhang Wei"], ["Zhang Wei"]),  # full-width letters
            ("Zhang Weii", ["Zhang Wei", "Wang Fang"], ["Zhang Wei"]),  # one letter off
            ("Someone Else", ["Zhang Wei"], []),  # nothing close: create
        ],
    )
    def test_close_matches(self, name: str, known: list[str], expected: list[str]) -> None:
        assert importer.suggest_reps([name], known) == {name: expected}

    def test_known_names_are_not_listed(self) -> None:
        assert importer.suggest_reps(["张伟"], ["张伟"]) == {}


class TestPreview:
    def test_superstore_against_demo(self, demo_db: Path, shared_data: Path) -> None:
        data = (shared_data / "superstore.xlsx").read_bytes()
        pv = importer.preview(demo_db, data, "superstore.xlsx")
        assert pv.parsed.total_cents == 229_720_086
        assert pv.previous is None
        assert sorted(u.name for u in pv.unknown_reps) == [
            "Anna Andreadi",
            "Cassandra Brandow",
            "Chuck Magee",
            "Kelly Williams",
        ]
        assert sum(u.amount_cents for u in pv.unknown_reps) == 229_720_086
        assert pv.overlap["rows_in_range"] == 0  # demo rows are source "demo"

    def test_missing_database_is_an_empty_store(self, tmp_path: Path) -> None:
        pv = importer.preview(tmp_path / "new.duckdb", csv_file(["2026-11-03,张三,甲,10"]), "a.csv")
        assert [u.name for u in pv.unknown_reps] == ["张三"]
        assert not (tmp_path / "new.duckdb").exists()
        res = importer.commit(tmp_path / "new.duckdb", pv, actor=SYSTEM)
        assert (res.rows, res.total, res.new_reps) == (1, Decimal("10.00"), ["张三"])

    def test_trimmed_full_width_space_is_the_known_rep(self, demo_db: Path) -> None:
        pv = importer.preview(demo_db, csv_file(["2026-11-03,张伟\u3000,甲,10"]), "a.csv")
        assert pv.unknown_reps == []
        res = importer.commit(demo_db, pv, actor=SYSTEM)
        assert res.new_reps == []

    def test_overlap_counts_rows_and_keys_of_the_same_source(self, tmp_path: Path) -> None:
        db = tmp_path / "o.duckdb"
        header = "订单号,日期,销售员,金额"
        first = csv_file(["A1,2026-11-03,张三,10", "A2,2026-11-04,张三,20"], header)
        importer.commit(db, importer.preview(db, first, "a.csv"), actor=SYSTEM)
        again = csv_file(["A2,2026-11-04,张三,20", "A3,2026-11-05,张三,30"], header)
        pv = importer.preview(db, again, "b.csv")
        assert pv.overlap == {"rows_in_range": 1, "amount_in_range": Decimal("20.00"), "duplicate_keys": 1}
        other = importer.preview(db, again, "b.csv", source="crm")
        assert other.overlap["rows_in_range"] == 0


class TestMapping:
    HEADER = "OrderDate,SalesPerson,SubTotal,TotalDue"

    def test_confirmed_mapping_is_remembered_for_the_same_header(self, tmp_path: Path) -> None:
        db = tmp_path / "m.duckdb"
        one = csv_file(["2026-11-03,Ann,100.00,113.00"], self.HEADER)
        with pytest.raises(AmbiguousMapping) as err:
            importer.preview(db, one, "one.csv")
        assert err.value.candidates == ["SubTotal", "TotalDue"]
        # The first import has no database yet, so nothing is remembered before the commit.
        pv = importer.preview(db, one, "one.csv", mapping={"amount": "TotalDue"})
        importer.commit(db, pv, actor=SYSTEM)
        two = csv_file(["2026-11-04,Ann,200.00,226.00"], self.HEADER)
        pv2 = importer.preview(db, two, "two.csv")
        assert pv2.parsed.mapping_remembered
        assert pv2.parsed.mapping["amount"] == "TotalDue"
        assert pv2.parsed.total_cents == 22600

    def test_other_header_is_not_affected(self, tmp_path: Path) -> None:
        db = tmp_path / "m.duckdb"
        pv = importer.preview(
            db, csv_file(["2026-11-03,Ann,1,2"], self.HEADER), "a.csv", mapping={"amount": "SubTotal"}
        )
        importer.commit(db, pv, actor=SYSTEM)
        with pytest.raises(AmbiguousMapping):
            importer.preview(
                db, csv_file(["2026-11-03,Ann,1,2"], "OrderDate,Owner,SubTotal,TotalDue"), "b.csv"
            )


class TestCommit:
    def test_row_errors_refuse_unless_excluded(self, demo_db: Path) -> None:
        data = csv_file(["2026-11-03,张伟,甲,100", "2026-11-04,张伟,乙,abc", "2026-11-05,王芳,丙,50"])
        pv = importer.preview(demo_db, data, "e.csv")
        assert [(e.row, e.column) for e in pv.parsed.errors] == [(3, "金额")]
        before = snapshot(demo_db)
        with pytest.raises(importer.ImportRefused, match="1 rows have errors"):
            importer.commit(demo_db, pv, actor=SYSTEM)
        assert snapshot(demo_db) == before
        res = importer.commit(demo_db, pv, exclude_error_rows=True, actor=SYSTEM)
        assert (res.rows, res.total) == (2, Decimal("150.00"))

    def test_same_file_twice_is_refused_and_changes_nothing(self, demo_db: Path, shared_data: Path) -> None:
        data = (shared_data / "northwind_rep_orders.csv").read_bytes()
        first = importer.commit(demo_db, importer.preview(demo_db, data, "nw.csv"), actor=SYSTEM)
        assert first.total == Decimal("1265792.98")
        before = snapshot(demo_db)
        pv = importer.preview(demo_db, data, "renamed.csv")
        assert pv.already_imported is not None
        assert f"as #{first.import_id}" in pv.already_imported
        with pytest.raises(store.AlreadyImported, match=f"already imported on .* as #{first.import_id}"):
            importer.commit(demo_db, pv, actor=SYSTEM)
        assert snapshot(demo_db) == before

    def test_replace_range_then_undo_restores_exactly(self, demo_db: Path, shared_data: Path) -> None:
        data = (shared_data / "northwind_rep_orders.csv").read_bytes()
        importer.commit(demo_db, importer.preview(demo_db, data, "nw.csv"), actor=SYSTEM)
        before = snapshot(demo_db)
        total_before = live_total(demo_db)
        # The corrected re-upload of one month: two orders instead of the month's 25.
        corrected = csv_file(
            [
                "10248,1996-07-04,5,Steven Buchanan,VINET,1000.00",
                "10249,1996-07-31,6,Michael Suyama,TOMSP,1.00",
            ],
            "order_id,order_date,employee_id,rep,customer_id,amount",
        )
        pv = importer.preview(demo_db, corrected, "july.csv")
        assert pv.overlap["rows_in_range"] > 2
        res = importer.commit(demo_db, pv, mode="replace-range", actor=SYSTEM)
        assert res.removed_rows == pv.overlap["rows_in_range"]
        assert live_total(demo_db) == total_before - pv.overlap["amount_in_range"] + Decimal("1001.00")
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.undo_import(con, res.import_id)
        assert snapshot(demo_db) == before

    def test_skip_duplicates_keeps_only_new_keys(self, tmp_path: Path) -> None:
        db = tmp_path / "d.duckdb"
        header = "订单号,日期,销售员,金额"
        importer.commit(
            db, importer.preview(db, csv_file(["A1,2026-11-03,张三,10"], header), "a.csv"), actor=SYSTEM
        )
        pv = importer.preview(
            db, csv_file(["A1,2026-11-03,张三,10", "A2,2026-11-04,张三,5"], header), "b.csv"
        )
        res = importer.commit(db, pv, mode="skip-duplicates", actor=SYSTEM)
        assert (res.rows, res.skipped_duplicates, res.total) == (1, 1, Decimal("5.00"))

    def test_rename_to_an_existing_rep(self, demo_db: Path) -> None:
        pv = importer.preview(
            demo_db, csv_file(["2026-11-03,张\u3000伟,甲,10", "2026-11-03,新人,甲,5"]), "r.csv"
        )
        hints = {u.name: u.suggestions for u in pv.unknown_reps}
        assert hints == {"张\u3000伟": ["张伟"], "新人": []}
        res = importer.commit(demo_db, pv, rep_renames={"张\u3000伟": "张伟"}, actor=SYSTEM)
        assert res.new_reps == ["新人"]
        with store.connect(demo_db, read_only=True) as con:
            rep = con.execute(
                "SELECT r.name FROM sales s JOIN reps r USING (rep_id) WHERE s.import_id = ? AND amount = 10",
                [res.import_id],
            ).fetchall()
        assert rep == [("张伟",)]

    def test_rename_to_unknown_rep_is_refused(self, demo_db: Path) -> None:
        pv = importer.preview(demo_db, csv_file(["2026-11-03,张\u3000伟,甲,10"]), "r.csv")
        with pytest.raises(importer.ImportRefused, match="unknown reps: Nobody"):
            importer.commit(demo_db, pv, rep_renames={"张\u3000伟": "Nobody"}, actor=SYSTEM)

    def test_strict_reps_refuses_unknown(self, demo_db: Path) -> None:
        pv = importer.preview(demo_db, csv_file(["2026-11-03,新人,甲,10"]), "s.csv")
        before = snapshot(demo_db)
        with pytest.raises(store.StoreError, match="unknown reps: 新人"):
            importer.commit(demo_db, pv, strict_reps=True, actor=SYSTEM)
        assert snapshot(demo_db) == before

    def test_bad_mode(self, demo_db: Path) -> None:
        pv = importer.preview(demo_db, csv_file(["2026-11-03,张伟,甲,10"]), "s.csv")
        with pytest.raises(importer.ImportRefused, match="import mode"):
            importer.commit(demo_db, pv, mode="merge", actor=SYSTEM)


def test_bench_import_reports_rows_and_memory() -> None:
    rows = importer.bench_import(sizes=(300,), runs=1, history_rows=1000)
    assert rows[0]["rows"] == 300
    assert set(rows[0]) >= {"operation", "rows", "p50_ms", "p95_ms", "baseline_ms", "py_peak_mb"}
    assert rows[0]["p50_ms"] > 0
