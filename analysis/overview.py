"""The home page's numbers: year to date vs the same period last year, by month, team and rep.

All figures come from the summary tables. Money stays Decimal; growth rates are floats and
``None`` when last year has nothing to compare with (never inf).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from analysis import store
from analysis.calendar import FiscalYear


def fiscal_year_of(day: dt.date, start_month: int = 1) -> FiscalYear:
    """The fiscal year (named by its starting calendar year) that contains ``day``."""
    year = day.year if day.month >= start_month else day.year - 1
    return FiscalYear(year, start_month)


def default_as_of(today: dt.date, last_sale: dt.date | None, start_month: int = 1) -> dt.date:
    """The day views measure up to when the user names none (CLI ``--as-of``, the sidebar date).

    The last day with sales (never after today), today when there are none. A later day would
    count as elapsed with no sales (demo data loaded through yesterday put December at 3 % after
    two working days), and a file whose history ended years ago (Superstore ends 2017-12-30)
    opens on its own last year instead of an empty fiscal year of today. ``start_month`` is kept
    for callers; the rule no longer depends on the fiscal year.
    """
    del start_month
    return today if last_sale is None else min(last_sale, today)


def same_day_last_year(day: dt.date) -> dt.date:
    """``day`` one year earlier; 29 Feb maps to 28 Feb."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def growth(current: Decimal, previous: Decimal) -> float | None:
    """Relative change current/previous − 1; None when there is no positive base."""
    if previous <= 0:
        return None
    return float(current / previous - 1)


def _with_growth(df: pd.DataFrame) -> pd.DataFrame:
    """Add ytd/ly (Decimal yuan) and yoy (float or None) from the *_cents columns, biggest first."""
    out = df.sort_values(["ytd_cents"], ascending=False, kind="stable").reset_index(drop=True)
    out["ytd"] = pd.Series([Decimal(int(c)) / 100 for c in out["ytd_cents"]], index=out.index, dtype=object)
    out["ly"] = pd.Series([Decimal(int(c)) / 100 for c in out["ly_cents"]], index=out.index, dtype=object)
    out["yoy"] = pd.Series([growth(a, b) for a, b in zip(out["ytd"], out["ly"], strict=True)], dtype=object)
    return out


@dataclass(frozen=True)
class Overview:
    fy: FiscalYear
    as_of: dt.date
    ytd: Decimal
    ly_ytd: Decimal
    yoy: float | None
    orders: int
    active_reps: int
    monthly: pd.DataFrame  # [fiscal_month (0-11), month (1-12), this_fy, last_fy] amounts as float for charts
    teams: pd.DataFrame  # [team, ytd, ly, yoy]
    reps: pd.DataFrame  # [rep, team, ytd, ly, yoy]
    has_data: bool
    holds_user_data: bool = False  # any plan version or import (even undone): the demo may not replace it


def build_overview(con: store.Connection, as_of: dt.date, fy_start_month: int = 1) -> Overview:
    """Year-to-date figures for the fiscal year containing ``as_of`` (inclusive)."""
    fy = fiscal_year_of(as_of, fy_start_month)
    ly = fy.previous()
    ly_as_of = same_day_last_year(as_of)
    first, _last, n_rows = store.sales_bounds(con)
    ytd = store.total_between(con, fy.start, as_of)
    ly_ytd = store.total_between(con, ly.start, ly_as_of)
    orders = store.orders_between(con, fy.start, as_of)

    this_m = store.monthly_actuals(con, fy.start, min(as_of, fy.end))
    last_m = store.monthly_actuals(con, ly.start, ly.end)
    rows = []
    for i, (y, m) in enumerate(fy.months()):
        this = this_m.loc[this_m["month"] == pd.Timestamp(y, m, 1), "amount_cents"]
        prev = last_m.loc[last_m["month"] == pd.Timestamp(y - 1, m, 1), "amount_cents"]
        rows.append(
            {
                "fiscal_month": i,
                "month": m,
                "this_fy": this.iloc[0] / 100 if len(this) and dt.date(y, m, 1) <= as_of else None,
                "last_fy": prev.iloc[0] / 100 if len(prev) else 0.0,
            }
        )
    monthly = pd.DataFrame(rows)

    cur = store.rep_totals(con, fy.start, as_of)
    prev_r = store.rep_totals(con, ly.start, ly_as_of)[["rep_id", "amount_cents"]]
    reps = cur.merge(prev_r.rename(columns={"amount_cents": "ly_cents"}), on="rep_id", how="left")
    reps["ly_cents"] = reps["ly_cents"].fillna(0).astype("int64")
    reps = reps.rename(columns={"name": "rep", "amount_cents": "ytd_cents"})
    teams = reps.groupby("team", as_index=False)[["ytd_cents", "ly_cents"]].sum()
    reps_out = _with_growth(reps)[["rep", "team", "ytd", "ly", "yoy"]]
    teams = _with_growth(teams)[["team", "ytd", "ly", "yoy"]]
    active = store.active_reps(con, fy.start, as_of)
    return Overview(
        fy=fy,
        as_of=as_of,
        ytd=ytd,
        ly_ytd=ly_ytd,
        yoy=growth(ytd, ly_ytd),
        orders=orders,
        active_reps=active,
        monthly=monthly,
        teams=teams,
        reps=reps_out,
        has_data=n_rows > 0 and first is not None,
        holds_user_data=store.holds_user_data(con),
    )
