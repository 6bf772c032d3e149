"""The weekly report workbook and `python -m analysis report weekly`: sheets, exact numbers, charts, injection."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis import report, review, store
from analysis.access import SYSTEM
from analysis.cli import main

D = dt.date


@pytest.fixture
def review_with_evil_note(demo_db: Path) -> review.WeeklyReview:
    with store.connect(demo_db, actor=SYSTEM) as con:
        store.save_review_notes(con, "2026-W47", {"R001": '=HYPERLINK("http://x")', "R002": "@SUM(A1)"})
        return review.load(con, "2026-W47")


class TestWorkbook:
    def test_sheets_numbers_and_formats(self, review_with_evil_note: review.WeeklyReview) -> None:
        rv = review_with_evil_note
        wb = load_workbook(io.BytesIO(report.weekly_workbook(rv, "en")))
        assert wb.sheetnames == ["Summary", "Teams", "Reps"]
        reps = wb["Reps"]
        assert [c.value for c in reps[1]][:4] == ["Rep", "Team", "Weekly target", "Actual"]
        assert reps.max_row == 1 + len(rv.reps)
        actual = sum(Decimal(str(reps.cell(row=r, column=4).value)) for r in range(2, reps.max_row + 1))
        assert actual == rv.total["actual"]
        assert reps.cell(row=2, column=3).number_format == report.MONEY
        assert reps.cell(row=2, column=6).number_format == report.PCT
        summary = wb["Summary"]
        assert (
            summary["A4"].value == "Weekly target" and Decimal(str(summary["B5"].value)) == rv.total["actual"]
        )
        assert summary["B7"].number_format == report.PCT

    def test_native_bar_charts(self, review_with_evil_note: review.WeeklyReview) -> None:
        wb = load_workbook(io.BytesIO(report.weekly_workbook(review_with_evil_note, "zh")))
        assert wb.sheetnames == ["汇总", "团队", "销售人员"]
        for name in ("团队", "销售人员"):
            charts = wb[name]._charts
            assert len(charts) == 1 and charts[0].tagname == "barChart"

    def test_text_is_neutralised(self, review_with_evil_note: review.WeeklyReview) -> None:
        wb = load_workbook(io.BytesIO(report.weekly_workbook(review_with_evil_note, "en")))
        cells = [c for row in wb["Reps"].iter_rows() for c in row]
        notes = {c.value for c in cells if c.column == 8 and c.row > 1 and c.value}
        assert notes == {'\'=HYPERLINK("http://x")', "'@SUM(A1)"}
        assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)


class TestCli:
    def test_writes_workbook_and_markdown(
        self, demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out, md = tmp_path / "w.xlsx", tmp_path / "w.md"
        code = main(["report", "weekly", "--week", "2026-W47", "--out", str(out), "--md", str(md),
                     "--db", str(demo_db), "--json", "--lang", "en"])  # fmt: skip
        assert code == 0
        assert load_workbook(out).sheetnames == ["Summary", "Teams", "Reps"]
        assert md.read_text("utf-8").startswith("## Weekly review 2026-W47")
        assert '"week": "2026-W47"' in capsys.readouterr().out

    @pytest.mark.parametrize(
        "args,msg",
        [
            (["--week", "2026-W60"], "does not exist"),
            (["--week", "48"], "not an ISO week"),
            (["--week", "2026-W47", "--as-of", "yesterday"], "not a date"),
        ],
    )
    def test_bad_input_exits_2_with_one_line(
        self, demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], msg: str
    ) -> None:
        out = tmp_path / "w.xlsx"
        assert main(["report", "weekly", *args, "--out", str(out), "--db", str(demo_db)]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1
        assert not out.exists()

    def test_bad_out(self, demo_db: Path, tmp_path: Path) -> None:
        assert (
            main(
                [
                    "report",
                    "weekly",
                    "--week",
                    "2026-W47",
                    "--out",
                    str(tmp_path / "w.csv"),
                    "--db",
                    str(demo_db),
                ]
            )
            == 2
        )

    def test_tasks_commands(self, demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        db = ["--db", str(demo_db), "--today", "2026-11-23"]
        assert main(["tasks", "add", "--rep", "R001", "--title", "Call", "--type", "key_account", *db]) == 0
        assert main(["tasks", "list", "--json", *db, "--state", "open"]) == 0
        assert '"deadline": "2026-11-30"' in capsys.readouterr().out
        assert main(["tasks", "done", "--id", "1", *db]) == 0
        assert main(["tasks", "add", "--rep", "NOPE", "--title", "x", *db]) == 2


@pytest.mark.slow
def test_opens_in_libreoffice(demo_db: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "w.xlsx"
    assert main(["report", "weekly", "--week", "2026-W47", "--out", str(out), "--db", str(demo_db)]) == 0
    res = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pdf = tmp_path / "w.pdf"
    assert res.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, res.stderr
