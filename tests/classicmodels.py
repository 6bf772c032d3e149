"""A ClassicModels-like orders file, made here (the real sample database is not available offline).

The MySQL sample database "classicmodels" has 326 orders: 303 Shipped, 6 Cancelled, 6 In Process,
4 On Hold, 4 Resolved and 3 Disputed. Issue 15 gives its import by default as 320 orders worth
9,365,336.43 (every status but Cancelled) and 326 with every status counted. This file has the
same status counts and those two totals (Cancelled orders: 238,854.18); the order numbers, dates,
customers, reps and the other amounts are invented, deterministically.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

STATUSES = {"Shipped": 303, "Cancelled": 6, "In Process": 6, "On Hold": 4, "Resolved": 4, "Disputed": 3}
COUNTED_TOTAL = Decimal("9365336.43")  # every status but Cancelled: 320 orders
CANCELLED_TOTAL = Decimal("238854.18")
REPS = [
    "Leslie Jennings",
    "Gerard Hernandez",
    "Pamela Castillo",
    "Larry Bott",
    "Barry Jones",
    "George Vanauf",
]


def orders(seed: int = 15) -> list[tuple[int, dt.date, str, str, str, Decimal]]:
    """(orderNumber, orderDate, status, customerName, salesRep, amount) for 326 orders."""
    rng = random.Random(seed)
    statuses = [s for s, n in STATUSES.items() for _ in range(n)]
    rng.shuffle(statuses)
    counted = [i for i, s in enumerate(statuses) if s != "Cancelled"]
    cancelled = [i for i, s in enumerate(statuses) if s == "Cancelled"]
    weights = [rng.randint(1_000, 5_500) for _ in statuses]
    amounts = [Decimal(0)] * len(statuses)
    for group, total in ((counted, COUNTED_TOTAL), (cancelled, CANCELLED_TOTAL)):
        cents, w = int(total * 100), sum(weights[i] for i in group)
        for i in group:
            amounts[i] = Decimal(cents * weights[i] // w).scaleb(-2)
        amounts[group[-1]] += total - sum((amounts[i] for i in group), Decimal(0))
    start = dt.date(2003, 1, 6)
    return [
        (
            10100 + i,
            start + dt.timedelta(days=i * 876 // len(statuses)),
            s,
            f"Customer {rng.randint(1, 98):02d}",
            rng.choice(REPS),
            amounts[i],
        )
        for i, s in enumerate(statuses)
    ]


def orders_csv(seed: int = 15) -> bytes:
    """The orders as a CSV file with ClassicModels' column names (plus the rep and the amount)."""
    lines = ["orderNumber,orderDate,status,customerName,salesRep,amount"]
    lines += [f"{n},{d.isoformat()},{s},{c},{r},{a}" for n, d, s, c, r, a in orders(seed)]
    return ("\n".join(lines) + "\n").encode()
