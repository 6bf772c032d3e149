"""``python -m analysis progress``: target, actual, pace and forecast per company, team or rep.

Same numbers as the progress page (:mod:`analysis.metrics`), for the period of ``--grain``
that contains ``--as-of``. Money as decimal strings, ratios as floats (null when there is no base).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from analysis import metrics, store
from analysis.overview import default_as_of


class _BadInput(ValueError):
    """Exit 2 with the message (analysis.cli maps ValueError to exit 2)."""


def _ratio(v: float | None) -> float | None:
    # A DataFrame column turns a missing ratio (no base) into NaN, which is not JSON.
    return None if v is None or not math.isfinite(v) else round(v, 4)


def _team(team_id: object, team: object) -> str | None:
    """The team's name, or None for reps an import created without a team (NaN in the frame)."""
    return team if isinstance(team_id, str) and isinstance(team, str) else None


def _money(cents: int) -> str:
    return f"{metrics.cents_to_decimal(cents):.2f}"


def _money_or_none(cents: object) -> str | None:
    return None if cents is None or pd.isna(cents) else _money(int(cents))  # type: ignore[call-overload]


def progress_rows(data: metrics.ProgressData, grain: metrics.PeriodGrain, by: str) -> list[dict[str, Any]]:
    """Rows [team, rep, period, target, actual, attainment, expected_to_date, pace_gap, forecast,
    forecast_low, forecast_high, p_target, yoy]; the 80 % band and P(target) are null when unknown."""
    period = metrics.period_of(data.fy, data.as_of, grain)
    if by == "company":
        p = metrics.progress(data, period, detail=False)
        b = metrics.band_cents(p.band)
        return [
            {
                "team": None,
                "rep": None,
                "period": period.label,
                "target": f"{p.target:.2f}",
                "actual": f"{p.actual:.2f}",
                "attainment": _ratio(p.attainment),
                "expected_to_date": f"{p.expected_to_date:.2f}",
                "pace_gap": f"{p.pace_gap:.2f}",
                "forecast": f"{p.forecast:.2f}",
                "forecast_low": _money_or_none(b["forecast_low_cents"]),
                "forecast_high": _money_or_none(b["forecast_high_cents"]),
                "p_target": _ratio(p.band.probability),
                "yoy": _ratio(p.yoy),
            }
        ]
    df = metrics.breakdown(data, period, "team" if by == "team" else "rep")
    out = []
    for r in df.to_dict(orient="records"):
        out.append(
            {
                "team": _team(r["team_id"], r["team"]),
                "rep": r.get("rep"),
                "period": period.label,
                "target": _money(r["target_cents"]),
                "actual": _money(r["actual_cents"]),
                "attainment": _ratio(r["attainment"]),
                "expected_to_date": _money(r["expected_cents"]),
                "pace_gap": _money(r["gap_cents"]),
                "forecast": _money(r["forecast_cents"]),
                "forecast_low": _money_or_none(r["forecast_low_cents"]),
                "forecast_high": _money_or_none(r["forecast_high_cents"]),
                "p_target": None if pd.isna(r["p_target"]) else _ratio(r["p_target"]),
                "yoy": _ratio(r["yoy"]),
            }
        )
    return out


def cmd_progress(args: argparse.Namespace) -> int:
    try:
        picked = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError as exc:
        raise _BadInput(f"--as-of {args.as_of!r} is not a date (use YYYY-MM-DD)") from exc
    with store.connect(args.db, read_only=True) as con:
        fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
        as_of = picked or default_as_of(dt.date.today(), store.sales_bounds(con)[1], fy_start)
        data = metrics.load_inputs(con, as_of, fy_start)
    rows = progress_rows(data, args.grain, args.by)
    plan: dict[str, Any] = {"source": data.plan_source, "label": data.plan_label, "notes": list(data.notes)}
    if args.json:
        from analysis.cli import emit

        emit(
            {
                "as_of": as_of,
                "measured_to": data.as_of,
                "data_through": data.data_through,
                "grain": args.grain,
                "by": args.by,
                "plan": plan,
                "rows": rows,
            }
        )
        return 0
    upto = f" (data through {data.data_through}: measured to {data.as_of})" if data.measured_short else ""
    lines = [f"{data.fy.label} as of {as_of}{upto}, plan: {data.plan_source} ({data.plan_label})"]
    for r in rows:
        team = r["team"] or (metrics.NO_TEAM if args.by != "company" else None)
        who = " / ".join(x for x in (team, r["rep"]) if x) or "company"
        att = "n/a" if r["attainment"] is None else f"{r['attainment'] * 100:.1f}%"
        yoy = "n/a" if r["yoy"] is None else f"{r['yoy'] * 100:+.1f}%"
        lines.append(
            f"{r['period']:<10} {who:<16} target {r['target']:>14} actual {r['actual']:>14} "
            f"({att}) gap {r['pace_gap']:>13} forecast {r['forecast']:>14} yoy {yoy}"
        )
    print("\n".join(lines))  # noqa: T201 - the CLI prints by design
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("progress", cmd_progress, "progress against the plan for the period containing --as-of")
    sp.add_argument(
        "--as-of", dest="as_of", help="day to measure up to, YYYY-MM-DD (default: the last day with data)"
    )
    sp.add_argument("--grain", choices=metrics.PERIOD_GRAINS, default="month", help="period length")
    sp.add_argument("--by", choices=("company", "team", "rep"), default="company", help="one row per …")
