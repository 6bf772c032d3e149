"""Weekly review (周会): per rep actual vs weekly target, WoW, wins, problems, last week's actions;
notes per rep and next actions that become tasks; the report as .xlsx and Markdown."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from analysis import metrics, report, retro, review, store, tasks
from analysis.i18n import fmt_amount, fmt_pct
from components import auth, data, links, loop_view, progress_view, shell
from components.safe import md

sh = shell.page("nav.review")
st.title(sh.t("rev.title"))

weeks = loop_view.week_options(sh.as_of)
# Opens on the last complete week of data (a running week would show one or two days' numbers).
day = metrics.measured_day(sh.as_of, data.data_through(sh.db))
first = review.last_complete_week(day)
# Bound to the URL: the options are ISO week labels, language-neutral.
week = st.selectbox(
    sh.t("rev.week"),
    weeks,
    index=weeks.index(first) if first in weeks else 0,
    key="week",
    bind="query-params",
)
version, fy_start = progress_view.open_db(sh)
try:
    rv = loop_view.load_review(sh.db, version, str(week), sh.as_of, fy_start)
except review.ReviewError as exc:
    st.error(sh.t("rev.bad_week", msg=str(exc)))
    st.stop()
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

if msg := st.session_state.pop("rev_msg", None):
    st.success(msg)
st.subheader(sh.t("rev.md_title", week=rv.week, start=rv.start, end=rv.end))
plan_key = "rep.plan_active" if rv.plan_source == "active" else "rep.plan_default"
st.caption(sh.t(plan_key, label=md(rv.plan_label)))
if not rv.complete:
    st.info(sh.t("rev.running", asof=rv.as_of), icon=":material/schedule:")
tot = rv.total
k1, k2, k3, k4 = st.columns(4)
k1.metric(sh.t("rev.target"), fmt_amount(tot["target"], sh.lang))  # type: ignore[arg-type]
k2.metric(sh.t("rev.actual"), fmt_amount(tot["actual"], sh.lang))  # type: ignore[arg-type]
k3.metric(sh.t("rev.attainment"), fmt_pct(tot["attainment"], sh.lang))  # type: ignore[arg-type]
k4.metric(sh.t("rev.wow"), fmt_pct(tot["wow"], sh.lang, signed=True))  # type: ignore[arg-type]


def numbers(df: pd.DataFrame, first: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame({v: df[k].astype(str) for k, v in first.items()})
    out[sh.t("rev.target")] = [fmt_amount(Decimal(int(c)) / 100, sh.lang) for c in df["target_cents"]]
    out[sh.t("rev.actual")] = [fmt_amount(Decimal(int(c)) / 100, sh.lang) for c in df["actual_cents"]]
    out[sh.t("rev.attainment")] = [fmt_pct(a, sh.lang) for a in df["attainment"]]
    out[sh.t("rev.wow")] = [fmt_pct(g, sh.lang, signed=True) for g in df["wow"]]
    return out


left, right = st.columns([3, 2])
with left:
    st.markdown(f"#### {sh.t('rev.reps')}")
    rep_view = numbers(rv.reps, {"rep": sh.t("col.rep"), "team": sh.t("col.team")})
    rep_view[sh.t("rev.note")] = [rv.notes.get(str(r), "") for r in rv.reps["rep_id"]]
    st.dataframe(rep_view, hide_index=True, width="stretch", key="rev_reps")
with right:
    st.markdown(f"#### {sh.t('rev.teams')}")
    st.dataframe(numbers(rv.teams, {"team": sh.t("col.team")}), hide_index=True, width="stretch")
st.plotly_chart(loop_view.review_chart(rv.reps, sh.lang), width="stretch", key="rev_chart")

c1, c2 = st.columns(2)
with c1:
    st.markdown(f"#### {sh.t('rev.wins')}")
    for w in rv.wins.to_dict(orient="records"):
        amount = fmt_amount(Decimal(int(w["amount_cents"])) / 100, sh.lang)
        st.markdown(f"- {pd.Timestamp(w['day']).date()} **{md(w['rep'])}** · {md(w['customer'])}: {amount}")
    st.markdown(f"#### {sh.t('rev.last_actions')}")
    if rv.actions.empty:
        st.caption(sh.t("rev.none"))
    for a in rv.actions.to_dict(orient="records"):
        state = sh.t(f"task.state.{a['state']}")
        st.markdown(f"- **{md(a['rep'])}**: {md(a['title'])} — {state}")
with c2:
    st.markdown(f"#### {sh.t('rev.problems')}")
    probs = rv.problems(sh.lang)
    st.dataframe(
        probs.assign(severity=[sh.t(f"risk.sev.{s}") for s in probs["severity"]])[
            ["severity", "entity", "reason"]
        ].rename(columns={c: sh.t(f"risk.col.{c}") for c in ("severity", "entity", "reason")}),
        hide_index=True,
        width="stretch",
        height=300,
    )

st.markdown(f"#### {sh.t('rev.notes_next')}")
st.caption(sh.t("rev.notes_help"))
# Viewers get no form; a manager's form holds only their teams' reps (checked again on save).
auth.scope_note(sh.access, sh.lang)
# A boolean mask as a Series: a plain empty list would select columns, not rows, when there are no reps.
own = rv.reps[
    pd.Series([sh.access.can_edit_team(t) for t in rv.reps["team_id"]], index=rv.reps.index, dtype=bool)
]
rep_ids = [str(r) for r in own["rep_id"]]
team_of = dict(zip(rv.reps["rep_id"].astype(str), rv.reps["team_id"], strict=True))
if sh.access.can_edit:
    with st.form("review_form"):
        # Text columns typed as text even with no reps (an empty column would be float, which the
        # editor refuses for a text column).
        sheet = pd.DataFrame(
            {
                "rep": [str(r) for r in own["rep"]],
                "note": [rv.notes.get(r, "") for r in rep_ids],
                "next": [""] * len(rep_ids),
            },
            dtype="string",
        )
        edited = st.data_editor(
            sheet,
            hide_index=True,
            width="stretch",
            disabled=["rep"],
            key="review_editor",
            column_config={
                "rep": st.column_config.TextColumn(sh.t("col.rep")),
                "note": st.column_config.TextColumn(sh.t("rev.note"), width="large"),
                "next": st.column_config.TextColumn(sh.t("rev.next"), width="large"),
            },
        )
        sent = st.form_submit_button(sh.t("rev.save"), type="primary")
    if sent and auth.may_write(sh.access, [team_of.get(r) for r in rep_ids], sh.lang):
        notes = {r: str(n or "") for r, n in zip(rep_ids, edited["note"], strict=True)}
        actions = [
            tasks.NewTask(r, line.strip(), "other", source="review")
            for r, nxt in zip(rep_ids, edited["next"], strict=True)
            for line in str(nxt or "").splitlines()
            if line.strip()
        ]
        ids = loop_view.write(sh, lambda con: review.save(con, rv.week, notes, actions, sh.today))
        st.session_state["rev_msg"] = sh.t("rev.saved", n=len(ids))
        st.rerun()

d1, d2 = st.columns(2)
d1.download_button(
    sh.t("rev.download_xlsx"),
    lambda: report.weekly_workbook(rv, sh.lang),  # built on click, not on every rerun (~100 ms)
    file_name=f"weekly-{rv.week}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)
markdown = review.to_markdown(rv, sh.lang)
d2.download_button(
    sh.t("rev.download_md"), markdown, file_name=f"weekly-{rv.week}.md", mime="text/markdown",
    icon=":material/description:",
)  # fmt: skip
with st.expander(sh.t("rev.markdown")):
    st.code(markdown, language="markdown")

# Retrospective (总结与反思) of a month or quarter; bound to the URL with language-neutral labels.
st.divider()
st.subheader(sh.t("retro.title"))
st.caption(sh.t("retro.caption"))
fy_start = data.fy_start_month(sh.db)
periods = retro.period_options(sh.as_of, fy_start)
last_month = retro.default_period(day)  # the last complete month of data
if last_month not in periods:
    last_month = periods[0]
picked = st.selectbox(
    sh.t("retro.period"), periods, index=periods.index(last_month), key="retro", bind="query-params"
)
try:
    rt = loop_view.load_retro(sh.db, version, str(picked), sh.as_of, fy_start)
except (retro.RetroError, metrics.MetricsError) as exc:
    st.error(sh.t("retro.bad_period", msg=str(exc)))
else:
    loop_view.render_retro(rt, sh.lang)
    st.download_button(
        sh.t("retro.download"), lambda: report.period_workbook(rt, sh.lang), file_name=f"report-{rt.period.label}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
    )  # fmt: skip
links.copy_link(sh.lang)
