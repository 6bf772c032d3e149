"""The weekly report workbook (openpyxl): summary, teams, reps, native Excel bar charts.

Money cells are exact (Decimal from integer cents) with a thousands format, ratios are
percentage cells, and every text cell goes through ``errorreport.neutralise`` and is typed as
text, so names or notes starting with = + - @ can never run as formulas.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.errorreport import neutralise
from analysis.i18n import t
from analysis.review import WeeklyReview

MONEY = "#,##0.00"
PCT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
BOLD = Font(bold=True)


def _cents(v: object) -> Decimal:
    return Decimal(int(str(v))).scaleb(-2)


def _put(ws: Worksheet, row: int, col: int, value: object, fmt: str | None = None) -> None:
    """One cell: text neutralised and typed as text; None stays empty; numbers get ``fmt``."""
    if value is None or (isinstance(value, float) and value != value):
        return
    cell = ws.cell(row=row, column=col, value=neutralise(value) if isinstance(value, str) else value)
    if isinstance(cell.value, str):
        cell.data_type = TYPE_STRING
    if fmt:
        cell.number_format = fmt


def _table(
    ws: Worksheet,
    top: int,
    headers: list[str],
    rows: Sequence[Sequence[object]],
    fmts: list[str | None],
    wrap: bool = False,
) -> int:
    """Header + rows starting at row ``top``; returns the last row written."""
    for j, h in enumerate(headers, start=1):
        _put(ws, top, j, h)
        ws.cell(row=top, column=j).font = BOLD
        ws.cell(row=top, column=j).fill = HEADER_FILL
    for i, r in enumerate(rows, start=top + 1):
        for j, (v, f) in enumerate(zip(r, fmts, strict=True), start=1):
            _put(ws, i, j, v, f)
            if wrap:
                ws.cell(row=i, column=j).alignment = Alignment(wrap_text=True, vertical="top")
    return top + len(rows)


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _bar_chart(ws: Worksheet, title: str, header_row: int, last_row: int, cats_col: int, first_col: int,
               last_col: int, anchor: str, y_title: str) -> None:  # fmt: skip
    """A native clustered bar chart of columns first_col..last_col against the category column."""
    if last_row <= header_row:
        return
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = y_title
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.majorGridlines = None
    chart.height, chart.width = 8, 18
    data = Reference(ws, min_col=first_col, max_col=last_col, min_row=header_row, max_row=last_row)
    cats = Reference(ws, min_col=cats_col, min_row=header_row + 1, max_row=last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    ws.add_chart(chart, anchor)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = df.to_dict(orient="records")  # type: ignore[assignment]
    return recs


def _nums(r: dict[str, Any]) -> list[object]:
    return [
        _cents(r["target_cents"]),
        _cents(r["actual_cents"]),
        _cents(r["actual_cents"]) - _cents(r["expected_cents"]),
        r["attainment"],
        r["wow"],
    ]


def weekly_workbook(rv: WeeklyReview, lang: str) -> bytes:
    """The weekly report as .xlsx bytes: Summary (totals, wins, problems, last week's actions),
    Teams and Reps (tables + native bar charts of target vs actual), in ``lang``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("rep.sheet_summary", lang)
    tot = rv.total
    _put(ws, 1, 1, t("rev.md_title", lang, week=rv.week, start=rv.start, end=rv.end))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    plan = t(
        "rep.plan_active" if rv.plan_source == "active" else "rep.plan_default", lang, label=rv.plan_label
    )
    _put(ws, 2, 1, t("rep.asof", lang, asof=rv.as_of) + " · " + plan)
    pairs: list[tuple[str, object, str | None]] = [
        (t("rev.target", lang), tot["target"], MONEY),
        (t("rev.actual", lang), tot["actual"], MONEY),
        (t("rev.previous", lang), tot["previous"], MONEY),
        (t("rev.attainment", lang), tot["attainment"], PCT),
        (t("rev.wow", lang), tot["wow"], PCT),
    ]
    for i, (label, value, fmt) in enumerate(pairs, start=4):
        _put(ws, i, 1, label)
        ws.cell(row=i, column=1).font = BOLD
        _put(ws, i, 2, value, fmt)
    row = 4 + len(pairs) + 1
    _put(ws, row, 1, t("rev.wins", lang))
    ws.cell(row=row, column=1).font = BOLD
    wins = [
        [pd.Timestamp(w["day"]).date().isoformat(), str(w["rep"]), str(w["customer"]), str(w["product"]),
         _cents(w["amount_cents"])]
        for w in _records(rv.wins)
    ]  # fmt: skip
    row = _table(ws, row + 1, [t("rep.day", lang), t("col.rep", lang), t("rep.customer", lang),
                               t("rep.product", lang), t("rep.amount", lang)], wins,
                 [None, None, None, None, MONEY]) + 2  # fmt: skip
    _put(ws, row, 1, t("rev.problems", lang))
    ws.cell(row=row, column=1).font = BOLD
    probs = [
        [t("risk.sev." + str(p["severity"]), lang), str(p["entity"]), str(p["reason"]), str(p["action"])]
        for p in _records(rv.problems(lang))
    ]
    row = _table(ws, row + 1, [t("rep.severity", lang), t("rep.who", lang), t("rep.reason", lang),
                               t("rep.action", lang)], probs, [None] * 4, wrap=True) + 2  # fmt: skip
    _put(ws, row, 1, t("rev.last_actions", lang))
    ws.cell(row=row, column=1).font = BOLD
    acts = [
        [str(a["rep"]), str(a["title"]), pd.Timestamp(a["deadline"]).date().isoformat(),
         t("task.state." + str(a["state"]), lang)]
        for a in _records(rv.actions)
    ]  # fmt: skip
    _table(ws, row + 1, [t("col.rep", lang), t("task.title", lang), t("task.deadline", lang),
                         t("task.status", lang)], acts, [None] * 4)  # fmt: skip
    _widths(ws, [22, 18, 60, 40, 16])

    num_heads = [t("rev.target", lang), t("rev.actual", lang), t("rev.pace_gap", lang), t("rev.attainment", lang),
                 t("rev.wow", lang)]  # fmt: skip
    num_fmts: list[str | None] = [MONEY, MONEY, MONEY, PCT, PCT]
    teams = wb.create_sheet(t("rep.sheet_teams", lang))
    team_rows = [[str(r["team"]), *_nums(r)] for r in _records(rv.teams)]
    last = _table(teams, 1, [t("col.team", lang), *num_heads], team_rows, [None, *num_fmts])
    teams.freeze_panes = "B2"
    _widths(teams, [18, 16, 16, 16, 12, 12])
    _bar_chart(teams, t("rep.chart_teams", lang), 1, last, 1, 2, 3, f"A{last + 3}", t("rep.amount", lang))

    reps = wb.create_sheet(t("rep.sheet_reps", lang))
    rep_rows = [
        [str(r["rep"]), str(r["team"]), *_nums(r), rv.notes.get(str(r["rep_id"]), "")]
        for r in _records(rv.reps)
    ]
    last = _table(
        reps, 1, [t("col.rep", lang), t("col.team", lang), *num_heads, t("rev.note", lang)], rep_rows,
        [None, None, *num_fmts, None],
    )  # fmt: skip
    reps.freeze_panes = "C2"
    _widths(reps, [14, 14, 16, 16, 16, 12, 12, 40])
    _bar_chart(reps, t("rep.chart_reps", lang), 1, last, 1, 3, 4, f"A{last + 3}", t("rep.amount", lang))
    for sheet in (ws, teams, reps):
        sheet.sheet_view.showGridLines = True
        # print on landscape pages one page wide, so a PDF or a printout keeps every column together
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        for r in sheet.iter_rows(min_row=1, max_row=1):
            for c in r:
                c.alignment = Alignment(vertical="center")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
