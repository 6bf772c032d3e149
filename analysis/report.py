"""The weekly report workbook (openpyxl): summary, teams, reps, native Excel bar charts.

Money cells are exact (Decimal from integer cents) with a thousands format, ratios are
percentage cells, and every text cell goes through ``errorreport.neutralise`` and is typed as
text, so names or notes starting with = + - @ can never run as formulas.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
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
from analysis.retro import Retrospective
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


def table_workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per frame (name → frame), header row bold, as shown in the app's tables.

    The app's own table download (Streamlit's CSV export is switched off): text neutralised and
    typed as text, numbers as numbers, None / NaN / NaT as empty cells."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    used: set[str] = set()
    for name, df in sheets.items():
        title = re.sub(r"[\\/*?:\[\]]", " ", str(name))[:31] or "Sheet"
        while title in used:
            title = title[:28] + f"_{len(used)}"
        used.add(title)
        ws = wb.create_sheet(title)
        rows = [[_cell(v) for v in r] for r in df.itertuples(index=False)]
        _table(ws, 1, [str(c) for c in df.columns], rows, [None] * len(df.columns))
        _widths(
            ws, [max(10, min(40, 2 + max((len(str(v)) for v in [c, *df[c]]), default=0))) for c in df.columns]
        )
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(v: object) -> object:
    """A value as a spreadsheet holds it: missing → None, numpy scalars → Python, dates as dates."""
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()
    return v if isinstance(v, (str, int, float, Decimal, dt.date)) else str(v)


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


# --- retrospective / csat ---


def _retro_nums(r: dict[str, Any]) -> list[object]:
    return [_cents(r["target_cents"]), _cents(r["expected_cents"]), _cents(r["actual_cents"]),
            _cents(r["gap_cents"]), r["attainment"], r["growth"]]  # fmt: skip


def _heading(ws: Worksheet, row: int, text: str) -> None:
    _put(ws, row, 1, text)
    ws.cell(row=row, column=1).font = BOLD


def _retro_sheet(ws: Worksheet, rt: Retrospective, lang: str) -> None:
    """Summary sentences, stages, biggest misses with their flags, plan events and review notes."""
    p = rt.period
    _put(ws, 1, 1, t("retro.md_title", lang, period=p.label, start=p.start, end=p.end))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 3
    _heading(ws, row, t("retro.summary", lang))
    for line in rt.summary(lang):
        row += 1
        _put(ws, row, 1, line)
    row += 2
    _heading(ws, row, t("retro.stages", lang))
    heads = [t("retro.stage", lang), t("retro.from", lang), t("retro.to", lang), t("retro.target", lang),
             t("retro.expected", lang), t("rev.actual", lang), t("retro.gap", lang), t("rev.attainment", lang)]  # fmt: skip
    stage_rows = [
        [str(s["stage"]), s["start"].isoformat(), s["end"].isoformat(), _cents(s["target_cents"]),
         _cents(s["expected_cents"]), _cents(s["actual_cents"]), _cents(s["gap_cents"]), s["attainment"]]
        for s in _records(rt.stages)
    ]  # fmt: skip
    top = row + 1
    last = _table(ws, top, heads, stage_rows, [None, None, None, MONEY, MONEY, MONEY, MONEY, PCT])
    row = last + 2
    _heading(ws, row, t("retro.misses", lang))
    heads = [t("retro.scope", lang), t("rep.who", lang), t("col.team", lang), t("retro.target", lang),
             t("retro.expected", lang), t("rev.actual", lang), t("retro.gap", lang), t("rev.attainment", lang),
             t("retro.flags", lang)]  # fmt: skip
    miss_rows = [
        [t("retro.scope." + str(m["scope"]), lang), str(m["name"]), str(m["team"]), _cents(m["target_cents"]),
         _cents(m["expected_cents"]), _cents(m["actual_cents"]), _cents(m["gap_cents"]), m["attainment"],
         rt.flag_text(str(m["scope"]), str(m["entity_id"]), lang) or t("rev.none", lang)]
        for m in _records(rt.misses)
    ]  # fmt: skip
    first = row + 2
    row = _table(
        ws, row + 1, heads, miss_rows, [None, None, None, MONEY, MONEY, MONEY, MONEY, PCT, None], wrap=True
    )
    for i, m in enumerate(miss_rows):
        # LibreOffice keeps the default height for wrapped text: size the row to the flag lines
        lines = sum(-(-max(1, len(x)) // 50) for x in str(m[-1]).splitlines()) or 1
        ws.row_dimensions[first + i].height = 15 * lines
    row += 2
    _heading(ws, row, t("retro.events", lang))
    heads = [t("retro.when", lang), t("retro.event", lang), t("retro.scenario", lang), t("retro.version", lang),
             t("retro.target", lang), t("retro.author", lang), t("retro.changes", lang), t("rev.note", lang)]  # fmt: skip
    ev_rows = [
        [pd.Timestamp(e["when"]).strftime("%Y-%m-%d %H:%M"), t("retro.event." + str(e["event"]), lang),
         str(e["scenario"]), int(e["version"]), Decimal(str(e["target"])), e["author"] or "", int(e["changes"]),
         e["note"] or ""]
        for e in _records(rt.events)
    ]  # fmt: skip
    row = _table(ws, row + 1, heads, ev_rows or [[t("rev.none", lang), *[None] * 7]],
                 [None, None, None, None, MONEY, None, None, None]) + 2  # fmt: skip
    _heading(ws, row, t("retro.notes", lang))
    note_rows = [
        [str(n["iso_week"]), str(n["rep"]), str(n["note"]), n["author"] or ""] for n in _records(rt.notes)
    ]
    _table(ws, row + 1, [t("retro.week", lang), t("col.rep", lang), t("rev.note", lang), t("retro.author", lang)],
           note_rows or [[t("rev.none", lang), None, None, None]], [None] * 4, wrap=True)  # fmt: skip
    _widths(ws, [16, 16, 14, 16, 16, 16, 16, 12, 60])
    _bar_chart(ws, t("retro.chart_stages", lang), top, last, 1, 4, 6, "K3", t("rep.amount", lang))


def period_workbook(rt: Retrospective, lang: str) -> bytes:
    """The monthly (or quarterly) report as .xlsx bytes: Summary (totals, wins), Teams and Reps
    (tables + native bar charts of target vs actual) and the Retrospective sheet, in ``lang``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("rep.sheet_summary", lang)
    p = rt.period
    kind = "quarter" if p.grain == "quarter" else "month"
    _put(ws, 1, 1, t(f"retro.report_title.{kind}", lang, period=p.label, start=p.start, end=p.end))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    plan = t(
        "rep.plan_active" if rt.plan_source == "active" else "rep.plan_default", lang, label=rt.plan_label
    )
    _put(ws, 2, 1, t("rep.asof", lang, asof=rt.as_of) + " · " + plan)
    tot = rt.total
    pairs: list[tuple[str, object, str | None]] = [
        (t("retro.target", lang), tot["target"], MONEY),
        (t("retro.expected", lang), tot["expected"], MONEY),
        (t("rev.actual", lang), tot["actual"], MONEY),
        (t("retro.previous", lang), tot["previous"], MONEY),
        (t("rev.attainment", lang), tot["attainment"], PCT),
        (t("retro.growth", lang), tot["growth"], PCT),
    ]
    for i, (label, value, fmt) in enumerate(pairs, start=4):
        _heading(ws, i, label)
        _put(ws, i, 2, value, fmt)
    row = 4 + len(pairs) + 1
    _heading(ws, row, t("rev.wins", lang))
    wins = [
        [pd.Timestamp(w["day"]).date().isoformat(), str(w["rep"]), str(w["customer"]), str(w["product"]),
         _cents(w["amount_cents"])]
        for w in _records(rt.wins)
    ]  # fmt: skip
    _table(ws, row + 1, [t("rep.day", lang), t("col.rep", lang), t("rep.customer", lang), t("rep.product", lang),
                         t("rep.amount", lang)], wins, [None, None, None, None, MONEY])  # fmt: skip
    _widths(ws, [26, 18, 30, 20, 16])

    heads = [t("retro.target", lang), t("retro.expected", lang), t("rev.actual", lang), t("retro.gap", lang),
             t("rev.attainment", lang), t("retro.growth", lang)]  # fmt: skip
    fmts: list[str | None] = [MONEY, MONEY, MONEY, MONEY, PCT, PCT]
    teams = wb.create_sheet(t("rep.sheet_teams", lang))
    last = _table(teams, 1, [t("col.team", lang), *heads], [[str(r["team"]), *_retro_nums(r)] for r in
                                                            _records(rt.teams)], [None, *fmts])  # fmt: skip
    teams.freeze_panes = "B2"
    _widths(teams, [18, 16, 16, 16, 16, 12, 12])
    _bar_chart(teams, t("retro.chart_teams", lang), 1, last, 1, 2, 4, f"A{last + 3}", t("rep.amount", lang))
    reps = wb.create_sheet(t("rep.sheet_reps", lang))
    rep_rows = [[str(r["rep"]), str(r["team"]), *_retro_nums(r)] for r in _records(rt.reps)]
    last = _table(reps, 1, [t("col.rep", lang), t("col.team", lang), *heads], rep_rows, [None, None, *fmts])
    reps.freeze_panes = "C2"
    _widths(reps, [14, 14, 16, 16, 16, 16, 12, 12])
    _bar_chart(reps, t("retro.chart_reps", lang), 1, last, 1, 3, 5, f"A{last + 3}", t("rep.amount", lang))
    retro_ws = wb.create_sheet(t("retro.sheet", lang))
    _retro_sheet(retro_ws, rt, lang)
    for sheet in (ws, teams, reps, retro_ws):
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
