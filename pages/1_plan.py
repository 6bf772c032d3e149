"""Plan: one annual target → quarters, months, weeks, days → teams and reps; edit, lock, save versions."""

from __future__ import annotations

import streamlit as st

from analysis import planning, store
from analysis.calendar import CalendarError
from analysis.i18n import fmt_amount
from analysis.messages import render
from analysis.rebalance import Locks, RebalanceError
from components import data, links, shell
from components import plan_state as ps
from components import plan_view as pv
from components.safe import md

sh = shell.page("nav.plan")
ps.apply_pending()
ps.keep_choices_across_language(sh.lang, pv.TRANSLATED_WIDGETS)
st.title(sh.t("plan.title"))
st.caption(sh.t("plan.tagline"))

try:
    data.ensure_db(sh.db)
    fy_start0 = data.fy_start_month(sh.db)
    fy_now = pv.fy_of(sh.as_of, fy_start0)
    years = [fy_now - 1, fy_now, fy_now + 1, fy_now + 2]
    c1, c2, c3 = st.columns(3)
    year = c1.selectbox(sh.t("plan.year"), years, index=2, key="year", bind="query-params")
    versions, active_id = pv.load_versions(sh.db, store.data_version(sh.db), year)
    scenarios = list(dict.fromkeys(v.scenario for v in versions))
    # Scenario names are the user's words; the unsaved draft reads "New draft" while the URL keeps
    # its neutral code (links.choice: a bound widget would put the translated label in the URL).
    scenario = links.choice(
        c2.selectbox,
        sh.t("plan.scenario"),
        {pv.NEW: sh.t("plan.new_draft"), **{s: s for s in scenarios}},
        key="scenario",
        default=pv.NEW,
    )
    vid = None
    if scenario != pv.NEW:
        mine = {f"v{v.version}": v for v in versions if v.scenario == scenario}
        vlabel = c3.selectbox(
            sh.t("plan.version"), list(mine), index=len(mine) - 1, key="version", bind="query-params"
        )
        vid = mine[vlabel].version_id
    else:
        c3.caption(sh.t("plan.draft_hint"))
    with st.expander(sh.t("plan.setup"), expanded=vid is None, icon=":material/tune:"):
        req, inputs = pv.setup(sh, year, fy_start0)
        build = st.button(sh.t("plan.build"), type="primary", disabled=req is None, key="plan.build")
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

if not len(inputs.reps):
    st.info(sh.t("plan.no_reps"), icon=":material/info:")
    st.stop()

w = ps.get()
desired = ("draft", year) if vid is None else ("version", vid)
try:
    if build and req is not None:
        w = ps.Working.start(("draft", year), req, inputs, planning.build(inputs, req))
        ps.put(w)
        if vid is not None:
            ps.set_widgets_next_run(scenario=pv.NEW)
            st.rerun()
    elif w is None or w.source != desired:
        if vid is None:
            if req is None:
                st.stop()
            w = ps.Working.start(desired, req, inputs, planning.build(inputs, req))
        else:
            with store.connect(sh.db, read_only=True) as con:
                pver, vreq, vplan, vinputs = planning.load_version(con, vid)
            w = ps.Working.start(desired, vreq, vinputs, vplan, scenario=pver.scenario, based_on=pver.version)
        ps.put(w)
    plan = w.plan
except (planning.PlanInputError, CalendarError, RebalanceError) as exc:
    st.error(sh.t("plan.build_error", msg=render(exc, sh.lang)), icon=":material/error:")
    st.stop()
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

# --- status: calendar, notes, messages, headline ---------------------------------------------------
# One container for the messages that come and go, so the tabs below keep their place (and the
# open tab) across reruns.
with st.container():
    if not plan.status.official:
        st.warning(
            plan.status.message_zh if sh.lang == "zh" else plan.status.message_en,
            icon=":material/event_busy:",
        )
        with st.expander(sh.t("plan.cal_enter"), icon=":material/edit_calendar:"):
            pv.calendar_section(sh, w)
    for note in (*w.inputs.notes, *plan.notes):
        st.info(render(note, sh.lang), icon=":material/info:")
    if saved := st.session_state.pop("plan.saved", None):
        st.success(sh.t("plan.saved", name=md(saved)), icon=":material/check_circle:")
    if err := st.session_state.pop("plan.error", None):
        st.error(sh.t("plan.refused", msg=render(err, sh.lang)), icon=":material/block:")
m1, m2, m3, m4 = st.columns(4)
m1.metric(sh.t("plan.total_target"), fmt_amount(plan.total, sh.lang))
m2.metric(sh.t("plan.unit"), f"{w.unit:,}")
m3.metric(sh.t("plan.reps"), f"{len(plan.rep_ids)}")
m4.metric(sh.t("plan.source"), f"{w.scenario} · v{w.based_on}" if w.based_on else sh.t("plan.draft"))
st.caption(pv.describe(sh, w.req))
pv.health_section(sh, w)
if not sh.access.can_edit:
    st.info(sh.t("access.read_only"), icon=":material/visibility:")
elif sh.access.role == "manager":
    st.info(
        sh.t("access.manager_scope", teams=md(", ".join(sorted(sh.access.teams)))), icon=":material/group:"
    )

tab_res, tab_edit, tab_ver = st.tabs(
    [sh.t("plan.tab_results"), sh.t("plan.tab_edit"), sh.t("plan.tab_versions")], key="plan.tab"
)
with tab_res:
    g1, g2 = st.columns(2)
    grain = g1.radio(
        sh.t("plan.grain"),
        pv.GRAINS,
        index=1,
        format_func=lambda g: sh.t(f"plan.grain.{g}"),
        horizontal=True,
        key="plan.grain",
    )
    level = g2.radio(
        sh.t("plan.level"),
        pv.LEVELS,
        format_func=lambda v: sh.t(f"plan.level_{v}"),
        horizontal=True,
        key="plan.level",
    )
    names = w.inputs.team_names if level == "team" else w.inputs.names
    table = pv.period_table(plan, grain, level, names, sh.lang, sh.t("plan.total"))
    pv.show_money_table(table, sh.lang, height=min(40 + 35 * len(table), 560), first=sh.t("plan.period"))
    st.plotly_chart(pv.month_chart(plan, w.inputs, level, sh.lang, sh.t), key="plan.chart")
    with st.expander(sh.t("plan.explain"), icon=":material/functions:"):
        how = pv.explanations(plan, w.inputs, sh.lang)
        # st.table renders every cell as Markdown: team and rep names (user text) go in escaped.
        st.table(
            how.map(md).rename(
                columns={"team": sh.t("col.team"), "rep": sh.t("col.rep"), "how": sh.t("plan.how")}
            )
        )

with tab_edit:
    months = plan.fy.month_labels()
    month_name = dict(zip(months, pv.month_names(months, sh.lang), strict=True))
    e1, e2, e3 = st.columns([1, 1, 1])
    mode = e1.radio(
        sh.t("plan.mode"), ["row", "column"], format_func=lambda m: sh.t(f"plan.mode.{m}"), key="plan.mode"
    )
    lock_months = e2.multiselect(
        sh.t("plan.lock_months"),
        months,
        format_func=month_name.get,
        key="plan.lock_months",
        placeholder=sh.t("plan.choose"),
    )
    cell_opts = {
        f"{planning.rep_label(w.inputs.names, r, sh.lang)} · {month_name[m]}": (r, m)
        for r in plan.rep_ids
        for m in months
    }
    lock_cells = e3.multiselect(
        sh.t("plan.lock_cells"), list(cell_opts), key="plan.lock_cells", placeholder=sh.t("plan.choose")
    )
    row_locks = st.session_state.get("plan.row_locks", frozenset())
    locks = Locks(
        frozenset(cell_opts[c] for c in lock_cells),
        frozenset(row_locks) | pv.foreign_reps(sh, w),  # other teams' reps stay put for a manager
        frozenset(lock_months),
    )
    u1, u2, _ = st.columns([1, 1, 6])
    if u1.button(sh.t("plan.undo"), disabled=not w.history.can_undo, key="plan.undo", icon=":material/undo:"):
        ps.put(ps.replace_history(w, w.history.undo()))
        st.rerun()
    if u2.button(sh.t("plan.redo"), disabled=not w.history.can_redo, key="plan.redo", icon=":material/redo:"):
        ps.put(ps.replace_history(w, w.history.redo()))
        st.rerun()
    ekey = st.session_state.setdefault(pv.EDITOR, "plan.grid.0")
    cfg = pv.grid_config(sh, w, locked_months=set(lock_months))
    st.data_editor(
        pv.grid_frame(w, row_locks | pv.foreign_reps(sh, w), sh.lang),
        key=ekey,
        column_config=cfg,
        hide_index=True,
        width="stretch",
        disabled=not sh.access.can_edit,
    )
    delta = st.session_state.get(ekey)
    if delta and delta.get("edited_rows"):
        new_w, new_rows, err = pv.read_editor_delta(delta, w, row_locks, locks, mode)
        ps.put(new_w)
        st.session_state["plan.row_locks"] = new_rows
        st.session_state["plan.error"] = err
        st.session_state[pv.EDITOR] = f"plan.grid.{int(ekey.rsplit('.', 1)[1]) + 1}"
        st.rerun()
    st.caption(sh.t("plan.totals_caption"))
    pv.show_money_table(pv.totals_frame(w, sh.lang, sh.t("plan.total")), sh.lang, first=sh.t("col.team"))
    st.markdown(f"#### {sh.t('plan.rep_total_title')}")
    pv.rep_total_form(sh, w, locks)
    st.markdown(f"#### {sh.t('plan.drag_title')}")
    pv.drag_section(sh, w, locks)

with tab_ver:
    st.markdown(f"#### {sh.t('plan.save_title')}")
    pv.save_section(sh, w, versions)
    st.markdown(f"#### {sh.t('plan.versions_title')}")
    pv.versions_section(sh, versions, active_id)
    st.markdown(f"#### {sh.t('plan.compare_title')}")
    pv.compare_section(sh, versions, w.inputs.names, w.inputs.team_names)
    st.markdown(f"#### {sh.t('plan.catchup_title')}")
    pv.catchup_section(sh, w)
    st.markdown(f"#### {sh.t('plan.changes_title')}")
    pv.changelog_section(sh, w.scenario, w.inputs.names)
    st.markdown(f"#### {sh.t('plan.excel_title')}")
    pv.excel_section(sh, w)

links.copy_link(sh.lang)
