"""Home: the manager's morning (the year and this month against the plan, who is behind, top risks,
what is due, the last import), then the fiscal year against last year (months, teams, reps)."""

from __future__ import annotations

import streamlit as st

from analysis import demo, store
from analysis.i18n import fmt_compact, fmt_exact, fmt_pct
from components import auth, charts, data, home_view, links, shell

sh = shell.page("nav.home")
st.title(sh.t("app.title"))

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
    # The demo replaces teams, reps and plans: only an admin, and only into an empty store (no plan
    # version, no import even if undone); the store refuses anything else (store.clear_for_demo).
    if sh.access.can_manage_data and not ov.holds_user_data:
        if left.button(sh.t("empty.demo"), type="primary", icon=":material/science:"):
            with st.status(sh.t("empty.building"), expanded=True) as status:
                bar = st.progress(0.0)
                try:
                    res = demo.build_demo(
                        sh.db,
                        progress=lambda frac, what: bar.progress(min(frac, 1.0), text=what),
                        actor=sh.access,
                    )
                except store.Refused as exc:
                    status.update(state="error")
                    auth.show_refusal(exc, sh.lang)
                    st.stop()
                except store.StoreError as exc:
                    status.update(state="error")
                    shell.store_error(sh, exc)
                    st.stop()
                status.update(label=sh.t("empty.built", rows=f"{res.rows:,}"), state="complete")
            st.cache_data.clear()
            st.rerun()
    if (shell.ROOT / "pages/3_data.py").exists():
        right.page_link("pages/3_data.py", label=sh.t("empty.import"), icon=":material/upload_file:")
    st.stop()

m = home_view.load_morning(*view_args, sh.today)  # tasks due: against today's date, not the as-of
through = sh.t("home.data_through", day=m.data_through) if m.data_through else sh.t("home.no_data_yet")
if m.data_through == ov.as_of:  # the usual case (as-of defaults to the last data day): say it once
    st.subheader(sh.t("home.fy_only", year=ov.fy.year) + " · " + through)
else:
    st.subheader(sh.t("home.fy", year=ov.fy.year, asof=ov.as_of.isoformat()) + " · " + through)
home_view.plan_note(m, sh.lang)
year_col, month_col = st.columns(2)
with year_col:
    home_view.standing(sh.t("home.year", fy=m.fy.label), m.year, sh.lang)
with month_col:
    home_view.standing(sh.t("home.month_now", period=m.month.period.label), m.month, sh.lang)
left, mid, right = st.columns(3)
with left:
    home_view.behind(m, sh.lang)
with mid:
    home_view.flags(m, sh.lang)
with right:
    home_view.due(m, sh.lang)

st.divider()
st.markdown(f"### {sh.t('home.history')}")
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(sh.t("home.ytd"), fmt_compact(ov.ytd, sh.lang), help=sh.t("home.exact", v=fmt_exact(ov.ytd)))
k2.metric(
    sh.t("home.ly_ytd"), fmt_compact(ov.ly_ytd, sh.lang), help=sh.t("home.exact", v=fmt_exact(ov.ly_ytd))
)
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
