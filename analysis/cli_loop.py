"""``python -m analysis report weekly`` and ``python -m analysis tasks``: the execution loop on the command line.

``report weekly --week 2026-W48 --out FILE.xlsx [--md FILE.md] [--lang en] [--as-of DAY]`` writes
the weekly report workbook (and optionally Markdown); ``report monthly --month 2026-10`` and
``report quarterly --quarter FY2026-Q4`` write the period report with its Retrospective sheet.
``tasks list|add|done`` lists, creates and completes tasks; ``import-csat FILE`` stores customer-satisfaction
scores (1-5). A malformed week, period, date or task
exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import access, csat, report, retro, review, store, tasks
from analysis.i18n import LANGS
from analysis.overview import default_as_of


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
    if args.kind != "weekly":
        return _period_report(args)
    if not args.week:
        raise _BadInput("report weekly needs --week, e.g. --week 2026-W48")
    review.parse_week(args.week)  # a bad week fails before the database is opened
    as_of = _date(args.as_of, "--as-of")
    out = _out_path(args.out)
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


def _out_path(value: str) -> Path:
    out = Path(value)
    if out.suffix.lower() != ".xlsx":
        raise _BadInput(f"--out {value!r} must end in .xlsx")
    if not out.parent.is_dir():
        raise _BadInput(f"folder {out.parent} does not exist")
    return out


def _period_report(args: argparse.Namespace) -> int:
    """``report monthly --month 2026-10`` / ``report quarterly --quarter FY2026-Q4``: the period
    report workbook with its Retrospective sheet."""
    flag, label = ("--month", args.month) if args.kind == "monthly" else ("--quarter", args.quarter)
    if not label:
        raise _BadInput(
            f"report {args.kind} needs {flag}, e.g. {flag} "
            + ("2026-10" if flag == "--month" else "FY2026-Q4")
        )
    if args.md:
        raise _BadInput("--md is only available for the weekly report")
    retro.parse_period(label)  # a malformed label fails before the database is opened
    asked = _date(args.as_of, "--as-of")
    out = _out_path(args.out)
    with store.connect(args.db, read_only=True) as con:
        fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
        # A running period stops at the last day with data (today when the store has none).
        as_of = asked or default_as_of(dt.date.today(), store.data_through(con), fy_start)
        period = retro.parse_period(label, fy_start)  # a bad label is exit 2 (RetroError is a ValueError)
        if (args.kind == "monthly") != (period.grain == "month"):
            raise _BadInput(f"{flag} {label!r} is not a {'month' if flag == '--month' else 'quarter'}")
        rt = retro.load(con, label, as_of, fy_start)
    out.write_bytes(report.period_workbook(rt, args.lang))
    tot = rt.total
    res: dict[str, Any] = {"period": rt.period.label, "out": str(out), "reps": len(rt.reps), **tot}
    if args.json:
        from analysis.cli import emit

        emit(res)
    else:
        line = f"{rt.period.label}: wrote {out} ({len(rt.reps)} reps, actual {tot['actual']:,.2f} of {tot['target']:,.2f})"
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
        with store.connect(args.db, actor=access.cli_actor()) as con:
            ids = tasks.create(con, [item], today)
    else:
        if args.id is None:
            raise _BadInput("tasks done needs --id")
        with store.connect(args.db, actor=access.cli_actor()) as con:
            tasks.set_status(con, args.id, "done", today)
        ids = [args.id]
    if args.json:
        from analysis.cli import emit

        emit({"action": args.action, "task_ids": ids})
    else:
        print(f"{args.action}: task {', '.join(f'#{i}' for i in ids)}")  # noqa: T201
    return 0


def cmd_import_csat(args: argparse.Namespace) -> int:
    """``import-csat FILE``: customer-satisfaction answers (date, customer, rep, score 1-5), all or nothing."""
    path = Path(args.file)
    if not path.is_file():
        raise _BadInput(f"file {args.file!r} does not exist")
    today = _date(args.today, "--today") or dt.date.today()
    data = path.read_bytes()
    with store.connect(args.db, actor=access.cli_actor()) as con:
        parsed = csat.read(con, data, path.name, today, args.sheet)
        if parsed.errors:
            rows = len({e.row for e in parsed.errors})
            first = "; ".join(f"row {e.row} {e.column} {e.value!r}: {e.reason}" for e in parsed.errors[:3])
            raise _BadInput(f"{rows} row(s) have errors, nothing stored: {first}")
        iid = csat.commit(con, parsed, path.name)
    res = {"import_id": iid, "rows": len(parsed.rows), "file": path.name, "notes": parsed.notes}
    if args.json:
        from analysis.cli import emit

        emit(res)
    else:
        print(f"imported {len(parsed.rows)} satisfaction scores from {path.name} as #{iid}")  # noqa: T201
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("report", cmd_report, "write the weekly, monthly or quarterly report workbook (.xlsx)")
    sp.add_argument("kind", choices=["weekly", "monthly", "quarterly"], help="report kind")
    sp.add_argument("--week", help="weekly: ISO week, e.g. 2026-W48")
    sp.add_argument("--month", help="monthly: calendar month, e.g. 2026-10")
    sp.add_argument("--quarter", help="quarterly: fiscal quarter, e.g. FY2026-Q4")
    sp.add_argument("--out", required=True, help="output .xlsx file")
    sp.add_argument("--md", help="also write the review as Markdown to this file")
    sp.add_argument("--lang", choices=LANGS, default="zh")
    sp.add_argument(
        "--as-of",
        dest="as_of",
        help="cap a running week (weekly) or period (default: the last day with data) at this day, YYYY-MM-DD",
    )
    sp = add(
        "import-csat", cmd_import_csat, "import customer-satisfaction scores (date, customer, rep, score 1-5)"
    )
    sp.add_argument("file", help="Excel or CSV file")
    sp.add_argument("--sheet", help="sheet name (default: the sheet whose header fits best)")
    sp.add_argument("--today", help="answers dated after this day are errors (default today), YYYY-MM-DD")
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
