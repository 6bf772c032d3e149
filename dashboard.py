"""Home: the overview for the current fiscal year (year to date vs last year, months, teams, reps)."""

from __future__ import annotations

import streamlit as st

from analysis import demo, store
from analysis.i18n import fmt_amount, fmt_pct
from components import charts, data, links, shell

sh = shell.page("nav.home")
st.title(sh.t("app.title"))
st.caption(sh.t("app.tagline"))

try:
    data.ensure_db(sh.db)
    view_args = (sh.db, store.data_version(sh.db), sh.as_of, data.fy_start_month(sh.db))
    ov = data.load_overview(*view_args)
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

if not ov.has_data:
    st.subheader(sh.t("empty.title"))
    st.info(sh.t("empty.body"), icon=":material/info:")
    left, right = st.columns(2)
    if left.button(sh.t("empty.demo"), type="primary", icon=":material/science:"):
        with st.status(sh.t("empty.building"), expanded=True) as status:
            bar = st.progress(0.0)
            res = demo.build_demo(sh.db, progress=lambda frac, what: bar.progress(min(frac, 1.0), text=what))
            status.update(label=sh.t("empty.built", rows=f"{res.rows:,}"), state="complete")
        st.cache_data.clear()
        st.rerun()
    if (shell.ROOT / "pages/3_data.py").exists():
        right.page_link("pages/3_data.py", label=sh.t("empty.import"), icon=":material/upload_file:")
    st.stop()

st.subheader(sh.t("home.fy", year=ov.fy.year, asof=ov.as_of.isoformat()))
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(sh.t("home.ytd"), fmt_amount(ov.ytd, sh.lang))
k2.metric(sh.t("home.ly_ytd"), fmt_amount(ov.ly_ytd, sh.lang))
k3.metric(sh.t("home.yoy"), fmt_pct(ov.yoy, sh.lang, signed=True))
k4.metric(sh.t("home.orders"), f"{ov.orders:,}")
k5.metric(sh.t("home.active_reps"), f"{ov.active_reps}")

st.markdown(f"#### {sh.t('home.monthly')}")
st.plotly_chart(data.overview_chart(*view_args, sh.lang), width="stretch", key="monthly_chart")

div, suffix = charts.money_scale(sh.lang)
money_fmt = "%.1f" if sh.lang == "zh" else "%,.0f"


def _table(df, first_cols: list[str]) -> None:  # type: ignore[no-untyped-def]
    view = df.copy()
    for col in ("ytd", "ly"):
        view[col] = view[col].map(float) / div
    view["yoy"] = view["yoy"].map(lambda v: None if v is None else v * 100)
    cfg = {
        "team": st.column_config.TextColumn(sh.t("col.team")),
        "rep": st.column_config.TextColumn(sh.t("col.rep")),
        "ytd": st.column_config.NumberColumn(sh.t("col.ytd") + suffix, format=money_fmt),
        "ly": st.column_config.NumberColumn(sh.t("col.ly") + suffix, format=money_fmt),
        "yoy": st.column_config.NumberColumn(sh.t("col.yoy"), format="%+.1f%%"),
    }
    st.dataframe(view[[*first_cols, "ytd", "ly", "yoy"]], column_config=cfg, hide_index=True, width="stretch")


left, right = st.columns(2)
with left:
    st.markdown(f"#### {sh.t('home.top_teams')}")
    _table(ov.teams, ["team"])
with right:
    st.markdown(f"#### {sh.t('home.top_reps')}")
    _table(ov.reps.head(10), ["rep", "team"])

links.copy_link(sh.lang)
