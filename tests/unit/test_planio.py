"""Plan export to Excel and import of existing plans (long/wide, totals, errors, round trip)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from analysis import planio
from analysis.calendar import FiscalYear, WorkCalendar
from analysis.filesafety import UploadRefused
from analysis.plan import Plan, build_plan
from tests.workbooks import xlsx

FY = FiscalYear(2027)
INJECT = '=HYPERLINK("http://evil.example/x","click")'


def reps_frame(first_name: str = "张伟") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "R3", "R4"],
            "name": [first_name, "李娜", "王芳", "John Smith"],
            "team_id": ["T1", "T1", "T2", "T2"],
            "team": ["华东", "华东", "+华南", "+华南"],
            "level": ["senior", "mid", "junior", "mid"],
            "hire_date": pd.to_datetime(["2020-01-01"] * 4),
            "leave_date": pd.to_datetime([None] * 4),
        }
    )


def make_plan(reps: pd.DataFrame, target: int = 1_200_000, method: str = "capacity") -> Plan:
    return build_plan(
        2027,
        Decimal(target),
        reps=reps,
        calendar=WorkCalendar("cn"),
        spread_method="working_days",
        allocate_method=method,
    )


def base_plan(reps: pd.DataFrame) -> Plan:
    return make_plan(reps, 0, "even")


def names_of(reps: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    return dict(zip(reps["rep_id"], reps["name"], strict=True)), dict(
        zip(reps["team_id"], reps["team"], strict=True)
    )


def export(plan: Plan, reps: pd.DataFrame, lang: str = "zh") -> Any:
    names, teams = names_of(reps)
    data = planio.plan_to_xlsx(
        plan, names=names, team_names=teams, meta={"scenario": "base", "version": 1}, lang=lang
    )
    return load_workbook(io.BytesIO(data)), data


def dec(v: object) -> Decimal:
    assert isinstance(v, int | float), v
    return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


def csv(text: str) -> bytes:
    return text.encode("utf-8")


def month_cents(plan: Plan) -> dict[tuple[object, str], int]:
    arr, reps, labels = plan.cents_by("month", "rep")
    return {(r, m): int(arr[i, j]) for i, r in enumerate(reps) for j, m in enumerate(labels)}


MONTHS = [f"2027-{m:02d}" for m in range(1, 13)]


class TestExport:
    def test_opens_with_sheets_totals_and_formats(self) -> None:
        reps = reps_frame()
        plan = make_plan(reps)
        wb, _ = export(plan, reps)
        assert wb.sheetnames[:5] == ["摘要", "公司", "团队", "销售人员", "周目标"]
        ws = wb["销售人员"]
        rows = list(ws.iter_rows(values_only=True))
        header, body, total = rows[0], rows[1:-1], rows[-1]
        assert header[:3] == ("团队", "工号", "销售人员") and header[3:15] == tuple(MONTHS)
        assert header[15:19] == ("FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4") and header[19] == "合计"
        assert total[0] == "合计" and len(body) == 4
        for j in range(3, 20):  # the totals row is the exact sum of each column
            assert dec(total[j]) == sum(dec(r[j]) for r in body)
        for r in [*body, total]:  # months and quarters both sum to the total column
            assert sum(dec(v) for v in r[3:15]) == dec(r[19]) == sum(dec(v) for v in r[15:19])
        assert dec(total[19]) == Decimal(1_200_000)
        assert ws.cell(row=2, column=4).number_format == "#,##0.00"
        teams = list(wb["团队"].iter_rows(values_only=True))
        assert dec(teams[-1][-1]) == Decimal(1_200_000)
        company = list(wb["公司"].iter_rows(values_only=True))
        assert dec(company[1][-1]) == Decimal(1_200_000)
        weekly = list(wb["周目标"].iter_rows(values_only=True))
        assert weekly[1][0] == "2026-W53" and weekly[1][1] == "2027-01-01"  # partial ISO week at the edge
        assert sum(dec(r[3]) for r in weekly[1:-1]) == dec(weekly[-1][3]) == Decimal(1_200_000)

    def test_quota_letter_per_rep(self) -> None:
        reps = reps_frame()
        plan = make_plan(reps)
        wb, _ = export(plan, reps, lang="en")
        letters = [n for n in wb.sheetnames if n.startswith("Quota-")]
        assert letters == ["Quota-张伟", "Quota-李娜", "Quota-王芳", "Quota-John Smith"]
        ws = wb["Quota-李娜"]
        values = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0] is not None}
        annual = Decimal(int(plan.cents[1].sum())).scaleb(-2)
        assert values["Rep"] == "李娜" and values["Team"] == "华东"
        assert dec(values["Annual target"]) == annual
        assert "share" in str(values["How it was computed"])  # the allocation's explanation
        q = [dec(values[f"FY2027-Q{i}"]) for i in range(1, 5)]
        m = [dec(values[lab]) for lab in MONTHS]
        assert sum(q) == sum(m) == annual

    def test_formula_injection_is_neutralised(self) -> None:
        reps = reps_frame(first_name=INJECT)
        plan = make_plan(reps)
        wb, data = export(plan, reps)
        texts = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        texts.append(c.value)
        assert "'" + INJECT in texts and INJECT not in texts
        assert "'+华南" in texts and "+华南" not in texts
        assert b"<f>" not in data
        title = next(n for n in wb.sheetnames if "HYPERLINK" in n)
        assert len(title) <= 31 and not set(title) & set("[]:*?/\\")

    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("a/b:c*d?e[f]g\\h", "a_b_c_d_e_f_g_h"),
            ("'quoted'", "quoted"),
            ("", "Sheet"),
            ("x" * 40, "x" * 31),
            ("History", "History_"),
        ],
    )
    def test_sheet_titles(self, raw: str, expected: str) -> None:
        assert planio.sheet_title(raw, set()) == expected

    def test_sheet_titles_unique_case_insensitive(self) -> None:
        used: set[str] = set()
        names = [planio.sheet_title(n, used) for n in ["Ann", "ann", "ANN", "y" * 40, "y" * 40]]
        assert names[:3] == ["Ann", "ann (2)", "ANN (3)"]
        assert names[4] == "y" * 27 + " (2)" and len(names[4]) == 31


class TestParsePeriod:
    @pytest.mark.parametrize(
        "cell,expected",
        [
            ("2027-01", ("month", "2027-01")),
            ("2027/3", ("month", "2027-03")),
            ("2027年4月", ("month", "2027-04")),
            ("202705", ("month", "2027-05")),
            (202706.0, ("month", "2027-06")),
            ("7月", ("month", "2027-07")),
            ("十二月", ("month", "2027-12")),
            ("Aug", ("month", "2027-08")),
            ("September 2027", ("month", "2027-09")),
            ("Oct-27", ("month", "2027-10")),
            ("1月(万元)", ("month", "2027-01")),
            (pd.Timestamp("2027-11-01"), ("month", "2027-11")),
            ("Q1", ("quarter", "Q1")),
            ("FY2027-Q2", ("quarter", "Q2")),
            ("2027Q3", ("quarter", "Q3")),
            ("第四季度", ("quarter", "Q4")),
            ("二季度", ("quarter", "Q2")),
            ("合计", ("total", "")),
            ("Total", ("total", "")),
            ("全年", ("total", "")),
            ("FY2027", ("total", "")),
            ("2026-12", ("outside", "2026-12")),
            ("2028Q1", ("outside", "FY2028-Q1")),
            ("备注", None),
            ("销售人员", None),
        ],
    )
    def test_cells(self, cell: object, expected: object) -> None:
        assert planio.parse_period(cell, FY) == expected

    def test_month_without_year_uses_the_fiscal_year(self) -> None:
        assert planio.parse_period("1月", FiscalYear(2027, 4)) == ("month", "2028-01")


def wide_rows(
    plan: Plan, reps: pd.DataFrame, headers: list[str], *, totals: bool = False
) -> list[list[object]]:
    names, _ = names_of(reps)
    arr, keys, _labels = plan.cents_by("month", "rep")
    rows: list[list[object]] = [["姓名", *headers, *(["合计"] if totals else [])]]
    for i, k in enumerate(keys):
        vals = [float(Decimal(int(c)).scaleb(-2)) for c in arr[i]]
        rows.append([names[str(k)], *vals, *([sum(Decimal(int(c)) for c in arr[i]) / 100] if totals else [])])
    if totals:
        col = [float(Decimal(int(c)).scaleb(-2)) for c in arr.sum(axis=0)]
        rows.append(["合计", *col, float(Decimal(int(arr.sum())).scaleb(-2))])
    return rows


class TestImport:
    def test_long_csv(self) -> None:
        reps = reps_frame()
        text = '销售人员,月份,目标\n张伟,2027-01,"1,000.50"\n张伟,2027-02,2000\n 李娜 ,2027年3月,¥300\nR3,Q1,900\n'
        parsed = planio.read_plan_file(csv(text), "plan.csv", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.errors == [] and parsed.layout == "long"
        assert parsed.cents["R1"] == {"2027-01": 100_050, "2027-02": 200_000}
        assert parsed.grain["R3"] == "quarter"
        plan = parsed.plan
        assert plan is not None
        m = month_cents(plan)
        assert (
            m[("R1", "2027-01")] == 100_050 and m[("R2", "2027-03")] == 30_000 and m[("R4", "2027-01")] == 0
        )
        assert sum(m[("R3", lab)] for lab in MONTHS[:3]) == 90_000
        assert int(plan.cents.sum()) == 100_050 + 200_000 + 30_000 + 90_000
        weekend = [i for i, d in enumerate(plan.days) if d.weekday() >= 5]
        assert not plan.cents[:, weekend].any()  # days follow the working-day calendar

    def test_wide_xlsx_with_chinese_months_fullwidth_names_and_unit(self) -> None:
        reps = reps_frame()
        rows: list[list[object]] = [
            ["2027年销售目标"],
            [],
            ["团队", "姓名", *[f"{m}月(万元)" for m in range(1, 13)], "备注"],
            ["华东", "张\u3000伟", *[1.5] * 12, "ok"],
            ["华东", "李娜\u3000", *[2] * 6, *[None] * 6, ""],
        ]
        parsed = planio.read_plan_file(xlsx(rows), "p.xlsx", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.errors == [] and parsed.layout == "wide" and parsed.header_row == 3
        assert parsed.cents["R1"]["2027-01"] == 1_500_000  # 1.5 万 = 15,000.00
        assert parsed.total == Decimal(15_000 * 12 + 20_000 * 6)
        assert any("备注" in n for n in parsed.notes)

    def test_wide_with_totals_row_and_column_verified(self) -> None:
        reps = reps_frame()
        plan = make_plan(reps)
        rows = wide_rows(plan, reps, MONTHS, totals=True)
        parsed = planio.read_plan_file(xlsx(rows), "p.xlsx", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.errors == []
        assert parsed.plan is not None and month_cents(parsed.plan) == month_cents(plan)

    def test_bad_totals_are_reported(self) -> None:
        reps = reps_frame()
        plan = make_plan(reps)
        rows = wide_rows(plan, reps, MONTHS, totals=True)
        rows[2][-1] = float(rows[2][-1]) + 1  # type: ignore[arg-type]  # rep total off by 1.00
        rows[-1][3] = float(rows[-1][3]) - 0.5  # type: ignore[arg-type]  # March column total off
        parsed = planio.read_plan_file(xlsx(rows), "p.xlsx", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.plan is None
        reasons = {(e.row, e.column): e.reason for e in parsed.errors}
        assert set(reasons) == {(3, "合计"), (6, "2027-03")}
        assert all("does not add up" in r for r in reasons.values())

    def test_quarter_columns_next_to_months_are_subtotals(self) -> None:
        reps = reps_frame()
        header = ["Rep", "Jan", "Feb", "Mar", "Q1", "Apr", "May", "Jun", "Q2"]
        good = ["李娜", 1, 2, 3, 6, 4, 5, 6, 15]
        bad = ["王芳", 1, 1, 1, 3, 1, 1, 1, 4]
        parsed = planio.read_plan_file(xlsx([header, good, bad]), "q.xlsx", fy=FY, reps=reps)
        assert [(e.row, e.column) for e in parsed.errors] == [(3, "Q2")]
        assert parsed.cents["R2"] == {m: c * 100 for m, c in zip(MONTHS[:6], [1, 2, 3, 4, 5, 6], strict=True)}

    def test_quarter_only_wide_is_split_by_working_days(self) -> None:
        reps = reps_frame()
        rows: list[list[object]] = [
            ["工号", "Q1", "Q2", "Q3", "Q4", "Total"],
            ["R4", 100, 200, 300, 400, 1000],
        ]
        parsed = planio.read_plan_file(xlsx(rows), "q.xlsx", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.errors == [] and parsed.plan is not None
        q, keys, _ = parsed.plan.cents_by("quarter", "rep")
        assert q[keys.index("R4")].tolist() == [10_000, 20_000, 30_000, 40_000]
        m = month_cents(parsed.plan)
        assert m[("R4", "2027-02")] < m[("R4", "2027-03")]  # Spring Festival February has fewer working days

    @pytest.mark.parametrize(
        "line,column,reason",
        [
            ("王五,2027-01,100", "rep", "unknown rep"),
            ("张伟,2026-12,100", "period", "outside FY2027"),
            ("张伟,2028-01,100", "period", "outside FY2027"),
            ("张伟,Q5,100", "period", "not a month or quarter"),
            ("张伟,2027-01,-100", "target", "negative"),
            ("张伟,2027-01,abc", "target", "not an amount"),
            ("张伟,2027-01,", "target", "empty"),
            ("张伟,2027-01,12%", "target", "percentage"),
            (",2027-01,100", "rep", "no rep name"),
        ],
    )
    def test_row_errors(self, line: str, column: str, reason: str) -> None:
        reps = reps_frame()
        text = f"rep,period,target\n李娜,2027-02,5\n{line}\n"
        parsed = planio.read_plan_file(csv(text), "p.csv", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.plan is None
        assert len(parsed.errors) == 1
        e = parsed.errors[0]
        assert (e.row, e.column) == (3, column) and reason in e.reason

    def test_duplicates_and_ambiguous_names(self) -> None:
        reps = reps_frame()
        reps.loc[3, "name"] = "李娜"
        text = "rep,period,target\n张伟,2027-01,1\n张伟,2027-01,2\n李娜,2027-01,3\n"
        parsed = planio.read_plan_file(csv(text), "p.csv", fy=FY, reps=reps)
        reasons = [e.reason for e in parsed.errors]
        assert any("appears twice" in r for r in reasons)
        assert any("several reps (R2, R4)" in r for r in reasons)

    def test_long_totals_rows_are_verified(self) -> None:
        reps = reps_frame()
        ok = "rep,period,target\n张伟,2027-01,100\n张伟,2027-02,50\n张伟,total,150\nTotal,2027-01,100\n合计,,150\n"
        assert planio.read_plan_file(csv(ok), "p.csv", fy=FY, reps=reps).errors == []
        bad = ok.replace("张伟,total,150", "张伟,total,151")
        errors = planio.read_plan_file(csv(bad), "p.csv", fy=FY, reps=reps).errors
        assert [(e.row, e.column) for e in errors] == [(4, "target")]

    def test_team_subtotal_rows_are_verified(self) -> None:
        reps = reps_frame()
        rows: list[list[object]] = [
            ["团队", "姓名", "Q1", "Q2", "Q3", "Q4"],
            ["华东", "张伟", 1, 1, 1, 1],
            ["华东", "李娜", 2, 2, 2, 2],
            ["华东 小计", "", 3, 3, 3, 3],
            ["+华南", "王芳", 5, 5, 5, 5],
            ["", "+华南合计", 5, 5, 5, 6],
            ["总计", "", 8, 8, 8, 9],
        ]
        parsed = planio.read_plan_file(xlsx(rows), "t.xlsx", fy=FY, reps=reps)
        assert [(e.row, e.column) for e in parsed.errors] == [(6, "Q4"), (7, "Q4")]
        assert set(parsed.cents) == {"R1", "R2", "R3"}

    def test_outside_year_column_in_wide(self) -> None:
        reps = reps_frame()
        rows: list[list[object]] = [["姓名", "2026-12", "2027-01"], ["张伟", 1, 2]]
        errors = planio.read_plan_file(xlsx(rows), "p.xlsx", fy=FY, reps=reps).errors
        assert [(e.row, e.column) for e in errors] == [(1, "2026-12")]

    def test_not_a_plan_and_hostile_files_are_refused(self) -> None:
        reps = reps_frame()
        with pytest.raises(UploadRefused, match="no plan table"):
            planio.read_plan_file(csv("a,b\n1,2\n"), "x.csv", fy=FY, reps=reps)
        with pytest.raises(UploadRefused, match="PDF"):
            planio.read_plan_file(b"%PDF-1.4 ...", "x.xlsx", fy=FY, reps=reps)
        with pytest.raises(UploadRefused, match="empty"):
            planio.read_plan_file(b"", "x.csv", fy=FY, reps=reps)

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_round_trip_export_import_gives_the_same_months(self, lang: str) -> None:
        reps = reps_frame(first_name=INJECT)
        plan = make_plan(reps, 9_876_543)
        _wb, data = export(plan, reps, lang=lang)
        parsed = planio.read_plan_file(data, "plan.xlsx", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.errors == [] and parsed.sheet == ("销售人员" if lang == "zh" else "Reps")
        assert parsed.plan is not None
        assert month_cents(parsed.plan) == month_cents(plan)
        assert int(parsed.plan.cents.sum()) == 987_654_300
        assert np.array_equal(parsed.plan.cents.sum(axis=1), plan.cents.sum(axis=1))

    @settings(max_examples=8, deadline=None)
    @given(
        units=st.integers(min_value=0, max_value=10**7),
        unit=st.sampled_from(["0.01", "1", "100"]),
        method=st.sampled_from(["even", "capacity"]),
    )
    def test_round_trip_random_targets(self, units: int, unit: str, method: str) -> None:
        reps = reps_frame()
        target = Decimal(units) * Decimal(unit)
        plan = build_plan(
            2027,
            target,
            reps=reps,
            calendar=WorkCalendar("weekdays"),
            allocate_method=method,
            unit=Decimal(unit),
        )
        _wb, data = export(plan, reps, lang="en")
        parsed = planio.read_plan_file(data, "plan.xlsx", fy=FY, reps=reps, base=base_plan(reps))
        assert parsed.errors == [] and parsed.plan is not None
        assert month_cents(parsed.plan) == month_cents(plan)
        assert parsed.plan.total == target

    def test_sub_cent_values_round_per_rep_to_the_rounded_total(self) -> None:
        reps = reps_frame()
        third = 10_000_000 / 12  # what =10000000/12 leaves in the cells
        rows: list[list[object]] = [["姓名", *MONTHS, "合计"], ["张伟", *[third] * 12, 10_000_000]]
        parsed = planio.read_plan_file(xlsx(rows), "p.xlsx", fy=FY, reps=reps)
        assert parsed.errors == []
        assert sum(parsed.cents["R1"].values()) == 1_000_000_000
        assert set(parsed.cents["R1"].values()) == {83_333_333, 83_333_334}
