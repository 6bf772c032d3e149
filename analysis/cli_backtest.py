"""``python -m analysis backtest``: the month forecast replayed over history, beside simple baselines.

See :mod:`analysis.backtest`. ``--json`` prints ``{"db", "months", "first_month", "last_month",
"rows": [{"level", "point", "n", "ours": {"mape", "bias", "cover", "band_width"}, "run_rate":
{"mape", "bias"}, "seasonal_naive": {…}, "auto_ets": {…} (with --ets), "best_baseline"}]}``;
ratios as floats (0.123 = 12.3 %).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from analysis import backtest, store


class _BadInput(ValueError):
    """Exit 2 with the message (analysis.cli maps ValueError to exit 2)."""


def cmd_backtest(args: argparse.Namespace) -> int:
    levels: tuple[backtest.Level, ...] = backtest.LEVELS if args.level is None else (args.level,)
    if args.ets and backtest.auto_ets_factory() is None:
        raise _BadInput("--ets needs statsforecast, an optional dev tool (see requirements-dev.txt)")
    with store.connect(args.db, read_only=True) as con:
        hist = backtest.load_history(con)
    month_list = backtest.months(hist) if args.grain == "month" else backtest.weeks(hist)
    if not month_list:
        raise _BadInput(
            f"no complete {args.grain} with a year of history before it ({hist.first} .. {hist.last})"
        )
    cases = backtest.replay(hist, levels, ets=args.ets, grain=args.grain)
    rows = backtest.summarise(cases, args.grain)
    fmt = "%Y-%m" if args.grain == "month" else "%G-W%V"
    if args.json:
        from analysis.cli import emit

        out: dict[str, Any] = {
            "db": str(store.db_path(args.db)),
            "grain": args.grain,
            "months": len(month_list),  # periods of --grain
            "first_month": month_list[0].strftime(fmt),
            "last_month": month_list[-1].strftime(fmt),
            "rows": rows,
        }
        emit(out)
        return 0
    text = [
        f"{len(month_list)} {args.grain}s, {month_list[0].strftime(fmt)} .. {month_list[-1].strftime(fmt)}"
    ]
    for level in levels:
        text += ["", f"{level}:", backtest.markdown(rows, level)]
    print("\n".join(text))  # noqa: T201 - the CLI prints by design
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("backtest", cmd_backtest, "forecast error and band coverage replayed over past months")
    sp.add_argument("--level", choices=backtest.LEVELS, help="one level only (default: company, team, rep)")
    sp.add_argument(
        "--grain",
        choices=("month", "week"),
        default="month",
        help="replay months (day 2/5/10/15/3rd-last) or weeks (Mon/Wed/Fri)",
    )
    sp.add_argument(
        "--ets", action="store_true", help="add statsforecast's AutoETS baseline (optional dev tool, slow)"
    )
