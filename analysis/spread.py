"""Spread an annual target over the days of a fiscal year, exact to the cent.

Money is handled as int64 arrays of cents inside this module and as Decimal at the edges; floats
are only weights. Every split is largest-remainder (Hamilton) rounding with ties to the earlier
item, the same rule as :func:`analysis.money.split_exact`, so parts always sum exactly.

Rounding is top-down so coarse levels are round numbers: the year is split into months in
multiples of ``unit`` (0.01, 1, 100 or 10,000), then each month into its days in multiples of
``min(unit, 1)``. Weeks, quarters and halves are sums of their days, so every level adds up
exactly. Non-working days get no target (except with the "all" calendar). A month without any
working day gets 0 and its weight goes to the other months.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calendar import CalendarStatus, FiscalYear, Grain, WorkCalendar, period_codes
from analysis.messages import Message
from analysis.money import UNITS, MoneyError, split_exact

SpreadMethod = Literal["even", "working_days", "seasonality", "growth", "custom", "blend"]
SPREAD_METHODS: tuple[str, ...] = ("even", "working_days", "seasonality", "growth", "custom", "blend")
SeasonGrain = Literal["month", "week", "dow"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

_MAX_TARGET = Decimal("1e12")  # keeps cents * weights well inside float64's exact range


class PlanInputError(ValueError):
    """Planning input that cannot be used; the message is meant for a sales manager.

    Raised with an :class:`analysis.messages.Message`: ``str(exc)`` is the English sentence,
    ``analysis.messages.render(exc, lang)`` the sentence in the page's language.
    """


def method_name(method: str) -> str:
    """A spread method's name in messages (translated when known, else as given)."""
    return Message(f"msg.method.{method}") if method in SPREAD_METHODS else method


# --- money <-> cents -------------------------------------------------------------------------


def unit_cents(unit: Decimal) -> int:
    """The rounding unit in cents; only 0.01, 1, 100 and 10,000 are offered."""
    unit = Decimal(unit)
    if unit not in UNITS:
        choices = ", ".join(f"{u:,}" for u in UNITS)
        raise PlanInputError(Message("msg.spread.unit_not_offered", unit=str(unit), choices=choices))
    return int(unit * 100)


def to_cents(amount: Decimal | int | str, what: str = "amount") -> int:
    """Exact conversion of a money amount with at most two decimals to integer cents.

    ``what`` names the amount in refusals (a :class:`Message` to have it translated).
    """
    try:
        d = Decimal(str(amount).strip()) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise PlanInputError(Message("msg.spread.not_a_number", what=what, value=repr(amount))) from exc
    if not d.is_finite():
        raise PlanInputError(Message("msg.spread.not_finite", what=what, value=repr(amount)))
    c = d * 100
    if c != c.to_integral_value():
        raise PlanInputError(Message("msg.spread.too_many_decimals", what=what, value=str(amount)))
    return int(c)


def cents_to_decimals(cents: NDArray[np.int64]) -> NDArray[np.object_]:
    """Decimal amounts (two places) for an int array of cents, any shape.

    Targets repeat a lot (a month's days are near-equal), so each distinct value is converted once.
    """
    flat = np.asarray(cents, dtype=np.int64).ravel()
    uniq, inv = np.unique(flat, return_inverse=True)
    decs = np.empty(len(uniq), dtype=object)
    decs[:] = [Decimal(int(u)).scaleb(-2) for u in uniq]
    return decs[inv].reshape(np.shape(cents))


def check_target(target: Decimal | int | str, unit: Decimal) -> int:
    """Validate an annual target and return it in cents: >= 0, a multiple of ``unit``, not absurd."""
    uc = unit_cents(unit)
    c = to_cents(target, Message("msg.what.target"))
    if c < 0:
        raise PlanInputError(Message("msg.plan.target_negative", amount=f"{Decimal(c).scaleb(-2):,}"))
    if Decimal(c).scaleb(-2) > _MAX_TARGET:
        raise PlanInputError(
            Message(
                "msg.plan.target_too_large", amount=f"{Decimal(c).scaleb(-2):,}", limit=f"{_MAX_TARGET:,}"
            )
        )
    if c % uc:
        lo = (c // uc) * uc
        raise PlanInputError(
            Message(
                "msg.plan.target_not_multiple",
                amount=f"{Decimal(c).scaleb(-2):,}",
                unit=f"{Decimal(unit):,}",
                lower=f"{Decimal(lo).scaleb(-2):,}",
                upper=f"{Decimal(lo + uc).scaleb(-2):,}",
            )
        )
    return c


# --- largest-remainder splits on integer arrays ----------------------------------------------


def split_rows(totals: IntArray, weights: FloatArray) -> IntArray:
    """Split each ``totals[r]`` (integer units, >= 0) over ``weights[r, :]``; rows sum exactly.

    Largest remainder with ties to the earlier column, like ``split_exact``. Columns with zero
    weight get 0. A row with a positive total and no positive weight is refused (ValueError).
    """
    totals = np.asarray(totals, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or totals.shape != (w.shape[0],):
        raise ValueError("split_rows: weights must be 2-D with one total per row")
    if w.shape[1] == 0:
        if totals.any():
            raise ValueError("split_rows: nothing to split a positive total over")
        return np.zeros(w.shape, dtype=np.int64)
    return split_segments(totals[:, None], w, np.zeros(w.shape[1], dtype=np.int64))


def split_segments(totals: IntArray, weights: FloatArray, seg_idx: IntArray) -> IntArray:
    """Split ``totals[r, s]`` (integer units, >= 0) over the columns of segment ``s`` in row ``r``.

    ``seg_idx`` gives each column's segment, non-decreasing (e.g. the fiscal month of each day).
    Largest remainder with ties to the earlier column, in one vectorised pass for all rows and
    segments. A positive total over only zero weights raises ValueError.

    Ties are exact for a row whose weights are all whole numbers (counts, cents) as long as, in
    every segment, total x weight sum < 2**62 and the weight sum fits the remainder bits of the
    sort key (2**52 for a few columns, 2**48 for 365 days in 12 months): remainders are then
    compared as exact integers. Other rows use float64 shares, where remainders that differ by
    float noise (~1e-15 relative) count as different, so an exact tie between *different*
    fractional weights may go either way; equal weights always tie (their shares are
    bit-identical). Callers that need ties between fractional weights make them equal first, as
    :func:`split_topdown` does by rounding month shares to 12 places.
    """
    totals = np.asarray(totals, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    seg_idx = np.asarray(seg_idx, dtype=np.int64)
    n_rows, n_cols = w.shape
    n_seg = totals.shape[1]
    if (totals < 0).any() or (w < 0).any():
        raise ValueError("split: totals and weights must not be negative")
    starts = np.searchsorted(seg_idx, np.arange(n_seg)).astype(np.int64)
    bounds = [*starts.tolist(), n_cols]
    seg_w = np.add.reduceat(w, starts, axis=1)
    if ((seg_w <= 0) & (totals != 0)).any():
        raise ValueError("split: a positive total has only zero weights")
    # Rank remainders inside each segment with one integer sort: the key packs (segment,
    # inverted remainder rank, column), so ties go to the earlier column and an in-place int64
    # sort (several times faster than a stable float argsort) gives the order directly.
    col_bits = max(1, (n_cols - 1).bit_length())
    seg_bits = max(1, n_seg.bit_length())
    rem_bits = min(52, 61 - col_bits - seg_bits)
    top = 2**rem_bits - 1
    floors, key = _floors_and_ranks(totals, w, seg_w, starts, bounds, rem_bits)
    left = totals - np.add.reduceat(floors, starts, axis=1)
    np.subtract(top, key, out=key)
    key[w <= 0] = top + 1  # zero weights rank last and never get a leftover unit
    key <<= col_bits
    key |= ((seg_idx << (rem_bits + 1 + col_bits)) | np.arange(n_cols))[None, :]
    key.sort(axis=1)
    key &= (1 << col_bits) - 1  # now the column of each sorted position
    pos_in_seg = np.arange(n_cols) - starts[seg_idx]
    chosen = np.empty((n_rows, n_cols), dtype=bool)
    for s in range(n_seg):
        a, b = bounds[s], bounds[s + 1]
        np.less(pos_in_seg[None, a:b], left[:, s : s + 1], out=chosen[:, a:b])
    key += (np.arange(n_rows) * n_cols)[:, None]
    floors.ravel()[key[chosen]] += 1
    # Float error can, very rarely, leave a segment whose floors over- or under-shoot by more
    # than its remainders can fix; redo those with exact Decimal arithmetic. (Integer rows are
    # exact and never land here.)
    n_pos = np.add.reduceat((w > 0).astype(np.int64), starts, axis=1)
    bad_r, bad_s = np.nonzero((left < 0) | (left > n_pos))
    for r, sg in zip(bad_r.tolist(), bad_s.tolist(), strict=True):
        lo, hi = bounds[sg], bounds[sg + 1]
        parts = split_exact(Decimal(int(totals[r, sg])), [Decimal(float(x)) for x in w[r, lo:hi]], Decimal(1))
        floors[r, lo:hi] = [int(x) for x in parts]
    return floors


def _floors_and_ranks(
    totals: IntArray, w: FloatArray, seg_w: FloatArray, starts: IntArray, bounds: list[int], rem_bits: int
) -> tuple[IntArray, IntArray]:
    """Each column's floor share and remainder rank in ``[0, 2**rem_bits)``; bigger rank, bigger remainder.

    Ranks compare only within one segment of one row. Rows with whole-number weights that fit
    get exact integer ranks, the others float ones.
    """
    exact = _integer_rows(totals, w, seg_w, rem_bits)
    if not exact.any():  # the usual case (day shares): no row copies
        return _float_floors_and_ranks(totals, w, seg_w, bounds, rem_bits)
    if exact.all():
        return _integer_floors_and_ranks(totals, w, starts, bounds)
    floors = np.empty(w.shape, dtype=np.int64)
    ranks = np.empty(w.shape, dtype=np.int64)
    floors[exact], ranks[exact] = _integer_floors_and_ranks(totals[exact], w[exact], starts, bounds)
    rest = ~exact
    floors[rest], ranks[rest] = _float_floors_and_ranks(totals[rest], w[rest], seg_w[rest], bounds, rem_bits)
    return floors, ranks


def _integer_rows(totals: IntArray, w: FloatArray, seg_w: FloatArray, rem_bits: int) -> NDArray[np.bool_]:
    """Rows whose weights are whole numbers small enough for exact int64 shares and ranks.

    A segment's remainder numerators are below its weight sum, which must fit the rank bits.
    Whole non-negative weights summing below 2**52 have every partial sum below 2**53, so the
    float ``seg_w`` is exact and can be checked as it is. total x weight must fit int64: it is
    at most total x segment sum, a [rows, segments] product far cheaper than a full-size max.
    """
    ok: NDArray[np.bool_] = np.zeros(w.shape[0], dtype=bool)
    if w.shape[1] == 0 or totals.shape[1] == 0:
        return ok
    ok[:] = (seg_w.max(axis=1) < 2.0**rem_bits) & ((seg_w * totals).max(axis=1) < 2.0**62)
    if ok.any():  # skip the full-size whole-number test when no row could use it anyway
        ok &= (w == np.floor(w)).all(axis=1)  # NaN is not whole: float path
    return ok


def _integer_floors_and_ranks(
    totals: IntArray, w: FloatArray, starts: IntArray, bounds: list[int]
) -> tuple[IntArray, IntArray]:
    """Exact shares for whole-number weights: column c of segment s gets w*T // S, rank w*T % S.

    All remainders of a segment share the denominator S (its weight sum), so comparing their
    numerators compares the remainders exactly: exact ties go to the earlier column, as
    documented, instead of to whichever share float rounding happened to nudge up.
    """
    num = w.astype(np.int64)
    seg_w = np.add.reduceat(num, starts, axis=1)
    np.maximum(seg_w, 1, out=seg_w)  # an all-zero segment has total 0: 0 // 1, no division by 0
    floors = np.empty_like(num)
    for s in range(len(bounds) - 1):
        a, b = bounds[s], bounds[s + 1]
        num[:, a:b] *= totals[:, s : s + 1]
        np.divmod(num[:, a:b], seg_w[:, s : s + 1], out=(floors[:, a:b], num[:, a:b]))
    return floors, num


def _float_floors_and_ranks(
    totals: IntArray, w: FloatArray, seg_w: FloatArray, bounds: list[int], rem_bits: int
) -> tuple[IntArray, IntArray]:
    """Float64 shares: floors, and remainders quantised to ``rem_bits`` bits as ranks."""
    scale = np.divide(totals, seg_w, out=np.zeros(seg_w.shape), where=seg_w > 0)
    # Fresh full-size arrays are the main cost at 500 x 365 (page faults), so work in place.
    exact = w.copy()
    for s in range(len(bounds) - 1):
        exact[:, bounds[s] : bounds[s + 1]] *= scale[:, s : s + 1]
    floors_f = np.floor(exact)
    rem = np.subtract(exact, floors_f, out=exact)
    floors = floors_f.astype(np.int64)
    del floors_f
    rem *= float(2**rem_bits)
    ranks = rem.astype(np.int64)
    np.minimum(ranks, 2**rem_bits - 1, out=ranks)
    return floors, ranks


def split_int(total: int, weights: Sequence[float] | FloatArray) -> IntArray:
    """One-row :func:`split_rows`."""
    row: IntArray = split_rows(
        np.array([total], dtype=np.int64), np.asarray(weights, dtype=np.float64)[None, :]
    )[0]
    return row


def round_table(x: FloatArray, row_totals: IntArray, col_totals: IntArray) -> IntArray:
    """Round a non-negative table to integers with given row and column totals (controlled rounding).

    ``x`` [rows, cols] should already add up (about) to ``col_totals`` per column and to
    ``row_totals`` per row, e.g. a largest-remainder rounding of its row sums. Each cell ends at
    the floor or ceiling of its value where that is possible; a cell with ``x == 0`` stays 0.
    Start: each row takes its leftover units on its largest remainders. Then units move inside a
    row from a column with too many to one with too few, along the shortest chain of such moves
    (few columns: the months of a year). Raises ValueError when no such table exists.
    """
    x = np.asarray(x, dtype=np.float64)
    rows = np.asarray(row_totals, dtype=np.int64)
    cols = np.asarray(col_totals, dtype=np.int64)
    if int(rows.sum()) != int(cols.sum()):
        raise ValueError("round_table: row and column totals differ")
    allowed = x > 0
    out = np.floor(x + 1e-9).astype(np.int64)
    out[~allowed] = 0
    frac = np.where(allowed, x - out, -1.0)
    # Float noise can put a floor above a total; take such units back from the largest cells.
    for r in np.nonzero(out.sum(axis=1) > rows)[0]:
        while out[r].sum() > rows[r]:
            out[r, int(np.argmax(out[r]))] -= 1
    need = np.maximum(rows - out.sum(axis=1), 0)
    # Each row's leftover units go to its largest remainders (one vectorised pass); columns
    # that end up with too many then hand units to those with too few.
    order = np.argsort(-frac, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(x.shape[1]), order.shape), axis=1)
    take = (rank < need[:, None]) & allowed
    out += take
    for r in np.nonzero(need > take.sum(axis=1))[0]:  # more units than cells: rare
        cells = np.nonzero(allowed[r])[0]
        if not len(cells):
            raise ValueError("round_table: a row total has no cell to go to")
        out[r, cells[np.argmax(frac[r, cells])]] += int(need[r] - take[r].sum())
    excess = out.sum(axis=0) - cols
    while (excess > 0).any():
        if _move_direct(out, allowed, frac, excess):
            continue
        path = _move_chain(out, allowed, frac, excess)
        if path is None:
            raise ValueError("round_table: no table has these row and column totals")
        for row, a, b in path:
            out[row, a] -= 1
            out[row, b] += 1
        excess[path[0][1]] -= 1
        excess[path[-1][2]] += 1
    return out


def _move_direct(out: IntArray, allowed: NDArray[np.bool_], frac: FloatArray, excess: IntArray) -> bool:
    """Move units straight from columns with too many to columns with too few, several rows at once."""
    moved = False
    for a in np.nonzero(excess > 0)[0].tolist():
        for b in np.nonzero(excess < 0)[0].tolist():
            if excess[a] <= 0:
                break
            score = np.where((out[:, a] > 0) & allowed[:, b], frac[:, b] - frac[:, a], -np.inf)
            k = min(int(excess[a]), int(-excess[b]), int(np.isfinite(score).sum()))
            if k <= 0:
                continue
            rows = np.argsort(-score, kind="stable")[:k]
            out[rows, a] -= 1
            out[rows, b] += 1
            excess[a] -= k
            excess[b] += k
            moved = True
    return moved


def _move_chain(
    out: IntArray, allowed: NDArray[np.bool_], frac: FloatArray, excess: IntArray
) -> list[tuple[int, int, int]] | None:
    """Shortest chain of one-unit moves (row, from col, to col) from a column with too many to one with too few."""
    has = out > 0
    # score[r, a, b]: moving a unit of row r from column a to b; best row per (a, b)
    score = np.where(has[:, :, None] & allowed[:, None, :], frac[:, None, :] - frac[:, :, None], -np.inf)
    best_row = score.argmax(axis=0)
    can = np.isfinite(score.max(axis=0))
    np.fill_diagonal(can, False)
    prev: dict[int, int] = {int(a): -1 for a in np.nonzero(excess > 0)[0]}
    frontier = list(prev)
    while frontier:
        nxt = []
        for a in frontier:
            for b in np.nonzero(can[a])[0].tolist():
                if b in prev:
                    continue
                prev[b] = a
                if excess[b] < 0:
                    chain = []
                    while prev[b] != -1:
                        a_ = prev[b]
                        chain.append((int(best_row[a_, b]), a_, b))
                        b = a_
                    return chain[::-1]
                nxt.append(b)
        frontier = nxt
    return None


def month_starts(month_idx: IntArray) -> IntArray:
    """Index of the first day of each of the 12 fiscal months (days are in order)."""
    return np.searchsorted(month_idx, np.arange(12)).astype(np.int64)


def split_topdown(
    totals_cents: IntArray,
    weights: FloatArray,
    month_idx: IntArray,
    unit_c: int,
    *,
    quarter_first: bool = False,
    day_unit_c: int | None = None,
    month_cents: IntArray | None = None,
) -> IntArray:
    """Split each row total (cents) over its days: year -> (quarters ->) months -> days.

    Months (and quarters) are multiples of ``unit_c`` cents, days of ``day_unit_c`` (default
    ``min(unit_c, 100)``). Totals must be multiples of ``unit_c``. Returns int64 cents [rows, days].
    ``month_cents`` [rows, 12], when given, fixes the month totals and skips the year split.
    """
    totals_cents = np.asarray(totals_cents, dtype=np.int64)
    day_u = min(unit_c, 100) if day_unit_c is None else day_unit_c
    if (totals_cents % unit_c).any() or unit_c % day_u:
        raise ValueError("split_topdown: totals must be multiples of the unit, the unit of the day unit")
    if month_cents is not None:
        month_c = np.asarray(month_cents, dtype=np.int64)
        if (month_c % day_u).any():
            raise ValueError("split_topdown: month totals must be multiples of the day unit")
    else:
        starts = month_starts(month_idx)
        month_w = (
            np.add.reduceat(weights, starts, axis=1) if weights.shape[1] else np.zeros((len(weights), 12))
        )
        # Summing day weights leaves float noise (1e-17) that would decide ties between equal months
        # at random; rounding the month shares to 12 places makes equal months tie, earlier wins.
        row_sum = month_w.sum(axis=1, keepdims=True)
        month_w = np.round(np.divide(month_w, row_sum, out=np.zeros_like(month_w), where=row_sum > 0), 12)
        units = totals_cents // unit_c
        if quarter_first:
            q_units = split_rows(units, month_w.reshape(-1, 4, 3).sum(axis=2))
            month_units = np.concatenate(
                [split_rows(q_units[:, q], month_w[:, 3 * q : 3 * q + 3]) for q in range(4)], axis=1
            )
        else:
            month_units = split_rows(units, month_w)
        month_c = month_units * unit_c
    out: IntArray = split_segments(month_c // day_u, weights, month_idx)
    out *= day_u
    return out


# --- per-day weights for each method ---------------------------------------------------------


@dataclass(frozen=True)
class SpreadParams:
    """Options of the spread methods (unused fields are ignored).

    season_grain: "month" | "week" | "dow" for seasonality. growth: one rate (0.08 = +8 %) or a
    rate per month label ("2027-04") for the growth method. custom: percentages per month label
    ("2027-04") or per quarter ("Q1".."Q4"), totalling exactly 100. blend: w x method a + (1-w) x
    method b, where a and b use these same params.
    """

    season_grain: SeasonGrain = "month"
    growth: float | Mapping[str, float] = 0.0
    custom: Mapping[str, Decimal | int | str | float] = field(default_factory=dict)
    blend_a: str = "working_days"
    blend_b: str = "seasonality"
    blend_w: float = 0.5

    @classmethod
    def of(cls, params: SpreadParams | Mapping[str, object] | None) -> SpreadParams:
        if params is None:
            return cls()
        if isinstance(params, SpreadParams):
            return params
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise PlanInputError(Message("msg.spread.unknown_options", names=", ".join(unknown)))
        return cls(**params)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DayWeights:
    """Per-day weights of a method (sum 1, zero on non-working days) and how to round them."""

    weights: FloatArray
    quarter_first: bool = False
    last_year_total: Decimal | None = None
    notes: tuple[str, ...] = ()


def _history_last_year(history: pd.DataFrame | None, fy: FiscalYear, method: str) -> pd.DataFrame:
    """Last fiscal year's actuals as [day (date), amount (float)], checked for gaps."""
    prev = fy.previous()
    span = f"{prev.label} ({prev.start} .. {prev.end})"
    no_history = Message("msg.spread.no_history", method=method_name(method), span=span)
    if history is None or len(history) == 0:
        raise PlanInputError(no_history)
    missing_cols = {"day", "amount"} - set(history.columns)
    if missing_cols:
        raise PlanInputError(Message("msg.spread.history_columns", missing=", ".join(sorted(missing_cols))))
    days = pd.to_datetime(history["day"]).dt.date
    keep = (days >= prev.start) & (days <= prev.end)
    h = pd.DataFrame({"day": days[keep], "amount": pd.to_numeric(history["amount"][keep], errors="coerce")})
    if len(h) == 0:
        raise PlanInputError(no_history)
    if h["amount"].isna().any():
        raise PlanInputError(Message("msg.spread.history_not_numbers", span=span))
    seen = {(d.year, d.month) for d in h["day"]}
    gaps = [f"{y:04d}-{m:02d}" for y, m in prev.months() if (y, m) not in seen]
    if gaps:
        raise PlanInputError(
            Message("msg.spread.history_gaps", method=method_name(method), span=span, months=", ".join(gaps))
        )
    if (h["amount"] < 0).any() or h["amount"].sum() <= 0:
        raise PlanInputError(Message("msg.spread.history_not_positive", span=span))
    return h


def _per_workday(month_share: FloatArray, work: NDArray[np.bool_], month_idx: IntArray) -> FloatArray:
    """Give each month its share, divided equally over its working days."""
    n_work = np.bincount(month_idx, weights=work.astype(np.float64), minlength=12)
    per_day = np.divide(month_share, n_work, out=np.zeros(12), where=n_work > 0)
    return per_day[month_idx] * work


def _normalise(w: FloatArray, what: str) -> FloatArray:
    s = float(w.sum())
    if not s > 0:
        raise PlanInputError(Message("msg.spread.no_working_day", method=method_name(what)))
    return w / s


def spread_weights(
    fy: FiscalYear,
    calendar: WorkCalendar,
    method: str,
    *,
    history: pd.DataFrame | None = None,
    params: SpreadParams | Mapping[str, object] | None = None,
) -> DayWeights:
    """Per-day weights (float, summing to 1) of ``method`` over ``fy.days()``.

    Non-working days have weight 0. See :class:`SpreadParams` for the options.
    """
    p = SpreadParams.of(params)
    work = calendar.fiscal_mask(fy)
    midx = fy.month_index()
    if method == "even":
        return DayWeights(_normalise(_per_workday(np.full(12, 1 / 12), work, midx), "even"))
    if method == "working_days":
        return DayWeights(_normalise(work.astype(np.float64), "working_days"))
    if method in ("seasonality", "growth"):
        h = _history_last_year(history, fy, method)
        total = Decimal(repr(float(h["amount"].sum()))).quantize(Decimal("0.01"))
        if method == "growth" or p.season_grain == "month":
            prev_months = fy.previous().months()
            by_month = h.groupby(h["day"].map(lambda d: (d.year, d.month)))["amount"].sum()
            ly = np.array([float(by_month.get(k, 0.0)) for k in prev_months])
            if method == "growth":
                labels = fy.month_labels()
                if isinstance(p.growth, Mapping):
                    unknown = sorted(set(p.growth) - set(labels))
                    if unknown:
                        raise PlanInputError(
                            Message("msg.spread.growth_months", fy=fy.label, months=", ".join(unknown))
                        )
                    g = np.array([float(p.growth.get(lab, 0.0)) for lab in labels])
                else:
                    g = np.full(12, float(p.growth))
                if (g <= -1).any():
                    raise PlanInputError(Message("msg.spread.growth_too_low"))
                ly = ly * (1 + g)
            w = _per_workday(ly / ly.sum(), work, midx)
        elif p.season_grain == "week":
            w = _rate_weights(h, calendar, fy, work, key="week")
        elif p.season_grain == "dow":
            w = _rate_weights(h, calendar, fy, work, key="dow")
        else:
            raise PlanInputError(Message("msg.spread.season_grain", value=repr(p.season_grain)))
        return DayWeights(_normalise(w, method), last_year_total=total)
    if method == "custom":
        return _custom_weights(fy, p.custom, work, midx)
    if method == "blend":
        if p.blend_a == "blend" or p.blend_b == "blend":
            raise PlanInputError(Message("msg.spread.blend_nested"))
        if not 0 <= p.blend_w <= 1:
            raise PlanInputError(Message("msg.spread.blend_weight", value=str(p.blend_w)))
        a = spread_weights(fy, calendar, p.blend_a, history=history, params=p)
        b = spread_weights(fy, calendar, p.blend_b, history=history, params=p)
        w = p.blend_w * a.weights + (1 - p.blend_w) * b.weights
        return DayWeights(_normalise(w, "blend"), last_year_total=a.last_year_total or b.last_year_total)
    raise PlanInputError(
        Message("msg.spread.unknown_method", value=repr(method), choices=", ".join(SPREAD_METHODS))
    )


def _rate_weights(
    h: pd.DataFrame, calendar: WorkCalendar, fy: FiscalYear, work: NDArray[np.bool_], *, key: str
) -> FloatArray:
    """Average sales per working day last year, by ISO week number or weekday, applied to this year.

    A rate per day (not a share of the week) keeps partial weeks at the year's edges fair.
    """
    prev_days = fy.previous().days()
    prev_work = calendar.fiscal_mask(fy.previous())

    def k(d: date) -> int:
        return d.isocalendar().week if key == "week" else d.weekday()

    size = 54 if key == "week" else 7
    sums = np.zeros(size)
    for d, a in zip(h["day"], h["amount"], strict=True):
        sums[k(d)] += a
    counts = np.zeros(size)
    for d, is_work in zip(prev_days, prev_work, strict=True):
        counts[k(d)] += is_work
    rate = np.divide(sums, counts, out=np.zeros(size), where=counts > 0)
    if key == "week":
        rate[53] = rate[53] if counts[53] else rate[52]  # week 53 exists only in some ISO years
    else:
        # A make-up Saturday (调休) has no weekday history of its own: use the weekday average.
        weekday_mean = float(rate[:5].mean())
        rate[5:] = np.where(counts[5:] > 0, rate[5:], weekday_mean)
    cur = np.array([rate[k(d)] for d in fy.days()])
    return cur * work


def _custom_weights(
    fy: FiscalYear, custom: Mapping[str, Decimal | int | str | float], work: NDArray[np.bool_], midx: IntArray
) -> DayWeights:
    if not custom:
        raise PlanInputError(Message("msg.spread.custom_empty"))
    pct: dict[str, Decimal] = {}
    for key, v in custom.items():
        try:
            d = Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v).strip())
        except InvalidOperation as exc:
            raise PlanInputError(Message("msg.spread.custom_nan", key=str(key), value=repr(v))) from exc
        if not d.is_finite() or d < 0:
            raise PlanInputError(Message("msg.spread.custom_negative", key=str(key), value=str(v)))
        pct[str(key).removeprefix(f"{fy.label}-")] = d
    total = sum(pct.values(), Decimal(0))
    if total != 100:
        raise PlanInputError(Message("msg.spread.custom_total", total=str(total)))
    months = fy.month_labels()
    quarters = ["Q1", "Q2", "Q3", "Q4"]
    if set(pct) <= set(quarters):
        q = np.array([float(pct.get(k, 0)) for k in quarters])
        # Within a quarter, months get the quarter's share in proportion to their working days.
        n_work = np.bincount(midx, weights=work.astype(np.float64), minlength=12).reshape(4, 3)
        qw = n_work.sum(axis=1)
        share = (
            q[:, None] * np.divide(n_work, qw[:, None], out=np.zeros((4, 3)), where=qw[:, None] > 0)
        ).ravel()
        return DayWeights(_normalise(_per_workday(share, work, midx), "custom"), quarter_first=True)
    unknown = sorted(set(pct) - set(months))
    if unknown:
        raise PlanInputError(
            Message("msg.spread.custom_keys", first=months[0], last=months[-1], unknown=", ".join(unknown))
        )
    share = np.array([float(pct.get(k, 0)) for k in months])
    return DayWeights(_normalise(_per_workday(share, work, midx), "custom"))


# --- the spread ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """An annual target spread over the days of a fiscal year (cents per day, exact)."""

    fy: FiscalYear
    target: Decimal
    unit: Decimal
    method: str
    days: tuple[date, ...]
    weights: FloatArray
    cents: IntArray
    status: CalendarStatus
    last_year_total: Decimal | None = None
    notes: tuple[str, ...] = ()

    @property
    def implied_growth(self) -> float | None:
        """Target / last year's actual total - 1, when last year's actuals were used."""
        if not self.last_year_total:
            return None
        return float(self.target / self.last_year_total) - 1

    @property
    def frame(self) -> pd.DataFrame:
        """DataFrame[day (date), target (Decimal)], one row per day of the fiscal year."""
        return pd.DataFrame({"day": list(self.days), "target": cents_to_decimals(self.cents)})

    def by(self, grain: Grain) -> pd.DataFrame:
        """DataFrame[period, target (Decimal)] at ``grain``; each period is the sum of its days."""
        codes, labels = period_codes(self.days, grain, self.fy)
        sums = np.zeros(len(labels), dtype=np.int64)
        np.add.at(sums, codes, self.cents)
        return pd.DataFrame({"period": labels, "target": cents_to_decimals(sums)})


def spread_target(
    target: Decimal | int | str,
    fy: FiscalYear,
    calendar: WorkCalendar,
    method: str,
    *,
    unit: Decimal = Decimal("0.01"),
    history: pd.DataFrame | None = None,
    params: SpreadParams | Mapping[str, object] | None = None,
) -> Spread:
    """Spread ``target`` over ``fy``'s days with ``method``; days sum exactly to the target.

    Months are multiples of ``unit`` and days of ``min(unit, 1)`` (top-down largest remainder).
    ``history`` is DataFrame[day, amount] of actuals, needed by seasonality and growth.
    Raises :class:`PlanInputError` for unusable input.
    """
    uc = unit_cents(unit)
    tc = check_target(target, unit)
    dw = spread_weights(fy, calendar, method, history=history, params=params)
    try:
        cents = split_topdown(
            np.array([tc]), dw.weights[None, :], fy.month_index(), uc, quarter_first=dw.quarter_first
        )[0]
    except (ValueError, MoneyError) as exc:  # pragma: no cover - weights are validated above
        raise PlanInputError(f"cannot spread the target: {exc}") from exc
    return Spread(
        fy=fy,
        target=Decimal(tc).scaleb(-2),
        unit=Decimal(unit),
        method=method,
        days=tuple(fy.days()),
        weights=dw.weights,
        cents=cents,
        status=calendar.status(fy),
        last_year_total=dw.last_year_total,
        notes=dw.notes,
    )
