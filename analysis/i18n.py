"""The one translation table (中文 / English) and locale-aware number formatting.

Every string a user sees comes from ``TEXT`` through ``t``; Chinese is the default. Money is
formatted with 万/亿 in Chinese and thousands separators in English.
"""

from __future__ import annotations

from decimal import Decimal

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, dict[str, str]] = {
    # shell
    "app.title": {"zh": "销售目标规划", "en": "Sales Target Planner"},
    "app.tagline": {
        "zh": "把年度目标分解到季度、月、周、日和每位销售，并追踪实际进度。",
        "en": "Break the annual target down to quarters, months, weeks, days and reps, and track actuals.",
    },
    "nav.home": {"zh": "总览", "en": "Overview"},
    "nav.plan": {"zh": "目标分解", "en": "Plan"},
    "nav.progress": {"zh": "进度追踪", "en": "Progress"},
    "nav.data": {"zh": "数据导入", "en": "Data import"},
    "side.lang": {"zh": "语言", "en": "Language"},
    "side.asof": {"zh": "截至日期", "en": "As of"},
    "side.db": {"zh": "数据库", "en": "Database"},
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    # errors and empty states
    "err.locked": {
        "zh": "数据库正被另一个程序写入（如导入或报表任务），请稍后刷新页面。",
        "en": "The database is busy with another program (an import or report job). Refresh in a moment.",
    },
    "err.store": {"zh": "无法读取数据库：{msg}", "en": "Cannot read the database: {msg}"},
    "empty.title": {"zh": "还没有销售数据", "en": "No sales data yet"},
    "empty.body": {
        "zh": "导入您的实际销售（Excel/CSV），或先用演示公司数据体验全部功能。",
        "en": "Import your actual sales (Excel/CSV), or explore every feature with the demo company first.",
    },
    "empty.demo": {"zh": "生成演示数据", "en": "Build demo data"},
    "empty.import": {"zh": "导入实际销售", "en": "Import actuals"},
    "empty.building": {"zh": "正在生成演示数据…", "en": "Building demo data…"},
    "empty.built": {"zh": "已生成 {rows} 行销售记录。", "en": "Built {rows} sales rows."},
    # home
    "home.fy": {"zh": "{year} 财年 · 截至 {asof}", "en": "FY{year} · as of {asof}"},
    "home.ytd": {"zh": "本财年累计", "en": "Year to date"},
    "home.ly_ytd": {"zh": "去年同期", "en": "Same period last year"},
    "home.yoy": {"zh": "同比增长", "en": "YoY growth"},
    "home.orders": {"zh": "订单数", "en": "Orders"},
    "home.active_reps": {"zh": "在岗销售", "en": "Active reps"},
    "home.monthly": {"zh": "每月实际销售：本财年 vs 去年", "en": "Monthly actuals: this FY vs last FY"},
    "home.month": {"zh": "月份", "en": "Month"},
    "home.amount": {"zh": "销售额", "en": "Sales"},
    "home.this_fy": {"zh": "本财年", "en": "This FY"},
    "home.last_fy": {"zh": "上财年", "en": "Last FY"},
    "home.top_teams": {"zh": "团队排名（本财年累计）", "en": "Teams (year to date)"},
    "home.top_reps": {"zh": "销售人员前十（本财年累计）", "en": "Top 10 reps (year to date)"},
    "home.na": {"zh": "无", "en": "n/a"},
    "col.team": {"zh": "团队", "en": "Team"},
    "col.rep": {"zh": "销售人员", "en": "Rep"},
    "col.ytd": {"zh": "本年累计", "en": "YTD"},
    "col.ly": {"zh": "去年同期", "en": "LY same period"},
    "col.yoy": {"zh": "同比", "en": "YoY"},
    "col.share": {"zh": "占比", "en": "Share"},
    "unit.wan": {"zh": "万元", "en": "CNY"},
    # --- plan (pages/1_plan.py) ---
    # --- drag component ---
    # --- progress (pages/2_progress.py) ---
    # --- data import (pages/3_data.py) ---
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The text for ``key`` in ``lang`` (falls back to Chinese, then to the key itself)."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**fmt) if fmt else text


def fmt_amount(value: Decimal | float | int | None, lang: str = DEFAULT_LANG, *, digits: int = 1) -> str:
    """Human money: 1,234.5万 / 1.23亿 in Chinese, 12,345,678 in English; None → n/a."""
    if value is None:
        return t("home.na", lang)
    v = Decimal(str(value))
    if lang == "zh":
        if abs(v) >= Decimal("100000000"):
            return f"{v / Decimal('100000000'):,.2f}亿"
        if abs(v) >= Decimal("10000"):
            return f"{v / Decimal('10000'):,.{digits}f}万"
        return f"{v:,.0f}"
    return f"{v:,.0f}"


def fmt_pct(value: float | None, lang: str = DEFAULT_LANG, *, signed: bool = False) -> str:
    """A ratio as a percentage (0.153 → 15.3 %); None or non-finite → n/a."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return t("home.na", lang)
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"


def month_label(month: int, lang: str = DEFAULT_LANG) -> str:
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{month}月" if lang == "zh" else names[month - 1]
