"""Exact money arithmetic: Decimal amounts and largest-remainder splits.

Money is never a float here. Floats appear only as weights (ratios), and every split
returns Decimals that sum exactly to the amount being split.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")
UNITS = (Decimal("0.01"), Decimal("1"), Decimal("100"), Decimal("10000"))


class MoneyError(ValueError):
    """A money value or split request that cannot be honoured; the message says why."""


def to_money(value: object, unit: Decimal = CENT) -> Decimal:
    """Parse ``value`` (str, int, Decimal or float) into a Decimal rounded half-up to ``unit``.

    Floats go through ``repr`` so 731.9399999999999 becomes 731.94, not a binary artefact.
    """
    try:
        if isinstance(value, float):
            d = Decimal(repr(value))
        else:
            d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"not a number: {value!r}") from exc
    if not d.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return (
        d.quantize(unit, rounding=ROUND_HALF_UP)
        if unit < 1
        else (d / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit
    )


def split_exact(
    total: Decimal, weights: Sequence[float | Decimal | int], unit: Decimal = CENT
) -> list[Decimal]:
    """Split ``total`` over ``weights`` so the parts are multiples of ``unit`` summing exactly to ``total``.

    Largest-remainder (Hamilton) rounding: each part gets the floor of its exact share in
    units, then the leftover units go one each to the largest fractional remainders (ties to
    the earlier index, so results are deterministic). ``total`` must itself be a multiple of
    ``unit``. All-zero weights are refused unless ``total`` is zero. Negative totals are split
    by splitting the absolute value and negating, so parts of a negative total are <= 0.
    """
    if not weights:
        if total == 0:
            return []
        raise MoneyError("nothing to split the amount over")
    if any(Decimal(str(w)) < 0 for w in weights):
        raise MoneyError("weights must not be negative")
    if total % unit != 0:
        raise MoneyError(f"total {total} is not a multiple of the rounding unit {unit}")
    if total < 0:
        return [-p for p in split_exact(-total, weights, unit)]
    dec_w = [Decimal(str(w)) for w in weights]
    wsum = sum(dec_w, Decimal(0))
    if wsum == 0:
        if total == 0:
            return [Decimal(0) * unit for _ in weights]
        raise MoneyError("all weights are zero: nothing to split the amount by")
    n_units = int(total / unit)
    # Exact shares as fractions, whatever the weight scale: Decimal division rounds to 28
    # significant digits, which broke exact ties between shares of different magnitude
    # (0.3181… kept one more place than 22.3181…), so the tie no longer went to the earlier index.
    exact = [Fraction(w) * n_units / Fraction(wsum) for w in dec_w]
    floors = [int(e) for e in exact]
    left = n_units - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [unit * f for f in floors]


def fmt_money(value: Decimal) -> str:
    """Decimal string with two places, as the CLI and JSON use ("1234.50")."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
