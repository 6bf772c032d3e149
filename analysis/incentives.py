"""Incentives (激励机制): a commission plan, payouts per rep, the cost of a plan scenario, recognition.

Money is exact: amounts are integer cents, rates and attainment bounds are Decimals, never floats.

**The commission plan** (:class:`CommissionPlan`)

- ``base_rate``: commission rate on actual sales (0.035 = 3.5 %).
- ``tiers``: attainment bands ``[lower, upper)`` (fractions of the period target; the last band is
  open, ``upper=None``) with a ``multiplier`` of the base rate (the accelerator: 1.5 = 1.5× base).
  Tiers must start at 0, be contiguous (each lower = the previous upper) and ascending, and the last
  must be open, so every yuan of sales falls in exactly one band.
- **Marginal slices** (the usual SPM convention): a tier's rate applies only to the slice of the
  actual that lies inside the tier's band, never retroactively to the whole amount. With target
  T, tier ``[l, u)`` covers the sales between ``l·T`` and ``u·T``; a rep at 110 % with tiers
  0-100 % ×1 and 100-120 % ×1.5 earns base on the first 100 % of T and 1.5×base on the 10 % above.
- ``gate``: attainment threshold below which no commission is paid at all (0 = no gate). Once the
  rep reaches the gate the tiers apply from the first yuan (so payout jumps at the gate: it is a
  step up, never down, and payout stays non-decreasing in sales).
- ``caps``: per period grain (month / quarter / year) the maximum commission of one rep for one
  period (None = no cap). The cap applies to commission only; bonuses are paid on top.
- ``bonuses``: fixed amounts per grain, each paid when the period's attainment ≥ its threshold
  (several thresholds of one grain stack: 100 % → 1,000 and 120 % → 2,000 pay 3,000 at 125 %).

**A payout** for one rep and one period (:func:`payout`) uses that period's own attainment
(actual / period target, compared exactly as ``actual_cents ≥ threshold × target_cents``):
``commission = min(cap, round_half_up(Σ slice × base_rate × multiplier))`` plus the bonuses
reached. A period is settled on its own: a quarter's payout uses the quarter's attainment and cap,
not the sum of its months. Negative actuals (returns above sales) earn nothing. A rep without a
target in the period (e.g. hired after the plan) earns the base rate on all sales (multiplier 1,
no gate, no bonuses), still capped.

**Rounding rule**: the commission is computed exactly in Decimal (no intermediate rounding of
slices) and rounded once, half-up (ROUND_HALF_UP), to the cent; then the cap is applied. Bonus and
cap amounts are whole cents. Example: 3.5 % of 12,345.67 = 432.098 45 → 432.10.

**Recognition**: a leaderboard by period attainment, and weekly streaks: a complete ISO week of the
fiscal year is "above pace" when the rep's weekly actual ≥ weekly plan (from the same rep × day plan
and actual arrays the scorecard reads); weeks with no plan (holiday weeks) neither extend nor break a
streak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis import metrics, store
from analysis.allocate import is_vacancy

Grain = Literal["month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")
HUNDRED = Decimal(100)
STREAK_BADGE = 3  # "3 weeks above pace"
MAX_PCT = Decimal(10_000)  # attainment bounds and rates, in percent (the store holds up to 9,999.99 ×)
MAX_MULTIPLIER = Decimal(100)
MAX_AMOUNT = Decimal(10) ** 12  # yuan: caps and bonuses fit DECIMAL(18,2)


class PlanError(ValueError):
    """A commission plan that cannot be used. ``code`` names the rule (for translated messages),
    ``row`` the 1-based row of the table it concerns (None for plan-level fields), ``value`` the
    offending value as entered; ``str(exc)`` is an English sentence."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        table: str = "",
        row: int | None = None,
        field: str = "",
        value: object = None,
        expected: object = None,
    ):
        super().__init__(message)
        self.code = code
        self.table = table  # "tiers", "bonuses" or "" (a plan-level field)
        self.row = row
        self.field = field  # the editor column or plan field
        self.value = value
        self.expected = expected  # what was wanted (previous tier's end, a limit, decimals)


@dataclass(frozen=True)
class Tier:
    lower: Decimal  # attainment fraction, inclusive
    upper: Decimal | None  # exclusive; None = open-ended
    multiplier: Decimal  # × base rate


@dataclass(frozen=True)
class Bonus:
    grain: Grain
    threshold: Decimal  # attainment fraction; paid when attainment >= threshold
    amount_cents: int


@dataclass(frozen=True)
class CommissionPlan:
    base_rate: Decimal
    tiers: tuple[Tier, ...]
    gate: Decimal = Decimal(0)
    caps: Mapping[Grain, int | None] = field(default_factory=dict)  # cents per rep per period
    bonuses: tuple[Bonus, ...] = ()
    plan_id: int | None = None  # stored version, None when not saved


DEFAULT_PLAN = CommissionPlan(
    base_rate=Decimal("0.03"),
    tiers=(
        Tier(Decimal(0), Decimal("0.8"), Decimal("0.5")),
        Tier(Decimal("0.8"), Decimal(1), Decimal(1)),
        Tier(Decimal(1), Decimal("1.2"), Decimal("1.5")),
        Tier(Decimal("1.2"), None, Decimal(2)),
    ),
    gate=Decimal(0),
    caps={"month": 5_000_000, "quarter": 15_000_000, "year": None},
    bonuses=(
        Bonus("month", Decimal(1), 100_000),
        Bonus("quarter", Decimal(1), 500_000),
        Bonus("year", Decimal(1), 2_000_000),
        Bonus("year", Decimal("1.2"), 3_000_000),
    ),
)


# --- parsing and validation ------------------------------------------------------------------


def _blank(v: object) -> bool:
    return (
        v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()) or v is pd.NA
    )


def to_decimal(v: object) -> Decimal:
    """A number as entered (str, int, Decimal, or float via repr so 79.99 stays 79.99)."""
    try:
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {v!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite number: {v!r}")
    return d


def _number(
    v: object,
    *,
    table: str,
    row: int | None,
    name: str,
    places: int,
    allow_blank: bool = False,
    limit: Decimal = MAX_PCT,
) -> Decimal | None:
    """Parse one entered number: not blank (unless allowed), finite, 0 <= d <= ``limit``, at most
    ``places`` decimals."""
    where = f"{table} row {row}, {name}" if row is not None else name
    at: dict[str, Any] = {"table": table, "row": row, "field": name}
    if _blank(v):
        if allow_blank:
            return None
        raise PlanError("missing", f"{where}: a value is required", **at)
    try:
        d = to_decimal(v)
    except ValueError as exc:
        raise PlanError("not_number", f"{where}: {exc}", value=v, **at) from exc
    if d < 0:
        raise PlanError("negative", f"{where}: {_pct(d)} is negative", value=_pct(d), **at)
    if d > limit:
        raise PlanError(
            "too_large", f"{where}: {_pct(d)} is above {limit}", value=_pct(d), expected=_pct(limit), **at
        )
    if d != d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise PlanError(
            "too_precise",
            f"{where}: {d} has more than {places} decimals",
            value=f"{d:f}",
            expected=places,
            **at,
        )
    return d


def _pct(d: Decimal) -> str:
    """A percent Decimal without trailing zeros or exponent (80.0000 → 80)."""
    return f"{d.normalize():f}"


def parse_tiers(rows: Sequence[Mapping[str, object]]) -> tuple[Tier, ...]:
    """Tiers from editor rows ``{lower_pct, upper_pct, multiplier}`` (percent, as shown), in the
    order given; refuses (:class:`PlanError`, 1-based row) unless they are contiguous, ascending,
    start at 0 %, end open, and have multipliers >= 0."""
    if not rows:
        raise PlanError("no_tiers", "the plan needs at least one tier", table="tiers")
    out: list[Tier] = []
    n = len(rows)
    for i, r in enumerate(rows, start=1):
        lo = _number(r.get("lower_pct"), table="tiers", row=i, name="lower_pct", places=4)
        hi = _number(r.get("upper_pct"), table="tiers", row=i, name="upper_pct", places=4, allow_blank=True)
        m = _number(
            r.get("multiplier"), table="tiers", row=i, name="multiplier", places=4, limit=MAX_MULTIPLIER
        )
        assert lo is not None and m is not None
        if i == 1 and lo != 0:
            raise PlanError(
                "first_not_zero",
                f"tiers row 1: must start at 0 %, not {_pct(lo)} %",
                table="tiers",
                row=1,
                field="lower_pct",
                value=_pct(lo),
                expected="0",
            )
        if out:
            prev = out[-1].upper
            assert prev is not None
            if lo != prev * HUNDRED:
                code = "gap" if lo > prev * HUNDRED else "overlap"
                raise PlanError(
                    code,
                    f"tiers row {i}: starts at {_pct(lo)} % but row {i - 1} ends at {_pct(prev * HUNDRED)} %"
                    f" ({code}: tiers must be contiguous)",
                    table="tiers",
                    row=i,
                    field="lower_pct",
                    value=_pct(lo),
                    expected=_pct(prev * HUNDRED),
                )
        if hi is None:
            if i != n:
                raise PlanError(
                    "open_not_last",
                    f"tiers row {i}: only the last tier may be open-ended",
                    table="tiers",
                    row=i,
                    field="upper_pct",
                )
        elif hi <= lo:
            raise PlanError(
                "not_ascending",
                f"tiers row {i}: upper {_pct(hi)} % is not above lower {_pct(lo)} %",
                table="tiers",
                row=i,
                field="upper_pct",
                value=_pct(hi),
                expected=_pct(lo),
            )
        out.append(Tier(lo / HUNDRED, None if hi is None else hi / HUNDRED, m))
    last = out[-1].upper
    if last is not None:
        raise PlanError(
            "last_closed",
            f"tiers row {n}: the last tier must be open-ended (leave its upper bound blank)",
            table="tiers",
            row=n,
            field="upper_pct",
            value=_pct(last * HUNDRED),
        )
    return tuple(out)


def parse_bonuses(rows: Sequence[Mapping[str, object]]) -> tuple[Bonus, ...]:
    """Bonuses from editor rows ``{grain, threshold_pct, amount}`` (amount in yuan, whole cents)."""
    out = []
    for i, r in enumerate(rows, start=1):
        g = r.get("grain")
        if g not in GRAINS:
            raise PlanError(
                "bad_grain",
                f"bonuses row {i}: period {g!r} is not month, quarter or year",
                table="bonuses",
                row=i,
                field="grain",
                value=g,
            )
        th = _number(r.get("threshold_pct"), table="bonuses", row=i, name="threshold_pct", places=4)
        amt = _number(r.get("amount"), table="bonuses", row=i, name="amount", places=2, limit=MAX_AMOUNT)
        assert th is not None and amt is not None
        out.append(Bonus(g, th / HUNDRED, int(amt * 100)))
    return tuple(out)


def build_plan(
    base_rate_pct: object,
    tiers: Sequence[Mapping[str, object]],
    *,
    gate_pct: object = 0,
    caps: Mapping[str, object] | None = None,
    bonuses: Sequence[Mapping[str, object]] = (),
) -> CommissionPlan:
    """Validate what the editor holds (percentages and yuan as shown) into a plan; raises PlanError."""
    rate = _number(base_rate_pct, table="", row=None, name="base_rate", places=4)
    gate = _number(gate_pct, table="", row=None, name="gate", places=4)
    assert rate is not None and gate is not None
    if rate > HUNDRED:
        raise PlanError(
            "too_large",
            f"base_rate: {rate} % is above 100 %",
            field="base_rate",
            value=rate,
            expected=HUNDRED,
        )
    cap_cents: dict[Grain, int | None] = {}
    for g in GRAINS:
        c = _number(
            (caps or {}).get(g),
            table="",
            row=None,
            name=f"cap_{g}",
            places=2,
            allow_blank=True,
            limit=MAX_AMOUNT,
        )
        cap_cents[g] = None if c is None else int(c * 100)
    return CommissionPlan(
        base_rate=rate / HUNDRED,
        tiers=parse_tiers(tiers),
        gate=gate / HUNDRED,
        caps=cap_cents,
        bonuses=parse_bonuses(bonuses),
    )


def tier_rows(plan: CommissionPlan) -> list[dict[str, float | None]]:
    """The plan's tiers as editor rows (percent floats for display; parsing goes back through repr)."""
    return [
        {
            "lower_pct": float(t.lower * HUNDRED),
            "upper_pct": None if t.upper is None else float(t.upper * HUNDRED),
            "multiplier": float(t.multiplier),
        }
        for t in plan.tiers
    ]


def bonus_rows(plan: CommissionPlan) -> list[dict[str, Any]]:
    return [
        {"grain": b.grain, "threshold_pct": float(b.threshold * HUNDRED), "amount": b.amount_cents / 100}
        for b in plan.bonuses
    ]


# --- payouts ---------------------------------------------------------------------------------


def round_cents(exact: Decimal) -> int:
    """Exact Decimal cents → whole cents, half-up (0.5 cent → 1 cent)."""
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Slice:
    tier: int  # 0-based tier index
    base_cents: Decimal  # sales inside the tier's band (exact, may hold fractions of a cent)
    rate: Decimal  # base_rate × multiplier
    commission: Decimal  # exact cents


@dataclass(frozen=True)
class Payout:
    actual_cents: int
    target_cents: int
    gated: bool  # below the gate: no commission
    slices: tuple[Slice, ...]
    commission_uncapped_cents: int  # rounded half-up
    commission_cents: int  # after the cap
    capped: bool
    bonus_cents: int
    total_cents: int

    @property
    def attainment(self) -> float | None:
        """For display and ranking only (a float ratio); decisions compare cents exactly."""
        return None if self.target_cents <= 0 else self.actual_cents / self.target_cents


def reached(actual_cents: int, target_cents: int, threshold: Decimal) -> bool:
    """Attainment ≥ threshold, exactly: actual ≥ threshold × target (no division, no float)."""
    return Decimal(actual_cents) >= threshold * Decimal(target_cents)


def payout(plan: CommissionPlan, actual_cents: int, target_cents: int, grain: Grain) -> Payout:
    """Commission + bonuses of one rep for one period of ``grain`` (see the module docstring).

    Grain: one rep × one period. Units: integer cents in and out. Rounding: one half-up rounding to
    the cent of the exact commission, then the grain's cap; bonuses are added uncapped."""
    sales = Decimal(max(0, int(actual_cents)))
    target = Decimal(int(target_cents))
    slices: list[Slice] = []
    if target <= 0:
        gated = False
        exact = sales * plan.base_rate
        slices.append(Slice(-1, sales, plan.base_rate, exact))
    else:
        gated = not reached(int(sales), int(target), plan.gate)
        exact = Decimal(0)
        if not gated:
            for i, t in enumerate(plan.tiers):
                lo = t.lower * target
                hi = sales if t.upper is None else min(sales, t.upper * target)
                if hi <= lo:
                    continue
                rate = plan.base_rate * t.multiplier
                part = (hi - lo) * rate
                slices.append(Slice(i, hi - lo, rate, part))
                exact += part
    uncapped = round_cents(exact)
    cap = plan.caps.get(grain)
    commission = uncapped if cap is None else min(uncapped, cap)
    bonus = 0
    if target > 0:
        bonus = sum(
            b.amount_cents
            for b in plan.bonuses
            if b.grain == grain and reached(int(sales), int(target), b.threshold)
        )
    return Payout(
        actual_cents=int(actual_cents),
        target_cents=int(target_cents),
        gated=gated,
        slices=tuple(slices),
        commission_uncapped_cents=uncapped,
        commission_cents=commission,
        capped=cap is not None and uncapped > cap,
        bonus_cents=bonus,
        total_cents=commission + bonus,
    )


EXPLAIN_WORDS = {"cap": "cap", "bonus": "bonus", "gated": "below the gate"}


def explain(p: Payout, words: Mapping[str, str] = EXPLAIN_WORDS) -> str:
    """'12,000.00×1.5% + 2,000.00×3% = 240.00 → cap …; bonus …' for one payout.

    Slice amounts are shown rounded to the cent; the commission itself is rounded once from the
    exact sum, so the shown parts may differ from it by a cent. ``words``: cap / bonus / gated labels."""
    parts = [
        f"{(s.base_cents / 100).quantize(Decimal('0.01'), ROUND_HALF_UP):,}×{(s.rate * HUNDRED).normalize():f}%"
        for s in p.slices
    ]
    text = words["gated"] if p.gated else (" + ".join(parts) if parts else "0")
    text += f" = {Decimal(p.commission_uncapped_cents).scaleb(-2):,}"
    if p.capped:
        text += f" → {words['cap']} {Decimal(p.commission_cents).scaleb(-2):,}"
    if p.bonus_cents:
        text += f"; {words['bonus']} {Decimal(p.bonus_cents).scaleb(-2):,}"
    return text


PAYOUT_COLUMNS = [
    "rep_id", "rep", "team", "target_cents", "actual_cents", "forecast_cents", "attainment",
    "forecast_attainment", "commission_cents", "bonus_cents", "payout_cents", "capped", "gated",
    "forecast_payout_cents", "plan_payout_cents", "explain",
]  # fmt: skip


def payouts(
    plan: CommissionPlan, reps: pd.DataFrame, grain: Grain, words: Mapping[str, str] = EXPLAIN_WORDS
) -> pd.DataFrame:
    """Per rep: payout on actuals, on forecast, and at exactly 100 % of plan.

    ``reps``: [rep_id, rep, team, target_cents, actual_cents, forecast_cents] (int64 cents, as
    :func:`analysis.metrics.breakdown` gives them). Returns :data:`PAYOUT_COLUMNS`; money int64
    cents, attainments float (display only), sorted by payout descending."""
    rec = []
    for r in reps.to_dict(orient="records"):
        tgt, act, fc = int(r["target_cents"]), int(r["actual_cents"]), int(r["forecast_cents"])
        pa = payout(plan, act, tgt, grain)
        pf = payout(plan, fc, tgt, grain)
        pp = payout(plan, tgt, tgt, grain)
        rec.append(
            {
                "rep_id": r["rep_id"],
                "rep": r["rep"],
                "team": r["team"],
                "target_cents": tgt,
                "actual_cents": act,
                "forecast_cents": fc,
                "attainment": pa.attainment,
                "forecast_attainment": pf.attainment,
                "commission_cents": pa.commission_cents,
                "bonus_cents": pa.bonus_cents,
                "payout_cents": pa.total_cents,
                "capped": pa.capped,
                "gated": pa.gated,
                "forecast_payout_cents": pf.total_cents,
                "plan_payout_cents": pp.total_cents,
                "explain": explain(pa, words),
            }
        )
    out = pd.DataFrame(rec, columns=PAYOUT_COLUMNS)
    for c in PAYOUT_COLUMNS:
        if c.endswith("_cents"):
            out[c] = out[c].astype("int64")
    for c in ("attainment", "forecast_attainment"):
        out[c] = out[c].astype("float64")
    return out.sort_values(["payout_cents", "rep_id"], ascending=[False, True]).reset_index(drop=True)


@dataclass(frozen=True)
class ScenarioCost:
    """Total payouts of all reps in one period (integer cents) and as a share of the sales behind them."""

    at_plan_cents: int  # every rep exactly on plan (100 %)
    at_forecast_cents: int
    at_actual_cents: int
    plan_sales_cents: int
    forecast_sales_cents: int

    @property
    def cost_of_sales_at_plan(self) -> float | None:
        return None if self.plan_sales_cents <= 0 else self.at_plan_cents / self.plan_sales_cents

    @property
    def cost_of_sales_at_forecast(self) -> float | None:
        return None if self.forecast_sales_cents <= 0 else self.at_forecast_cents / self.forecast_sales_cents


def scenario_cost(table: pd.DataFrame) -> ScenarioCost:
    """Sum a :func:`payouts` table (exact integer sums)."""

    def total(c: str) -> int:
        return sum(int(v) for v in table[c])

    return ScenarioCost(
        at_plan_cents=total("plan_payout_cents"),
        at_forecast_cents=total("forecast_payout_cents"),
        at_actual_cents=total("payout_cents"),
        plan_sales_cents=total("target_cents"),
        forecast_sales_cents=total("forecast_cents"),
    )


# --- recognition -----------------------------------------------------------------------------


def leaderboard(table: pd.DataFrame) -> pd.DataFrame:
    """Reps with a target ranked by attainment (ties share the better rank): [rank, rep_id, rep,
    team, attainment, actual_cents, payout_cents]."""
    t = table[table["target_cents"] > 0].copy()
    t["rank"] = t["attainment"].rank(ascending=False, method="min").astype("int64")
    cols = ["rank", "rep_id", "rep", "team", "attainment", "actual_cents", "payout_cents"]
    return t.sort_values(["rank", "rep_id"])[cols].reset_index(drop=True)


def week_streaks(met: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Current and best streak per row of ``met`` [rep, week] holding 1 (met), 0 (missed) or -1
    (no plan: skipped). The current streak ends at the last week that counted."""
    n = met.shape[0]
    cur = np.zeros(n, dtype=np.int64)
    best = np.zeros(n, dtype=np.int64)
    for w in range(met.shape[1]):
        col = met[:, w]
        cur = np.where(col == 1, cur + 1, np.where(col == 0, 0, cur))
        best = np.maximum(best, cur)
    return cur, best


def last_complete_sunday(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)


def streaks(data: metrics.ProgressData, badge: int = STREAK_BADGE) -> pd.DataFrame:
    """Weekly "above pace" streaks per rep over the complete ISO weeks of the fiscal year up to as_of.

    A week is met when the rep's actual ≥ plan for that Monday–Sunday (integer cents); weeks whose
    plan is 0 are skipped. Returns [rep_id, rep, team, weeks, met_weeks, current, best, badge,
    last_week] for reps with any planned week, sorted by current then best streak (descending)."""
    first_monday = data.fy.start + dt.timedelta(days=(7 - data.fy.start.weekday()) % 7)
    last_sunday = min(last_complete_sunday(data.as_of), data.fy.end)
    cols = ["rep_id", "rep", "team", "weeks", "met_weeks", "current", "best", "badge", "last_week"]
    mondays = []
    d = first_monday
    while d + dt.timedelta(days=6) <= last_sunday:
        mondays.append(d)
        d += dt.timedelta(days=7)
    if not mondays:
        return pd.DataFrame(columns=cols)
    starts = np.array([data.idx(m) for m in mondays], dtype=np.int64)
    idx = (starts[:, None] + np.arange(7)[None, :]).ravel()
    n_r = len(data.reps)
    plan_w = data.plan[:, idx].reshape(n_r, len(mondays), 7).sum(axis=2)
    act_w = data.actual[:, idx].reshape(n_r, len(mondays), 7).sum(axis=2)
    met = np.where(plan_w <= 0, -1, (act_w >= plan_w).astype(np.int64))
    cur, best = week_streaks(met)
    weeks = (met >= 0).sum(axis=1)
    iso = mondays[-1].isocalendar()
    out = pd.DataFrame(
        {
            "rep_id": data.reps["rep_id"].to_numpy(dtype=object),
            "rep": data.reps["name"].to_numpy(dtype=object),
            "team": data.reps["team"].to_numpy(dtype=object),
            "weeks": weeks.astype(np.int64),
            "met_weeks": (met == 1).sum(axis=1).astype(np.int64),
            "current": cur,
            "best": best,
            "badge": cur >= badge,
            "last_week": f"{iso.year:04d}-W{iso.week:02d}",
        }
    )
    out = out[out["weeks"] > 0]
    return out.sort_values(["current", "best", "rep_id"], ascending=[False, False, True]).reset_index(
        drop=True
    )


# --- reading and storing ---------------------------------------------------------------------


def _plan_from_store(raw: Mapping[str, Any]) -> CommissionPlan:
    return CommissionPlan(
        base_rate=Decimal(raw["base_rate"]),
        gate=Decimal(raw["gate"]),
        tiers=tuple(
            Tier(Decimal(lo), None if hi is None else Decimal(hi), Decimal(m)) for lo, hi, m in raw["tiers"]
        ),
        caps={g: (None if c is None else int(Decimal(c) * 100)) for g, c in raw["caps"].items()},
        bonuses=tuple(Bonus(g, Decimal(th), int(Decimal(a) * 100)) for g, th, a in raw["bonuses"]),
        plan_id=int(raw["plan_id"]),
    )


def load_plan(con: store.Connection) -> CommissionPlan:
    """The latest saved commission plan, or :data:`DEFAULT_PLAN` when none is saved yet."""
    raw = store.latest_incentive_plan(con)
    return DEFAULT_PLAN if raw is None else _plan_from_store(raw)


def save_plan(con: store.Connection, plan: CommissionPlan) -> int:
    """Store ``plan`` as a new version (never overwrites); returns its plan_id."""
    return store.save_incentive_plan(
        con,
        base_rate=plan.base_rate,
        gate=plan.gate,
        tiers=[(t.lower, t.upper, t.multiplier) for t in plan.tiers],
        caps={
            g: (None if plan.caps.get(g) is None else Decimal(int(plan.caps[g] or 0)).scaleb(-2))
            for g in GRAINS
        },
        bonuses=[(b.grain, b.threshold, Decimal(b.amount_cents).scaleb(-2)) for b in plan.bonuses],
    )


@dataclass(frozen=True)
class Incentives:
    period: metrics.Period
    grain: Grain
    plan: CommissionPlan
    table: pd.DataFrame  # payouts()
    cost: ScenarioCost
    board: pd.DataFrame  # leaderboard()
    streaks: pd.DataFrame  # streaks()


def evaluate(
    data: metrics.ProgressData,
    period: metrics.Period,
    plan: CommissionPlan,
    words: Mapping[str, str] = EXPLAIN_WORDS,
) -> Incentives:
    """Payouts, scenario cost, leaderboard and streaks for ``period`` (a month, quarter or year)."""
    if period.grain not in GRAINS:
        raise PlanError(
            "bad_grain", f"commission is settled per month, quarter or year, not per {period.grain}"
        )
    grain: Grain = period.grain
    br = metrics.breakdown(data, period, "rep")
    br = br[~br["rep_id"].map(is_vacancy).astype(bool)].reset_index(drop=True)  # no pay for a vacancy
    table = payouts(plan, br, grain, words)
    return Incentives(period, grain, plan, table, scenario_cost(table), leaderboard(table), streaks(data))


def load(
    con: store.Connection, as_of: dt.date, period_label: str | None = None, fy_start_month: int = 1
) -> Incentives:
    """Read the inputs and the stored plan and evaluate (default period: the month of as_of)."""
    data = metrics.load_inputs(con, as_of, fy_start_month)
    period = (
        metrics.period_by_label(data.fy, period_label)
        if period_label
        else metrics.period_of(data.fy, as_of, "month")
    )
    return evaluate(data, period, load_plan(con))
