"""Risks: flags with evidence as of a day, acknowledge into the register, register edits, thresholds."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analysis import risks, store
from analysis.i18n import t
from components import auth, data, links, loop_view, risk_view, shell

sh = shell.page("nav.risks")
st.title(sh.t("risk.title"))

try:
    data.ensure_db(sh.db)
    fy_start = data.fy_start_month(sh.db)
    report = risk_view.load_report(sh.db, store.data_version(sh.db), sh.as_of, fy_start)
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

st.caption(sh.t("risk.caption", asof=report.as_of.isoformat(), n=len(report.flags)))
for s in report.skipped:
    st.caption(t(f"risk.rule.{s.rule}", sh.lang) + ": " + sh.t(s.reason_key))
auth.scope_note(sh.access, sh.lang)  # who may acknowledge and edit which risks

# Filters in the user's language with the codes in the URL (?sev=high&rule=behind_pace): links.choice.
c1, c2, c3 = st.columns(3)
sev = links.choices(
    c1.multiselect,
    sh.t("risk.f_severity"),
    links.option_labels("risk.sev", risks.SEVERITIES, sh.lang),
    key="sev",
    placeholder=sh.t("risk.all"),
)
rule = links.choice(
    c2.selectbox,
    sh.t("risk.f_rule"),
    links.option_labels("risk.rule", risks.RULES, sh.lang),
    key="rule",
    default=None,
    placeholder=sh.t("risk.all"),
)
scope = links.choice(
    c3.selectbox,
    sh.t("risk.f_scope"),
    links.option_labels("risk.scope", risks.SCOPES, sh.lang),
    key="scope",
    default=None,
    placeholder=sh.t("risk.all"),
)
flags = [
    f
    for f in report.flags
    if (not sev or f.severity in sev)
    and (rule is None or rule in {k[0] for k in f.keys})
    and (scope is None or f.scope == scope)
]

reg, hist = risk_view.load_register(sh.db, store.data_version(sh.db))
reps = loop_view.load_reps(sh.db, store.data_version(sh.db))
rep_team = dict(zip(reps["rep_id"].astype(str), reps["team_id"], strict=True))
reg_links = risks.link_register(flags, reg)
st.markdown(f"#### {sh.t('risk.flags', n=len(flags))}")
if msg := st.session_state.pop("risk_msg", None):
    st.success(str(msg), icon=":material/check:")
if not flags:
    st.success(sh.t("risk.none"), icon=":material/check_circle:")
else:
    # The strongest few first; the rest (still ranked by money at risk) one click away.
    st.markdown(f"##### {sh.t('risk.top', n=min(len(flags), risks.TOP_N))}")
    risk_view.flags_table(flags[: risks.TOP_N], reg_links, sh.lang)
    if len(flags) > risks.TOP_N:
        with st.expander(sh.t("risk.more", n=len(flags) - risks.TOP_N)):
            risk_view.flags_table(flags[risks.TOP_N :], reg_links, sh.lang, key="more_flags_table")
    risk_view.flags_download(flags, reg_links, sh.lang)
    pick = st.selectbox(
        sh.t("risk.inspect"),
        range(len(flags)),
        format_func=lambda i: risk_view.flag_label(flags[i], sh.lang),
        key="inspect",
    )
    flag = flags[int(pick or 0)]
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"##### {sh.t('risk.evidence')}")
        st.caption(
            f"{sh.t('risk.col.scope')}: {sh.t(f'risk.scope.{flag.scope}')} · "
            f"{sh.t('risk.col.period')}: {flag.period}"
        )
        st.info(risk_view.plain(flag.reason[sh.lang]), icon=":material/warning:")
        risk_view.evidence(flag, sh.lang)
    with right:
        st.markdown(f"##### {sh.t('risk.acknowledge')}")
        link = reg_links.get(flag.key)
        if link is not None:
            st.caption(sh.t("risk.linked", id=link[0], status=sh.t(f"risk.status.{link[1]}")))
        # The form only for who may act on this flag's team (components/auth.py); checked again on save.
        flag_team = risk_view.team_of_entity(flag.scope, flag.entity_id, rep_team)
        sent = False
        if sh.access.write_refusal([flag_team]) is None:
            with st.form("ack_form", clear_on_submit=False):
                owner = st.text_input(sh.t("risk.owner"), key="ack_owner")
                plan = st.text_area(
                    sh.t("risk.plan"), value=flag.action[sh.lang], key=f"ack_plan_{flag.rule}"
                )
                due = st.date_input(sh.t("risk.due"), value=sh.today + dt.timedelta(days=14), key="ack_due")
                status = st.selectbox(
                    sh.t("risk.status"),
                    list(store.REGISTER_STATUSES),
                    format_func=lambda s: sh.t(f"risk.status.{s}"),
                    key="ack_status",
                )
                sent = st.form_submit_button(sh.t("risk.ack_button"), type="primary")
        if sent and auth.may_write(sh.access, [flag_team], sh.lang):
            try:
                with shell.writing(sh) as con:
                    eid, created = risks.acknowledge(
                        con,
                        flag,
                        owner=str(owner),
                        plan=str(plan),
                        due_date=due if isinstance(due, dt.date) else None,
                        status=str(status),
                        lang=sh.lang,
                        seen=sh.as_of,
                    )
                # Rerun so the flags table shows the link; the message survives in the session.
                st.session_state["risk_msg"] = sh.t(
                    "risk.ack_created" if created else "risk.ack_linked", id=eid
                )
                st.rerun()
            except risks.RiskError:
                st.error(sh.t("risk.need_owner"))
            except store.StoreError as exc:
                shell.store_error(sh, exc)

st.markdown(f"#### {sh.t('risk.register')}")
if reg.empty:
    st.caption(sh.t("risk.register_empty"))
else:
    edited = risk_view.register_editor(reg, sh.lang, read_only=not sh.access.can_edit)
    saving = sh.access.can_edit and st.button(sh.t("risk.save_register"), key="save_register")
    changes = risk_view.register_changes(reg, edited, sh.lang) if saving else {}
    by_id = reg.set_index("entry_id")
    touched = [
        risk_view.team_of_entity(by_id.at[e, "scope"], by_id.at[e, "entity_id"], rep_team) for e in changes
    ]
    if saving and auth.may_write(sh.access, touched, sh.lang):
        try:
            with shell.writing(sh) as con:
                for eid, ch in changes.items():
                    store.update_register_entry(con, eid, ch)
            st.rerun()
        except store.StoreError as exc:
            shell.store_error(sh, exc)
    with st.expander(sh.t("risk.history")):
        st.dataframe(hist.sort_values("changed_at", ascending=False), hide_index=True, width="stretch")

if sh.access.can_manage_data:  # thresholds and playbook are company-wide: admins only
    with st.expander(sh.t("risk.settings")):
        th, pb = risk_view.load_settings(sh.db, store.data_version(sh.db))
        th_out, pb_out = risk_view.settings_editors(th, pb, sh.lang)
        if st.button(sh.t("risk.save_settings"), key="save_settings"):
            # Only what the user changed is stored, so untouched defaults keep following the code.
            values = [
                (r.rule_id, r.param, float(r.value))
                for r in th_out.itertuples(index=False)
                if float(r.value) != th[r.rule_id][r.param]
            ]
            actions = [
                (r.rule_id, str(r.zh), str(r.en))
                for r in pb_out.itertuples(index=False)
                if (str(r.zh), str(r.en)) != (pb[r.rule_id]["zh"], pb[r.rule_id]["en"])
            ]
            try:
                with shell.writing(sh) as con:
                    store.set_risk_thresholds(con, values)
                    store.set_risk_playbook(con, actions)
                st.rerun()
            except store.StoreError as exc:
                shell.store_error(sh, exc)

links.copy_link(sh.lang)
