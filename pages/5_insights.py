"""Insights: where the gap comes from (plan / last year), what drives revenue, customer health."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from analysis import insights, store
from analysis.i18n import fmt_amount
from components import data, links, risk_view, shell

sh = shell.page("nav.insights")
st.title(sh.t("ins.title"))

try:
    data.ensure_db(sh.db)
    view = risk_view.load_insights(sh.db, store.data_version(sh.db), sh.as_of, data.fy_start_month(sh.db))
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

st.caption(sh.t("ins.caption", period=view.period, base=view.base_period))

# Shown in the user's language, the code in the URL (?vs=last_year&by=rep): see links.choice.
c1, c2, c3 = st.columns([2, 2, 1])
vs_labels = links.option_labels("ins.vs", ("plan", "last_year"), sh.lang, sep="_")
by_labels = links.option_labels("ins.by", ("team", "rep", "product"), sh.lang, sep="_")
vs = links.choice(c1.segmented_control, sh.t("ins.vs"), vs_labels, key="vs", default="plan")
by = links.choice(c2.segmented_control, sh.t("ins.by"), by_labels, key="by", default="team")
top_n = c3.number_input(sh.t("ins.top_n"), 3, 20, 8, key="top", bind="query-params")
vs, by = str(vs or "plan"), str(by or "team")

if vs == "plan" and by == "product":
    st.info(sh.t("ins.no_product_plan"), icon=":material/info:")
else:
    if by == "product":
        st.caption(sh.t("ins.product_months"))
    parts = insights.decompose_gap(view.gap_frame(by, vs), int(top_n))  # type: ignore[arg-type]
    actual, base = int(parts["actual_cents"].sum()), int(parts["base_cents"].sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(sh.t("ins.actual"), fmt_amount(Decimal(actual) / 100, sh.lang))
    m2.metric(sh.t(f"ins.base_{vs}"), fmt_amount(Decimal(base) / 100, sh.lang))
    m3.metric(sh.t("ins.gap"), fmt_amount(Decimal(actual - base) / 100, sh.lang))
    fig = risk_view.waterfall(parts, sh.t(f"ins.base_{vs}"), sh.t("ins.actual"), sh.lang)
    st.plotly_chart(fig, width="stretch", key="gap_waterfall")

st.markdown(f"#### {sh.t('ins.drivers')}")
st.caption(sh.t("ins.drivers_help"))
st.dataframe(risk_view.drivers_table(view, sh.lang), hide_index=True, width="stretch")

st.markdown(f"#### {sh.t('ins.health')}")
st.caption(sh.t("ins.health_help"))
left, right = st.columns([3, 2])
with left:
    st.dataframe(
        risk_view.health_table(view.rep_health, ["rep", "team"], sh.lang), hide_index=True, width="stretch"
    )
with right:
    st.dataframe(
        risk_view.health_table(view.team_health, ["team"], sh.lang), hide_index=True, width="stretch"
    )

st.markdown(f"#### {sh.t('ins.quiet', n=len(view.quiet))}")
st.caption(sh.t("ins.quiet_help"))
q = view.quiet
st.dataframe(
    q.assign(
        last_day=q["last_day"].astype(str),
        total=[fmt_amount(Decimal(int(x)) / 100, sh.lang) for x in q["total_cents"]],
    )[["rep", "customer", "last_day", "interval_days", "silent_days", "total"]].rename(
        columns={
            "rep": sh.t("risk.col.entity"),
            "customer": sh.t("risk.ev.customer"),
            "last_day": sh.t("risk.ev.last_order"),
            "interval_days": sh.t("risk.ev.usual_interval_days"),
            "silent_days": sh.t("ins.silent_days"),
            "total": sh.t("ins.two_year_sales"),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.markdown(f"#### {sh.t('ins.funnel')}")
if view.has_stages:
    st.info(sh.t("ins.funnel_todo"), icon=":material/info:")
else:
    st.info(sh.t("ins.funnel_needs_stages"), icon=":material/info:")

links.copy_link(sh.lang)
