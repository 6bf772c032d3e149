"""The typed xlsx fast path (fastexcel → Arrow) against the grid path (python-calamine → Python
values) on generated workbooks: the same rows, errors (row, column, value, reason), skips,
notes and refusals, whichever path reads the file. Also the text-column shortcut of the
validation (by distinct values or cell by cell) against the per-cell code it replaces."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import ingest
from analysis.ingest import AmbiguousMapping
from tests.workbooks import xlsx

HEADERS = ["订单号", "日期", "销售员", "客户", "产品", "区域", "数量", "金额", "阶段", "行号"]
REQUIRED = {"日期", "销售员", "金额"}

TEXTS = [
    "合计",
    "Total",
    "East Total",
    "小计：",
    " 总 计 ",
    "Total Wine & More",
    "sum",
    "SUM ",
    "Grand Total",
    " 张三 ",
    "\u3000李四",
    "\xa0",
    "  ",
    "2026-01-03",
    "2026年1月3日",
    "2026/1/3 10:00",
    "03/11/2026",
    "13/11/2026",
    "3-Jan-2026",
    "Jan 3, 2026",
    "20260103",
    "1,234.50",
    "¥1,234",
    "(12.5)",
    "12%",
    "3万",
    "1.5e3",
    "abc",
    "Closed Won",
    "Lost",
    "won",
    "已成交",
    "S1",
    "S2",
    "S1 ",
]
text_st = st.one_of(st.sampled_from(TEXTS), st.text(alphabet="aZ 计Tt总s-.,1\u3000", min_size=1, max_size=6))
TYPED_TEXT_ST = text_st.filter(lambda t: re.match(ingest._NON_TEXT_RENDERING, t) is None)
num_st = st.one_of(
    st.sampled_from([731.94, 0.1 + 0.2, 1e9 + 0.5, -5.0, 100.0, 1234.5678901, 2.675, 0.0, 45000.0]),
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),
    st.integers(min_value=-(10**6), max_value=20261231),
)
date_st = st.one_of(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)),
)
CELLS = {
    "num": num_st,
    "date": date_st,
    "text": text_st,
    "mixed": st.one_of(num_st, date_st, text_st, st.booleans(), st.just("=1+1")),
}


@st.composite
def workbooks(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    optional = [h for h in HEADERS if h not in REQUIRED]
    header = [h for h in HEADERS if h in REQUIRED or h in draw(st.sets(st.sampled_from(optional)))]
    likely = {"数量": "num", "金额": "num", "日期": "date"}
    # Typed columns (one cell type each, no text that reads as a number) keep the fast path;
    # mixed ones send the file to the grid path.
    typed = draw(st.booleans())
    kinds = ["text", "num", "date"] if typed else ["text", "num", "date", "mixed"]
    modes = {h: draw(st.sampled_from([likely.get(h, "text")] * 3 + kinds)) for h in header}
    cells = dict(CELLS, text=TYPED_TEXT_ST) if typed else CELLS
    blank_tenths = draw(st.sampled_from([0, 1, 4]))
    n = draw(st.integers(min_value=1, max_value=25))
    body = []
    for _ in range(n):
        if draw(st.integers(0, 19)) == 0:
            body.append([None] * len(header))
            continue
        body.append(
            [None if draw(st.integers(0, 9)) < blank_tenths else draw(cells[modes[h]]) for h in header]
        )
    title = draw(st.sampled_from([[], [["销售明细"], []]]))
    data = xlsx([*title, header, *body])
    opts: dict[str, Any] = {
        "date_order": draw(st.sampled_from([None, "dmy"])),
        "count_stages": draw(st.sampled_from([None, {"Lost", "won"}])),
    }
    return data, opts


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except (ingest.UploadRefused, ingest.AmbiguousMapping) as exc:
        return (type(exc).__name__, str(exc))


def _parse_both(data: bytes, opts: dict[str, Any]) -> tuple[Any, Any]:
    """(fast path outcome or None when it declines, grid path outcome)."""
    kind, zinfo = ingest.check_file(data, "x.xlsx")
    args = (data, "x.xlsx", None, None, opts["date_order"], opts["count_stages"])
    rest = (ingest.DEFAULT_LIMITS, None, kind, zinfo)
    try:
        fast = _outcome(lambda: ingest._parse(*args, *rest, fast=True))
    except ingest._NoFastPath:
        fast = None
    return fast, _outcome(lambda: ingest._parse(*args, *rest, fast=False))


def assert_same_upload(a: Any, b: Any) -> None:
    if not isinstance(a, ingest.ParsedUpload) or not isinstance(b, ingest.ParsedUpload):
        assert a == b
        return
    pd.testing.assert_frame_equal(a.rows, b.rows)
    for name in ("errors", "skipped", "header_row", "mapping", "total_cents", "date_order", "notes"):
        assert getattr(a, name) == getattr(b, name), name
    assert (a.columns, a.stage_counts, a.header_signature) == (b.columns, b.stage_counts, b.header_signature)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workbooks())
def test_fast_path_reads_like_the_grid_path(case: tuple[bytes, dict[str, Any]]) -> None:
    data, opts = case
    fast, grid = _parse_both(data, opts)
    if fast is not None:
        assert_same_upload(fast, grid)
    assert_same_upload(_outcome(lambda: ingest.parse_upload(data, "x.xlsx", **opts)), grid)


def test_empty_typed_cells_are_reported_with_an_empty_value() -> None:
    """A blank cell in a number or date column read by the fast path is reported as '' (as the
    grid path does), not as 'nan' or 'NaT'."""
    rows = [
        ["日期", "销售员", "金额"],
        [dt.date(2026, 1, 1), "A", None],
        [None, "B", 5.0],
        [dt.date(2026, 1, 3), "C", 3.0],
    ]
    fast, grid = _parse_both(xlsx(rows), {"date_order": None, "count_stages": None})
    assert fast is not None
    assert [(e.row, e.value, e.reason) for e in fast.errors] == [
        (2, "", "amount is empty"),
        (3, "", "date is empty"),
    ]
    assert_same_upload(fast, grid)


@pytest.mark.parametrize("n", [0, 1, 5, 3000])
def test_bench_shaped_file_same_on_both_paths(n: int, tmp_path: Any) -> None:
    path = tmp_path / "b.xlsx"
    ingest.write_bench_xlsx(path, n)
    data = path.read_bytes()
    fast, grid = _parse_both(data, {"date_order": None, "count_stages": None})
    if n:
        assert fast is not None and len(fast.rows) == n
    assert_same_upload(fast if fast is not None else grid, grid)


# ---------------------------------------------------------------------------------------------
# The text-column shortcut against the per-cell definitions it replaces

cell_text_st = st.one_of(
    st.sampled_from(TEXTS),
    st.text(alphabet="aZ tT总计sSuUmMoOlL ſKİ\u3000\xa0\t-:（）", max_size=12),
)


def _total_label_reference(cells: list[str]) -> tuple[list[bool], list[bool]]:
    """The totals test per cell as the parser always ran it (hint, trim, lower, ≤ 40, regexes)."""
    t = pd.Series(cells, dtype="str")
    t = t[t.str.contains(ingest._TOTAL_HINT, case=False, regex=True)].str.strip().str.lower()
    t = t[t.str.len() <= 40]
    exact, loose = [False] * len(cells), [False] * len(cells)
    for i, e, lo in zip(
        t.index, t.str.contains(ingest._TOTAL_EXACT), t.str.contains(ingest._TOTAL_LOOSE), strict=True
    ):
        exact[i], loose[i] = bool(e), bool(lo)
    return exact, loose


@given(st.lists(cell_text_st, max_size=40), st.data())
def test_text_column_by_distinct_values_and_by_cell_agree(cells: list[str], data: st.DataObject) -> None:
    """Both ways of reading a text column give, per cell, what the per-cell code gives: blank
    after trimming, the trimmed text (None when blank), totals labels; and the same verdict on
    repeated keys."""
    arr = pa.array(cells, type=pa.large_string())
    s = pd.Series(cells, dtype="str")
    blank = (s.str.strip(ingest._BLANK_CHARS) == "").tolist()
    kinds = pd.Series(["empty" if b else "str" for b in blank], dtype=ingest._KIND_DTYPE)
    text = ingest._text_values(s, kinds).tolist()
    exact, loose = _total_label_reference(cells)
    rows = np.array(data.draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells))), dtype=bool)
    rows &= ~np.array(blank, dtype=bool)
    keys = [text[i] for i in np.flatnonzero(rows)]
    for by_distinct in (True, False):
        col = ingest._TextColumn(arr, by_distinct=by_distinct)
        assert col.blank.tolist() == blank
        assert col.objects().tolist() == text
        labels = col.total_labels()
        got_exact, got_loose = labels if labels is not None else (np.zeros(len(cells), dtype=bool),) * 2
        assert (got_exact.tolist(), got_loose.tolist()) == (exact, loose)
        assert col.has_duplicates(rows) == (len(set(keys)) < len(keys))


@given(cell_text_st)
def test_total_prefilter_keeps_every_cell_the_totals_regexes_accept(cell: str) -> None:
    exact, loose = _total_label_reference([cell])
    if exact[0] or loose[0]:
        assert ingest._may_name_a_total(pa.array([cell]))[0]
    sliced = pa.array(["x", cell, "计"], type=pa.large_string()).slice(1, 1)
    assert ingest._may_name_a_total(sliced).tolist() == ingest._may_name_a_total(pa.array([cell])).tolist()


def _micros_to_cents_reference(micros: list[int]) -> list[int]:
    """Largest remainder rounding with Python ints only (what micros_to_cents does)."""
    per_cent = 10**4
    floors = [m // per_cent for m in micros]
    total = sum(micros)
    q, r = divmod(abs(total), per_cent)
    total_cents = (q + (1 if 2 * r >= per_cent else 0)) * (1 if total >= 0 else -1)
    order = sorted(range(len(micros)), key=lambda i: (-(micros[i] - floors[i] * per_cent), i))
    cents = list(floors)
    for i in order[: total_cents - sum(floors)]:
        cents[i] += 1
    return cents


@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(10**12), max_value=10**12),
            st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1),
        ),
        max_size=30,
    )
)
def test_micros_to_cents_matches_python_ints(micros: list[int]) -> None:
    """The int64 sums (taken when they cannot overflow) give what Python's unbounded ints give."""
    got = ingest.micros_to_cents(pd.Series(micros, dtype="int64")).tolist()
    assert got == _micros_to_cents_reference(micros)
    assert sum(got) * 10**4 - sum(micros) in range(-(10**4) // 2, 10**4 // 2 + 1)


def test_ambiguous_day_month_after_other_date_formats_is_asked_not_a_crash() -> None:
    """03/11/2026 in a column that also holds 2026-01-05 asks for the date order (the sample
    lookup used to raise pandas' IndexingError once some cells were read by another format)."""
    lines = ["日期,销售员,金额", "2026-01-05,A,1", "03/11/2026,B,2"]
    with pytest.raises(AmbiguousMapping, match="03/11/2026"):
        ingest.parse_upload("\n".join(lines).encode(), "x.csv")
    lines.append("13/11/2026,C,3")
    lines.append("11/13/2026,C,3")
    with pytest.raises(AmbiguousMapping, match="mixes day-first and month-first dates"):
        ingest.parse_upload("\n".join(lines).encode(), "x.csv")
    p = ingest.parse_upload("\n".join(lines[:3]).encode(), "x.csv", date_order="dmy")
    assert p.rows["date"].tolist() == [pd.Timestamp("2026-01-05"), pd.Timestamp("2026-11-03")]
