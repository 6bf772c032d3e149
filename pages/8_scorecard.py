"""Rep scorecard (制定评估标准): KPIs, weights, composite score and rank with the arithmetic shown,
and development suggestions that become tasks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import metrics, retro, scorecard, tasks
from analysis.i18n import fmt_pct
from components import links, loop_view, progress_view, risk_view, shell

sh = shell.page("nav.scorecard")
st.title(sh.t("sc.title"))
st.caption(sh.t("sc.caption"))

loaded = progress_view.load(sh)
version, fy_start, pdata = loaded.version, loaded.fy_start, loaded.data

# Bound to the URL: period labels (2026-11, 2026-Q4, 2026) are language-neutral.
periods = [
    p.label
    for p in metrics.fiscal_periods(pdata.fy)
    if p.grain in ("year", "quarter", "month") and p.start <= sh.as_of
]
# Opens on the last complete month of data (the month in progress has only a few days' numbers).
default = retro.default_period(pdata.as_of)
if default not in periods:
    default = metrics.period_of(pdata.fy, pdata.as_of, "month").label
period = st.selectbox(
    sh.t("sc.period"), periods, index=periods.index(default), key="period", bind="query-params"
)
try:
    sc = loop_view.load_scorecard(sh.db, version, sh.as_of, str(period), fy_start, sh.today)
except (scorecard.ScorecardError, metrics.MetricsError) as exc:
    st.error(sh.t("sc.err", msg=str(exc)))
    st.stop()

if msg := st.session_state.pop("sc_msg", None):
    st.success(msg)
labels = {k: sh.t(f"sc.kpi.{k}") for k in scorecard.KPIS}
tbl = sc.table
if tbl.empty:
    st.info(sh.t("sc.none"), icon=":material/info:")
    st.stop()

view = pd.DataFrame(
    {
        sh.t("sc.rank"): tbl["rank"],
        sh.t("col.rep"): tbl["rep"].astype(str),
        sh.t("col.team"): tbl["team"].astype(str),
        sh.t("sc.composite"): tbl["composite"].round(1),
        labels["attainment"]: [fmt_pct(v if pd.notna(v) else None, sh.lang) for v in tbl["attainment"]],
        labels["growth"]: [fmt_pct(v if pd.notna(v) else None, sh.lang, signed=True) for v in tbl["growth"]],
        labels["new_customers"]: tbl["new_customers"],
        labels["aov"]: tbl["aov"].round(0),
        labels["on_time"]: [fmt_pct(v if pd.notna(v) else None, sh.lang) for v in tbl["on_time"]],
        sh.t("sc.tasks_counted"): tbl["tasks_counted"],
        sh.t("sc.explain"): [scorecard.explain(r, sc.weights, labels) for r in tbl.to_dict(orient="records")],
    }
)
if tbl["csat"].notna().any():  # customer satisfaction shows once CSAT scores are imported
    view.insert(9, labels["csat"], tbl["csat"].round(2))
    view.insert(10, sh.t("csat.responses"), tbl["csat_responses"])
# The explanation is read whole: a wide column next to the score, wrapped in taller rows (at
# 1,366 px as the last column it was cut after a few characters).
explain = sh.t("sc.explain")
view.insert(4, explain, view.pop(explain))
st.dataframe(
    view,
    hide_index=True,
    width="stretch",
    key="sc_table",
    row_height=risk_view.FLAG_ROW_PX,
    column_config={explain: st.column_config.TextColumn(explain, width=380)},
)
on_time_n = int((tbl["on_time"] * tbl["tasks_counted"]).fillna(0).round().sum())
st.caption(sh.t("sc.tasks_line", n=int(tbl["tasks_counted"].sum()), on_time=on_time_n))

with st.expander(sh.t("sc.weights")):
    if not sh.access.can_manage_data:  # company-wide weights: admins only (the store's gate agrees)
        st.caption(sh.t("access.admin_only"))
        st.dataframe(
            pd.DataFrame(
                {
                    sh.t("sc.weights"): [labels[k] for k in scorecard.KPIS],
                    "%": [sc.weights[k] for k in scorecard.KPIS],
                }
            ),
            hide_index=True,
        )
    else:
        with st.form("weights_form"):
            cols = st.columns(len(scorecard.KPIS))
            new_w = {
                k: c.number_input(labels[k], 0.0, 100.0, float(sc.weights[k]), 5.0, key=f"w_{k}")
                for k, c in zip(scorecard.KPIS, cols, strict=True)
            }
            if st.form_submit_button(sh.t("sc.weights_save")):
                try:
                    loop_view.write(sh, lambda con: scorecard.save_weights(con, new_w))
                    st.session_state["sc_msg"] = sh.t("sc.weights_saved")
                except scorecard.ScorecardError as exc:
                    st.session_state["sc_msg"] = sh.t("sc.err", msg=str(exc))
                st.rerun()

with st.expander(sh.t("csat.title")):
    st.caption(sh.t("csat.help"))
    if not sh.access.can_manage_data:  # imported scores feed every rep's score: admins only, like actuals
        st.caption(sh.t("csat.admin_only"))
    else:
        up = st.file_uploader(sh.t("csat.upload"), type=["xlsx", "xls", "csv", "txt"], key="csat_file")
        if up is not None and st.button(sh.t("csat.go"), key="csat_go"):
            loop_view.import_csat(sh, up.name, up.getvalue())

st.markdown(f"#### {sh.t('sc.focus')}")
st.caption(sh.t("sc.focus_help"))
# Suggestions become tasks only for the reps this user may assign work to (viewers: none).
team_of = dict(zip(tbl["rep_id"].astype(str), tbl["team_id"], strict=False))
focus = sc.focus
if sh.access.can_edit and len(focus):
    focus = focus[[sh.access.can_edit_team(team_of.get(str(r))) for r in focus["rep_id"]]]


def _fmt(kpi: str, v: float) -> str:
    return fmt_pct(v, sh.lang) if kpi == "on_time" else f"{v:,.0f}"


if focus.empty:
    st.caption(sh.t("rev.none"))
else:
    titles = [
        sh.t("sc.focus_task", kpi=labels[k], median=_fmt(k, m))
        for k, m in zip(focus["kpi"], focus["team_median"], strict=True)
    ]
    pick = pd.DataFrame({"pick": False, "rep": focus["rep"].astype(str), "task": titles})
if not focus.empty and not sh.access.can_edit:  # read-only: the suggestions, no way to assign them
    st.dataframe(
        pick[["rep", "task"]],
        hide_index=True,
        width="stretch",
        column_config={"rep": sh.t("col.rep"), "task": sh.t("task.title")},
    )
elif not focus.empty:
    with st.form("focus_form"):
        edited = st.data_editor(
            pick,
            hide_index=True,
            width="stretch",
            disabled=["rep", "task"],
            key="focus_editor",
            column_config={
                "pick": st.column_config.CheckboxColumn(""),
                "rep": st.column_config.TextColumn(sh.t("col.rep")),
                "task": st.column_config.TextColumn(sh.t("task.title")),
            },
        )
        if st.form_submit_button(sh.t("sc.focus_go")):
            items = [
                tasks.NewTask(str(rid), title, "other", source="scorecard")
                for rid, title, chosen in zip(focus["rep_id"], titles, edited["pick"], strict=True)
                if bool(chosen)
            ]
            ids = loop_view.write(sh, lambda con: tasks.create(con, items, sh.today)) if items else []
            st.session_state["sc_msg"] = sh.t("task.created", n=len(ids))
            st.rerun()
links.copy_link(sh.lang)
