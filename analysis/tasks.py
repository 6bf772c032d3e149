"""Tasks with deadlines (设定时间节点): types, default deadlines, states, assignment suggestions.

A task belongs to a rep and optionally a customer: title, type, priority, deadline, status and
done date. Pure functions take and return DataFrames; :func:`create`, :func:`set_status` and
:func:`load` are the thin store wrappers the UI and the CLI share.

Dates are calendar days. "Overdue" = not done or cancelled and the deadline is before as_of;
"due soon" = open with the deadline within ``soon_days`` from as_of (inclusive). A task is done
on time when its done date is on or before its deadline.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis import store
from analysis.i18n import t
from analysis.tablefile import RowError, date_cells, name_matcher, read_table, text_cells

TASK_TYPES = ("key_account", "new_customer", "maintenance", "other")
PRIORITIES = ("high", "medium", "low")
STATUSES = ("open", "doing", "done", "cancelled")
STATES = ("overdue", "due_soon", "open", "done", "done_late", "cancelled")
# Deadline rules: "<n>d", "<n>w" or "<n>m" after the creation day (a month keeps the day of the month,
# clamped to the month's end). Key accounts within a week, routine maintenance within a month.
DEFAULT_DEADLINES: dict[str, str] = {
    "key_account": "1w",
    "new_customer": "2w",
    "maintenance": "1m",
    "other": "2w",
}
DEFAULT_PRIORITY = {"key_account": "high", "new_customer": "medium", "maintenance": "low", "other": "medium"}
SOON_DAYS = 3
SETTING_DEADLINES = "task_deadlines"
_RULE = re.compile(r"^\s*(\d{1,3})\s*([dwm])\s*$")
# Seniority order for suggestions: hard new-customer development to senior reps, follow-ups to juniors.
LEVEL_RANK = {"senior": 2, "mid": 1, "junior": 0}
PREFERRED_LEVELS: dict[str, tuple[str, ...]] = {
    "new_customer": ("senior", "mid", "junior"),
    "key_account": ("junior", "mid", "senior"),
    "maintenance": ("junior", "mid", "senior"),
    "other": ("mid", "junior", "senior"),
}


class TaskError(ValueError):
    """A task that cannot be stored; the message says why."""


def parse_rule(rule: str) -> tuple[int, str]:
    """``"1w"`` → (1, "w"); raises TaskError for anything else."""
    m = _RULE.match(rule.lower())
    if not m or int(m.group(1)) == 0:
        raise TaskError(f"deadline rule {rule!r}: use a number and d, w or m (e.g. 7d, 1w, 1m)")
    return int(m.group(1)), m.group(2)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month ``months`` later, clamped to the month's last day (31 Jan + 1m = 28/29 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_deadline(task_type: str, created: dt.date, rules: Mapping[str, str] | None = None) -> dt.date:
    """The default deadline of a task of ``task_type`` created on ``created`` (rules: type → "1w"/"1m"/"10d")."""
    if task_type not in TASK_TYPES:
        raise TaskError(f"unknown task type {task_type!r}; use {', '.join(TASK_TYPES)}")
    n, unit = parse_rule((rules or DEFAULT_DEADLINES).get(task_type, DEFAULT_DEADLINES[task_type]))
    if unit == "m":
        return add_months(created, n)
    return created + dt.timedelta(days=n * (7 if unit == "w" else 1))


def merge_rules(saved: str | None) -> dict[str, str]:
    """Default deadline rules overridden by the saved JSON setting (bad entries are ignored)."""
    out = dict(DEFAULT_DEADLINES)
    try:
        loaded = json.loads(saved) if saved else {}
    except json.JSONDecodeError:
        loaded = {}
    if isinstance(loaded, dict):
        for k, v in loaded.items():
            if k in out and isinstance(v, str) and _RULE.match(v.lower()):
                out[k] = v.lower().strip()
    return out


@dataclass(frozen=True)
class NewTask:
    rep_id: str
    title: str
    task_type: str = "other"
    priority: str | None = None  # None → the type's default
    deadline: dt.date | None = None  # None → the type's default deadline
    customer_id: str | None = None
    source: str = "manual"
    review_week: str | None = None
    note: str | None = None


def new_tasks_frame(
    items: Sequence[NewTask], created: dt.date, rules: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Validate new tasks and fill in defaults; the frame ``store.add_tasks`` takes."""
    rows = []
    for i, it in enumerate(items, start=1):
        where = f"task {i}"
        if not str(it.rep_id or "").strip():
            raise TaskError(f"{where}: needs an owner (rep)")
        if not it.title.strip():
            raise TaskError(f"{where}: needs a title")
        if it.task_type not in TASK_TYPES:
            raise TaskError(f"{where}: unknown type {it.task_type!r}; use {', '.join(TASK_TYPES)}")
        prio = it.priority or DEFAULT_PRIORITY[it.task_type]
        if prio not in PRIORITIES:
            raise TaskError(f"{where}: unknown priority {prio!r}; use {', '.join(PRIORITIES)}")
        deadline = it.deadline or default_deadline(it.task_type, created, rules)
        if deadline < created:
            raise TaskError(f"{where}: deadline {deadline} is before the creation day {created}")
        rows.append(
            {
                "rep_id": it.rep_id,
                "customer_id": it.customer_id,
                "title": it.title.strip(),
                "type": it.task_type,
                "priority": prio,
                "deadline": deadline,
                "status": "open",
                "done_date": None,
                "source": it.source,
                "review_week": it.review_week,
                "note": it.note,
                "created_on": created,
            }
        )
    cols = ["rep_id", "customer_id", "title", "type", "priority", "deadline", "status", "done_date", "source",
            "review_week", "note", "created_on"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _day(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return None if pd.isna(ts) else ts.date()


def state_of(
    status: str, deadline: dt.date, done_date: dt.date | None, as_of: dt.date, soon_days: int
) -> str:
    """One of STATES for a task as of a day."""
    if status == "cancelled":
        return "cancelled"
    if status == "done":
        return "done" if done_date is None or done_date <= deadline else "done_late"
    if deadline < as_of:
        return "overdue"
    if (deadline - as_of).days <= soon_days:
        return "due_soon"
    return "open"


def classify(tasks: pd.DataFrame, as_of: dt.date, soon_days: int = SOON_DAYS) -> pd.DataFrame:
    """Add ``state`` (see :data:`STATES`) and ``days_left`` (deadline - as_of, negative when late)."""
    out = tasks.copy()
    deadlines = [_day(d) for d in out["deadline"]]
    dones = [_day(d) for d in out["done_date"]]
    out["state"] = [
        state_of(str(s), d or as_of, dd, as_of, soon_days)
        for s, d, dd in zip(out["status"], deadlines, dones, strict=True)
    ]
    out["days_left"] = pd.Series(
        [((d or as_of) - as_of).days for d in deadlines], index=out.index, dtype="int64"
    )
    return out


def on_time(tasks: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per rep, tasks that count for [start, end]: due in it or done in it (cancelled excluded).

    Columns [rep_id, counted, on_time, late, rate]; on time = done by the deadline; a task due
    in the window and still open at ``end`` counts as late. rate = on_time / counted (None when 0)."""
    cols = ["rep_id", "counted", "on_time", "late", "rate"]
    if tasks.empty:
        return pd.DataFrame(columns=cols)
    rec: dict[str, list[int]] = {}
    for rid, status, dl, dd in zip(
        tasks["rep_id"], tasks["status"], tasks["deadline"], tasks["done_date"], strict=True
    ):
        if status == "cancelled":
            continue
        deadline, done = _day(dl), _day(dd)
        if deadline is None:
            continue
        done_in = status == "done" and done is not None and start <= done <= end
        due_in = start <= deadline <= end
        if not (done_in or due_in):
            continue
        if status == "done" and done is not None and done > end:
            done_in_time = False  # done after the window: at the window's end it was still open
        else:
            done_in_time = status == "done" and (done is None or done <= deadline)
        c = rec.setdefault(str(rid), [0, 0])
        c[0] += 1
        c[1] += int(done_in_time)
    rows = [[r, n, k, n - k, (k / n) if n else None] for r, (n, k) in sorted(rec.items())]
    return pd.DataFrame(rows, columns=cols)


def suggest_assignee(
    task_type: str, reps: pd.DataFrame, open_counts: Mapping[str, int] | None = None
) -> str | None:
    """The rep to suggest for a task: the preferred seniority for the type first (new-customer
    development → senior; follow-ups and maintenance → junior), then the fewest open tasks, then rep id.

    ``reps``: [rep_id, level, (leave_date)]; reps who have left are never suggested."""
    if task_type not in TASK_TYPES:
        raise TaskError(f"unknown task type {task_type!r}")
    if reps.empty:
        return None
    pool = reps
    if "leave_date" in reps.columns:
        pool = reps[reps["leave_date"].isna()]
    if pool.empty:
        return None
    order = {lvl: i for i, lvl in enumerate(PREFERRED_LEVELS[task_type])}
    counts = open_counts or {}
    best = min(
        zip(pool["rep_id"].astype(str), pool["level"].astype(str).str.lower(), strict=True),
        key=lambda r: (order.get(r[1], len(order)), counts.get(r[0], 0), r[0]),
    )
    return best[0]


def open_counts(tasks: pd.DataFrame) -> dict[str, int]:
    """Open (not done, not cancelled) tasks per rep."""
    if tasks.empty:
        return {}
    live = tasks[~tasks["status"].isin(["done", "cancelled"])]
    return {str(k): int(v) for k, v in live.groupby("rep_id").size().items()}


def from_quiet_customers(
    quiet: pd.DataFrame, existing: pd.DataFrame, title_fmt: str, *, min_overdue_high: float = 4.0
) -> list[NewTask]:
    """Follow-up tasks for the quiet-customer list (``risks.silent_customers``): one key-account task
    per rep × customer, high priority when silent for ``min_overdue_high`` × the usual interval or
    more, else medium. Customers that already have an open task for that rep are skipped.

    ``title_fmt`` has a ``{customer}`` placeholder (the page passes the translated text)."""
    busy: set[tuple[str, str]] = set()
    if not existing.empty:
        live = existing[~existing["status"].isin(["done", "cancelled"]) & existing["customer_id"].notna()]
        busy = set(zip(live["rep_id"].astype(str), live["customer_id"].astype(str), strict=True))
    out: list[NewTask] = []
    for r in quiet.itertuples(index=False):
        key = (str(r.rep_id), str(r.customer_id))
        if key in busy:
            continue
        busy.add(key)
        ratio = float(str(r.overdue_ratio))
        out.append(
            NewTask(
                rep_id=key[0],
                customer_id=key[1],
                title=title_fmt.format(customer=r.customer),
                task_type="key_account",
                priority="high" if ratio >= min_overdue_high else "medium",
                source="quiet_customers",
                note=f"last order {r.last_day}, usual interval {r.interval_days} d, silent {r.silent_days} d",
            )
        )
    return out


# --- store wrappers ----------------------------------------------------------------------------


def load(con: store.Connection) -> pd.DataFrame:
    return store.list_tasks(con)


def rules(con: store.Connection) -> dict[str, str]:
    return merge_rules(store.get_setting(con, SETTING_DEADLINES))


def save_rules(con: store.Connection, new: Mapping[str, str]) -> dict[str, str]:
    """Validate and save deadline rules (type → "1w"); returns the merged rules."""
    for k, v in new.items():
        if k not in TASK_TYPES:
            raise TaskError(f"unknown task type {k!r}")
        parse_rule(v)
    merged = {
        **merge_rules(store.get_setting(con, SETTING_DEADLINES)),
        **{k: v.lower().strip() for k, v in new.items()},
    }
    store.set_setting(con, SETTING_DEADLINES, json.dumps(merged))
    return merged


def create(con: store.Connection, items: Sequence[NewTask], created: dt.date) -> list[int]:
    """Validate, fill defaults (deadline rules from the settings) and store; returns the task ids."""
    known = set(store.reps_frame(con)["rep_id"].astype(str))
    unknown = sorted({it.rep_id for it in items} - known)
    if unknown:
        raise TaskError(f"unknown rep {unknown[0]!r}")
    return store.add_tasks(con, new_tasks_frame(items, created, rules(con)))


def set_status(con: store.Connection, task_id: int, status: str, on: dt.date) -> dict[str, list[object]]:
    """Move a task to ``status``; done sets the done date to ``on``, any other status clears it."""
    if status not in STATUSES:
        raise TaskError(f"unknown status {status!r}; use {', '.join(STATUSES)}")
    return store.update_task(con, task_id, {"status": status, "done_date": on if status == "done" else None})


# --- retrospective / csat ---
# Bulk create from Excel/CSV: one task per row (title, rep, customer, type, deadline optional).

TASK_FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("任务", "任务内容", "任务名称", "标题", "事项", "title", "task", "subject"),
    "rep": ("销售", "销售员", "销售人员", "负责人", "业务员", "工号", "rep", "owner", "salesrep", "repid"),
    "customer": ("客户", "客户名称", "客户编号", "customer", "customername", "account", "customerid"),
    "type": ("类型", "任务类型", "type", "tasktype", "kind"),
    "deadline": ("截止日期", "截止", "期限", "到期日", "deadline", "duedate", "due"),
}


@dataclass
class TaskFile:
    """Tasks read from a file: ``items`` (row order, defaults still to fill) with their ``rows``,
    and per-row problems (``ingest.RowError``: row as Excel shows it, column header, value, reason)."""

    items: list[NewTask]
    rows: list[int]
    errors: list[RowError]
    notes: list[str]


def _type_codes() -> dict[str, str]:
    """Accepted type texts → code: the codes and their Chinese and English labels (case/space-insensitive)."""
    out = {}
    for c in TASK_TYPES:
        for text in (c, t(f"task.type.{c}", "zh"), t(f"task.type.{c}", "en")):
            out[text.casefold().replace(" ", "").replace("-", "").replace("_", "")] = c
    return out


def read_task_file(
    data: bytes,
    filename: str,
    reps: pd.DataFrame,
    customers: pd.DataFrame,
    created: dt.date,
    rules: Mapping[str, str] | None = None,
) -> TaskFile:
    """Read tasks from Excel/CSV (the actuals reader's safety checks, encodings and header detection).

    ``reps``: [rep_id, name, (leave_date)]; ``customers``: [customer_id, name]; rep and customer
    match an id or a unique name. Type: a code or its 中文/English label, blank → other. Deadline
    blank → the type's default from ``created`` (``rules``); before ``created`` is an error. Raises
    ``UploadRefused`` when the file is unsafe or has no title/rep column."""
    tbl = read_table(data, filename, TASK_FILE_COLUMNS, ("title", "rep"))
    rep_of = name_matcher(list(reps["rep_id"]), list(reps["name"]))
    cust_of = name_matcher(list(customers["customer_id"]), list(customers["name"]))
    left = set(reps.loc[reps["leave_date"].notna(), "rep_id"].astype(str)) if "leave_date" in reps else set()
    codes = _type_codes()
    days, day_why = date_cells(tbl, "deadline")
    cols = [text_cells(tbl, f) for f in ("title", "rep", "customer", "type")]
    out = TaskFile([], [], [], tbl.notes)
    for k, (row, title, rep, cust, kind, due, why) in enumerate(
        zip(tbl.rows, *cols, days, day_why, strict=True)
    ):
        errs: list[tuple[str, object, str]] = []  # (field, value, reason)
        for name in tbl.cells:
            if tbl.bad[name].iloc[k]:
                errs.append((name, tbl.cells[name].iloc[k], str(tbl.bad[name].iloc[k])))
        if not title:
            errs.append(("title", title, "a task needs a title"))
        rep_id, rwhy = rep_of(rep) if rep else (None, "a task needs an owner (rep)")
        if rep_id is None:
            errs.append(("rep", rep, "unknown rep: use a rep id or name" if rwhy == "unknown" else str(rwhy)))
        elif rep_id in left:
            errs.append(("rep", rep, "this rep has left; assign the task to someone else"))
        cust_id, cwhy = cust_of(cust) if cust else (None, None)
        if cust and cust_id is None:
            errs.append(
                (
                    "customer",
                    cust,
                    "unknown customer: use a customer id or name" if cwhy == "unknown" else str(cwhy),
                )
            )
        code = codes.get((kind or "other").casefold().replace(" ", "").replace("-", "").replace("_", ""))
        if code is None:
            errs.append(("type", kind, f"unknown type; use {', '.join(TASK_TYPES)} or their names"))
        if why:
            errs.append(("deadline", tbl.cells["deadline"].iloc[k], why))
        elif due is not None and due < created:
            errs.append(("deadline", due, f"deadline {due} is before today ({created})"))
        if errs:
            out.errors += [
                RowError(row, tbl.labels.get(f, f), "" if v is None else str(v), r) for f, v, r in errs
            ]
            continue
        assert rep_id is not None and code is not None and title is not None
        out.items.append(NewTask(rep_id, title, code, deadline=due, customer_id=cust_id, source="excel"))
        out.rows.append(row)
    if not out.items and not out.errors:
        out.errors.append(RowError(tbl.header_row, "-", "", "the file has no tasks below the header"))
    return out


def import_file(con: store.Connection, data: bytes, filename: str, created: dt.date) -> TaskFile:
    """Read a task file against the store's reps and customers and create every task when no row has
    an error (all or nothing, like the actuals import); returns the file with ``items`` created.
    Raises TaskError naming the first row problems when any row is wrong (nothing created)."""
    tf = read_task_file(
        data, filename, store.reps_frame(con), store.customers_frame(con), created, rules(con)
    )
    if tf.errors:
        first = "; ".join(f"row {e.row} {e.column}: {e.reason}" for e in tf.errors[:3])
        raise TaskError(f"{len({e.row for e in tf.errors})} row(s) have errors, no task created: {first}")
    create(con, tf.items, created)
    return tf
