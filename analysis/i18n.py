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
    "plan.title": {"zh": "目标分解", "en": "Plan"},
    "plan.tagline": {
        "zh": "把年度目标按工作日分解到季度、月、周、日，再分配到团队和销售人员；可锁定、调整并保存为版本。",
        "en": "Spread the annual target over quarters, months, weeks and working days, allocate it to teams "
        "and reps, lock and adjust, and save versions.",
    },
    "plan.year": {"zh": "财年", "en": "Fiscal year"},
    "plan.scenario": {"zh": "方案", "en": "Scenario"},
    "plan.version": {"zh": "版本", "en": "Version"},
    "plan.draft_hint": {
        "zh": "“—” 表示未保存的草稿（按下方设置生成）。",
        "en": "“—” is an unsaved draft built from the setup below.",
    },
    "plan.setup": {"zh": "目标与分解方法", "en": "Target and methods"},
    "plan.fy_start": {"zh": "财年起始月", "en": "FY start month"},
    "plan.calendar": {"zh": "工作日历", "en": "Working-day calendar"},
    "plan.cal.cn": {"zh": "中国法定（含调休）", "en": "China official (with make-up days)"},
    "plan.cal.weekdays": {"zh": "周一至周五", "en": "Mon–Fri"},
    "plan.cal.all": {"zh": "每天", "en": "Every day"},
    "plan.unit": {"zh": "取整单位", "en": "Rounding unit"},
    "plan.target": {"zh": "目标", "en": "Target"},
    "plan.target_help": {
        "zh": "默认：上一财年实际 × 1.15，取整到万。",
        "en": "Default: last FY actual × 1.15, rounded to 10,000.",
    },
    "plan.spread": {"zh": "时间分解方法", "en": "Spread over time"},
    "plan.spread.working_days": {"zh": "按工作日", "en": "By working days"},
    "plan.spread.even": {"zh": "平均", "en": "Even per period"},
    "plan.spread.seasonality": {"zh": "按去年季节性", "en": "Last year's seasonality"},
    "plan.spread.growth": {"zh": "去年实际 × (1+增长率)", "en": "Growth over last year"},
    "plan.spread.custom": {"zh": "自定义百分比", "en": "Custom percentages"},
    "plan.spread.blend": {"zh": "两种方法加权", "en": "Blend of two methods"},
    "plan.season_grain": {"zh": "季节性粒度", "en": "Seasonality grain"},
    "plan.season.month": {"zh": "按月", "en": "Month"},
    "plan.season.week": {"zh": "按周", "en": "Week"},
    "plan.season.dow": {"zh": "按星期几", "en": "Day of week"},
    "plan.growth": {"zh": "增长率 %", "en": "Growth %"},
    "plan.blend_a": {"zh": "方法 A", "en": "Method A"},
    "plan.blend_b": {"zh": "方法 B", "en": "Method B"},
    "plan.blend_w": {"zh": "A 的权重", "en": "Weight of A"},
    "plan.custom_by": {"zh": "按", "en": "Per"},
    "plan.custom_total": {
        "zh": "自定义百分比合计必须正好是 100%，当前为 {total}%。",
        "en": "Custom percentages must total exactly 100 %; they total {total} %.",
    },
    "plan.custom_ok": {"zh": "合计 100% ✓", "en": "Total 100 % ✓"},
    "plan.allocate": {"zh": "分配到人的方法", "en": "Allocate to reps"},
    "plan.alloc.history": {"zh": "按历史业绩占比", "en": "History share"},
    "plan.alloc.capacity": {"zh": "按能力/职级权重", "en": "Capacity by seniority"},
    "plan.alloc.even": {"zh": "平均", "en": "Even"},
    "plan.alloc.manual": {"zh": "手工指定", "en": "Manual"},
    "plan.window": {"zh": "历史区间", "en": "History window"},
    "plan.window.last_year": {"zh": "上一财年", "en": "Last fiscal year"},
    "plan.window.last_12m": {"zh": "最近 12 个月", "en": "Last 12 months"},
    "plan.level.senior": {"zh": "资深权重", "en": "Senior weight"},
    "plan.level.mid": {"zh": "中级权重", "en": "Mid weight"},
    "plan.level.junior": {"zh": "初级权重", "en": "Junior weight"},
    "plan.manual_total": {
        "zh": "手工分配合计 {total}，必须等于目标 {target}。",
        "en": "Manual amounts total {total}; they must equal the target {target}.",
    },
    "plan.ramp": {"zh": "新人爬坡 %（第1、2、3…个月）", "en": "New-hire ramp % (months 1, 2, 3 …)"},
    "plan.ramp_help": {
        "zh": "例如 25, 50, 75：入职第一个月承担 25% 的目标。",
        "en": "e.g. 25, 50, 75: 25 % of a full target in the first month.",
    },
    "plan.ramp_bad": {
        "zh": "爬坡比例须为 0–100 之间的数字，用逗号分隔。",
        "en": "Ramp values must be numbers from 0 to 100, separated by commas.",
    },
    "plan.build": {"zh": "生成分解", "en": "Build plan"},
    "plan.build_error": {"zh": "无法生成：{msg}", "en": "Cannot build the plan: {msg}"},
    "plan.no_reps": {
        "zh": "还没有销售人员，请先导入数据或生成演示数据。",
        "en": "No reps yet: import data or build the demo first.",
    },
    "plan.cal_enter": {
        "zh": "录入官方放假和调休日期",
        "en": "Enter the official holidays and make-up workdays",
    },
    "plan.cal_day": {"zh": "日期", "en": "Day"},
    "plan.cal_kind": {"zh": "类型", "en": "Kind"},
    "plan.cal_kind_help": {
        "zh": "holiday = 放假，workday = 调休上班",
        "en": "holiday = day off, workday = make-up workday",
    },
    "plan.cal_save": {"zh": "保存并重新分解", "en": "Save and re-spread"},
    "plan.saved": {"zh": "已保存：{name}", "en": "Saved: {name}"},
    "plan.total_target": {"zh": "年度目标", "en": "Annual target"},
    "plan.reps": {"zh": "销售人员", "en": "Reps"},
    "plan.source": {"zh": "当前方案", "en": "Showing"},
    "plan.draft": {"zh": "草稿", "en": "Draft"},
    "plan.tab_results": {"zh": "分解结果", "en": "Breakdown"},
    "plan.tab_edit": {"zh": "调整与锁定", "en": "Edit and lock"},
    "plan.tab_versions": {"zh": "版本与方案", "en": "Versions"},
    "plan.grain": {"zh": "周期", "en": "Period"},
    "plan.grain.quarter": {"zh": "季度", "en": "Quarter"},
    "plan.grain.month": {"zh": "月", "en": "Month"},
    "plan.grain.week": {"zh": "周", "en": "Week"},
    "plan.grain.day": {"zh": "日", "en": "Day"},
    "plan.level": {"zh": "层级", "en": "Level"},
    "plan.level_company": {"zh": "公司", "en": "Company"},
    "plan.level_team": {"zh": "团队", "en": "Team"},
    "plan.level_rep": {"zh": "销售人员", "en": "Rep"},
    "plan.period": {"zh": "周期", "en": "Period"},
    "plan.total": {"zh": "合计", "en": "Total"},
    "plan.company": {"zh": "公司目标", "en": "Company target"},
    "plan.ly_actual": {"zh": "去年实际", "en": "Last year actual"},
    "plan.explain": {"zh": "分配依据（每位销售）", "en": "How each rep's target was set"},
    "plan.how": {"zh": "公式与数值", "en": "Formula and numbers"},
    "plan.mode": {"zh": "修改单元格时保持不变的是", "en": "When a cell changes, keep"},
    "plan.mode.row": {
        "zh": "该销售的年度合计（同行其他月平衡）",
        "en": "the rep's annual total (other months rebalance)",
    },
    "plan.mode.column": {
        "zh": "团队当月合计（同队其他人平衡）",
        "en": "the team's month total (teammates rebalance)",
    },
    "plan.lock_months": {"zh": "锁定月份", "en": "Locked months"},
    "plan.lock_cells": {"zh": "锁定单元格", "en": "Locked cells"},
    "plan.lock_row": {"zh": "锁定", "en": "Lock"},
    "plan.lock_row_help": {"zh": "锁定此人的全部月份", "en": "Lock all months of this rep"},
    "plan.refused": {"zh": "修改未生效：{msg}", "en": "Edit refused: {msg}"},
    "plan.undo": {"zh": "撤销", "en": "Undo"},
    "plan.redo": {"zh": "重做", "en": "Redo"},
    "plan.totals_caption": {
        "zh": "团队及公司每月合计（只读）",
        "en": "Team and company totals per month (read-only)",
    },
    "plan.rep_total_title": {
        "zh": "调整个人年度目标（团队合计不变）",
        "en": "Change a rep's annual total (team total kept)",
    },
    "plan.rep_total": {"zh": "年度目标", "en": "Annual target"},
    "plan.apply": {"zh": "应用", "en": "Apply"},
    "plan.drag_title": {"zh": "拖动调整", "en": "Drag to adjust"},
    "plan.drag_what": {"zh": "拖动对象", "en": "Drag"},
    "plan.drag.team": {"zh": "团队成员年度目标", "en": "Team members' annual targets"},
    "plan.drag.months": {"zh": "公司各月目标", "en": "Company months"},
    "plan.drag_missing": {"zh": "拖动组件尚未安装。", "en": "The drag component is not installed yet."},
    "plan.save_title": {"zh": "保存为版本", "en": "Save as a version"},
    "plan.scenario_name": {"zh": "方案名称", "en": "Scenario name"},
    "plan.default_scenario": {"zh": "基准方案", "en": "baseline"},
    "plan.note": {"zh": "备注", "en": "Note"},
    "plan.based_on": {"zh": "基于 {v} 修改", "en": "Based on {v}"},
    "plan.new_scenario": {"zh": "将保存为新方案的第 1 版", "en": "Saves version 1 of a new scenario"},
    "plan.save": {"zh": "保存", "en": "Save"},
    "plan.stale": {
        "zh": "未保存：他人已修改此方案。{msg}",
        "en": "Not saved: someone else changed this plan. {msg}",
    },
    "plan.reload": {
        "zh": "重新加载最新版本（放弃我的修改）",
        "en": "Reload the latest version (drop my edits)",
    },
    "plan.save_as_new": {"zh": "另存为新方案“{name}”", "en": "Save as new scenario “{name}”"},
    "plan.versions_title": {"zh": "已保存的版本", "en": "Saved versions"},
    "plan.no_versions": {
        "zh": "这个财年还没有保存的版本。",
        "en": "No saved versions for this fiscal year yet.",
    },
    "plan.author": {"zh": "作者", "en": "Author"},
    "plan.time": {"zh": "时间", "en": "Time"},
    "plan.active": {"zh": "生效", "en": "Active"},
    "plan.set_active_pick": {"zh": "选择版本", "en": "Version"},
    "plan.set_active": {"zh": "设为生效方案", "en": "Set as active plan"},
    "plan.compare_title": {"zh": "版本对比", "en": "Compare versions"},
    "plan.compare_need_two": {
        "zh": "至少保存两个版本后可对比。",
        "en": "Save at least two versions to compare them.",
    },
    "plan.cmp_total": {"zh": "合计差额（B − A）", "en": "Total difference (B − A)"},
    "plan.cmp_same": {"zh": "两个版本完全相同。", "en": "The two versions are identical."},
    "plan.diff": {"zh": "差额", "en": "Difference"},
    "plan.catchup_title": {"zh": "追赶计划（重新分解剩余周期）", "en": "Catch-up re-plan"},
    "plan.catchup_help": {
        "zh": "截至 {asof}（侧栏日期）已过去的日子按实际销售计，每人年度目标不变，差额摊到剩余日子；结果作为新版本保存。",
        "en": "Days up to {asof} (sidebar date) take the actuals; each rep keeps the annual target and the "
        "shortfall or surplus moves to the remaining days. Save the result as a new version.",
    },
    "plan.catchup_mode": {"zh": "剩余周期分摊方式", "en": "Spread the rest"},
    "plan.cu.even": {"zh": "平均", "en": "Even"},
    "plan.cu.seasonal": {"zh": "按季节性", "en": "By seasonality"},
    "plan.cu.front_loaded": {"zh": "前置（尽早追回）", "en": "Front-loaded"},
    "plan.catchup": {"zh": "生成追赶计划", "en": "Build catch-up plan"},
    "plan.changes_title": {"zh": "修改记录", "en": "Change log"},
    "plan.no_changes": {"zh": "暂无修改记录。", "en": "No changes recorded yet."},
    "plan.old": {"zh": "原值", "en": "Old"},
    "plan.new": {"zh": "新值", "en": "New"},
    "plan.excel_title": {"zh": "Excel 导出与导入", "en": "Excel export and import"},
    "plan.excel_missing": {"zh": "Excel 模块尚未安装。", "en": "The Excel module is not installed yet."},
    "plan.export_prepare": {"zh": "生成 Excel", "en": "Prepare Excel"},
    "plan.export": {"zh": "下载 Excel", "en": "Download Excel"},
    "plan.import": {"zh": "导入已有计划（Excel/CSV）", "en": "Import an existing plan (Excel/CSV)"},
    "plan.import_go": {"zh": "导入为草稿", "en": "Import as draft"},
    "plan.import_bad": {"zh": "文件无法导入：{msg}", "en": "The file cannot be imported: {msg}"},
    # --- drag component ---
    "drag.total": {"zh": "合计 {total} (不变)", "en": "Total {total} (fixed)"},
    "drag.hint": {
        "zh": "拖动柱顶调整数值，其余未锁定的柱按比例自动平衡；单击柱子锁定/解锁。",
        "en": "Drag a bar's top to change it; the other unlocked bars rebalance in proportion. "
        "Click a bar to lock or unlock it.",
    },
    "drag.locked": {"zh": "已锁定", "en": "locked"},
    "drag.aria_hint": {
        "zh": "上下方向键调整，回车锁定/解锁",
        "en": "Arrow up/down to adjust, Enter to lock or unlock",
    },
    "drag.aria_chart": {"zh": "可拖动的柱状图", "en": "Draggable bar chart"},
    "drag.refused": {"zh": "无法调整：{msg}", "en": "Edit refused: {msg}"},
    # --- progress (pages/2_progress.py) ---
    "prog.title": {"zh": "进度追踪", "en": "Progress against plan"},
    "prog.caption": {"zh": "{fy} · {period} · 截至 {asof}", "en": "{fy} · {period} · as of {asof}"},
    "prog.team": {"zh": "团队", "en": "Team"},
    "prog.rep": {"zh": "销售人员", "en": "Rep"},
    "prog.period": {"zh": "周期", "en": "Period"},
    "prog.all_teams": {"zh": "全公司", "en": "Whole company"},
    "prog.all_reps": {"zh": "全部销售人员", "en": "All reps"},
    "prog.plan_active": {"zh": "使用生效方案：{label}", "en": "Using the active plan: {label}"},
    "prog.plan_default": {
        "zh": "本财年尚无生效方案，暂用默认方案：去年实际 +15%，按去年季节性分解（{label}）。",
        "en": "No active plan for this fiscal year: showing a default plan, last year +15 % by seasonality ({label}).",
    },
    "prog.plan_none": {
        "zh": "本财年没有方案，去年也没有销售数据，无法计算目标。",
        "en": "No plan for this fiscal year and no sales last year, so there is no target.",
    },
    "prog.target": {"zh": "目标", "en": "Target"},
    "prog.actual": {"zh": "实际销售", "en": "Actual"},
    "prog.attainment": {"zh": "达成率", "en": "Attainment"},
    "prog.pace_gap": {"zh": "进度差额", "en": "Pace gap"},
    "prog.forecast": {"zh": "期末预测", "en": "Forecast"},
    "prog.yoy": {"zh": "同比（同口径）", "en": "YoY (like-for-like)"},
    "prog.expected": {"zh": "应完成 {v}", "en": "expected {v}"},
    "prog.to_date": {"zh": "进度达成 {v}", "en": "{v} of pace"},
    "prog.interval": {"zh": "80% 区间 {lo} – {hi}", "en": "80 % range {lo} – {hi}"},
    "prog.prob": {"zh": "达标概率 {v}", "en": "P(target) {v}"},
    "prog.required": {
        "zh": "剩余 {days} 个工作日，需日均 {v}（当前日均 {rate}）",
        "en": "{days} working days left: {v} a day needed (running at {rate})",
    },
    "prog.done": {"zh": "本周期已结束", "en": "This period is over"},
    "prog.growth_line": {
        "zh": "周环比 {wow} · 月环比 {mom} · 季环比 {qoq} · 同比 {yoy}（同口径：相同已过工作日）",
        "en": "WoW {wow} · MoM {mom} · QoQ {qoq} · YoY {yoy} (like-for-like: same elapsed working days)",
    },
    "prog.burnup": {"zh": "累计进度：实际 vs 计划", "en": "Burn-up: cumulative actual vs plan"},
    "prog.day": {"zh": "日期", "en": "Day"},
    "prog.cum": {"zh": "累计销售额", "en": "Cumulative sales"},
    "prog.cum_plan": {"zh": "累计计划", "en": "Plan (cumulative)"},
    "prog.cum_actual": {"zh": "累计实际", "en": "Actual (cumulative)"},
    "prog.cum_forecast": {"zh": "预测", "en": "Forecast"},
    "prog.cone": {"zh": "预测 80% 区间", "en": "Forecast 80 % range"},
    "prog.heatmap": {"zh": "销售人员 × 月 达成率（截至日）", "en": "Rep × month attainment (to date)"},
    "prog.month": {"zh": "月份", "en": "Month"},
    "prog.growth": {"zh": "增长趋势（最近 12 个{unit}）", "en": "Growth trend (last 12 {unit})"},
    "prog.unit_week": {"zh": "周", "en": "weeks"},
    "prog.unit_month": {"zh": "月", "en": "months"},
    "prog.sales": {"zh": "销售额", "en": "Sales"},
    "prog.growth_rate": {"zh": "增长率（%）", "en": "Growth rate (%)"},
    "prog.wow_series": {"zh": "环比", "en": "vs previous"},
    "prog.yoy_series": {"zh": "同比", "en": "vs last year"},
    "prog.teams": {
        "zh": "团队进度（按差额排序，点选一行查看团队）",
        "en": "Teams by pace gap (select a row to drill down)",
    },
    "prog.reps": {"zh": "销售人员进度（按差额排序）", "en": "Reps by pace gap"},
    "prog.col_expected": {"zh": "应完成", "en": "Expected to date"},
    "prog.col_gap_pct": {"zh": "差额 %", "en": "Gap %"},
    "prog.trend_slope": {"zh": "趋势：每{unit} {v}", "en": "Trend: {v} per {unit}"},
    "prog.bad_period": {"zh": "无效周期", "en": "Unknown period"},
    # --- data import (pages/3_data.py) ---
    "data.title": {"zh": "导入实际销售", "en": "Import actual sales"},
    "data.caption": {
        "zh": "上传 Excel 或 CSV：先预览、核对，确认后一次性全部导入；每次导入都可撤销。",
        "en": "Upload Excel or CSV: preview and check first; confirming stores everything at once; every import can be undone.",
    },
    "data.upload": {"zh": "选择文件（.xlsx / .xls / .csv）", "en": "Choose a file (.xlsx / .xls / .csv)"},
    "data.size_cap": {
        "zh": "文件最大 {mb} MB，最多 {rows} 行。",
        "en": "Files up to {mb} MB and {rows} rows.",
    },
    "data.too_big": {
        "zh": "文件有 {size} MB，超过 {mb} MB 的上限；请拆分后再上传。",
        "en": "The file is {size} MB, above the {mb} MB limit; split it and upload again.",
    },
    "data.refused": {"zh": "无法导入此文件", "en": "This file cannot be imported"},
    "data.sheet": {"zh": "工作表", "en": "Sheet"},
    "data.mapping": {"zh": "列对应关系（可修改）", "en": "Column mapping (you can correct it)"},
    "data.mapping_remembered": {
        "zh": "已沿用上次确认的列对应关系（相同表头）。",
        "en": "Using the column mapping you confirmed for this header before.",
    },
    "data.none": {"zh": "（无）", "en": "(none)"},
    "data.choose_column": {"zh": "请选择「{field}」对应的列", "en": "Choose the column for “{field}”"},
    "data.ambiguous": {
        "zh": "有多列都可能是「{field}」，请选择一列。",
        "en": "Several columns could be the “{field}”; choose one.",
    },
    "data.missing": {
        "zh": "没有找到必需的列：{fields}。请在下方指定。",
        "en": "Required columns not found: {fields}. Choose them below.",
    },
    "data.date_order": {"zh": "日期格式（如 03/11/2026）", "en": "Date order (e.g. 03/11/2026)"},
    "data.date_order_needed": {
        "zh": "日期既可能是日/月也可能是月/日，请选择。",
        "en": "Dates can be read as day/month or month/day; choose one.",
    },
    "data.dmy": {"zh": "日/月/年", "en": "day/month/year"},
    "data.mdy": {"zh": "月/日/年", "en": "month/day/year"},
    "data.stages": {"zh": "计入实际销售的阶段/状态", "en": "Stage/status values that count as sales"},
    "data.preview": {"zh": "预览", "en": "Preview"},
    "data.rows": {"zh": "待导入行数", "en": "Rows to import"},
    "data.total": {"zh": "合计金额", "en": "Total"},
    "data.range": {"zh": "日期范围", "en": "Date range"},
    "data.skipped": {"zh": "跳过行数", "en": "Rows skipped"},
    "data.errors": {"zh": "错误行数", "en": "Rows with errors"},
    "data.skipped_title": {"zh": "跳过的行及原因", "en": "Skipped rows and why"},
    "data.errors_title": {"zh": "错误（按 Excel 行号）", "en": "Errors (row numbers as in Excel)"},
    "data.errors_block": {
        "zh": "有 {rows} 行存在错误。请修正文件后重新上传，或明确排除这些行。",
        "en": "{rows} rows have errors. Fix the file and upload it again, or explicitly exclude those rows.",
    },
    "data.exclude": {
        "zh": "排除这 {rows} 行错误数据，只导入其余行",
        "en": "Exclude these {rows} rows and import the rest",
    },
    "data.download_errors": {"zh": "下载错误报告 (.xlsx)", "en": "Download the error report (.xlsx)"},
    "data.col_row": {"zh": "行号", "en": "Row"},
    "data.col_column": {"zh": "列", "en": "Column"},
    "data.col_value": {"zh": "值", "en": "Value"},
    "data.col_reason": {"zh": "原因", "en": "Reason"},
    "data.col_count": {"zh": "行数", "en": "Rows"},
    "data.col_rows": {"zh": "行号（前 20 个）", "en": "Row numbers (first 20)"},
    "data.already": {
        "zh": "此文件已于 {when} 导入（#{id}），不会重复导入。",
        "en": "This file was already imported on {when} as #{id}; nothing will be added.",
    },
    "data.overlap": {
        "zh": "来源「{source}」在 {first} 至 {last} 已有 {rows} 行（{amount}），其中 {keys} 个订单号重复。",
        "en": "Source “{source}” already has {rows} rows ({amount}) between {first} and {last}; {keys} order keys repeat.",
    },
    "data.mode": {"zh": "与已有数据重叠时", "en": "Overlapping data"},
    "data.mode.append": {"zh": "追加（全部导入）", "en": "Append (import everything)"},
    "data.mode.skip-duplicates": {"zh": "跳过重复订单号", "en": "Skip duplicate order keys"},
    "data.mode.replace-range": {
        "zh": "替换该日期范围内的数据（每月更正后重新上传）",
        "en": "Replace the covered date range (monthly corrected re-upload)",
    },
    "data.unknown_reps": {"zh": "新的销售人员", "en": "Reps not known yet"},
    "data.unknown_reps_help": {
        "zh": "以下姓名在系统中不存在。可对应到已有的销售人员，或新建。",
        "en": "These names are not in the system. Map each to an existing rep or create it.",
    },
    "data.create_rep": {"zh": "新建此销售人员", "en": "Create this rep"},
    "data.rep_label": {"zh": "{name}（{rows} 行，{amount}）", "en": "{name} ({rows} rows, {amount})"},
    "data.confirm": {"zh": "确认导入", "en": "Confirm import"},
    "data.importing": {"zh": "正在导入…", "en": "Importing…"},
    "data.imported": {
        "zh": "已导入 #{id}：{rows} 行，合计 {total}，{first} 至 {last}，新建销售人员 {new} 位。",
        "en": "Imported #{id}: {rows} rows, total {total}, {first} to {last}, {new} new reps.",
    },
    "data.to_home": {"zh": "查看总览", "en": "See the overview"},
    "data.failed": {"zh": "导入失败，未写入任何数据", "en": "Import failed; nothing was stored"},
    "data.history": {"zh": "导入历史", "en": "Import history"},
    "data.no_history": {"zh": "还没有导入记录。", "en": "No imports yet."},
    "data.h.id": {"zh": "编号", "en": "#"},
    "data.h.file": {"zh": "文件", "en": "File"},
    "data.h.source": {"zh": "来源", "en": "Source"},
    "data.h.rows": {"zh": "行数", "en": "Rows"},
    "data.h.total": {"zh": "金额", "en": "Total"},
    "data.h.first": {"zh": "起始日", "en": "From"},
    "data.h.last": {"zh": "截止日", "en": "To"},
    "data.h.mode": {"zh": "方式", "en": "Mode"},
    "data.h.by": {"zh": "操作人", "en": "By"},
    "data.h.at": {"zh": "时间", "en": "When"},
    "data.h.hash": {"zh": "文件指纹", "en": "Hash"},
    "data.h.state": {"zh": "状态", "en": "State"},
    "data.state.live": {"zh": "有效", "en": "in effect"},
    "data.state.undone": {"zh": "已撤销", "en": "undone"},
    "data.undo": {"zh": "撤销 #{id}", "en": "Undo #{id}"},
    "data.undo_confirm": {
        "zh": "撤销导入 #{id}（{file}，{rows} 行）？其数据将被删除，被它替换的数据将恢复。",
        "en": "Undo import #{id} ({file}, {rows} rows)? Its rows are removed and rows it replaced come back.",
    },
    "data.undo_yes": {"zh": "确认撤销", "en": "Yes, undo"},
    "data.cancel": {"zh": "取消", "en": "Cancel"},
    "data.undone": {
        "zh": "已撤销 #{id}：删除 {deleted} 行，恢复 {restored} 行。",
        "en": "Undid #{id}: removed {deleted} rows, restored {restored}.",
    },
    "data.notes": {"zh": "读取说明", "en": "How the file was read"},
    "field.date": {"zh": "日期", "en": "Date"},
    "field.rep": {"zh": "销售人员", "en": "Rep"},
    "field.customer": {"zh": "客户", "en": "Customer"},
    "field.product": {"zh": "产品", "en": "Product"},
    "field.region": {"zh": "区域", "en": "Region"},
    "field.quantity": {"zh": "数量", "en": "Quantity"},
    "field.amount": {"zh": "金额", "en": "Amount"},
    "field.order_key": {"zh": "订单号", "en": "Order key"},
    "field.stage": {"zh": "阶段/状态", "en": "Stage/status"},
    # --- risks / insights ---
    "nav.risks": {"zh": "风险预警", "en": "Risks"},
    "nav.insights": {"zh": "瓶颈与驱动", "en": "Insights"},
    "risk.company": {"zh": "全公司", "en": "Company"},
    "risk.who.company": {"zh": "全公司", "en": "The company"},
    "risk.who.team": {"zh": "团队「{name}」", "en": "Team {name}"},
    "risk.who.rep": {"zh": "销售「{name}」", "en": "Rep {name}"},
    "risk.never": {"zh": "无记录", "en": "never"},
    "risk.rule.forecast_attainment": {"zh": "预测达成不足", "en": "Forecast below target"},
    "risk.rule.behind_pace": {"zh": "连续落后进度", "en": "Behind pace"},
    "risk.rule.wow_decline": {"zh": "周环比连续下滑", "en": "WoW decline streak"},
    "risk.rule.yoy_decline": {"zh": "同比下滑", "en": "YoY decline"},
    "risk.rule.concentration": {"zh": "客户集中度过高", "en": "Customer concentration"},
    "risk.rule.silent_customers": {"zh": "老客户沉默", "en": "Regular customers gone quiet"},
    "risk.rule.orphaned_customers": {"zh": "离职人员客户无人跟进", "en": "Orphaned customers"},
    "risk.rule.rep_no_sales": {"zh": "销售人员长期无成交", "en": "Rep without sales"},
    "risk.rule.unrealistic_target": {"zh": "目标脱离历史", "en": "Unrealistic target"},
    "risk.rule.overdue_tasks": {"zh": "关键任务逾期", "en": "Overdue key tasks"},
    "risk.reason.forecast_attainment": {
        "zh": "{who} {period} 预计达成率仅 {value}（预测 {forecast} / 目标 {target}），低于 {threshold} 的阈值。",
        "en": "{who} is forecast to reach only {value} of its {period} target ({forecast} of {target}), below the {threshold} threshold.",
    },
    "risk.reason.behind_pace": {
        "zh": "{who} 连续 {weeks} 周低于周计划，平均落后 {gap}（阈值 {threshold}）。",
        "en": "{who} has been below its weekly plan for {weeks} weeks in a row, {gap} behind on average (threshold {threshold}).",
    },
    "risk.reason.wow_decline": {
        "zh": "{who} 日均销售额连续 {weeks} 周环比下滑，累计下降 {drop}。",
        "en": "{who}'s sales per working day fell week on week {weeks} times in a row, {drop} down in total.",
    },
    "risk.reason.yoy_decline": {
        "zh": "{who} 最近 {days} 天销售额 {cur}，同比 {yoy}（去年同期 {ly}）。",
        "en": "{who} sold {cur} in the last {days} days, {yoy} year on year (last year {ly}).",
    },
    "risk.reason.concentration": {
        "zh": "{who} 最近 12 个月 {share} 的销售额来自单一客户「{customer}」（阈值 {threshold}）。",
        "en": "{who} made {share} of the last 12 months' sales with one customer, {customer} (threshold {threshold}).",
    },
    "risk.reason.silent_customers": {
        "zh": "{who} 有 {n} 位老客户沉默超过其平常下单间隔的 {k} 倍，他们占该销售近两年销售额的 {share}。",
        "en": "{who} has {n} regular customers silent for more than {k}× their usual order interval; they made {share} of the rep's sales over two years.",
    },
    "risk.reason.orphaned_customers": {
        "zh": "{who} 已于 {left} 离职，其 {n} 位客户（近两年 {value}）此后再无订单。",
        "en": "{who} left on {left}; {n} of their customers ({value} over two years) have not ordered since.",
    },
    "risk.reason.rep_no_sales": {
        "zh": "{who} 已连续 {days} 个工作日无成交（最近成交：{last}）。",
        "en": "{who} has had no sales for {days} working days (last sale: {last}).",
    },
    "risk.reason.unrealistic_target": {
        "zh": "{who} {month} 的目标是其历史最佳月（{best}）的 {ratio} 倍，超过 {k} 倍上限。",
        "en": "{who}'s {month} target is {ratio}× the best month on record ({best}), above the {k}× limit.",
    },
    "risk.reason.overdue_tasks": {
        "zh": "{who} 有 {n} 项关键任务逾期，最早已逾期 {days} 天。",
        "en": "{who} has {n} overdue key tasks, the oldest {days} days late.",
    },
    "risk.action.forecast_attainment": {
        "zh": "与负责人一起复盘在手商机，制定追赶计划（按剩余工作日重排周目标），每周跟进。",
        "en": "Review the open pipeline with the owner, build a catch-up plan over the remaining working days and follow up weekly.",
    },
    "risk.action.behind_pace": {
        "zh": "本周内一对一辅导，找出卡点（客户、产品或拜访量），设定下周可检验的小目标。",
        "en": "Hold a one-to-one this week, find the blocker (customers, products or activity) and set a checkable goal for next week.",
    },
    "risk.action.wow_decline": {
        "zh": "检查下滑是否来自少数客户或产品，安排重点客户回访并确认是否有季节性原因。",
        "en": "Check whether a few customers or products drive the drop, schedule key-account visits and rule out seasonality.",
    },
    "risk.action.yoy_decline": {
        "zh": "对比去年同期的客户与产品构成，找出流失客户并制定区域恢复计划。",
        "en": "Compare customers and products with last year, list the lost accounts and agree a recovery plan for the region.",
    },
    "risk.action.concentration": {
        "zh": "为该销售设定新客户开发任务，并为大客户安排第二联系人以降低依赖。",
        "en": "Give the rep new-customer development goals and assign a second contact to the key account to reduce dependence.",
    },
    "risk.action.silent_customers": {
        "zh": "一周内逐一回访跟进清单上的客户，记录沉默原因。",
        "en": "Call every customer on the follow-up list within a week and record why they went quiet.",
    },
    "risk.action.orphaned_customers": {
        "zh": "立即把这些客户分配给在职销售，并安排交接拜访。",
        "en": "Reassign these customers to active reps now and schedule hand-over visits.",
    },
    "risk.action.rep_no_sales": {
        "zh": "与该销售确认状态（休假、培训或困难），必要时由主管陪同拜访。",
        "en": "Check in with the rep (leave, training or difficulty) and join their customer visits if needed.",
    },
    "risk.action.unrealistic_target": {
        "zh": "与该销售复核目标依据，必要时调整分配并保存新版本方案。",
        "en": "Review the basis of the target with the rep and re-allocate in a new plan version if needed.",
    },
    "risk.action.overdue_tasks": {
        "zh": "在周会上逐项确认逾期任务，重新约定完成日期或转交他人。",
        "en": "Go through the overdue tasks at the weekly review; agree new dates or hand them over.",
    },
    "risk.skip.disabled": {"zh": "已停用", "en": "disabled"},
    "risk.skip.no_plan": {
        "zh": "本财年没有生效方案，无法判断目标是否脱离历史。",
        "en": "No active plan for this fiscal year, so targets cannot be checked against history.",
    },
    "risk.skip.no_tasks": {
        "zh": "尚无任务数据（任务功能上线后自动启用），未检查逾期任务。",
        "en": "There is no task data yet (enabled once tasks exist), so overdue tasks were not checked.",
    },
    "risk.sev.high": {"zh": "高", "en": "High"},
    "risk.sev.medium": {"zh": "中", "en": "Medium"},
    "risk.sev.low": {"zh": "低", "en": "Low"},
    "risk.scope.company": {"zh": "公司", "en": "Company"},
    "risk.scope.team": {"zh": "团队", "en": "Team"},
    "risk.scope.rep": {"zh": "销售人员", "en": "Rep"},
    "risk.status.open": {"zh": "待处理", "en": "Open"},
    "risk.status.mitigating": {"zh": "处理中", "en": "Mitigating"},
    "risk.status.closed": {"zh": "已关闭", "en": "Closed"},
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
