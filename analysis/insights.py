"""Bottlenecks and growth drivers: gap decomposition, the revenue driver tree, customer health.

Pure functions over DataFrames; :func:`load_view` is the only reader (through :mod:`analysis.store`).
Money is integer cents (int64 columns ``*_cents``); every decomposition is exact: the parts are
integers that sum to the total gap to the cent (driver contributions are rounded with the
largest-remainder method so they still add up). Ratios are floats.

Periods: year to date (fiscal year start .. as_of) against the plan's expected-to-date and against
the same days one year earlier.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis import metrics, risks, store

By = Literal["team", "rep", "product"]
OTHERS = "__others__"


def decompose_gap(frame: pd.DataFrame, top_n: int = 8) -> pd.DataFrame:
    """Contribution of each member to the total gap, largest absolute gaps first.

    ``frame``: [key, name, actual_cents, base_cents]. Returns [key, name, actual_cents, base_cents,
    gap_cents] with at most ``top_n`` members and one ``OTHERS`` row for the rest; gap_cents sums
    exactly to actual - base over the whole frame."""
    f = frame.copy()
    f["gap_cents"] = f["actual_cents"].astype("int64") - f["base_cents"].astype("int64")
    f = f.reindex(f["gap_cents"].abs().sort_values(ascending=False, kind="stable").index)
    head, rest = f.iloc[:top_n], f.iloc[top_n:]
    if len(rest):
        other = pd.DataFrame(
            {
                "key": [OTHERS],
                "name": [OTHERS],
                "actual_cents": [int(rest["actual_cents"].sum())],
                "base_cents": [int(rest["base_cents"].sum())],
                "gap_cents": [int(rest["gap_cents"].sum())],
            }
        )
        head = pd.concat([head, other], ignore_index=True)
    out = head[["key", "name", "actual_cents", "base_cents", "gap_cents"]].reset_index(drop=True)
    for c in ("actual_cents", "base_cents", "gap_cents"):
        out[c] = out[c].astype("int64")
    return out


def _largest_remainder(values: list[float], total: int) -> list[int]:
    """Round ``values`` to integers that sum exactly to ``total``."""
    floors = [math.floor(v) for v in values]
    short = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for i in order[: max(0, short)]:
        floors[i] += 1
    if short < 0:
        for i in sorted(range(len(values)), key=lambda i: values[i] - floors[i])[:-short]:
            floors[i] -= 1
    return floors


@dataclass(frozen=True)
class Drivers:
    """revenue = customers x orders per customer x average order value, now and in the base period."""

    customers: tuple[int, int]  # (now, base)
    orders: tuple[int, int]
    revenue_cents: tuple[int, int]
    contributions_cents: dict[str, int]  # customers / frequency / order_value -> cents; sums to the change

    @property
    def orders_per_customer(self) -> tuple[float | None, float | None]:
        return (
            None if self.customers[0] == 0 else self.orders[0] / self.customers[0],
            None if self.customers[1] == 0 else self.orders[1] / self.customers[1],
        )

    @property
    def order_value_cents(self) -> tuple[float | None, float | None]:
        return (
            None if self.orders[0] == 0 else self.revenue_cents[0] / self.orders[0],
            None if self.orders[1] == 0 else self.revenue_cents[1] / self.orders[1],
        )


def driver_tree(customers: tuple[int, int], orders: tuple[int, int], revenue: tuple[int, int]) -> Drivers:
    """Split the revenue change into the three factors (additive LMDI: L(R1, R0) x ln(x1 / x0) each),
    rounded to cents that sum exactly to revenue now - base. When a factor is zero in either period
    the log split is undefined, and the whole change is attributed to the number of customers."""
    change = revenue[0] - revenue[1]
    keys = ("customers", "frequency", "order_value")
    if min(*customers, *orders) <= 0 or min(revenue) <= 0:
        return Drivers(customers, orders, revenue, {"customers": change, "frequency": 0, "order_value": 0})
    r1, r0 = float(revenue[0]), float(revenue[1])
    weight = (r1 - r0) / (math.log(r1) - math.log(r0)) if r1 != r0 else r1
    ratios = (
        customers[0] / customers[1],
        (orders[0] / customers[0]) / (orders[1] / customers[1]),
        (revenue[0] / orders[0]) / (revenue[1] / orders[1]),
    )
    parts = [weight * math.log(x) for x in ratios]
    return Drivers(
        customers, orders, revenue, dict(zip(keys, _largest_remainder(parts, change), strict=True))
    )


def concentration(amounts: pd.DataFrame, group: str) -> pd.DataFrame:
    """Per ``group`` (rep_id or team_id): customers, top-1 and top-5 share, HHI (0..1) of customer sales.

    ``amounts``: [group, customer_id, amount_cents] (only positive amounts count)."""
    a = (
        amounts[amounts["amount_cents"] > 0]
        .groupby([group, "customer_id"], as_index=False)["amount_cents"]
        .sum()
    )
    rows = []
    for g, sub in a.groupby(group, sort=True):
        v = np.sort(sub["amount_cents"].to_numpy(dtype=np.float64))[::-1]
        s = v / v.sum()
        rows.append(
            {
                group: g,
                "customers": len(v),
                "sales_cents": int(v.sum()),
                "top1_share": float(s[0]),
                "top5_share": float(s[:5].sum()),
                "hhi": float((s**2).sum()),
            }
        )
    cols = [group, "customers", "sales_cents", "top1_share", "top5_share", "hhi"]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class InsightsView:
    as_of: dt.date
    period: str  # "2026-01-01..2026-11-27"
    base_period: str
    plan_source: str
    total_vs_plan: tuple[int, int]  # (actual, expected to date) cents
    total_vs_ly: tuple[int, int]
    by_team: pd.DataFrame  # [key, name, actual_cents, plan_cents, ly_cents]
    by_rep: pd.DataFrame
    by_product: pd.DataFrame  # [key, name, actual_cents, ly_cents]: complete months only, no plan by product
    drivers: dict[str, Drivers]  # "company", team ids
    team_names: dict[str, str]
    rep_health: pd.DataFrame  # concentration by rep + rep, team, new_cents, returning_cents
    team_health: pd.DataFrame
    quiet: pd.DataFrame  # risks.silent_customers + rep name
    has_stages: bool

    def gap_frame(self, by: By, vs: Literal["plan", "last_year"]) -> pd.DataFrame:
        """[key, name, actual_cents, base_cents] for :func:`decompose_gap`."""
        src = {"team": self.by_team, "rep": self.by_rep, "product": self.by_product}[by]
        base = "plan_cents" if vs == "plan" else "ly_cents"
        if base not in src.columns:
            raise ValueError(f"no {vs} comparison by {by}")
        return src[["key", "name", "actual_cents"]].assign(base_cents=src[base].to_numpy())


def build_view(
    data: metrics.ProgressData,
    stats_now: pd.DataFrame,
    stats_ly: pd.DataFrame,
    products_now: pd.DataFrame,
    products_ly: pd.DataFrame,
    customers: pd.DataFrame,
    has_stages: bool,
) -> InsightsView:
    """Assemble the page from the progress arrays (plan and rep x day actuals), per-rep customer/order
    stats now and last year (:func:`store.period_customer_stats`), rep x product totals and the
    trailing rep x customer activity (:func:`store.customer_activity`)."""
    as_of, fy = data.as_of, data.fy
    i0, i1 = data.idx(fy.start), data.idx(as_of) + 1
    ly_s, ly_e = metrics.year_ago(fy.start, as_of, "year")
    j0, j1 = max(0, data.idx(ly_s)), data.idx(ly_e) + 1
    # Reps an import created have no team (team_id NaN, team "—"): key them by their label, since
    # groupby drops NaN keys and a store of imports showed a by-team gap of 0 against 0.
    reps = data.reps.assign(team_id=data.reps["team_id"].fillna(metrics.NO_TEAM))
    act = data.actual[:, i0:i1].sum(axis=1)
    plan = data.plan[:, i0:i1].sum(axis=1)
    ly = data.actual[:, j0:j1].sum(axis=1)
    rep_df = pd.DataFrame(
        {
            "key": reps["rep_id"].astype(str),
            "name": reps["name"].astype(str),
            "team_id": reps["team_id"],
            "actual_cents": act.astype("int64"),
            "plan_cents": plan.astype("int64"),
            "ly_cents": ly.astype("int64"),
        }
    )
    rep_df = rep_df[(rep_df[["actual_cents", "plan_cents", "ly_cents"]] != 0).any(axis=1)].reset_index(
        drop=True
    )
    team_names = {str(k): str(v) for k, v in zip(reps["team_id"], reps["team"], strict=True) if k is not None}
    team_df = rep_df.groupby("team_id", as_index=False)[["actual_cents", "plan_cents", "ly_cents"]].sum()
    team_df.insert(0, "key", team_df["team_id"].astype(str))
    team_df.insert(1, "name", team_df["key"].map(team_names))
    team_df = team_df.drop(columns="team_id")
    pn = products_now.groupby(["product_id", "product"], as_index=False)["amount_cents"].sum()
    pl = products_ly.groupby(["product_id", "product"], as_index=False)["amount_cents"].sum()
    prod = pn.merge(pl, on=["product_id", "product"], how="outer", suffixes=("_now", "_ly")).fillna(0)
    prod_df = pd.DataFrame(
        {
            "key": prod["product_id"].astype(str),
            "name": prod["product"].astype(str),
            "actual_cents": prod["amount_cents_now"].astype("int64"),
            "ly_cents": prod["amount_cents_ly"].astype("int64"),
        }
    )
    team_of = dict(zip(reps["rep_id"], reps["team_id"], strict=True))
    drivers: dict[str, Drivers] = {}
    for key, now, base in _driver_groups(stats_now, stats_ly, team_of):
        drivers[key] = driver_tree(
            (int(now["customers"]), int(base["customers"])),
            (int(now["orders"]), int(base["orders"])),
            (int(now["amount_cents"]), int(base["amount_cents"])),
        )
    trailing = customers[["rep_id", "customer_id", "amount_cents"]]
    rep_health = concentration(trailing, "rep_id")
    names = dict(zip(reps["rep_id"], reps["name"], strict=True))
    rep_health.insert(1, "rep", rep_health["rep_id"].map(names))
    rep_health.insert(2, "team", rep_health["rep_id"].map(team_of).map(team_names))
    nr = stats_now.set_index("rep_id")
    rep_health["new_cents"] = rep_health["rep_id"].map(nr["new_cents"]).fillna(0).astype("int64")
    rep_health["returning_cents"] = (
        rep_health["rep_id"].map(nr["amount_cents"]).fillna(0).astype("int64") - rep_health["new_cents"]
    )
    team_health = concentration(trailing.assign(team_id=trailing["rep_id"].map(team_of)), "team_id")
    team_health.insert(1, "team", team_health["team_id"].map(team_names))
    quiet = risks.silent_customers(customers, as_of)
    quiet.insert(1, "rep", quiet["rep_id"].map(names))
    return InsightsView(
        as_of=as_of,
        period=f"{fy.start}..{as_of}",
        base_period=f"{ly_s}..{ly_e}",
        plan_source=data.plan_source,
        total_vs_plan=(int(act.sum()), int(plan.sum())),
        total_vs_ly=(int(act.sum()), int(ly.sum())),
        by_team=team_df,
        by_rep=rep_df.drop(columns="team_id"),
        by_product=prod_df,
        drivers=drivers,
        team_names=team_names,
        rep_health=rep_health,
        team_health=team_health,
        quiet=quiet,
        has_stages=has_stages,
    )


def _driver_groups(
    now: pd.DataFrame, base: pd.DataFrame, team_of: dict[str, object]
) -> list[tuple[str, pd.Series, pd.Series]]:
    """(key, now totals, base totals) for the company and each team. Customers are summed over reps,
    so a customer served by two reps counts twice (reps own their accounts in most data)."""
    cols = ["customers", "orders", "amount_cents"]
    zero = pd.Series(dict.fromkeys(cols, 0))
    out = [("company", now[cols].sum(), base[cols].sum())]
    n, b = now.assign(team=now["rep_id"].map(team_of)), base.assign(team=base["rep_id"].map(team_of))
    gn, gb = n.groupby("team")[cols].sum(), b.groupby("team")[cols].sum()
    for team in sorted(set(gn.index) | set(gb.index), key=str):
        out.append(
            (
                str(team),
                gn.loc[team] if team in gn.index else zero,
                gb.loc[team] if team in gb.index else zero,
            )
        )
    return out


def load_view(con: store.Connection, as_of: dt.date, fy_start_month: int = 1) -> InsightsView:
    """Read the inputs (summary tables; raw sales for distinct customers and customer cadence)."""
    data = metrics.load_inputs(con, as_of, fy_start_month)
    as_of = data.as_of  # measured to the last day with data, like the progress arrays
    ly_s, ly_e = metrics.year_ago(data.fy.start, as_of, "year")
    hist_start = as_of - dt.timedelta(days=risks.HISTORY_DAYS - 1)
    recent = as_of - dt.timedelta(days=risks.TRAILING_DAYS - 1)
    return build_view(
        data,
        store.period_customer_stats(con, data.fy.start, as_of),
        store.period_customer_stats(con, ly_s, ly_e),
        # Products come from rep x product x month, so both sides use the complete months only.
        store.rep_product_totals(con, data.fy.start, as_of.replace(day=1) - dt.timedelta(days=1)),
        store.rep_product_totals(con, ly_s, ly_e.replace(day=1) - dt.timedelta(days=1)),
        store.customer_activity(con, hist_start, recent, as_of),
        "stage" in store.table_columns(con, "sales"),
    )
