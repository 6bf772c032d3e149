"""Plans in and out of Excel: the formatted export and the import of an existing plan.

Export (:func:`plan_to_xlsx`): a summary sheet, one sheet per level (company, teams, reps) with
months, quarters and totals, a weekly sheet and one quota letter per rep. Every amount is a sum
of the plan's integer day cents written as an exact Decimal value (never a formula), so every
total in the workbook equals the sum of its parts to the cent. Text from users (rep and team
names, notes) is written as text cells and neutralised against formula injection.

Import (:func:`read_plan_file`): an Excel/CSV plan as managers keep them, long (rep, period,
target) or wide (one row per rep, one column per month or quarter), with or without totals rows
and columns. The file passes the same safety checks and readers as actuals
(:mod:`analysis.filesafety`, :mod:`analysis.ingest`). Totals in the file are verified, reps are
matched by id or by name, and every problem is reported with its row, column, value and reason;
a plan is only built when there is none.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.allocate import is_vacancy, vacancy_id
from analysis.calendar import FiscalYear
from analysis.errorreport import neutralise
from analysis.filesafety import DEFAULT_LIMITS, Limits, UploadRefused, check_upload
from analysis.ingest import (
    _cell_kinds,
    _header_unit,
    _parse_amounts,
    _read_text,
    _read_workbook,
    _Sheet,
    micros_to_cents,
    normalize_header,
)
from analysis.messages import render
from analysis.plan import Plan, apply_month_grid, with_vacancy_lines
from analysis.spread import PlanInputError, split_int

MONEY_FORMAT = "#,##0.00"
_MICROS_PER_CENT = 10_000
_TOLERANCE_MICROS = 5_000  # half a cent: float noise in a file's own SUM(), never a real typo

# --------------------------------------------------------------------------------------------
# Export

_L: dict[str, dict[str, str]] = {
    "summary": {"zh": "摘要", "en": "Summary"},
    "company": {"zh": "公司", "en": "Company"},
    "teams": {"zh": "团队", "en": "Teams"},
    "reps": {"zh": "销售人员", "en": "Reps"},
    "weekly": {"zh": "周目标", "en": "Weekly"},
    "quota": {"zh": "目标书-", "en": "Quota-"},
    "team": {"zh": "团队", "en": "Team"},
    "rep": {"zh": "销售人员", "en": "Rep"},
    "rep_id": {"zh": "工号", "en": "Rep ID"},
    "total": {"zh": "合计", "en": "Total"},
    "company_row": {"zh": "公司", "en": "Company"},
    "week": {"zh": "周", "en": "Week"},
    "from": {"zh": "开始", "en": "From"},
    "to": {"zh": "结束", "en": "To"},
    "title": {"zh": "{fy} 销售目标分解", "en": "{fy} sales target plan"},
    "target": {"zh": "年度目标", "en": "Annual target"},
    "fy": {"zh": "财年", "en": "Fiscal year"},
    "calendar": {"zh": "工作日历", "en": "Working-day calendar"},
    "official": {"zh": "官方安排", "en": "official"},
    "estimate": {"zh": "估算（官方安排未发布）", "en": "ESTIMATE (official schedule not published)"},
    "spread": {"zh": "时间分解方法", "en": "Spread over time"},
    "allocate": {"zh": "人员分配方法", "en": "Allocation to reps"},
    "unit": {"zh": "取整单位", "en": "Rounding unit"},
    "version": {"zh": "方案版本", "en": "Version"},
    "author": {"zh": "作者", "en": "Author"},
    "created_at": {"zh": "保存时间", "en": "Saved at"},
    "note": {"zh": "备注", "en": "Note"},
    "notes": {"zh": "说明", "en": "Notes"},
    "check": {"zh": "校验", "en": "Check"},
    "check_ok": {
        "zh": "日→周→月→季→年、销售人员→团队→公司各级合计均与目标完全一致（精确到分）",
        "en": "days → weeks → months → quarters → year and reps → teams → company all add up exactly",
    },
    "letter": {"zh": "{fy} 销售目标确认书", "en": "{fy} quota letter"},
    "quarter": {"zh": "季度", "en": "Quarter"},
    "month": {"zh": "月份", "en": "Month"},
    "amount": {"zh": "目标", "en": "Target"},
    "workdays": {"zh": "工作日", "en": "Working days"},
    "how": {"zh": "计算说明", "en": "How it was computed"},
    "sign_rep": {
        "zh": "销售人员签字：______________  日期：__________",
        "en": "Rep: ______________  Date: ________",
    },
    "sign_mgr": {
        "zh": "主管签字：______________  日期：__________",
        "en": "Manager: ______________  Date: ________",
    },
}

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def _t(key: str, lang: str, **kw: object) -> str:
    text = _L[key]["zh" if lang == "zh" else "en"]
    return text.format(**kw) if kw else text


def sheet_title(raw: str, used: set[str]) -> str:
    """A valid, unique worksheet name for ``raw``: no []:*?/\\, no edge apostrophes, at most 31 chars.

    ``used`` holds the case-folded names taken so far (Excel compares names case-insensitively)
    and is updated.
    """
    base = _BAD_SHEET_CHARS.sub("_", raw).strip().strip("'").strip() or "Sheet"
    if base.casefold() == "history":  # reserved by Excel
        base += "_"
    name = base[:31]
    n = 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    used.add(name.casefold())
    return name


def _put(ws: Any, row: int, col: int, value: object, *, money: bool = False) -> Any:
    """Write one cell; text is neutralised and forced to a text cell, money gets the number format."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = neutralise(value)
        cell.data_type = TYPE_STRING
    else:
        cell.value = value
    if money:
        cell.number_format = MONEY_FORMAT
    return cell


def _dec(cents: int | np.integer[Any]) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _write_table(
    ws: Any,
    top: int,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    n_text: int,
    *,
    total_row: Sequence[object] | None = None,
) -> int:
    """A header row, data rows (first ``n_text`` columns text, the rest money) and a totals row.

    Returns the next free row.
    """
    for j, h in enumerate(header, start=1):
        c = _put(ws, top, j, h)
        c.font = _BOLD
        c.fill = _HEAD_FILL
    r = top + 1
    for values in [*rows, *([total_row] if total_row is not None else [])]:
        for j, v in enumerate(values, start=1):
            c = _put(ws, r, j, v, money=j > n_text)
            if total_row is not None and values is total_row:
                c.font = _BOLD
                c.fill = _TOTAL_FILL
        r += 1
    return r


def _level_sheet(
    ws: Any,
    plan: Plan,
    level: Literal["company", "team", "rep"],
    *,
    names: Mapping[Any, str],
    team_names: Mapping[Any, str],
    lang: str,
) -> None:
    months, keys, m_labels = plan.cents_by("month", level)
    quarters, _k, q_labels = plan.cents_by("quarter", level)
    if level == "rep":
        text_head = [_t("team", lang), _t("rep_id", lang), _t("rep", lang)]
        texts = [
            [team_names.get(t, str(t)), str(k), render(names.get(k, str(k)), lang)]
            for k, t in zip(keys, plan.team_ids, strict=True)
        ]
    elif level == "team":
        text_head = [_t("team", lang)]
        texts = [[team_names.get(k, str(k))] for k in keys]
    else:
        text_head = [_t("company", lang)]
        texts = [[_t("company_row", lang)]]
    n_text = len(text_head)
    header = [*text_head, *m_labels, *q_labels, _t("total", lang)]
    annual = months.sum(axis=1)
    rows = [
        [*texts[i], *map(_dec, months[i]), *map(_dec, quarters[i]), _dec(annual[i])] for i in range(len(keys))
    ]
    total_row: list[object] | None = None
    if level != "company":
        total_row = [
            _t("total", lang),
            *[""] * (n_text - 1),
            *map(_dec, months.sum(axis=0)),
            *map(_dec, quarters.sum(axis=0)),
            _dec(annual.sum()),
        ]
    _write_table(ws, 1, header, rows, n_text, total_row=total_row)
    ws.freeze_panes = ws.cell(row=2, column=n_text + 1)
    for j in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 10 if j <= n_text else 15


def _weekly_sheet(ws: Any, plan: Plan, team_names: Mapping[Any, str], lang: str) -> None:
    teams_c, teams, w_labels = plan.cents_by("week", "team")
    company = teams_c.sum(axis=0)
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for d in plan.days:
        iso = d.isocalendar()
        key = f"{iso.year:04d}-W{iso.week:02d}"
        first.setdefault(key, d.isoformat())
        last[key] = d.isoformat()
    header = [
        _t("week", lang),
        _t("from", lang),
        _t("to", lang),
        _t("company", lang),
        *[team_names.get(t, str(t)) for t in teams],
    ]
    rows = [
        [lab, first[lab], last[lab], _dec(company[j]), *(_dec(teams_c[i, j]) for i in range(len(teams)))]
        for j, lab in enumerate(w_labels)
    ]
    total_row = [_t("total", lang), "", "", _dec(company.sum()), *map(_dec, teams_c.sum(axis=1))]
    _write_table(ws, 1, header, rows, 3, total_row=total_row)
    ws.freeze_panes = "D2"
    for j in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 12 if j <= 3 else 15


def _describe(method: object, params: object) -> str:
    if not params:
        return str(method or "")
    return f"{method} {json.dumps(params, ensure_ascii=False, default=str, sort_keys=True)}"


def _key_values(ws: Any, top: int, pairs: Sequence[tuple[str, object]], money_keys: set[str]) -> int:
    r = top
    for label, value in pairs:
        _put(ws, r, 1, label).font = _BOLD
        cell = _put(ws, r, 2, value, money=label in money_keys)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    return r


def _summary_sheet(ws: Any, plan: Plan, meta: Mapping[str, object], lang: str) -> None:
    fy = plan.fy
    status = plan.status
    cal = f"{_t('official' if status.official else 'estimate', lang)}: "
    cal += status.message_zh if lang == "zh" else status.message_en
    version = ""
    if meta.get("scenario"):
        version = f"{meta['scenario']} v{meta.get('version', '?')}"
        if meta.get("version_id") is not None:
            version += f" (#{meta['version_id']})"
    pairs: list[tuple[str, object]] = [
        (_t("target", lang), plan.total),
        (_t("fy", lang), f"{fy.label} ({fy.start.isoformat()} – {fy.end.isoformat()})"),
        (_t("calendar", lang), cal),
        (_t("spread", lang), _describe(meta.get("spread_method"), meta.get("spread_params"))),
        (_t("allocate", lang), _describe(meta.get("allocate_method"), meta.get("allocate_params"))),
        (_t("unit", lang), str(meta.get("unit", plan.unit))),
        (_t("version", lang), version),
        (_t("author", lang), str(meta.get("author") or "")),
        (_t("created_at", lang), str(meta.get("created_at") or "")),
        (_t("note", lang), str(meta.get("note") or "")),
        (_t("notes", lang), "\n".join(plan.notes)),
        (_t("check", lang), _t("check_ok", lang)),
    ]
    _put(ws, 1, 1, _t("title", lang, fy=fy.label)).font = Font(bold=True, size=14)
    _key_values(ws, 3, pairs, {_t("target", lang)})
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90


def _quota_sheet(
    ws: Any,
    plan: Plan,
    i: int,
    *,
    names: Mapping[Any, str],
    team_names: Mapping[Any, str],
    meta: Mapping[str, object],
    quarters: np.ndarray[Any, Any],
    q_labels: Sequence[str],
    months: np.ndarray[Any, Any],
    m_labels: Sequence[str],
    workdays: Sequence[int],
    lang: str,
) -> None:
    rep = plan.rep_ids[i]
    fy = plan.fy
    _put(ws, 1, 1, _t("letter", lang, fy=fy.label)).font = Font(bold=True, size=14)
    annual = int(months[i].sum())
    r = _key_values(
        ws,
        3,
        [
            (_t("rep", lang), render(names.get(rep, str(rep)), lang)),
            (_t("rep_id", lang), str(rep)),
            (_t("team", lang), team_names.get(plan.team_ids[i], str(plan.team_ids[i]))),
            (_t("fy", lang), f"{fy.label} ({fy.start.isoformat()} – {fy.end.isoformat()})"),
            (_t("target", lang), _dec(annual)),
        ],
        {_t("target", lang)},
    )
    r = _write_table(
        ws,
        r + 1,
        [_t("quarter", lang), _t("amount", lang)],
        [[q, _dec(quarters[i, j])] for j, q in enumerate(q_labels)],
        1,
        total_row=[_t("total", lang), _dec(annual)],
    )
    r = _write_table(
        ws,
        r + 1,
        [_t("month", lang), _t("amount", lang), _t("workdays", lang)],
        [[m, _dec(months[i, j]), workdays[j]] for j, m in enumerate(m_labels)],
        1,
        total_row=[_t("total", lang), _dec(annual), sum(workdays)],
    )
    for row in ws.iter_rows(min_row=1, max_row=r, min_col=3, max_col=3):
        for c in row:
            if isinstance(c.value, int):
                c.number_format = "0"
    status = plan.status.message_zh if lang == "zh" else plan.status.message_en
    r = _key_values(
        ws,
        r + 1,
        [
            (_t("how", lang), plan.explanations.get(rep, "")),
            (_t("spread", lang), _describe(meta.get("spread_method"), meta.get("spread_params"))),
            (_t("allocate", lang), _describe(meta.get("allocate_method"), meta.get("allocate_params"))),
            (_t("calendar", lang), status),
        ],
        set(),
    )
    _put(ws, r + 1, 1, _t("sign_rep", lang))
    _put(ws, r + 2, 1, _t("sign_mgr", lang))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 12


def plan_to_xlsx(
    plan: Plan,
    *,
    names: Mapping[Any, str],
    team_names: Mapping[Any, str],
    meta: Mapping[str, object],
    lang: str = "zh",
) -> bytes:
    """The plan as a formatted workbook (bytes).

    Sheets: summary; company, teams and reps × (12 months, 4 fiscal quarters, total) with a totals
    row; weekly (ISO weeks × company and teams); one quota letter per rep. Amounts are exact
    Decimals in currency units with format ``#,##0.00``; every total is the sum of the plan's day
    cents, so totals equal the sums of their rows and columns exactly. ``names``: rep_id → name,
    ``team_names``: team_id → name; ``meta``: scenario, version, version_id, author, created_at,
    note, spread_method, spread_params, allocate_method, allocate_params, unit (all optional).
    """
    wb = Workbook()
    used: set[str] = set()
    summary = wb.active
    assert summary is not None
    summary.title = sheet_title(_t("summary", lang), used)
    _summary_sheet(summary, plan, meta, lang)
    for level, key in (("company", "company"), ("team", "teams"), ("rep", "reps")):
        ws = wb.create_sheet(sheet_title(_t(key, lang), used))
        _level_sheet(ws, plan, level, names=names, team_names=team_names, lang=lang)  # type: ignore[arg-type]
    _weekly_sheet(wb.create_sheet(sheet_title(_t("weekly", lang), used)), plan, team_names, lang)
    months, _keys, m_labels = plan.cents_by("month", "rep")
    quarters, _k, q_labels = plan.cents_by("quarter", "rep")
    work = (plan.spread.weights > 0).astype(np.int64)
    workdays = [int(x) for x in np.add.reduceat(work, np.searchsorted(plan.fy.month_index(), np.arange(12)))]
    for i, rep in enumerate(plan.rep_ids):
        if is_vacancy(rep):  # no quota letter for a seat without a rep
            continue
        title = sheet_title(_t("quota", lang) + names.get(rep, str(rep)), used)
        _quota_sheet(
            wb.create_sheet(title),
            plan,
            i,
            names=names,
            team_names=team_names,
            meta=meta,
            quarters=quarters,
            q_labels=q_labels,
            months=months,
            m_labels=m_labels,
            workdays=workdays,
            lang=lang,
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Import

Layout = Literal["long", "wide"]

_REP_HEADERS = frozenset(
    ["rep", "salesrep", "salesperson", "repname", "name", "owner", "销售", "销售人员", "销售员", "销售代表"]
    + ["业务员", "姓名", "名字", "人员", "员工", "负责人", "客户经理", "销售姓名", "员工姓名"]
)
_ID_HEADERS = frozenset(["repid", "id", "employeeid", "工号", "员工编号", "员工号", "销售编号", "编号"])
_TEAM_HEADERS = frozenset(["team", "teamname", "团队", "部门", "小组", "组", "团队名称", "区域", "region"])
_PERIOD_HEADERS = frozenset(["period", "month", "quarter", "月份", "月", "期间", "周期", "季度", "时间"])
_TARGET_HEADERS = frozenset(
    ["target", "quota", "amount", "plan", "value", "目标", "目标金额", "目标额", "销售目标", "指标"]
    + ["任务", "任务额", "金额", "计划", "计划金额", "销售指标"]
)
_TOTAL_WORDS = frozenset(
    ["合计", "总计", "小计", "总和", "全年", "年度", "全年合计", "年度合计", "年合计", "汇总", "总额"]
    + ["total", "sum", "grandtotal", "subtotal", "annual", "year", "fy", "全年目标", "年度目标"]
)
_EN_MONTHS = {
    m: i
    for i, names_ in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names_
}
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_NUM |= {"十一": 11, "十二": 12}

PeriodKind = Literal["month", "quarter", "total", "outside"]


def _plain(text: object) -> str:
    """NFKC, lower case, trimmed (full-width and non-breaking spaces too)."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return s.strip(" \t\r\n\u3000\xa0").lower()


def _year_ok(y: int | None, fy: FiscalYear) -> bool:
    return y is None or y == fy.year


def parse_period(cell: object, fy: FiscalYear) -> tuple[PeriodKind, str] | None:
    """Read a header or period cell as a month ("2027-01"), a fiscal quarter ("Q1"..), a total or
    a period outside ``fy``; None when it is not a period at all.

    Months: 2027-01, 2027/1, 2027年1月, 202701, a date cell, 1月, 一月, Jan, January, Jan 2027, M1.
    A month without a year is the month of that name inside the fiscal year. Quarters: Q1,
    2027-Q1, FY2027-Q1, 2027Q1, 一季度, 第1季度, 2027年第一季度 (the year names the fiscal year).
    Totals: 合计, 总计, 全年, Total, Sum, FY2027, 2027.
    """
    labels = fy.month_labels()
    if hasattr(cell, "year") and hasattr(cell, "month") and not isinstance(cell, str):
        lab = f"{cell.year:04d}-{cell.month:02d}"
        return ("month", lab) if lab in labels else ("outside", lab)
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        if float(cell).is_integer() and 190001 <= int(cell) <= 209912:
            cell = str(int(cell))
        elif float(cell).is_integer() and 1900 < int(cell) < 2100:
            return ("total", "") if int(cell) == fy.year else ("outside", str(int(cell)))
        else:
            return None
    raw = _plain(cell)
    s = re.sub(r"[(\[（【].*?[)\]）】]", "", raw).strip()  # units such as (万元)
    s = re.sub(r"(目标|指标|任务|计划|target|quota|plan)$", "", s).strip()
    if not s:
        return None
    if re.sub(r"[\s_\-:：]", "", s) in _TOTAL_WORDS:
        return ("total", "")
    m = re.fullmatch(r"(?:fy\s*)?(\d{4})\s*(?:年|财年)?\s*(合计|总计|全年|total)?", s)
    if m:
        y = int(m.group(1))
        return ("total", "") if y == fy.year else ("outside", m.group(1))

    def month(y: int | None, mo: int) -> tuple[PeriodKind, str] | None:
        if not 1 <= mo <= 12:
            return None
        if y is None:
            lab = next(lab for lab in labels if int(lab[5:]) == mo)
            return ("month", lab)
        lab = f"{y:04d}-{mo:02d}"
        return ("month", lab) if lab in labels else ("outside", lab)

    def quarter(y: int | None, q: int) -> tuple[PeriodKind, str]:
        if not _year_ok(y, fy):
            return ("outside", f"FY{y}-Q{q}")
        return ("quarter", f"Q{q}")

    for pat in (
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?(?:[-/.]\d{1,2}(?:[ t].*)?)?",
        r"(\d{4})(\d{2})",
    ):
        m = re.fullmatch(pat, s)
        if m:
            return month(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(?:m)?(\d{1,2})\s*(?:月份?)?", s)
    if m and (s.endswith(("月", "月份")) or s.startswith("m")):
        return month(None, int(m.group(1)))
    m = re.fullmatch(r"(十[一二]?|[一二三四五六七八九])\s*月份?", s)
    if m:
        return month(None, _CN_NUM[m.group(1)])
    m = re.fullmatch(r"([a-z]{3,9})\.?(?:[\s\-'/]*(\d{2}|\d{4}))?", s)
    if m and m.group(1) in _EN_MONTHS:
        yy = m.group(2)
        return month(None if yy is None else int(yy) + (2000 if len(yy) == 2 else 0), _EN_MONTHS[m.group(1)])
    m = re.fullmatch(r"(\d{4})[\s\-/]*([a-z]{3,9})\.?", s)
    if m and m.group(2) in _EN_MONTHS:
        return month(int(m.group(1)), _EN_MONTHS[m.group(2)])
    m = re.fullmatch(r"(?:fy\s*)?(?:(\d{4})\s*(?:年|财年)?\s*[-_/ ]?\s*)?q([1-4])", s)
    if m:
        return quarter(int(m.group(1)) if m.group(1) else None, int(m.group(2)))
    m = re.fullmatch(r"q([1-4])\s*[-_/ ]?\s*(?:fy\s*)?(\d{4})", s)
    if m:
        return quarter(int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"(?:fy\s*)?(?:(\d{4})\s*(?:年|财年)?\s*)?第?([1-4一二三四])\s*季度?", s)
    if m and ("季" in s or "第" in s):
        q = m.group(2)
        return quarter(int(m.group(1)) if m.group(1) else None, int(q) if q.isdigit() else _CN_NUM[q])
    return None


@dataclass(frozen=True)
class PlanFileError:
    """One problem in an imported plan: ``row`` as Excel/the text editor shows it (0: the file)."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class ParsedPlan:
    """An imported plan before (or after) it becomes a :class:`Plan`.

    ``cents``: rep_id → {period: cents}; periods are month labels ("2027-01") when ``grain`` of
    that rep is "month", else "Q1".."Q4". Built only from rows without errors; a plan is only
    made when ``errors`` is empty.
    """

    layout: Layout | None
    sheet: str | None
    header_row: int
    cents: dict[str, dict[str, int]]
    grain: dict[str, Literal["month", "quarter"]]
    errors: list[PlanFileError]
    notes: list[str] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_cents(self) -> int:
        return sum(sum(v.values()) for v in self.cents.values())

    @property
    def total(self) -> Decimal:
        return _dec(self.total_cents)


def _name_key(text: object) -> str:
    """Comparable name: NFKC, case-folded, all whitespace removed (名字 are often padded: 张　伟)."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    if s.startswith("'") and s[1:2] in ("=", "+", "-", "@"):
        s = s[1:]  # our own export neutralised it
    return re.sub(r"\s+", "", s).casefold()


@dataclass
class _Header:
    row: int
    rep: int | None = None
    rep_id: int | None = None
    team: int | None = None
    period: int | None = None
    target: int | None = None
    periods: dict[int, tuple[PeriodKind, str]] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    @property
    def layout(self) -> Layout | None:
        who = self.rep is not None or self.rep_id is not None
        if who and self.period is not None and self.target is not None:
            return "long"
        if who and any(k in ("month", "quarter") for k, _ in self.periods.values()):
            return "wide"
        return None

    @property
    def score(self) -> int:
        if self.layout is None:
            return 0
        n = sum(k in ("month", "quarter") for k, _ in self.periods.values())
        return 100 + (50 if self.layout == "long" else 0) + 4 * n + (self.rep is not None)


def _read_header(grid: list[list[Any]], i: int, fy: FiscalYear) -> _Header:
    row = grid[i]
    h = _Header(row=i)
    for j, cell in enumerate(row):
        text = "" if cell is None else str(cell).strip()
        h.labels.append(text or f"column {j + 1}")
        key = normalize_header(cell) if isinstance(cell, str) else ""
        if key in _REP_HEADERS and h.rep is None:
            h.rep = j
        elif key in _ID_HEADERS and h.rep_id is None:
            h.rep_id = j
        elif key in _TEAM_HEADERS and h.team is None:
            h.team = j
        elif key in _PERIOD_HEADERS and h.period is None:
            h.period = j
        elif key in _TARGET_HEADERS and h.target is None:
            h.target = j
        else:
            p = parse_period(cell, fy) if cell not in (None, "") else None
            if p is not None:
                h.periods[j] = p
    return h


def _amounts(cells: list[object], header_text: str) -> tuple[list[int], list[str | None], list[bool]]:
    """Cells → micro-units, error reason per cell and whether the cell was empty (ingest's parser)."""
    s = pd.Series(cells, dtype=object)
    kinds = _cell_kinds(s)
    micros, why = _parse_amounts(s, kinds, _header_unit(header_text))
    empty = (kinds == "empty").tolist()
    reasons = [
        None if e else (None if pd.isna(w) else str(w)) for w, e in zip(why.tolist(), empty, strict=True)
    ]
    return [int(v) for v in micros.tolist()], reasons, empty


@dataclass
class _RepIndex:
    by_id: dict[str, str]
    by_name: dict[str, list[str]]
    teams: dict[str, str]  # name key → team_id
    team_of: dict[str, str]

    @classmethod
    def of(cls, reps: pd.DataFrame) -> _RepIndex:
        by_name: dict[str, list[str]] = {}
        for rid, name in zip(reps["rep_id"], reps["name"], strict=True):
            by_name.setdefault(_name_key(name), []).append(str(rid))
        teams: dict[str, str] = {}
        if "team" in reps.columns:
            for tid, tname in zip(reps["team_id"], reps["team"], strict=True):
                teams.setdefault(_name_key(tname), str(tid))
        by_id = {_name_key(r): str(r) for r in reps["rep_id"]}
        by_id |= {_name_key(vacancy_id(t)): vacancy_id(t) for t in reps["team_id"]}
        return cls(
            by_id=by_id,
            by_name=by_name,
            teams=teams,
            team_of={str(r): str(t) for r, t in zip(reps["rep_id"], reps["team_id"], strict=True)}
            | {vacancy_id(t): str(t) for t in reps["team_id"]},
        )

    def match(self, name: object, rid: object) -> tuple[str | None, str | None]:
        """(rep_id, None) or (None, reason)."""
        if rid not in (None, ""):
            key = _name_key(rid)
            if key in self.by_id:
                return self.by_id[key], None
            if name in (None, ""):
                return None, "unknown rep id (not an active rep in this fiscal year)"
        key = _name_key(name)
        hits = self.by_name.get(key, [])
        if len(hits) == 1:
            return hits[0], None
        if len(hits) > 1:
            return None, f"the name matches several reps ({', '.join(hits)}); add a rep id column"
        if key in self.by_id:
            return self.by_id[key], None
        return None, "unknown rep (not an active rep in this fiscal year)"


@dataclass
class _Acc:
    """Values read so far: micro-units per rep and period, and totals to verify afterwards."""

    values: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # rep → first row
    # (grid row, column, value text, "rep|total|team:<period or total>", rep or team id, micros)
    checks: list[tuple[int, str, str, str, str | None, int]] = field(default_factory=list)
    team_of: dict[str, str] = field(default_factory=dict)


def _fmt_micros(m: int) -> str:
    return f"{Decimal(m).scaleb(-6).quantize(Decimal('0.01')):,}"


def _choose(sheets: list[_Sheet], fy: FiscalYear, wanted: str | None) -> tuple[_Sheet, _Header]:
    if wanted is not None:
        pick = [sh for sh in sheets if sh.name == wanted]
        if not pick:
            names = ", ".join(repr(sh.name) for sh in sheets)
            raise UploadRefused(f"there is no sheet {wanted!r}; the sheets are {names}", "bad_option")
        sheets = pick
    best: tuple[int, int, _Sheet, _Header] | None = None
    for sh in sheets:
        for i in range(min(20, len(sh.grid))):
            h = _read_header(sh.grid, i, fy)
            key = (h.score, len(sh.grid) - i)
            if h.score and (best is None or key > best[:2]):
                best = (key[0], key[1], sh, h)
    if best is None:
        raise UploadRefused(
            "no plan table found: the first 20 rows need a header with a rep column (销售人员/姓名/Rep) and "
            "either month or quarter columns (2027-01, 1月, Jan, Q1 …) or period and target columns",
            "missing_columns",
        )
    return best[2], best[3]


def read_plan_file(
    data: bytes,
    filename: str,
    *,
    fy: FiscalYear,
    reps: pd.DataFrame,
    sheet: str | None = None,
    base: Plan | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ParsedPlan:
    """Read an existing plan from Excel/CSV bytes into rep × month (or quarter) cents.

    ``reps``: DataFrame[rep_id, name, team_id(, team)] of the reps who can hold a target in
    ``fy``; rows match a rep id column first, else the name (trimmed, full-width spaces and case
    ignored). Amounts are read like actuals (separators, ¥, 万 in the cell or the header); a rep's
    periods are rounded to cents by largest remainder so the rep's total is the half-up rounded
    sum of the file's values. Empty cells in a wide table are 0. Totals rows/columns, quarter
    columns next to months and team subtotal rows are verified against the sum of their parts
    (tolerance half a cent). When ``base`` is given and nothing is wrong, ``plan`` is built from
    it (see :func:`plan_from_parsed`). Raises ``UploadRefused`` for unsafe or unrecognisable files;
    every other problem is a :class:`PlanFileError`.
    """
    kind, zinfo = check_upload(
        data, filename, limits, keep=("xl/worksheets/", "xl/workbook.xml", "xl/_rels/")
    )
    notes: list[str] = []
    if kind == "text":
        sheets, how = _read_text(data, limits)
        notes.append(f"text read as {how}")
    else:
        sheets = _read_workbook(data, kind, zinfo.kept if zinfo else {}, zinfo.names if zinfo else [], limits)
    if not any(sh.grid for sh in sheets):
        raise UploadRefused("the file has no rows", "empty")
    chosen, head = _choose(sheets, fy, sheet)
    if len(sheets) > 1:
        notes.append(f"read sheet {chosen.name!r}")
    idx = _RepIndex.of(reps)
    errors: list[PlanFileError] = []
    acc = _Acc(team_of=idx.team_of)
    grid = chosen.grid

    def rownum(i: int) -> int:
        return chosen.row_numbers[i] if chosen.row_numbers is not None else i + 1

    def err(i: int, col: int | None, value: object, reason: str) -> None:
        column = head.labels[col] if col is not None and col < len(head.labels) else "-"
        errors.append(PlanFileError(rownum(i), column, "" if value is None else str(value), reason))

    def cell(row: list[Any], j: int | None) -> object:
        return row[j] if j is not None and j < len(row) else None

    def bad_cell(i: int, j: int) -> str | None:
        return chosen.bad_cells.get((i, j))

    layout = head.layout
    assert layout is not None
    for j, (k, lab) in head.periods.items():
        if k == "outside":
            err(head.row, j, head.labels[j], f"{lab} is outside {fy.label} ({fy.start} – {fy.end})")
    ignored = [
        head.labels[j]
        for j in range(len(head.labels))
        if j not in head.periods
        and j not in (head.rep, head.rep_id, head.team, head.period, head.target)
        and not head.labels[j].startswith("column ")
    ]
    if ignored:
        notes.append(f"columns ignored: {', '.join(ignored[:10])}")
    data_rows = list(range(head.row + 1, len(grid)))
    if layout == "wide":
        _read_wide(grid, data_rows, head, idx, acc, err, cell, bad_cell)
    else:
        _read_long(grid, data_rows, head, idx, acc, err, cell, bad_cell, fy)
    cents, grain = _to_cents(acc, fy, head, err, notes)
    parsed = ParsedPlan(layout, chosen.name or None, rownum(head.row), cents, grain, errors, notes)
    if not cents and not errors:
        errors.append(PlanFileError(0, "-", "", "the file has no targets for any rep"))
    if base is not None and not errors:
        parsed.plan = plan_from_parsed(parsed, base, source=filename)
    return parsed


def _row_empty(row: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip(" \t\r\n\u3000\xa0")) for c in row)


_SUBTOTAL = re.compile(r"(.*?)[\s:：\-_]*(小计|合计|总计|汇总|subtotal|total|sum)[\s:：]*", re.IGNORECASE)


def _who(
    row: list[Any], head: _Header, idx: _RepIndex, cell: Any
) -> tuple[Literal["rep", "total", "team", "none", "bad"], str | None, str | None]:
    """What a row's rep cells name: a rep, a totals row, a team subtotal ("华东 小计"), nothing, or a problem."""
    name, rid, team = cell(row, head.rep), cell(row, head.rep_id), cell(row, head.team)
    has_rep = _name_key(name) != "" or _name_key(rid) != ""
    for v in (name, rid, team):
        p = _plain(v)
        if not p or (v is team and has_rep and _name_key(name) not in idx.teams):
            continue  # a rep row whose team cell says 合计 is still a rep row
        if re.sub(r"[\s_\-:：]", "", p) in _TOTAL_WORDS:
            return ("total", None, None)
        m = _SUBTOTAL.fullmatch(p)
        if m and _name_key(m.group(1)) in idx.teams:
            return ("team", idx.teams[_name_key(m.group(1))], None)
    if not has_rep:
        return ("none", None, None)
    rep, why = idx.match(name, rid)
    if rep is not None:
        return ("rep", rep, None)
    if _name_key(name) in idx.teams and _name_key(rid) == "":
        return ("team", idx.teams[_name_key(name)], None)
    return ("bad", None, why)


def _read_wide(
    grid: list[list[Any]],
    data_rows: list[int],
    head: _Header,
    idx: _RepIndex,
    acc: _Acc,
    err: Any,
    cell: Any,
    bad_cell: Any,
) -> None:
    cols = [j for j, (k, _lab) in head.periods.items() if k in ("month", "quarter", "total")]
    values: dict[int, tuple[list[int], list[str | None], list[bool]]] = {
        j: _amounts([cell(grid[i], j) for i in data_rows], head.labels[j]) for j in cols
    }
    for n, i in enumerate(data_rows):
        row = grid[i]
        if _row_empty(row):
            continue
        what, key, why = _who(row, head, idx, cell)
        filled = [j for j in cols if not values[j][2][n] or bad_cell(i, j)]
        if not filled:
            continue  # a title, note or signature line without numbers
        if what == "none":
            err(i, head.rep if head.rep is not None else head.rep_id, "", "no rep name on a row with targets")
            continue
        if what == "bad":
            col = head.rep if head.rep is not None else head.rep_id
            err(i, col, cell(row, col) if cell(row, col) not in (None, "") else cell(row, head.rep_id), why)
            continue
        if what == "rep" and key in acc.rows:
            err(i, head.rep, cell(row, head.rep), f"rep appears twice (first on row {acc.rows[key]})")
            continue
        row_vals: dict[str, int] = {}
        for j in cols:
            micros, reasons, empty = values[j]
            bad = bad_cell(i, j)
            if bad:
                err(i, j, cell(row, j), bad)
                continue
            if reasons[n]:
                err(i, j, cell(row, j), str(reasons[n]))
                continue
            if micros[n] < 0:
                err(i, j, cell(row, j), "a target must not be negative")
                continue
            if empty[n]:
                continue
            kind, lab = head.periods[j]
            if kind == "total":
                acc.checks.append((i, head.labels[j], str(cell(row, j)), what + ":total", key, micros[n]))
            else:
                row_vals[lab] = micros[n]
                if what != "rep":
                    acc.checks.append(
                        (i, head.labels[j], str(cell(row, j)), what + ":" + lab, key, micros[n])
                    )
        if what == "rep":
            assert key is not None
            acc.rows[key] = i
            acc.values[key] = row_vals


def _read_long(
    grid: list[list[Any]],
    data_rows: list[int],
    head: _Header,
    idx: _RepIndex,
    acc: _Acc,
    err: Any,
    cell: Any,
    bad_cell: Any,
    fy: FiscalYear,
) -> None:
    tj = head.target
    micros, reasons, empty = _amounts([cell(grid[i], tj) for i in data_rows], head.labels[tj or 0])
    seen: dict[tuple[str, str], int] = {}
    for n, i in enumerate(data_rows):
        row = grid[i]
        if _row_empty(row):
            continue
        what, key, why = _who(row, head, idx, cell)
        pcell = cell(row, head.period)
        if what == "none":
            err(i, head.rep if head.rep is not None else head.rep_id, "", "no rep name")
            continue
        if what == "bad":
            col = head.rep if head.rep is not None else head.rep_id
            err(i, col, cell(row, col), why)
            continue
        if pcell in (None, "") and what == "rep":
            err(i, head.period, "", f"no period (use a month such as {fy.month_labels()[0]} or a quarter Q1)")
            continue
        p = ("total", "") if pcell in (None, "") else parse_period(pcell, fy)
        if p is None:
            err(i, head.period, pcell, f"not a month or quarter of {fy.label}")
            continue
        if p[0] == "outside":
            err(i, head.period, pcell, f"{p[1]} is outside {fy.label} ({fy.start} – {fy.end})")
            continue
        bad = bad_cell(i, tj)
        if bad:
            err(i, tj, cell(row, tj), bad)
            continue
        if empty[n]:
            err(i, tj, "", "the target is empty")
            continue
        if reasons[n]:
            err(i, tj, cell(row, tj), str(reasons[n]))
            continue
        if micros[n] < 0:
            err(i, tj, cell(row, tj), "a target must not be negative")
            continue
        kind, lab = p
        text = str(cell(row, tj))
        col_label = head.labels[tj or 0]
        if what != "rep" or kind == "total":
            acc.checks.append(
                (i, col_label, text, f"{what}:{'total' if kind == 'total' else lab}", key, micros[n])
            )
            continue
        assert key is not None
        if (key, lab) in seen:
            err(i, head.period, pcell, f"{lab} for this rep appears twice (first on row {seen[(key, lab)]})")
            continue
        seen[(key, lab)] = i + 1
        acc.rows.setdefault(key, i)
        acc.values.setdefault(key, {})[lab] = micros[n]


def _to_cents(
    acc: _Acc, fy: FiscalYear, head: _Header, err: Any, notes: list[str]
) -> tuple[dict[str, dict[str, int]], dict[str, Literal["month", "quarter"]]]:
    """Verify the file's totals, then round each rep's values to cents (largest remainder per rep)."""
    months = fy.month_labels()
    quarter_of = {m: f"Q{k // 3 + 1}" for k, m in enumerate(months)}
    grain: dict[str, Literal["month", "quarter"]] = {}
    rep_total: dict[str, int] = {}
    period_sum: dict[str, int] = {}
    for rep, vals in acc.values.items():
        has_month = any(p in quarter_of for p in vals)
        grain[rep] = "month" if has_month else "quarter"
        if has_month:
            for p, v in list(vals.items()):
                if p not in quarter_of:  # a quarter next to months: a subtotal to verify
                    parts = sum(vals.get(m, 0) for m in months if quarter_of[m] == p)
                    if abs(parts - v) > _TOLERANCE_MICROS:
                        col = next((head.labels[j] for j, (_k, lab) in head.periods.items() if lab == p), p)
                        err(acc.rows[rep], _col_index(head, col), _fmt_micros(v), _mismatch(p, parts, v))
                    del vals[p]
        rep_total[rep] = sum(vals.values())
        for p, v in vals.items():
            period_sum[p] = period_sum.get(p, 0) + v
            if p in quarter_of:
                period_sum[quarter_of[p]] = period_sum.get(quarter_of[p], 0) + v
    for i, col, text, kind, key, micros in acc.checks:
        who, _, period = kind.partition(":")
        if who == "rep":
            parts = rep_total.get(str(key), 0)
            what = "the rep's periods"
        elif who == "team":
            members = [r for r in acc.values if acc.team_of.get(r) == key]
            if period == "total":
                parts = sum(rep_total[r] for r in members)
            else:
                parts = sum(_period_value(acc.values[r], period, quarter_of) for r in members)
            what = "the team's reps"
        else:
            parts = sum(rep_total.values()) if period == "total" else period_sum.get(period, 0)
            what = "the rows above"
        if abs(parts - micros) > _TOLERANCE_MICROS:
            err(
                i,
                _col_index(head, col),
                text,
                f"total does not add up: {what} sum to {_fmt_micros(parts)}, "
                f"the file says {_fmt_micros(micros)}",
            )
    cents: dict[str, dict[str, int]] = {}
    for rep, vals in acc.values.items():
        keys = list(vals)
        c = micros_to_cents(pd.Series([vals[k] for k in keys], dtype="int64")).tolist() if keys else []
        cents[rep] = {k: int(v) for k, v in zip(keys, c, strict=True)}
    quarter_reps = [r for r, g in grain.items() if g == "quarter"]
    if quarter_reps:
        notes.append(
            f"{len(quarter_reps)} reps have quarter targets: each quarter is split over its months by working days"
        )
    missing = [m for m in months if not any(m in v for v in cents.values())]
    if missing and any(g == "month" for g in grain.values()):
        notes.append(f"months without any target are 0: {', '.join(missing)}")
    return cents, grain


def _mismatch(p: str, parts: int, v: int) -> str:
    return f"{p} does not add up: its months sum to {_fmt_micros(parts)}, the file says {_fmt_micros(v)}"


def _col_index(head: _Header, label: str) -> int | None:
    return head.labels.index(label) if label in head.labels else None


def _period_value(vals: Mapping[str, int], period: str, quarter_of: Mapping[str, str]) -> int:
    if period in vals:
        return vals[period]
    return sum(v for p, v in vals.items() if quarter_of.get(p) == period)


def plan_from_parsed(parsed: ParsedPlan, base: Plan, *, source: str = "") -> Plan:
    """The imported targets as a plan: ``base``'s reps, calendar and day weights, the file's months.

    ``base`` is normally a working-days spread with even allocation over the same reps (see
    :func:`analysis.planning.import_plan`); its month values are replaced by the file's, and each
    month is spread over its working days (:func:`analysis.plan.apply_month_grid`). Quarter
    targets are first split over their three months in proportion to ``base``'s months for that
    rep (working days), largest remainder to the cent. Reps of ``base`` absent from the file get 0.
    """
    if parsed.errors:
        raise PlanInputError(f"the file has {len(parsed.errors)} problems; fix them first")
    lines = [r for r in parsed.cents if is_vacancy(r)]  # a team's unassigned line, as exported
    base = with_vacancy_lines(base, [*base.rep_ids, *lines])
    base_months, rep_ids, labels = base.cents_by("month", "rep")
    r_pos = {str(r): i for i, r in enumerate(rep_ids)}
    unknown = sorted(set(parsed.cents) - set(r_pos))
    if unknown:
        raise PlanInputError(f"reps not in this plan: {', '.join(unknown)}")
    work = np.add.reduceat(
        (base.spread.weights > 0).astype(np.float64), np.searchsorted(base.fy.month_index(), np.arange(12))
    )
    grid: dict[tuple[object, str], Decimal] = {}
    for rep in rep_ids:
        vals = parsed.cents.get(str(rep), {})
        row = np.zeros(12, dtype=np.int64)
        if parsed.grain.get(str(rep)) == "quarter":
            for q in range(4):
                total = vals.get(f"Q{q + 1}", 0)
                if not total:
                    continue
                w = base_months[r_pos[str(rep)], 3 * q : 3 * q + 3].astype(np.float64)
                if w.sum() <= 0:
                    w = work[3 * q : 3 * q + 3]
                row[3 * q : 3 * q + 3] = split_int(total, w)
        else:
            row[:] = [vals.get(lab, 0) for lab in labels]
        for j, lab in enumerate(labels):
            grid[(rep, lab)] = _dec(row[j])
    plan = apply_month_grid(base, grid)
    what = f"imported from {source}" if source else "imported"
    how = f"{what}; month targets as in the file, each month spread over its working days"
    return replace(plan, explanations=dict.fromkeys(rep_ids, how), notes=(*base.notes, *parsed.notes))
