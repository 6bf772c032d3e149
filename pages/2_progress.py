"""Progress: where a company, team or rep stands against the plan in a period, as of a day."""

from __future__ import annotations

import streamlit as st

from analysis import metrics
from components import links, progress_view, shell
from components.safe import md

sh = shell.page("nav.progress")
st.title(sh.t("prog.title"))

loaded = progress_view.load(sh)
version, fy_start, pdata = loaded.version, loaded.fy_start, loaded.data

# Selectors bound to the URL. Options are names and period labels (language-neutral), because a
# bound widget writes the option as shown into the URL; "no team/rep" is the empty state.
reps = pdata.reps
team_names = [str(n) for n in dict.fromkeys(reps["team"].dropna())]
team_id_of = dict(zip(reps["team"].astype(str), reps["team_id"], strict=False))
periods = [p.label for p in metrics.fiscal_periods(pdata.fy)]
default_period = metrics.period_of(pdata.fy, pdata.as_of, "month").label

c1, c2, c3 = st.columns([2, 2, 2])
team = c1.selectbox(
    sh.t("prog.team"),
    team_names,
    index=None,
    placeholder=sh.t("prog.all_teams"),
    key="team",
    bind="query-params",
)
in_team = reps if team is None else reps[reps["team"].astype(str) == team]
rep_names = [str(n) for n in in_team["name"]]
rep_id_of = dict(zip(in_team["name"].astype(str), in_team["rep_id"], strict=False))
rep = c2.selectbox(
    sh.t("prog.rep"),
    rep_names,
    index=None,
    placeholder=sh.t("prog.all_reps"),
    key="rep",
    bind="query-params",
)
period_label = c3.selectbox(
    sh.t("prog.period"), periods, index=periods.index(default_period), key="period", bind="query-params"
)

if rep is not None:
    scope, key = "rep", rep_id_of[rep]
elif team is not None:
    scope, key = "team", team_id_of[team]
else:
    scope, key = "company", None

view_args = (sh.db, version, sh.as_of, fy_start, str(period_label), scope, key)
view = progress_view.load_view(*view_args)
figs = progress_view.figures(*view_args, sh.lang)
p = view.progress

if pdata.plan_source == "active":
    st.caption(sh.t("prog.plan_active", label=md(pdata.plan_label)))
elif pdata.plan_source == "default":
    st.info(sh.t("prog.plan_default", label=md(pdata.plan_label)), icon=":material/info:")
else:
    st.warning(sh.t("prog.plan_none"), icon=":material/warning:")

who = rep or team or sh.t("prog.all_teams")
st.subheader(f"{md(who)} · " + sh.t("prog.caption", fy=pdata.fy.label, period=p.period.label, asof=p.as_of))
progress_view.kpis(p, sh.lang)
st.caption(progress_view.required_line(p, sh.lang) + " · " + progress_view.growth_line(p, sh.lang))

trust = progress_view.trust_line(p, sh.lang)
if trust is not None:
    st.caption(trust)

st.markdown(f"#### {sh.t('prog.burnup')}")
st.plotly_chart(figs.burnup, width="stretch", key="burnup_chart")

if figs.check is not None:
    st.markdown(f"#### {sh.t('prog.check')}")
    st.plotly_chart(figs.check, width="stretch", key="check_chart")

tgrain = "week" if p.period.grain == "week" else "month"
unit = sh.t("prog.unit_week" if tgrain == "week" else "prog.unit_month")
st.markdown(f"#### {sh.t('prog.growth', unit=unit)}")
st.plotly_chart(figs.growth, width="stretch", key="growth_chart")


def _pick(table_key: str, names: list[str], target: str) -> None:
    """Drill down: a selected table row sets the team / rep selector (and so the URL)."""
    sel = st.session_state.get(table_key)
    rows = sel.selection.rows if sel is not None else []
    if rows and rows[0] < len(names):
        st.session_state[target] = names[rows[0]]
        if target == "team":
            st.session_state["rep"] = None


left, right = st.columns(2)
with left:
    st.markdown(f"#### {sh.t('prog.teams')}")
    team_rows = [str(n) for n in view.teams["team"]]
    progress_view.table(
        view.teams,
        sh.lang,
        by="team",
        key="team_table",
        on_select=lambda: _pick("team_table", team_rows, "team"),
    )
with right:
    st.markdown(f"#### {sh.t('prog.reps')}")
    rep_rows = [str(n) for n in view.reps["rep"]]
    progress_view.table(
        view.reps, sh.lang, by="rep", key="rep_table", on_select=lambda: _pick("rep_table", rep_rows, "rep")
    )

st.markdown(f"#### {sh.t('prog.heatmap')}")
if figs.heatmap is not None:
    st.plotly_chart(figs.heatmap, width="stretch", key="heatmap_chart")

links.copy_link(sh.lang)
