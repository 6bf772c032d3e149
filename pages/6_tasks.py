"""Tasks and deadlines (设定时间节点): overdue / due-soon views, a timeline, new tasks with a suggested
owner and default deadline, status updates, bulk follow-ups from the quiet-customer list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import home, store, tasks
from components import auth, data, links, loop_view, shell, tables
from components.safe import md

sh = shell.page("nav.tasks")
st.title(sh.t("task.title_page"))
st.caption(sh.t("task.caption"))

try:
    data.ensure_db(sh.db)
    version = store.data_version(sh.db)
    df = loop_view.load_tasks(sh.db, version, sh.today)
    reps = loop_view.load_reps(sh.db, version)
    rules = loop_view.load_rules(sh.db, version)
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

types = loop_view.label_map("task.type", tasks.TASK_TYPES, sh.lang)
prios = loop_view.label_map("task.prio", tasks.PRIORITIES, sh.lang)
statuses = loop_view.label_map("task.status", tasks.STATUSES, sh.lang)
states = loop_view.label_map("task.state", tasks.STATES, sh.lang)
rep_names = dict(zip(reps["rep_id"].astype(str), reps["name"].astype(str), strict=True))
team_of = dict(zip(reps["rep_id"].astype(str), reps["team_id"], strict=True))

for key in ("msg", "err"):
    if text := st.session_state.pop(f"task_{key}", None):
        (st.success if key == "msg" else st.error)(text)

live = df[~df["status"].isin(["done", "cancelled"])]
k1, k2, k3, k4 = st.columns(4)
k1.metric(sh.t("task.n_overdue"), int((df["state"] == "overdue").sum()))
k2.metric(sh.t("task.n_soon"), int((df["state"] == "due_soon").sum()))
k3.metric(sh.t("task.n_open"), len(live))
k4.metric(sh.t("task.n_done"), int(df["status"].eq("done").sum()))

# Shown in the user's language, the code in the URL (?view=overdue): see links.choice.
views = links.option_labels("task.view", ("all", "overdue", "week", "due_soon", "open", "done"), sh.lang)
view = str(links.choice(st.segmented_control, sh.t("task.view"), views, key="view", default="all"))
# Deadlines are real-world: judged against today (sh.today), not the sidebar's as-of day, which is the
# last day with data (years ago on an imported history). The quiet customers are measured to as-of.
if view == "week":  # not done, due from today to this week's Sunday (the home page's tile)
    deadline = pd.to_datetime(df["deadline"]).dt.date
    shown = df[
        ~df["status"].isin(["done", "cancelled"]) & deadline.between(sh.today, home.week_end(sh.today))
    ]
else:
    shown = df if view == "all" else df[df["state"].isin(["done", "done_late"] if view == "done" else [view])]
if shown.empty:
    st.info(sh.t("task.none"), icon=":material/info:")
else:
    table = shown.assign(
        type=shown["type"].map(types),
        priority=shown["priority"].map(prios),
        state=shown["state"].map(states),
        deadline=shown["deadline"].astype(str),
        done_date=shown["done_date"].astype(str).replace({"NaT": "", "None": ""}),
    )
    cols = {"task_id": "#", "rep": sh.t("task.owner"), "customer": sh.t("task.customer"), "title": sh.t("task.title"),
            "type": sh.t("task.type"), "priority": sh.t("task.priority"), "deadline": sh.t("task.deadline"),
            "state": sh.t("task.status"), "days_left": sh.t("task.days_left"), "done_date": sh.t("task.done_date")}  # fmt: skip
    st.dataframe(table[list(cols)].rename(columns=cols), hide_index=True, width="stretch", key="task_table")
    tables.download({sh.t("nav.tasks"): tables.labelled(table, cols)}, "tasks.xlsx", sh.lang, key="task_xlsx")
    st.markdown(f"#### {sh.t('task.timeline')}")
    st.plotly_chart(loop_view.timeline_chart(shown, sh.today, sh.lang), width="stretch", key="timeline")

# Who may change what (components/auth.py): viewers see no edit controls at all; a manager works
# on their own teams' reps only, and every write below is checked again on the server.
auth.scope_note(sh.access, sh.lang)
if not sh.access.can_edit:
    links.copy_link(sh.lang)
    st.stop()
mine = df[
    pd.Series(
        [sh.access.can_edit_team(team_of.get(str(r))) for r in df["rep_id"]], index=df.index, dtype=bool
    )
]

# Status update: pick a task, pick a status.
if len(mine):
    with st.form("status_form"):
        st.markdown(f"#### {sh.t('task.save')}")
        c1, c2 = st.columns([3, 1])
        ids = [int(i) for i in mine["task_id"]]
        task_rep = dict(zip(ids, mine["rep_id"].astype(str), strict=True))
        label = {
            int(i): f"#{i} {r}: {ti}"
            for i, r, ti in zip(mine["task_id"], mine["rep"], mine["title"], strict=True)
        }
        pick = c1.selectbox(sh.t("task.title"), ids, format_func=label.__getitem__, key="status_task")
        new_status = c2.selectbox(
            sh.t("task.status"), list(statuses), index=2, format_func=statuses.__getitem__, key="status_value"
        )
        sent = st.form_submit_button(sh.t("task.save"), type="primary")
    if sent and auth.may_write(sh.access, [team_of.get(task_rep.get(int(pick)))], sh.lang):
        try:
            changed = loop_view.write(
                sh, lambda con: tasks.set_status(con, int(pick), str(new_status), sh.today)
            )
            st.session_state["task_msg"] = sh.t("task.saved", n=len(changed))
        except (store.StoreError, tasks.TaskError) as exc:
            st.session_state["task_err"] = sh.t("task.err", msg=str(exc))
        st.rerun()

# New task: the type sets the default deadline and priority, seniority suggests the owner.
st.markdown(f"#### {sh.t('task.new')}")
c1, c2 = st.columns(2)
kind = c1.selectbox(sh.t("task.type"), list(types), format_func=types.__getitem__, key="new_type")
active = reps[reps["leave_date"].isna() & reps["team_id"].map(sh.access.can_edit_team).astype(bool)]
suggested = tasks.suggest_assignee(str(kind), active, tasks.open_counts(df))
rep_ids = [str(r) for r in active["rep_id"]]
owner = c2.selectbox(
    sh.t("task.owner"), rep_ids, index=rep_ids.index(suggested) if suggested in rep_ids else 0,
    format_func=lambda r: rep_names.get(r, r), key=f"new_owner_{kind}",
)  # fmt: skip
if suggested:
    level = str(active.set_index("rep_id").loc[suggested, "level"])
    c2.caption(sh.t("task.suggested", rep=md(rep_names[suggested]), level=sh.t(f"task.level.{level}")))
default_due = tasks.default_deadline(str(kind), sh.today, rules)
with st.form("new_task", clear_on_submit=True):
    title = st.text_input(sh.t("task.title"), key="new_title")
    c3, c4 = st.columns(2)
    prio = c3.selectbox(
        sh.t("task.priority"), list(prios), index=list(prios).index(tasks.DEFAULT_PRIORITY[str(kind)]),
        format_func=prios.__getitem__, key="new_prio",
    )  # fmt: skip
    due = c4.date_input(sh.t("task.deadline"), value=default_due, key=f"new_due_{kind}")
    c4.caption(sh.t("task.default_deadline", day=default_due))
    if st.form_submit_button(sh.t("task.create"), type="primary") and auth.may_write(
        sh.access, [team_of.get(str(owner))], sh.lang
    ):
        if not str(title).strip():
            st.session_state["task_err"] = sh.t("task.need_title")
        else:
            item = tasks.NewTask(str(owner), str(title), str(kind), str(prio), due)  # type: ignore[arg-type]
            try:
                ids = loop_view.write(sh, lambda con: tasks.create(con, [item], sh.today))
                st.session_state["task_msg"] = sh.t("task.created", n=len(ids))
            except (store.StoreError, tasks.TaskError) as exc:
                st.session_state["task_err"] = sh.t("task.err", msg=str(exc))
        st.rerun()

with st.expander(sh.t("task.bulk")):
    quiet = loop_view.load_quiet(sh.db, version, sh.as_of)
    todo = tasks.from_quiet_customers(quiet, df, sh.t("task.quiet_title", customer="{customer}"))
    todo = [it for it in todo if sh.access.can_edit_team(team_of.get(str(it.rep_id)))]
    st.caption(sh.t("task.bulk_help", n=len(todo)))
    if st.button(sh.t("task.bulk_go"), disabled=not todo, key="bulk_go") and auth.may_write(
        sh.access, [team_of.get(str(it.rep_id)) for it in todo], sh.lang
    ):
        ids = loop_view.write(sh, lambda con: tasks.create(con, todo, sh.today))
        st.session_state["task_msg"] = sh.t("task.created", n=len(ids))
        st.rerun()

with st.expander(sh.t("task.import")):
    st.caption(sh.t("task.import_help"))
    # a new key after each import gives a fresh uploader, so the same file is not offered twice
    n_file = int(st.session_state.get("task_file_n", 0))
    up = st.file_uploader(
        sh.t("task.import_file"), type=["xlsx", "xls", "csv", "txt"], key=f"task_file_{n_file}"
    )
    if up is not None:
        loop_view.task_file_preview(sh, up.name, up.getvalue())

if sh.access.can_manage_data:  # the default deadlines are company-wide: admins only
    with st.expander(sh.t("task.rules")):
        with st.form("rules_form"):
            new_rules = {
                k: st.text_input(types[k], value=rules[k], key=f"rule_{k}") for k in tasks.TASK_TYPES
            }
            if st.form_submit_button(sh.t("task.rules_save")):
                try:
                    loop_view.write(sh, lambda con: tasks.save_rules(con, new_rules))
                    st.session_state["task_msg"] = sh.t("task.saved", n=len(new_rules))
                except tasks.TaskError as exc:
                    st.session_state["task_err"] = sh.t("task.err", msg=str(exc))
                st.rerun()
links.copy_link(sh.lang)
