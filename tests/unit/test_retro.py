"""Retrospective: periods, stages, misses with flags, plan events, notes; the period report and its CLI."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis import metrics, report, retro, store
from analysis.access import SYSTEM
from analysis.cli import main

D = dt.date


class TestPeriods:
    @pytest.mark.parametrize(
        "label,fy_start,expected",
        [
            ("2026-10", 1, ("2026-10", "month", D(2026, 10, 1), D(2026, 10, 31))),
            ("2026-02", 1, ("2026-02", "month", D(2026, 2, 1), D(2026, 2, 28))),
            ("FY2026-Q4", 1, ("FY2026-Q4", "quarter", D(2026, 10, 1), D(2026, 12, 31))),
            ("2026-q4", 1, ("FY2026-Q4", "quarter", D(2026, 10, 1), D(2026, 12, 31))),
            ("FY2026-Q1", 4, ("FY2026-Q1", "quarter", D(2026, 4, 1), D(2026, 6, 30))),
        ],
    )
    def test_parse(self, label: str, fy_start: int, expected: tuple[object, ...]) -> None:
        p = retro.parse_period(label, fy_start)
        assert (p.label, p.grain, p.start, p.end) == expected

    @pytest.mark.parametrize("bad", ["2026-13", "2026", "Q4", "2026-W48", "FY2026-Q5", ""])
    def test_bad_labels(self, bad: str) -> None:
        with pytest.raises(retro.RetroError):
            retro.parse_period(bad)

    def test_options_newest_first_and_default(self) -> None:
        opts = retro.period_options(D(2026, 11, 26))
        assert opts[:2] == ["2026-11", "2026-10"] and len([o for o in opts if "Q" not in o]) == 12
        assert "FY2026-Q4" in opts and "FY2027-Q1" not in opts
        assert retro.default_period(D(2026, 11, 26)) == "2026-10"
        assert retro.default_period(D(2026, 1, 3)) == "2025-12"
        assert retro.default_period(D(2026, 11, 30)) == "2026-11"  # data through the month's last day
        assert retro.default_period(D(2026, 12, 1)) == "2026-11"

    def test_stage_spans_clip_weeks_to_the_month(self) -> None:
        spans = retro.stage_spans(retro.parse_period("2026-10"))
        assert spans[0] == ("2026-W40", "week", D(2026, 10, 1), D(2026, 10, 4))
        assert spans[-1] == ("2026-W44", "week", D(2026, 10, 26), D(2026, 10, 31))
        days = sum((e - s).days + 1 for _, _, s, e in spans)
        assert days == 31
        q = retro.stage_spans(retro.parse_period("FY2026-Q4"))
        assert [s[0] for s in q] == ["2026-10", "2026-11", "2026-12"]

    def test_overlapping_weeks(self) -> None:
        assert retro.overlapping_weeks(D(2026, 10, 1), D(2026, 10, 31)) == [
            "2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"
        ]  # fmt: skip


def version(vid: int, scenario: str, v: int, created: dt.datetime) -> store.PlanVersion:
    return store.PlanVersion(vid, scenario, v, None, 2026, 1, Decimal("100.00"), Decimal("0.01"), {}, "amy",
                             created, None)  # fmt: skip


class TestPlanEvents:
    def test_created_and_activated_in_the_period_only(self) -> None:
        versions = [
            version(1, "base", 1, dt.datetime(2026, 9, 30, 18)),
            version(2, "base", 2, dt.datetime(2026, 10, 15, 9)),
            version(3, "push", 1, dt.datetime(2026, 11, 1, 9)),
        ]
        act = pd.DataFrame(
            {"version_id": [2], "set_at": [pd.Timestamp("2026-10-16 10:00")], "set_by": ["bob"]}
        )
        changes = pd.DataFrame({"scenario": ["base", "base", "push"], "version": [2, 2, 1]})
        ev = retro.plan_events(versions, act, changes, D(2026, 10, 1), D(2026, 10, 31))
        assert ev["event"].tolist() == ["created", "activated"]
        assert ev["version"].tolist() == [2, 2] and ev["changes"].tolist() == [2, 0]
        assert ev["author"].tolist() == ["amy", "bob"]


@pytest.fixture
def october(demo_db: Path) -> retro.Retrospective:
    with store.connect(demo_db, actor=SYSTEM) as con:
        store.save_review_notes(con, "2026-W44", {"R001": "=cmd|' /C calc'!A0"})
        store.save_review_notes(con, "2026-W45", {"R002": "outside October"})
        return retro.load(con, "2026-10", D(2026, 11, 26))


class TestLoad:
    def test_stages_add_up_to_the_period(self, october: retro.Retrospective, demo_db: Path) -> None:
        rt = october
        assert rt.complete and rt.as_of == D(2026, 10, 31)
        assert int(rt.stages["target_cents"].sum()) == int(rt.reps["target_cents"].sum())
        assert int(rt.stages["actual_cents"].sum()) == int(rt.reps["actual_cents"].sum())
        with store.connect(demo_db, read_only=True) as con:
            assert rt.total["actual"] == store.total_between(con, D(2026, 10, 1), D(2026, 10, 31))
        assert rt.total["previous"] > 0 and rt.total["growth"] is not None

    def test_team_totals_are_rep_sums(self, october: retro.Retrospective) -> None:
        assert int(october.teams["actual_cents"].sum()) == int(october.reps["actual_cents"].sum())
        assert int(october.teams["gap_cents"].sum()) == int(october.reps["gap_cents"].sum())

    def test_misses_are_worst_first_with_their_flags(self, october: retro.Retrospective) -> None:
        m = october.misses
        assert set(m["scope"]) == {"team", "rep"} and (m["gap_cents"] < 0).all()
        reps = m[m["scope"] == "rep"]
        assert reps["gap_cents"].is_monotonic_increasing and len(reps) <= retro.MISSES
        worst = october.reps.sort_values("gap_cents").iloc[0]
        assert reps["entity_id"].iloc[0] == worst["rep_id"]
        assert october.flags, "the demo's biggest misses raise flags"
        for (scope, entity), flags in october.flags.items():
            assert ((m["scope"] == scope) & (m["entity_id"] == entity)).any()
            assert all(f.scope == scope and f.entity_id == entity for f in flags)

    def test_notes_of_overlapping_weeks(self, october: retro.Retrospective) -> None:
        assert october.notes["iso_week"].tolist() == ["2026-W44"]

    def test_running_period_stops_at_as_of(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con:
            rt = retro.load(con, "FY2026-Q4", D(2026, 11, 26))
            with pytest.raises(retro.RetroError):
                retro.load(con, "2026-12", D(2026, 11, 26))
        assert not rt.complete and rt.as_of == D(2026, 11, 26)
        dec = rt.stages.set_index("stage").loc["2026-12"]
        assert dec["actual_cents"] == 0 and dec["expected_cents"] == 0 and not dec["complete"]
        assert "still running" in rt.summary("en")[0]

    def test_active_plan_saved_in_the_period_is_listed(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            data = metrics.load_inputs(con, D(2026, 11, 26))
            targets = pd.DataFrame(
                {"rep_id": [data.reps["rep_id"].iloc[0]], "team_id": [data.reps["team_id"].iloc[0]],
                 "day": [D(2026, 1, 5)], "target_cents": [10_000_00]}
            )  # fmt: skip
            pv = store.save_plan_version(con, scenario="retro", based_on=None, fiscal_year=2026, fy_start_month=1,
                                         target=Decimal("10000.00"), unit=Decimal("0.01"), params={},
                                         targets=targets)  # fmt: skip
            store.set_active_plan(con, pv.version_id)
            today = dt.date.today()
            rt = retro.load(con, f"{today.year:04d}-{today.month:02d}", today)
        assert set(rt.events["event"]) == {"created", "activated"} and set(rt.events["scenario"]) == {"retro"}


class TestPeriodWorkbook:
    def test_sheets_exact_numbers_and_neutralised_text(self, october: retro.Retrospective) -> None:
        wb = load_workbook(io.BytesIO(report.period_workbook(october, "en")))
        assert wb.sheetnames == ["Summary", "Teams", "Reps", "Retrospective"]
        assert wb["Summary"]["A1"].value == "Monthly report 2026-10 (2026-10-01 to 2026-10-31)"
        reps = wb["Reps"]
        actual = sum(Decimal(str(reps.cell(row=r, column=5).value)) for r in range(2, reps.max_row + 1))
        assert actual == october.total["actual"]
        ws = wb["Retrospective"]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert "Target vs actual by stage" in texts and "Biggest misses" in texts
        assert "'=cmd|' /C calc'!A0" in texts
        assert all(c.data_type != "f" for s in wb for row in s.iter_rows() for c in row)
        assert len(ws._charts) == 1 and len(wb["Teams"]._charts) == 1

    def test_quarter_title_in_chinese(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con:
            rt = retro.load(con, "FY2026-Q3", D(2026, 11, 26))
        wb = load_workbook(io.BytesIO(report.period_workbook(rt, "zh")))
        assert wb.sheetnames[-1] == "复盘" and wb["汇总"]["A1"].value.startswith("FY2026-Q3 季报")


class TestCli:
    def test_monthly(self, demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        out = tmp_path / "m.xlsx"
        code = main(["report", "monthly", "--month", "2026-10", "--out", str(out), "--db", str(demo_db),
                     "--as-of", "2026-11-26", "--json"])  # fmt: skip
        assert code == 0
        assert load_workbook(out).sheetnames == ["汇总", "团队", "销售人员", "复盘"]
        assert '"period": "2026-10"' in capsys.readouterr().out

    def test_quarterly(self, demo_db: Path, tmp_path: Path) -> None:
        out = tmp_path / "q.xlsx"
        assert main(["report", "quarterly", "--quarter", "FY2026-Q3", "--out", str(out), "--db", str(demo_db),
                     "--as-of", "2026-11-26"]) == 0  # fmt: skip
        assert out.exists()

    @pytest.mark.parametrize(
        "args,msg",
        [
            (["monthly", "--month", "2026-13"], "does not exist"),
            (["monthly"], "needs --month"),
            (["monthly", "--month", "FY2026-Q4"], "is not a month"),
            (["quarterly", "--quarter", "2026-10"], "is not a quarter"),
            (["monthly", "--month", "2026-12", "--as-of", "2026-11-26"], "starts after"),
            (["weekly"], "needs --week"),
        ],
    )
    def test_bad_input_exits_2(
        self, demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], msg: str
    ) -> None:
        out = tmp_path / "m.xlsx"
        assert main(["report", *args, "--out", str(out), "--db", str(demo_db)]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1
        assert not out.exists()


@pytest.mark.slow
def test_period_report_opens_in_libreoffice(demo_db: Path, tmp_path: Path) -> None:
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "m.xlsx"
    assert main(["report", "monthly", "--month", "2026-10", "--out", str(out), "--db", str(demo_db),
                 "--as-of", "2026-11-26"]) == 0  # fmt: skip
    res = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pdf = tmp_path / "m.pdf"
    assert res.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, res.stderr
