"""Customer satisfaction (CSAT) answers: the second import type (date, customer, rep, score).

Scale: **1-5** (1 = very dissatisfied, 5 = very satisfied), whole numbers only. A 0 or a value
above 5 (a 0-10 NPS-style answer) is a row error, never rescaled silently. Text like "4分" or
"4/5" is read as 4. The rep is matched by rep id or unique name, the customer by customer id or
unique name; unknown ones are row errors. The file is read with :mod:`analysis.tablefile` (the
actuals reader's safety checks, encodings and header detection). Rows are stored only when the
whole file is clean (all-or-nothing, like actuals); the same file twice is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from analysis import store
from analysis.tablefile import RowError, date_cells, name_matcher, read_table, text_cells

SCALE = (1, 5)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "调查日期", "回访日期", "评价日期", "反馈日期", "date", "surveydate", "responsedate", "day"),
    "customer": ("客户", "客户名称", "客户名", "客户编号", "customer", "customername", "account", "client", "customerid"),
    "rep": ("销售", "销售员", "销售人员", "业务员", "负责人", "工号", "rep", "salesrep", "salesperson", "owner", "repid"),
    "score": ("评分", "满意度", "满意度评分", "分数", "得分", "score", "csat", "rating", "satisfaction"),
}  # fmt: skip
REQUIRED = ("date", "customer", "rep", "score")
_SCORE_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:分|points?|pts?)?\s*(?:/\s*(\d+))?\s*$", re.IGNORECASE)


class CsatError(ValueError):
    """A CSAT import that cannot be stored (row errors, nothing to import); the message says why."""


@dataclass
class CsatFile:
    """Validated answers [day, rep_id, customer_id, score, row] and the problems per row."""

    rows: pd.DataFrame
    errors: list[RowError]
    file_hash: str
    sheet: str | None
    header_row: int
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and len(self.rows) > 0


def parse_score(text: str | None) -> tuple[int | None, str | None]:
    """A cell → (score 1-5, None) or (None, reason)."""
    if text is None:
        return None, "score is empty"
    m = _SCORE_TEXT.match(unicodedata.normalize("NFKC", text))
    if not m:
        return None, "score is not a number"
    if m.group(2) is not None and int(m.group(2)) != SCALE[1]:
        return None, f"score {text!r} is not on the {SCALE[0]}-{SCALE[1]} scale"
    v = float(m.group(1))
    if not v.is_integer():
        return None, f"score must be a whole number {SCALE[0]}-{SCALE[1]}"
    if not SCALE[0] <= v <= SCALE[1]:
        hint = " (a 0-10 score? convert it to 1-5 first)" if 0 <= v <= 10 else ""
        return None, f"score {int(v)} is outside the {SCALE[0]}-{SCALE[1]} scale{hint}"
    return int(v), None


def parse_file(
    data: bytes,
    filename: str,
    reps: pd.DataFrame,
    customers: pd.DataFrame,
    today: dt.date | None = None,
    sheet: str | None = None,
) -> CsatFile:
    """Read and validate a CSAT file. ``reps``: [rep_id, name]; ``customers``: [customer_id, name].
    Answers dated after ``today`` are errors. Raises ``UploadRefused`` for unsafe/unreadable files
    or a missing column; every cell problem is a ``RowError``."""
    tbl = read_table(data, filename, SYNONYMS, REQUIRED, sheet=sheet)
    days, day_why = date_cells(tbl, "date")
    rep_of = name_matcher(list(reps["rep_id"]), list(reps["name"]))
    cust_of = name_matcher(list(customers["customer_id"]), list(customers["name"]))
    errors: list[RowError] = []
    out = []
    for k, (row, day, why, rep, cust, sc) in enumerate(
        zip(tbl.rows, days, day_why, text_cells(tbl, "rep"), text_cells(tbl, "customer"),
            text_cells(tbl, "score"), strict=True)
    ):  # fmt: skip
        before = len(errors)

        def err(name: str, value: object, reason: str) -> None:
            errors.append(RowError(row, tbl.labels[name], "" if value is None else str(value), reason))  # noqa: B023

        for name in REQUIRED:
            if tbl.bad[name].iloc[k]:
                err(name, tbl.cells[name].iloc[k], str(tbl.bad[name].iloc[k]))
        if day is None:
            err("date", tbl.cells["date"].iloc[k], why or "date is empty")
        elif today is not None and day > today:
            err("date", day, f"date {day} is after today ({today})")
        rep_id, rwhy = rep_of(rep) if rep else (None, "rep is empty")
        if rep_id is None:
            err(
                "rep",
                rep,
                "unknown rep: add the rep first or use the rep id" if rwhy == "unknown" else str(rwhy),
            )
        cust_id, cwhy = cust_of(cust) if cust else (None, "customer is empty")
        if cust_id is None:
            err("customer", cust, "unknown customer: use a customer name or id from the sales data"
                if cwhy == "unknown" else str(cwhy))  # fmt: skip
        score, swhy = parse_score(sc)
        if score is None:
            err("score", sc, str(swhy))
        if len(errors) == before:
            out.append({"day": day, "rep_id": rep_id, "customer_id": cust_id, "score": score, "row": row})
    frame = pd.DataFrame(out, columns=["day", "rep_id", "customer_id", "score", "row"])
    return CsatFile(frame, errors, tbl.file_hash, tbl.sheet, tbl.header_row, tbl.notes)


def read(
    con: store.Connection, data: bytes, filename: str, today: dt.date | None = None, sheet: str | None = None
) -> CsatFile:
    """:func:`parse_file` against the reps and customers in the store."""
    custs = store.customers_frame(con)[["customer_id", "name"]]
    return parse_file(data, filename, store.reps_frame(con)[["rep_id", "name"]], custs, today, sheet)


def commit(con: store.Connection, parsed: CsatFile, file_name: str) -> int:
    """Store a clean file's answers in one transaction; returns the import id. Refuses a file with
    row errors or no rows (nothing stored); ``store.AlreadyImported`` for the same file twice."""
    if parsed.errors:
        raise CsatError(
            f"{len(parsed.errors)} row(s) have errors; fix them and import again (nothing stored)"
        )
    if parsed.rows.empty:
        raise CsatError("the file has no answers")
    return store.add_csat_scores(
        con,
        parsed.rows.drop(columns="row"),
        file_name=file_name,
        file_hash=parsed.file_hash,
    )


def by_rep(con: store.Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """[rep_id, responses, avg_score] over [start, end] (the scorecard's customer satisfaction KPI)."""
    return store.csat_by_rep(con, start, end)
