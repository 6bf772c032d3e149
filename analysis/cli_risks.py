"""``python -m analysis risks``: risk flags with evidence as of a day (the rules of :mod:`analysis.risks`).

``--json`` prints ``{"as_of", "measured_to", "data_through", "flags": [{"rule", "scope", "entity", "period", "severity", "evidence",
"reason", "action"}...], "skipped": [...]}`` with money as decimal strings; reasons and actions in
Chinese unless ``--lang en``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

from analysis import risks, store
from analysis.i18n import LANGS, t
from analysis.overview import default_as_of


class _BadInput(ValueError):
    """Exit 2 with the message (analysis.cli maps ValueError to exit 2)."""


def report_json(report: risks.RiskReport, lang: str) -> dict[str, Any]:
    """The JSON object the CLI prints (Decimal and dates are turned into strings by ``cli.emit``)."""
    return {
        "as_of": report.requested_as_of or report.as_of,
        "measured_to": report.as_of,
        "data_through": report.data_through,
        "flags": [f.to_dict(lang) for f in report.flags],
        "skipped": [{"rule": s.rule, "reason": t(s.reason_key, lang)} for s in report.skipped],
    }


def cmd_risks(args: argparse.Namespace) -> int:
    try:
        picked = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError as exc:
        raise _BadInput(f"--as-of {args.as_of!r} is not a date (use YYYY-MM-DD)") from exc
    rules = args.rule or None
    bad = [r for r in rules or [] if r not in risks.RULES]
    if bad:
        raise _BadInput(f"unknown rule {bad[0]!r}; rules: {', '.join(risks.RULES)}")
    with store.connect(args.db, read_only=True) as con:
        fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
        as_of = picked or default_as_of(dt.date.today(), store.sales_bounds(con)[1], fy_start)
        inputs = risks.load_inputs(con, as_of, fy_start)
    report = risks.evaluate(inputs, rules)
    if args.json:
        from analysis.cli import emit

        emit(report_json(report, args.lang))
        return 0
    upto = (
        f" (data through {report.data_through}: measured to {report.as_of})" if report.as_of < as_of else ""
    )
    lines = [f"{len(report.flags)} risk flags as of {as_of}{upto}"]
    for f in report.flags:
        lines.append(f"[{f.severity:<6}] {f.rule:<20} {f.entity_label(args.lang)}: {f.reason[args.lang]}")
    for s in report.skipped:
        lines.append(f"(skipped {s.rule}: {t(s.reason_key, args.lang)})")
    print("\n".join(lines))  # noqa: T201 - the CLI prints by design
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("risks", cmd_risks, "risk flags with evidence as of a day")
    sp.add_argument(
        "--as-of", dest="as_of", help="day to evaluate, YYYY-MM-DD (default: the last day with data)"
    )
    sp.add_argument("--lang", choices=LANGS, default="zh", help="language of reasons and actions")
    sp.add_argument("--rule", action="append", help="only this rule (repeatable)")
