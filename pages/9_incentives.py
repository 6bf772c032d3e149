"""Incentives (激励机制): commission and bonus payouts per rep on actuals and at forecast, the cost of
the plan scenario, recognition (leaderboard, weekly streaks), and the commission plan editor."""

from __future__ import annotations

import streamlit as st

from analysis import incentives, metrics, store
from analysis.i18n import fmt_pct
from components import incentive_view, links, loop_view, progress_view, shell
from components.safe import md

sh = shell.page("nav.incentives")
st.title(sh.t("inc.title"))
st.caption(sh.t("inc.caption"))

loaded = progress_view.load(sh)
version, fy_start, pdata = loaded.version, loaded.fy_start, loaded.data

# Bound to the URL: period labels (2026-11, FY2026-Q4, FY2026) are language-neutral, shown as they are.
periods = [
    p.label for p in metrics.fiscal_periods(pdata.fy) if p.grain in incentives.GRAINS and p.start <= sh.as_of
]
default = metrics.period_of(pdata.fy, sh.as_of, "month").label
period = st.selectbox(
    sh.t("inc.period"), periods, index=periods.index(default), key="period", bind="query-params"
)
try:
    res = incentive_view.load(sh.db, version, sh.as_of, str(period), fy_start, sh.lang)
except (incentives.PlanError, metrics.MetricsError) as exc:
    st.error(sh.t("inc.err", msg=str(exc)))
    st.stop()
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

if msg := st.session_state.pop("inc_msg", None):
    st.success(msg)
plan = res.plan
st.caption(sh.t("inc.plan_version", n=plan.plan_id) if plan.plan_id else sh.t("inc.plan_default"))

cost = res.cost
m1, m2, m3 = st.columns(3)
m1.metric(sh.t("inc.pay_actual"), incentive_view.money(cost.at_actual_cents))
m2.metric(
    sh.t("inc.pay_forecast"),
    incentive_view.money(cost.at_forecast_cents),
    sh.t("inc.cost_of_sales", pct=fmt_pct(cost.cost_of_sales_at_forecast, sh.lang)),
    delta_color="off",
    delta_arrow="off",
)
m3.metric(
    sh.t("inc.pay_plan"),
    incentive_view.money(cost.at_plan_cents),
    sh.t("inc.cost_of_sales", pct=fmt_pct(cost.cost_of_sales_at_plan, sh.lang)),
    delta_color="off",
    delta_arrow="off",
)

tab_pay, tab_rec, tab_plan = st.tabs(
    [sh.t("inc.tab.payouts"), sh.t("inc.tab.recognition"), sh.t("inc.tab.plan")]
)

with tab_pay:
    if res.table.empty:
        st.info(sh.t("inc.none"), icon=":material/info:")
    else:
        st.dataframe(
            incentive_view.payout_table(res.table, sh.lang),
            hide_index=True,
            width="stretch",
            key="inc_payouts",
        )
        st.markdown(f"#### {sh.t('inc.chart')}")
        st.plotly_chart(incentive_view.payout_chart(res.table, sh.lang), width="stretch", key="inc_chart")

with tab_rec:
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {sh.t('inc.leaderboard')}")
        st.dataframe(
            incentive_view.board_table(res.board, sh.lang), hide_index=True, width="stretch", key="inc_board"
        )
    with right:
        st.markdown(f"#### {sh.t('inc.streaks')}")
        streaks = res.streaks
        if not streaks.empty:
            st.caption(sh.t("inc.streaks_help", week=str(streaks["last_week"].iloc[0])))
        badges = streaks[streaks["badge"]] if not streaks.empty else streaks
        if badges.empty:
            st.caption(sh.t("inc.no_badge", n=incentives.STREAK_BADGE))
        for rep, n in zip(badges["rep"], badges["current"], strict=True):
            st.success(sh.t("inc.badge", rep=md(rep), n=int(n)), icon=":material/military_tech:")
        st.dataframe(
            incentive_view.streak_table(streaks, sh.lang), hide_index=True, width="stretch", key="inc_streaks"
        )

with tab_plan:
    # A commission plan pays every team's reps: only an admin may change it (others see it read-only).
    new_plan = incentive_view.plan_editor(plan, sh.lang, editable=sh.access.can_manage_data)
    if new_plan is not None and sh.access.can_manage_data:
        chosen = new_plan
        pid = loop_view.write(sh, lambda con: incentives.save_plan(con, chosen))
        for key in ("tier_editor", "bonus_editor"):  # the edits now live in the saved plan
            st.session_state.pop(key, None)
        st.session_state["inc_msg"] = sh.t("inc.saved", n=pid)
        st.rerun()

links.copy_link(sh.lang)
