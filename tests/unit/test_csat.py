"""CSAT import: the 1-5 scale, per-row errors, safe reading (encodings, header row, formulas), storing
all-or-nothing, the scorecard KPI."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis import csat, scorecard, store
from analysis.access import SYSTEM
from analysis.cli import main
from analysis.filesafety import UploadRefused

D = dt.date
REPS = pd.DataFrame({"rep_id": ["R001", "R002", "R003", "R004"], "name": ["张三", "李四", "王五", "王五"]})
CUSTOMERS = pd.DataFrame({"customer_id": ["C001", "C002"], "name": ["甲公司", "乙公司"]})


def parse(text: str, encoding: str = "utf-8", **kw: object) -> csat.CsatFile:
    return csat.parse_file(text.encode(encoding), "csat.csv", REPS, CUSTOMERS, D(2026, 11, 26), **kw)  # type: ignore[arg-type]


class TestScore:
    @pytest.mark.parametrize(
        "text,expected",
        [("5", 5), ("1", 1), ("4分", 4), ("3.0", 3), ("4/5", 4), (" 2 ", 2), ("５", 5)],
    )
    def test_accepted(self, text: str, expected: int) -> None:
        assert csat.parse_score(text) == (expected, None)

    @pytest.mark.parametrize(
        "text,why",
        [
            ("0", "outside the 1-5 scale (a 0-10 score?"),
            ("9", "outside the 1-5 scale (a 0-10 score?"),
            ("11", "outside the 1-5 scale"),
            ("-1", "outside the 1-5 scale"),
            ("4.5", "whole number"),
            ("8/10", "not on the 1-5 scale"),
            ("good", "not a number"),
            (None, "empty"),
        ],
    )
    def test_refused(self, text: str | None, why: str) -> None:
        score, reason = csat.parse_score(text)
        assert score is None and reason is not None and why in reason


class TestParse:
    def test_gbk_csv_with_a_title_row(self) -> None:
        p = parse(
            "满意度回访表\n日期,客户,销售员,满意度\n2026-11-01,甲公司,张三,5\n2026/11/02,C002,R002,4分\n",
            "gbk",
        )
        assert p.ok and p.header_row == 2 and "gb18030" in p.notes[0]
        assert p.rows[["rep_id", "customer_id", "score", "row"]].values.tolist() == [
            ["R001", "C001", 5, 3], ["R002", "C002", 4, 4]
        ]  # fmt: skip
        assert p.rows["day"].tolist() == [D(2026, 11, 1), D(2026, 11, 2)]

    def test_english_headers_and_blank_rows(self) -> None:
        p = parse("Date,Customer,Rep,Score\n2026-11-01,甲公司,R001,3\n,,,\n2026-11-03,乙公司,李四,1\n")
        assert p.ok and p.rows["row"].tolist() == [2, 4]

    def test_every_problem_is_a_row_error(self) -> None:
        p = parse(
            "日期,客户,销售,评分\n"
            "2026-11-01,甲公司,张三,9\n"  # 0-10 score
            "2026-13-01,甲公司,张三,4\n"  # bad date
            "2026-12-01,甲公司,张三,4\n"  # future
            "2026-11-02,丙公司,无名,4\n"  # unknown customer and rep
            "2026-11-02,甲公司,王五,4\n"  # ambiguous name
            "2026-11-02,甲公司,张三,5\n"
        )
        assert not p.ok and len(p.rows) == 1
        got = [(e.row, e.column) for e in p.errors]
        assert got == [(2, "评分"), (3, "日期"), (4, "日期"), (5, "销售"), (5, "客户"), (6, "销售")]
        assert "after today" in p.errors[2].reason and "R003, R004" in p.errors[5].reason

    def test_missing_column_is_refused(self) -> None:
        with pytest.raises(UploadRefused, match="no column for score"):
            parse("日期,客户,销售\n2026-11-01,甲公司,张三\n")

    def test_unsafe_file_is_refused(self) -> None:
        with pytest.raises(UploadRefused):
            csat.parse_file(b"%PDF-1.4 not a table", "x.csv", REPS, CUSTOMERS)

    def test_xlsx_dates_and_formula_cells(self) -> None:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["日期", "客户", "销售", "评分"])
        ws.append([dt.datetime(2026, 11, 3), "甲公司", "张三", 4])
        ws.append([dt.datetime(2026, 11, 4), "乙公司", "李四", "=2+2"])  # a formula without a cached value
        buf = io.BytesIO()
        wb.save(buf)
        p = csat.parse_file(buf.getvalue(), "c.xlsx", REPS, CUSTOMERS)
        assert p.rows["day"].tolist() == [D(2026, 11, 3)]
        assert [(e.row, e.column) for e in p.errors][:1] == [(3, "评分")]


CLEAN = "日期,客户,销售,评分\n2026-11-02,{c},{r},5\n2026-11-03,{c},{r},3\n"


@pytest.fixture
def csat_file(demo_db: Path, tmp_path: Path) -> Path:
    with store.connect(demo_db, read_only=True) as con:
        cust = str(store.customers_frame(con)["name"].iloc[0])
    path = tmp_path / "csat.csv"
    path.write_text(CLEAN.format(c=cust, r="R001"), encoding="utf-8")
    return path


class TestStore:
    def test_commit_once_and_kpi(self, demo_db: Path, csat_file: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            assert 9 in store.schema_versions(con)
            parsed = csat.read(con, csat_file.read_bytes(), csat_file.name, D(2026, 11, 26))
            assert parsed.ok
            assert csat.commit(con, parsed, csat_file.name) == 1
            with pytest.raises(store.AlreadyImported):
                csat.commit(con, parsed, csat_file.name)
            got = csat.by_rep(con, D(2026, 11, 1), D(2026, 11, 30))
            sc = scorecard.load(con, D(2026, 11, 26))
        assert got.values.tolist() == [["R001", 2, 4.0]]
        row = sc.table.set_index("rep_id").loc["R001"]
        assert row["csat"] == 4.0 and row["csat_responses"] == 2 and row["csat_score"] == 100.0
        assert sc.table.set_index("rep_id").drop("R001")["csat"].isna().all()

    def test_errors_store_nothing(self, demo_db: Path) -> None:
        bad = csat.CsatFile(pd.DataFrame(), [csat.RowError(2, "评分", "9", "x")], "h", None, 1)
        with store.connect(demo_db, actor=SYSTEM) as con:
            with pytest.raises(csat.CsatError):
                csat.commit(con, bad, "f.csv")
            assert csat.by_rep(con, D(2000, 1, 1), D(2100, 1, 1)).empty

    def test_no_scores_leave_the_composite_unchanged(self) -> None:
        kpis = pd.DataFrame({"rep_id": ["A", "B"], "attainment": [1.0, 0.5], "csat": [float("nan")] * 2})
        w = dict(scorecard.DEFAULT_WEIGHTS)
        assert scorecard.score(kpis, w)["composite"].tolist() == [100.0, 0.0]
        assert w["csat"] > 0 and "csat" in scorecard.merge_weights('{"csat": 5}')


class TestCli:
    def test_import_csat(self, demo_db: Path, csat_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["import-csat", str(csat_file), "--db", str(demo_db), "--json"]) == 0
        assert '"rows": 2' in capsys.readouterr().out
        assert main(["import-csat", str(csat_file), "--db", str(demo_db)]) == 2

    def test_row_errors_exit_2_and_store_nothing(
        self, demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "bad.csv"
        path.write_text("日期,客户,销售,评分\n2026-11-02,nobody,R001,10\n", encoding="utf-8")
        assert main(["import-csat", str(path), "--db", str(demo_db)]) == 2
        err = capsys.readouterr().err
        assert "row 2" in err and "1-5 scale" in err
        with store.connect(demo_db, read_only=True) as con:
            assert csat.by_rep(con, D(2000, 1, 1), D(2100, 1, 1)).empty
