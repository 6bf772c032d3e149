"""Small side tables from Excel/CSV (CSAT answers, task lists) read through the actuals reader's safety.

The bytes pass :func:`analysis.filesafety.check_upload` (size, signature, zip-bomb and XML checks)
and are read by the same readers as actuals (:mod:`analysis.ingest`: calamine for workbooks with
formula/error cell detection, text decoding with BOM/UTF-8/GB18030 and delimiter sniffing). The
header row is found among the first 20 rows of each sheet as the row naming the most known
columns; the sheet with the best header wins. Nothing is stored here: callers validate the cells
and report :class:`analysis.ingest.RowError` per row, with the row number as Excel shows it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.filesafety import DEFAULT_LIMITS, Limits, UploadRefused
from analysis.ingest import (
    RowError,
    _cell_kinds,
    _parse_dates,
    _Sheet,
    _text_values,
    check_file,
    grid_sheets,
    normalize_header,
)

__all__ = ["RowError", "Table", "date_cells", "name_matcher", "read_table", "text_cells"]

_HEAD_ROWS = 20


@dataclass
class Table:
    """The mapped columns of one sheet, body rows only (rows blank in every mapped column dropped).

    ``cells[field]`` holds the raw values (object Series, index 0..n-1), ``rows`` the row number of
    each as the file shows it, ``labels[field]`` the header text, ``bad[field]`` a reason for a
    formula without a cached value or an error cell (None when the cell is fine)."""

    cells: dict[str, pd.Series]
    rows: list[int]
    labels: dict[str, str]
    bad: dict[str, pd.Series]
    sheet: str | None
    header_row: int
    file_hash: str
    date1904: bool = False
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def _match(header: Sequence[object], synonyms: Mapping[str, Sequence[str]]) -> dict[str, int]:
    keys = [normalize_header(c) if isinstance(c, str) else "" for c in header]
    out: dict[str, int] = {}
    for name, words in synonyms.items():
        wanted = [normalize_header(w) for w in words]
        hits = [i for i, k in enumerate(keys) if k and k in wanted and i not in out.values()]
        if hits:
            out[name] = min(hits, key=lambda i: wanted.index(keys[i]))
    return out


def _best_header(
    sheet: _Sheet, synonyms: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[int, int, dict[str, int]]:
    """(score, row index, field → column) of the best header row among the first rows."""
    best: tuple[int, int, dict[str, int]] = (-1, 0, {})
    for i, row in enumerate(sheet.grid[:_HEAD_ROWS]):
        found = _match(row, synonyms)
        score = sum(3 if f in required else 1 for f in found)
        if score > best[0]:
            best = (score, i, found)
    return best


def read_table(
    data: bytes,
    filename: str,
    synonyms: Mapping[str, Sequence[str]],
    required: Sequence[str],
    *,
    sheet: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Table:
    """Read the columns named by ``synonyms`` (field → header words, compared after
    ``ingest.normalize_header``). Raises ``UploadRefused`` when the file is unsafe, unreadable,
    empty, or has no column for a ``required`` field (the message names it and the header found)."""
    kind, zinfo = check_file(data, filename, limits)
    sheets, notes = grid_sheets(data, kind, zinfo, limits)
    sheets = [s for s in sheets if s.grid]
    if sheet is not None:
        sheets = [s for s in sheets if s.name == sheet]
        if not sheets:
            raise UploadRefused(f"no sheet named {sheet!r} with rows", "no_sheet")
    if not sheets:
        raise UploadRefused("the file has no rows", "empty")
    scored = [(_best_header(s, synonyms, required), k, s) for k, s in enumerate(sheets)]
    (_, head, cols), _, chosen = max(scored, key=lambda x: (x[0][0], -x[1]))
    header = chosen.grid[head]
    missing = [f for f in required if f not in cols]
    if missing:
        found = ", ".join(str(c) for c in header if c not in (None, "")) or "(empty)"
        raise UploadRefused(
            f"no column for {', '.join(missing)}; the header row reads: {found}", "missing_columns"
        )
    if len(sheets) > 1:
        notes.append(f"read sheet {chosen.name!r}")

    def rownum(i: int) -> int:
        return chosen.row_numbers[i] if chosen.row_numbers is not None else i + 1

    body = range(head + 1, len(chosen.grid))
    raw: dict[str, list[Any]] = {f: [] for f in cols}
    bad: dict[str, list[str | None]] = {f: [] for f in cols}
    rows: list[int] = []
    for i in body:
        line = chosen.grid[i]
        vals = {f: (line[j] if j < len(line) else None) for f, j in cols.items()}
        flags = {f: chosen.bad_cells.get((i, j)) for f, j in cols.items()}
        blank = all(
            (v is None or (isinstance(v, str) and not v.strip(" \t\r\n\u3000\xa0"))) and flags[f] is None
            for f, v in vals.items()
        )
        if blank:
            continue
        rows.append(rownum(i))
        for f in cols:
            raw[f].append(vals[f])
            bad[f].append(flags[f])
    labels = {
        f: str(header[j]).strip() if header[j] is not None else f"column {j + 1}" for f, j in cols.items()
    }
    return Table(
        cells={f: pd.Series(v, dtype=object) for f, v in raw.items()},
        rows=rows,
        labels=labels,
        bad={f: pd.Series(v, dtype=object) for f, v in bad.items()},
        sheet=chosen.name or None,
        header_row=rownum(head),
        file_hash=hashlib.sha256(data).hexdigest(),
        date1904=chosen.date1904,
        notes=notes,
    )


def text_cells(table: Table, name: str) -> list[str | None]:
    """The trimmed text of a column (numbers without '.0', dates ISO), None for empty cells or a
    field without a column."""
    if name not in table.cells:
        return [None] * len(table)
    s = table.cells[name]
    return [None if v is None else str(v) for v in _text_values(s, _cell_kinds(s)).tolist()]


def date_cells(table: Table, name: str) -> tuple[list[Any], list[str | None]]:
    """A column as days (``datetime.date`` or None) and a reason per cell (None when fine or empty).

    Read like actuals' dates (Excel serials in either date system, 2026-11-03, 2026年11月3日,
    20261103, 3 Nov 2026; d/m vs m/d decided from the column, ``AmbiguousMapping`` when it cannot be)."""
    if name not in table.cells:
        return [None] * len(table), [None] * len(table)
    s = table.cells[name]
    kinds = _cell_kinds(s)
    days, why, _ = _parse_dates(s, kinds, table.date1904, None, table.labels[name])
    empty = (kinds == "empty").tolist()
    out = [None if pd.isna(d) else pd.Timestamp(d).date() for d in days.tolist()]
    reasons = [None if e or pd.isna(w) else str(w) for w, e in zip(why.tolist(), empty, strict=True)]
    return out, reasons


def _key(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().casefold().replace(" ", "").replace("\u3000", "")


def name_matcher(
    ids: Sequence[object], names: Sequence[object]
) -> Callable[[str], tuple[str | None, str | None]]:
    """A function text → (id, None) or (None, reason): matches an id first, else a unique name
    (case, width and spaces ignored)."""
    by_id = {_key(i): str(i) for i in ids}
    by_name: dict[str, list[str]] = {}
    for i, n in zip(ids, names, strict=True):
        by_name.setdefault(_key(n), []).append(str(i))

    def match(text: str) -> tuple[str | None, str | None]:
        k = _key(text)
        if k in by_id:
            return by_id[k], None
        hit = by_name.get(k, [])
        if len(hit) == 1:
            return hit[0], None
        if len(hit) > 1:
            return None, f"{text!r} names {len(hit)} entries ({', '.join(hit[:5])}); use the id"
        return None, "unknown"

    return match
