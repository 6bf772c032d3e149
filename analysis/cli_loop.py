"""``python -m analysis report weekly`` and ``python -m analysis tasks``: the execution loop on the command line.

``report weekly --week 2026-W48 --out FILE.xlsx [--md FILE.md] [--lang en] [--as-of DAY]`` writes
the weekly report workbook (and optionally Markdown). ``tasks list|add|done`` lists, creates and
completes tasks. A malformed week, date or task exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import report, review, store, tasks
from analysis.i18n import LANGS


class _BadInput(ValueError):
    """Exit 2 with the message (analysis.cli maps ValueError to exit 2)."""


def _date(value: str | None, flag: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _BadInput(f"{flag} {value!r} is not a date (use YYYY-MM-DD)") from exc


def cmd_report(args: argparse.Namespace) -> int:
    review.parse_week(args.week)  # a bad week fails before the database is opened
    as_of = _date(args.as_of, "--as-of")
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise _BadInput(f"--out {args.out!r} must end in .xlsx")
    if not out.parent.is_dir():
        raise _BadInput(f"folder {out.parent} does not exist")
    with store.connect(args.db, read_only=True) as con:
        fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
        rv = review.load(con, args.week, as_of, fy_start)
    out.write_bytes(report.weekly_workbook(rv, args.lang))
    if args.md:
        Path(args.md).write_text(review.to_markdown(rv, args.lang), encoding="utf-8")
    tot = rv.total
    res: dict[str, Any] = {"week": rv.week, "out": str(out), "reps": len(rv.reps), **tot}
    if args.json:
        from analysis.cli import emit

        emit(res)
    else:
        line = f"{rv.week}: wrote {out} ({len(rv.reps)} reps, actual {tot['actual']:,.2f} of {tot['target']:,.2f})"
        print(line)  # noqa: T201
    return 0


def _task_json(r: dict[str, Any]) -> dict[str, Any]:
    keep = ("task_id", "rep_id", "rep", "customer", "title", "type", "priority", "deadline", "status",
            "done_date", "state", "review_week")  # fmt: skip
    out: dict[str, Any] = {}
    for k in keep:
        v: Any = r.get(k)
        if v is None or str(v) in ("NaT", "nan", "None"):
            out[k] = None
        elif isinstance(v, pd.Timestamp):
            out[k] = v.date()
        else:
            out[k] = v
    return out


def cmd_tasks(args: argparse.Namespace) -> int:
    today = _date(args.today, "--today") or dt.date.today()
    if args.action == "list":
        with store.connect(args.db, read_only=True) as con:
            df = tasks.classify(tasks.load(con), today)
        if args.state:
            df = df[df["state"] == args.state]
        rows = [_task_json({str(k): v for k, v in r.items()}) for r in df.to_dict(orient="records")]
        if args.json:
            from analysis.cli import emit

            emit({"as_of": today, "tasks": rows})
        else:
            for r in rows:
                print(f"#{r['task_id']:<4} {r['deadline']} {r['state']:<9} {r['rep']}: {r['title']}")  # noqa: T201
        return 0
    if args.action == "add":
        if not args.rep or not args.title:
            raise _BadInput("tasks add needs --rep and --title")
        item = tasks.NewTask(
            rep_id=args.rep,
            title=args.title,
            task_type=args.type,
            priority=args.priority,
            deadline=_date(args.deadline, "--deadline"),
            customer_id=args.customer,
        )
        with store.connect(args.db) as con:
            ids = tasks.create(con, [item], today)
    else:
        if args.id is None:
            raise _BadInput("tasks done needs --id")
        with store.connect(args.db) as con:
            tasks.set_status(con, args.id, "done", today)
        ids = [args.id]
    if args.json:
        from analysis.cli import emit

        emit({"action": args.action, "task_ids": ids})
    else:
        print(f"{args.action}: task {', '.join(f'#{i}' for i in ids)}")  # noqa: T201
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("report", cmd_report, "write the weekly report workbook (.xlsx, optional Markdown)")
    sp.add_argument("kind", choices=["weekly"], help="report kind")
    sp.add_argument("--week", required=True, help="ISO week, e.g. 2026-W48")
    sp.add_argument("--out", required=True, help="output .xlsx file")
    sp.add_argument("--md", help="also write the review as Markdown to this file")
    sp.add_argument("--lang", choices=LANGS, default="zh")
    sp.add_argument("--as-of", dest="as_of", help="cap a running week at this day, YYYY-MM-DD")
    sp = add("tasks", cmd_tasks, "list, add or complete tasks")
    sp.add_argument("action", choices=["list", "add", "done"])
    sp.add_argument("--today", help="the day to judge deadlines against / record as done (default today)")
    sp.add_argument("--state", choices=tasks.STATES, help="list: only tasks in this state")
    sp.add_argument("--rep", help="add: owner rep id")
    sp.add_argument("--title", help="add: what to do")
    sp.add_argument("--type", choices=tasks.TASK_TYPES, default="other")
    sp.add_argument("--priority", choices=tasks.PRIORITIES)
    sp.add_argument("--deadline", help="add: YYYY-MM-DD (default by type)")
    sp.add_argument("--customer", help="add: customer id")
    sp.add_argument("--id", type=int, help="done: task id")
