"""Read sales actuals from Excel and CSV files as offices really export them.

``parse_upload(data, filename)`` turns the bytes of one upload into validated rows (one row per
sale: day, rep, amount in integer cents), plus the rows it skipped (blank, totals, non-won stages)
and the errors per row with the row number as Excel or a text editor shows it. It never writes
anything: the store commits ``ParsedUpload.rows`` only when ``errors`` is empty (or the user
excluded those rows).

Decisions worth knowing:
- Formats are told by signature (``filesafety.detect_kind``): xlsx/xlsm/xlsb/ods/xls through
  python-calamine (handles the 1900 and 1904 date systems), text through the csv module after
  encoding (UTF-8, BOM, UTF-16, GBK/GB18030) and delimiter (, ; tab |) detection.
- Money never passes through float arithmetic: a float cell is ``repr()``-ed (731.9399999999999
  → "731.9399999999999") and the decimal string is rounded half-up to cents with integer
  arithmetic on its digits; 万/亿 in the cell or the header shift the decimal point exactly.
- Formula cells are read by their cached value. calamine returns "" both for an empty cell and
  for a formula or error cell without a value, so the worksheet XML is scanned for ``<f>`` cells
  without ``<v>`` and for ``t="e"`` error cells; those are row errors in mapped columns.
- No rep column but a Region column and a "People"-like sheet (Region → Person, one person per
  region, e.g. Tableau's Superstore): the person becomes the rep and ``mapping["rep"]`` reads
  ``"People!Person (by Region)"``.
- An order key that repeats inside the file (order lines) is combined with a line/row id column
  when there is one ("CA-2016-152156#1"); otherwise it is dropped (``order_key`` None) with a note,
  because repeated lines in one file are legitimate sales, not duplicates.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import re
import statistics
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from defusedxml import ElementTree as SafeET

from analysis.filesafety import (
    DEFAULT_LIMITS,
    FileKind,
    IngestError,
    Limits,
    UploadRefused,
    ZipInspection,
    check_upload,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FIELDS",
    "AmbiguousMapping",
    "IngestError",
    "Limits",
    "MissingColumns",
    "ParsedUpload",
    "RowError",
    "Skip",
    "UploadRefused",
    "bench_ingest",
    "check_file",
    "grid_sheets",
    "write_bench_xlsx",
    "normalize_header",
    "parse_upload",
]

FIELDS = ("date", "rep", "customer", "product", "region", "quantity", "amount", "order_key")
REQUIRED = ("date", "rep", "amount")
_AUX_FIELDS = ("stage", "line")
ROW_COLUMNS = [
    "date",
    "rep",
    "customer",
    "product",
    "region",
    "quantity",
    "amount_cents",
    "order_key",
    "excel_row",
]

# Normalised header names (see normalize_header) per field, best first. Tier 2 (after the "|")
# is used only when tier 1 finds nothing, e.g. a customer id when there is no customer name.
_SYNONYMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "date": (
        (
            "日期",
            "订单日期",
            "销售日期",
            "成交日期",
            "下单日期",
            "单据日期",
            "签约日期",
            "开票日期",
            "业务日期",
            "交易日期",
            "date",
            "orderdate",
            "closedate",
            "saledate",
            "salesdate",
            "invoicedate",
            "transactiondate",
            "dealclosedate",
            "closedwondate",
            "documentdate",
            "postingdate",
        ),
        ("创建日期", "createddate", "createdate", "shipdate", "发货日期"),
    ),
    "rep": (
        (
            "销售员",
            "业务员",
            "销售人员",
            "销售代表",
            "业务代表",
            "负责人",
            "经办人",
            "销售",
            "销售经理",
            "客户经理",
            "所有者",
            "owner",
            "opportunityowner",
            "dealowner",
            "accountowner",
            "salesrep",
            "salesperson",
            "salesman",
            "rep",
            "representative",
            "employee",
            "employeename",
            "seller",
            "accountmanager",
            "salesexecutive",
            "agent",
        ),
        ("姓名", "员工", "员工姓名", "person", "name", "manager"),
    ),
    "customer": (
        (
            "客户",
            "客户名称",
            "客户名",
            "客户全称",
            "购买方",
            "购货单位",
            "单位名称",
            "account",
            "accountname",
            "customer",
            "customername",
            "client",
            "clientname",
            "company",
            "companyname",
            "buyer",
        ),
        ("客户编号", "客户代码", "customerid", "accountid", "clientid", "customercode"),
    ),
    "product": (
        (
            "产品",
            "产品名称",
            "商品",
            "商品名称",
            "品名",
            "物料名称",
            "存货名称",
            "货品名称",
            "product",
            "productname",
            "item",
            "itemname",
            "productdescription",
        ),
        (
            "产品编号",
            "商品编码",
            "物料编码",
            "sku",
            "productid",
            "itemid",
            "productcode",
            "category",
            "产品类别",
        ),
    ),
    "region": (
        (
            "区域",
            "地区",
            "大区",
            "片区",
            "销售区域",
            "所属区域",
            "region",
            "territory",
            "area",
            "salesregion",
        ),
        ("省份", "省", "城市", "country", "state", "province"),
    ),
    "quantity": (("数量", "销量", "销售数量", "件数", "quantity", "qty", "units", "unitssold"), ()),
    "amount": (
        (
            "金额",
            "销售额",
            "销售金额",
            "成交金额",
            "合同金额",
            "订单金额",
            "实收金额",
            "含税金额",
            "价税合计",
            "收入",
            "销售收入",
            "营业额",
            "总金额",
            "amount",
            "sales",
            "total",
            "revenue",
            "subtotal",
            "totaldue",
            "totalamount",
            "salesamount",
            "netsales",
            "linetotal",
            "extendedprice",
            "dealvalue",
            "dealamount",
            "orderamount",
            "ordertotal",
            "invoiceamount",
            "grandtotal",
            "netamount",
            "value",
            "totalsales",
        ),
        (),
    ),
    "order_key": (
        (
            "订单号",
            "订单编号",
            "单据编号",
            "单据号",
            "单号",
            "发票号",
            "发票号码",
            "合同编号",
            "合同号",
            "orderid",
            "ordernumber",
            "orderno",
            "invoice",
            "invoiceno",
            "invoicenumber",
            "invoiceid",
            "salesorderid",
            "salesordernumber",
            "salesorder",
            "dealid",
            "opportunityid",
            "documentno",
            "documentnumber",
        ),
        (),
    ),
    "stage": (
        (
            "阶段",
            "销售阶段",
            "商机阶段",
            "状态",
            "订单状态",
            "单据状态",
            "stage",
            "dealstage",
            "opportunitystage",
            "status",
            "orderstatus",
            "salesstage",
        ),
        (),
    ),
    "line": (
        ("行号", "明细行号", "序号", "rowid", "lineid", "lineno", "linenumber", "orderlineid", "row"),
        (),
    ),
}
# Per field and tier: synonym → its position in the tier (the first one when it repeats).
_SYNONYM_RANKS = {
    name: tuple({syn: rank for rank, syn in reversed(list(enumerate(tier)))} for tier in tiers)
    for name, tiers in _SYNONYMS.items()
}
_UNIT_IN_HEADER = (("亿", 8), ("万", 4), ("千", 3))

# Status policy (issue 15): which values of a status / stage column count as sales by default.
# An order counts from the moment it is booked until it is reversed: won, shipped, completed and
# resolved orders count, and so do orders still being processed, held or disputed (they are sold;
# ClassicModels: 320 of its 326 orders). Reversed orders (cancelled, lost, void, refunded,
# returned, rejected) and open opportunities (prospecting … negotiation: not sold yet) do not.
# Any other value is not recognised: the page asks, the command line leaves it out with a note;
# ``count_stages`` (``--count-status``) replaces the policy ("*": every value counts).
_STATUS_COUNT_WORDS = (
    "Closed Won", "Won", "Closed - Won", "Closed/Won", "赢单", "成交", "已成交", "赢得", "签约", "已签约",
    "Shipped", "Partially Shipped", "Completed", "Complete", "已完成", "完成", "Done", "Closed",
    "Delivered", "已发货", "发货", "已交付", "已签收", "Paid", "已付款", "已收款", "Invoiced", "已开票",
    "Fulfilled", "Resolved", "已解决", "已结算", "Settled",
    "In Process", "Processing", "In Progress", "处理中", "进行中", "On Hold", "Hold", "暂停", "挂起",
    "Disputed", "Dispute", "有争议", "争议中", "Pending", "Pending Shipment", "待发货", "待收货",
    "Ordered", "Booked", "已下单", "已确认", "Confirmed", "Approved", "已审核", "已审批",
)  # fmt: skip
_STATUS_DROP_WORDS = (
    "Cancelled", "Canceled", "Cancel", "已取消", "取消", "Lost", "Closed Lost", "Closed - Lost",
    "Closed/Lost", "丢单", "输单", "失败", "Void", "Voided", "作废", "已作废", "Refunded", "Refund",
    "退款", "已退款", "Returned", "退货", "已退货", "Rejected", "Declined", "已拒绝", "拒绝", "驳回",
    "Prospecting", "Prospect", "Lead", "Qualification", "Qualified", "Needs Analysis",
    "Value Proposition", "Proposal", "Proposal/Price Quote", "Quote", "Negotiation",
    "Negotiation/Review", "Id. Decision Makers", "Perception Analysis", "线索", "商机", "初步接洽",
    "需求确认", "需求分析", "方案报价", "报价", "谈判", "商务谈判", "Open", "Draft", "草稿",
)  # fmt: skip


def status_key(value: object) -> str:
    """A status value compared case-, space- and punctuation-blind ("Closed - Won" = "closedwon")."""
    return re.sub(r"[\s\-_/.·]+", "", str(value)).lower()


_STATUS_COUNT = frozenset(status_key(v) for v in _STATUS_COUNT_WORDS)
_STATUS_DROP = frozenset(status_key(v) for v in _STATUS_DROP_WORDS) - _STATUS_COUNT
_WON_STAGES = _STATUS_COUNT  # the name older callers know


def status_policy(value: object) -> str:
    """ "count", "drop" or "unknown": what the default policy does with a status value."""
    k = status_key(value)
    return "count" if k in _STATUS_COUNT else "drop" if k in _STATUS_DROP else "unknown"


_TOTAL_WORDS = (
    r"(?:合\s*计|小\s*计|总\s*计|共\s*计|总\s*合\s*计|累\s*计|grand\s*total|sub-?\s*total|totals?|sum)"
)
# Applied to lower-cased text. Exact: the cell is only the word (plus punctuation). Loose: the cell
# starts or ends with it ("合计：", "East Total"), which counts only when the row has no date, so a
# customer called "Total Wine & More" on a dated row is still a sale.
_TOTAL_EXACT = rf"^[\s:：()（）\[\]*-]*{_TOTAL_WORDS}[\s:：()（）\[\]*-]*$"
_TOTAL_LOOSE = rf"^{_TOTAL_WORDS}|{_TOTAL_WORDS}$"
_TOTAL_HINT = r"total|sum|计"

_EPOCH_1900 = np.datetime64("1899-12-30", "D")
_EPOCH_1904 = np.datetime64("1904-01-01", "D")
_MICRO_DIGITS = 6  # amounts are first read exactly to 10^-6 of a unit (float noise sits further right)
_MAX_MICRO_DIGITS = 18  # below 10^12 units: far above any sales figure, safely inside int64


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: ``row`` as Excel/the text editor shows it, ``column`` the source header."""

    row: int
    column: str
    value: str
    reason: str
    code: str = ""


@dataclass(frozen=True)
class Skip:
    """Rows left out on purpose (blank, totals, a stage that does not count), with their row numbers."""

    reason: str
    count: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class StatusSummary:
    """One value of the status column: its rows and amount (rows with a valid amount), whether
    it counts in this parse, and what the default policy says ("count", "drop" or "unknown")."""

    value: str
    rows: int
    amount_cents: int
    counts: bool
    policy: str


@dataclass
class ParsedUpload:
    """The outcome of reading one upload; see the module docstring for the columns of ``rows``."""

    rows: pd.DataFrame
    errors: list[RowError]
    skipped: list[Skip]
    sheets: list[str]
    sheet: str | None
    header_row: int
    mapping: dict[str, str]
    candidates: dict[str, list[str]]
    header_signature: str
    file_hash: str
    total_cents: int
    file_kind: str = ""
    date_order: str | None = None
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the header row as read ("column N" when blank)
    stage_counts: dict[str, int] = field(default_factory=dict)  # stage value → rows (blank/totals excluded)
    status: list[StatusSummary] = field(default_factory=list)  # every status value, most rows first
    mapping_remembered: bool = False  # the mapping came from ``remembered`` for this header signature

    @property
    def ok(self) -> bool:
        return not self.errors


class AmbiguousMapping(IngestError):
    """Detection found several plausible answers; the message names them and the option to pass."""

    def __init__(
        self,
        message: str,
        field_name: str,
        candidates: Sequence[str],
        code: str = "ambiguous",
        columns: Sequence[str] = (),
    ) -> None:
        super().__init__(message, code)
        self.field = field_name
        self.candidates = list(candidates)
        self.columns = list(columns)  # the header, so a UI can offer every column


class MissingColumns(UploadRefused):
    """No column was found for required fields; ``columns`` is the header to choose from."""

    def __init__(self, message: str, fields: Sequence[str], columns: Sequence[str]) -> None:
        super().__init__(message, "missing_columns")
        self.fields = list(fields)
        self.columns = list(columns)


# ---------------------------------------------------------------------------------------------
# Headers and mapping


def normalize_header(text: object) -> str:
    """Header text → comparable key: NFKC, lower case, no spaces/punctuation, no unit suffix in brackets."""
    return _normalize_header_text("" if text is None else str(text))


@functools.lru_cache(maxsize=4096)
def _normalize_header_text(text: str) -> str:
    # Cached: the first 20 rows of every sheet are scored as header candidates, several times.
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"[(\[（【].*?[)\]）】]", "", s)
    return re.sub(r"[\s_\-./:：#*·]+", "", s)


def _header_unit(text: str) -> int:
    """Power of ten a header's unit applies (金额(万元) → 4); 0 when there is none."""
    s = unicodedata.normalize("NFKC", text)
    bracket = re.findall(r"[(\[（【](.*?)[)\]）】]", s)
    tail = bracket[-1] if bracket else (s[-2:] if s.endswith(("万元", "亿元", "千元")) else "")
    for word, power in _UNIT_IN_HEADER:
        if word in tail:
            return power
    return 0


def _field_candidates(headers: Sequence[str]) -> dict[str, tuple[list[int], int]]:
    """For each field: column indexes that match its synonyms, and the tier (1 or 2) that matched."""
    keys = [normalize_header(h) for h in headers]
    out: dict[str, tuple[list[int], int]] = {}
    for name, tiers in _SYNONYM_RANKS.items():
        for tier_no, rank in enumerate(tiers, start=1):
            hits = [i for i, k in enumerate(keys) if k and k in rank]
            if hits:
                # Best synonym first, so "订单日期" beats a generic "日期" only by order, not silently.
                hits.sort(key=lambda i, r=rank: r[keys[i]])  # type: ignore[misc]
                out[name] = (hits, tier_no)
                break
    return out


def _header_score(row: Sequence[object]) -> int:
    cells = [c for c in row if isinstance(c, str) and c.strip()]
    if len(cells) < 2:
        return 0
    found = _field_candidates([str(c) for c in row])
    weight = sum(3 if f in REQUIRED else 1 for f in found)
    return 10 * weight + len(cells)


def _find_header(grid: Sequence[Sequence[object]]) -> int:
    """Index of the header row among the first 20 rows: the row that names the most known fields."""
    best, best_score = 0, -1
    for i, row in enumerate(grid[:20]):
        score = _header_score(row)
        if score > best_score:
            best, best_score = i, score
    return best


# ---------------------------------------------------------------------------------------------
# Reading files into grids (lists of rows of Python values)


@dataclass
class _Sheet:
    name: str
    grid: list[list[Any]]
    row_numbers: list[int] | None = None  # text files: the line each record starts on
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) → reason
    ragged: dict[int, int] = field(default_factory=dict)  # grid index → field count, text files
    date1904: bool = False
    body: _FastBody | None = None  # xlsx fast path: ``grid`` holds only the first rows


class _NoFastPath(Exception):
    """The typed fast path cannot prove it reads this workbook exactly as the grid path; use that."""


_FORMULA_NEEDLES = (b"<f", b":f", b't="e"')
_HEAD_ROWS = 20
_NOT_TEXT = object()  # a non-text, non-empty cell in the first rows (number, date, bool, error)
# How fastexcel renders a non-text cell in a column it typed as string: if a string column has
# such a value, it may mix cell types (a number's text there is not its shortest repr), so the
# grid path reads the file instead.
_NON_TEXT_RENDERING = r"^(-?\d+(\.\d+)?|true|false|\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?)?)$"


@dataclass
class _FastBody:
    """A worksheet read through fastexcel (calamine → Arrow, typed columns, no Python object per cell)."""

    data: bytes
    name: str
    start_row: int  # 0-based Excel row of the first row calamine's range holds
    width: int  # columns from A to the last column holding a value in the first rows

    def load(
        self, h: int, header: Sequence[str], wanted: Iterable[int], limits: Limits
    ) -> dict[int, pd.Series]:
        """Typed body columns (Excel column index → Series, one cell per Excel row below the header)."""
        import fastexcel

        want = set(wanted)
        seen: list[int] = []

        def pick(col: Any) -> bool:
            seen.append(int(col.absolute_index))
            return int(col.absolute_index) in want

        try:
            sheet = fastexcel.read_excel(self.data).load_sheet(
                self.name,
                header_row=h - self.start_row,
                schema_sample_rows=None,
                dtype_coercion="strict",
                use_columns=pick,
            )
            if max(seen, default=-1) + 1 != self.width:
                raise _NoFastPath("range width differs from the dimension")
            n = int(sheet.height)
            if n + h + 1 > limits.max_rows + 20:
                raise UploadRefused(
                    f"sheet {self.name!r} has more than {limits.max_rows} rows; split it", "too_many_rows"
                )
            batch = sheet.to_arrow()
        except fastexcel.FastExcelError as exc:
            raise _NoFastPath(str(exc)) from exc
        out: dict[int, pd.Series] = {}
        for info, arr in zip(sheet.selected_columns, batch.columns, strict=True):
            i = int(info.absolute_index)
            cell = header[i] if i < len(header) else ""
            name = str(info.name)
            if not (
                name == cell or name.startswith(cell + "_") or (not cell and name.startswith("__UNNAMED__"))
            ):
                raise _NoFastPath("header alignment")
            out[i] = _arrow_to_series(arr, str(info.dtype))
        for i in want:
            if i not in out:  # (setdefault would build the 100k-cell default for every column)
                out[i] = pd.Series([""] * n, dtype="str")
        return out


def _arrow_to_series(arr: Any, dtype: str) -> pd.Series:
    if dtype in ("float", "int"):
        return pd.Series(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    if dtype in ("datetime", "date"):
        return pd.Series(arr.cast(pa.timestamp("ms")).to_pandas(), dtype="datetime64[ms]")
    if dtype == "string":
        filled = arr.fill_null("")
        if _renders_non_text(filled):
            raise _NoFastPath("a text column may hold numbers, dates or booleans")
        return pd.Series(filled.to_pandas(), dtype="str")
    if dtype == "null":
        return pd.Series([""] * len(arr), dtype="str")
    raise _NoFastPath(f"column type {dtype}")


def _renders_non_text(arr: Any) -> bool:
    """Whether a text column holds a cell that looks like fastexcel's rendering of a number, date
    or boolean (see ``_NON_TEXT_RENDERING``). Such a cell starts with '-', a digit, 't' or 'f', so
    the regex runs only on those cells (~3x faster on ordinary text columns); the first byte of
    each cell is read from the UTF-8 buffer (an ASCII byte there is that ASCII character)."""
    arr = arr.fill_null("")
    offsets, data = _utf8_buffers(arr)
    starts = offsets[:-1][offsets[1:] > offsets[:-1]]
    if not len(starts) or not _NON_TEXT_FIRST[data[starts]].any():
        return False
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    maybe = pc.is_in(first, value_set=pa.array(list(_NON_TEXT_FIRST_CHARS)))
    return bool(pc.any(pc.match_substring_regex(pc.filter(arr, maybe), _NON_TEXT_RENDERING)).as_py())


_NON_TEXT_FIRST_CHARS = "-0123456789tf"
_NON_TEXT_FIRST = np.zeros(256, dtype=bool)  # by byte value: may start a non-text rendering
_NON_TEXT_FIRST[np.frombuffer(_NON_TEXT_FIRST_CHARS.encode(), dtype=np.uint8)] = True


def _utf8_buffers(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """A string/large_string Arrow array without nulls as (offsets, bytes) numpy views: cell i is
    ``data[offsets[i]:offsets[i + 1]]``."""
    if arr.type == pa.string():
        otype: Any = np.int32
    elif arr.type == pa.large_string():
        otype = np.int64
    else:
        raise TypeError(f"not a string array: {arr.type}")
    _validity, obuf, dbuf = arr.buffers()
    offsets = np.frombuffer(obuf, dtype=otype)[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    data = np.frombuffer(dbuf, dtype=np.uint8) if dbuf is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


_DIM_RE = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')


def _shared_strings(data: bytes, names: Sequence[str]) -> Callable[[int], str]:
    """Shared string ``i`` of the workbook, parsed lazily only as far as needed."""
    import xml.etree.ElementTree as ET

    items: list[str] = []
    state: dict[str, Any] = {}

    def get(i: int) -> str:
        if "it" not in state:
            part = "xl/sharedStrings.xml"
            if part not in names:
                raise _NoFastPath("no shared strings part")
            # DOCTYPE/ENTITY declarations were refused by the zip pass, so no entity expansion here.
            state["it"] = ET.iterparse(
                io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read(part)), events=("end",)
            )
        for _ev, el in state["it"]:
            if el.tag.rsplit("}", 1)[-1] == "si":
                items.append(_rich_text(el))
                el.clear()
                if len(items) > i:
                    break
        if i >= len(items):
            raise _NoFastPath("shared string index out of range")
        return items[i]

    return get


def _rich_text(el: Any) -> str:
    """Text of an <si>/<is> element: its <t>, or the <t> of its runs (phonetic <rPh> left out)."""
    parts: list[str] = []
    for child in el:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts += [(g.text or "") for g in child if g.tag.rsplit("}", 1)[-1] == "t"]
    return "".join(parts)


def _ref_pos(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
    if m is None:
        raise _NoFastPath(f"cell reference {ref!r}")
    return int(m.group(2)) - 1, _col_index(m.group(1))


def _head_grid(head: bytes, sst: Callable[[int], str]) -> tuple[list[list[Any]], int, int]:
    """The first ``_HEAD_ROWS`` Excel rows of a worksheet (text cells as str, other cells
    ``_NOT_TEXT``, empty cells ""), the first row holding a value, and the width (column A to
    the last column holding a value in those rows), from the first chunk of its XML."""
    import xml.etree.ElementTree as ET

    parser: ET.XMLPullParser[Any] = ET.XMLPullParser(events=("end",))
    cells: dict[tuple[int, int], Any] = {}
    first_row: int | None = None
    complete = False
    events = _feed_pieces(parser, head)
    try:
        for _ev, el in events:
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "row":
                r = el.get("r")
                if r is None:
                    raise _NoFastPath("row without r")
                if int(r) > _HEAD_ROWS:
                    complete = True
                    break
                el.clear()
            elif tag == "sheetData":
                complete = True
                break
            elif tag == "c":
                ref = el.get("r")
                if ref is None:
                    raise _NoFastPath("cell without r")
                pos = _ref_pos(ref)
                t = el.get("t", "n")
                v = next((c.text for c in el if c.tag.rsplit("}", 1)[-1] == "v"), None)
                value: Any
                if t == "s":
                    value = sst(int(v)) if v else ""
                elif t == "inlineStr":
                    is_ = next((c for c in el if c.tag.rsplit("}", 1)[-1] == "is"), None)
                    value = _rich_text(is_) if is_ is not None else ""
                elif t == "str":
                    value = v or ""
                else:
                    value = _NOT_TEXT if v else ""
                if value != "" or t in ("s", "inlineStr", "str"):
                    first_row = pos[0] if first_row is None else min(first_row, pos[0])
                cells[pos] = value
    except ET.ParseError as exc:
        raise _NoFastPath(f"head XML: {exc}") from exc
    if not complete and len(head) >= 1024 * 1024:
        raise _NoFastPath("first rows do not fit the head chunk")
    filled = [pos for pos, value in cells.items() if value != "" and pos[0] < _HEAD_ROWS]
    if not filled:
        return [], 0, 0
    rows = max(r for r, _c in filled) + 1
    width = max(c for _r, c in filled) + 1
    grid: list[list[Any]] = [[""] * width for _ in range(rows)]
    for (r0, c0), value in cells.items():
        if r0 < rows and c0 < width:
            grid[r0][c0] = value
    return grid, (first_row if first_row is not None else 0), width


def _feed_pieces(parser: Any, head: bytes, piece: int = 16 * 1024) -> Iterable[tuple[str, Any]]:
    """Parse events of ``head`` fed in small pieces, so reading stops soon after row 20."""
    for at in range(0, len(head), piece):
        parser.feed(head[at : at + piece])
        yield from parser.read_events()


def _fast_sheets(data: bytes, zinfo: Any, limits: Limits) -> list[_Sheet]:
    """Sheets whose grids hold only their first rows; the chosen sheet's body is read typed later."""
    date1904, parts = _xlsx_structure(zinfo.kept, zinfo.names)
    wb_sheets = re.findall(rb"<(?:\w+:)?sheet\b", zinfo.kept.get("xl/workbook.xml", b""))
    if not parts or len(parts) != len(wb_sheets):
        raise _NoFastPath("sheet parts")
    sst = _shared_strings(data, zinfo.names)
    sheets: list[_Sheet] = []
    for name, part in parts.items():
        head = zinfo.heads.get(part)
        if head is None:
            raise _NoFastPath("no head")
        grid, start_row, width = _head_grid(head, sst)
        dim = _DIM_RE.search(head[:4096])
        if dim is not None and int(dim.group(4) or dim.group(2)) > limits.max_rows + 20:
            raise _NoFastPath("over the row limit: the grid path refuses with its message")
        if width > limits.max_cols:
            raise _NoFastPath("over the column limit: the grid path refuses with its message")
        bad = _scan_sheet_xml(zipfile.ZipFile(io.BytesIO(data)).read(part)) if part in zinfo.flagged else {}
        body = _FastBody(data=data, name=name, start_row=start_row, width=width)
        sheets.append(_Sheet(name=name, grid=grid, bad_cells=bad, date1904=date1904, body=body))
    return sheets


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/>|>)")
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ERR_T_RE = re.compile(rb'\bt="e"')
_F_RE = re.compile(rb"<(?:\w+:)?f\b")


def _scan_sheet_xml(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells whose value calamine hides: formulas with no cached value and error values (#N/A…)."""
    bad: dict[tuple[int, int], str] = {}
    if b"<f" not in xml and b":f" not in xml and b't="e"' not in xml:
        return bad
    for m in _CELL_RE.finditer(xml):
        attrs = m.group(1)
        if m.group(2) == b"/>":
            continue
        end = xml.find(b"</", m.end())
        close = xml.find(b"c>", end)
        body = xml[m.end() : close if close > 0 else m.end()]
        is_err = _ERR_T_RE.search(attrs) is not None
        has_f = _F_RE.search(body) is not None
        if not (is_err or has_f):
            continue
        ref = _REF_RE.search(attrs)
        if ref is None:
            continue
        key = (int(ref.group(2)) - 1, _col_index(ref.group(1).decode()))
        v = re.search(rb"<(?:\w+:)?v>([^<]*)</", body)
        if is_err:
            bad[key] = f"Excel error value {v.group(1).decode(errors='replace') if v else ''}".strip()
        elif v is None or not v.group(1):
            bad[key] = (
                "formula has no saved value (open the file in Excel, let it calculate, save, upload again)"
            )
    return bad


def _xlsx_structure(kept: dict[str, bytes], zip_names: Iterable[str]) -> tuple[bool, dict[str, str]]:
    """date1904 flag and sheet name → worksheet part path, read with defusedxml."""
    wb = kept.get("xl/workbook.xml", b"")
    rels = kept.get("xl/_rels/workbook.xml.rels", b"")
    date1904 = False
    parts: dict[str, str] = {}
    if not wb:
        return date1904, parts
    root = SafeET.fromstring(wb)
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
    targets: dict[str, str] = {}
    if rels:
        for el in SafeET.fromstring(rels).iter():
            if el.tag.rsplit("}", 1)[-1] == "Relationship":
                target = el.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[el.get("Id", "")] = target
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
            if rid in targets and targets[rid] in set(zip_names):
                parts[el.get("name", "")] = targets[rid]
    return date1904, parts


def _read_workbook(
    data: bytes,
    kind: str,
    kept: dict[str, bytes],
    zip_names: list[str],
    limits: Limits,
    flagged: set[str] | None = None,
) -> list[_Sheet]:
    """Every sheet as a grid of Python values (python-calamine). Worksheet XML is scanned for
    formula/error cells when it is in ``kept``, or re-read from the zip when its name is in
    ``flagged`` (the zip pass saw a formula or an error cell in it)."""
    from python_calamine import CalamineError, CalamineWorkbook

    date1904, parts = _xlsx_structure(kept, zip_names) if kind == "xlsx" else (False, {})
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except (CalamineError, ValueError, OSError) as exc:
        raise UploadRefused(
            f"the workbook cannot be read ({exc}); save it again as .xlsx", "unreadable"
        ) from exc
    sheets: list[_Sheet] = []
    for name in names:
        try:
            sh = wb.get_sheet_by_name(name)
            if sh.total_height > limits.max_rows + 20 or sh.total_width > limits.max_cols:
                raise UploadRefused(
                    f"sheet {name!r} has {sh.total_height} rows × {sh.total_width} columns, above the limit of "
                    f"{limits.max_rows} × {limits.max_cols}; split the file",
                    "too_many_rows",
                )
            # skip_empty_area=False keeps grid index == Excel row - 1 and column index == column - 1.
            grid = sh.to_python(skip_empty_area=False)
        except CalamineError as exc:
            raise UploadRefused(f"sheet {name!r} cannot be read ({exc})", "unreadable") from exc
        part = parts.get(name)
        if part and part in kept:
            bad = _scan_sheet_xml(kept[part])
        elif part and flagged is not None and part in flagged:
            bad = _scan_sheet_xml(zipfile.ZipFile(io.BytesIO(data)).read(part))
        else:
            bad = {}
        sheets.append(_Sheet(name=name, grid=grid, bad_cells=bad, date1904=date1904))
    return sheets


def _is_gb2312(ch: str) -> bool:
    try:
        b = ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and b[0] >= 0xA1 and b[1] >= 0xA1


def _decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text export: BOMs first, then strict UTF-8, then GB18030 if the text reads as Chinese.

    Chinese Windows saves CSV as GBK (a subset of GB18030). A Latin-1 file can also decode as
    GB18030 by accident, so GB18030 is accepted only when the non-ASCII characters are mostly CJK;
    otherwise charset-normalizer guesses.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        non_ascii = "".join(dict.fromkeys(ch for ch in text if ord(ch) > 127))
        # Real Chinese text is almost all GB2312 (both bytes >= 0xA1); Latin-1 read as GBK is not
        # ("Müller" → "M黮ler": 0xFC 0x6C).
        gb2312 = sum(1 for ch in non_ascii if _is_gb2312(ch))
        if non_ascii and gb2312 / len(non_ascii) >= 0.8:
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UploadRefused("the text file's encoding cannot be recognised; save it as UTF-8 CSV", "encoding")
    return str(best), str(best.encoding)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most fields, most consistently."""
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()][:40]
    best, best_key = ",", (-1.0, -1)
    for delim in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if not counts:
            continue
        mode = statistics.mode(counts)
        if mode < 2:
            continue
        key = (sum(c == mode for c in counts) / len(counts), mode)
        if key > best_key:
            best, best_key = delim, key
    return best


def check_file(
    data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[FileKind, ZipInspection | None]:
    """Every pre-parse check of an upload (size, signature, zip bombs, XML entities), keeping what
    the readers below need: the workbook parts whole, each worksheet's first chunk, and which
    worksheets hold formula or error cells."""
    return check_upload(
        data,
        filename,
        limits,
        keep=("xl/workbook.xml", "xl/_rels/"),
        head=("xl/worksheets/",),
        needles=_FORMULA_NEEDLES,
    )


def grid_sheets(
    data: bytes, kind: str, zinfo: ZipInspection | None, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[_Sheet], list[str]]:
    """Every sheet of a checked upload (:func:`check_file`) as a grid of Python values, the exact
    path that handles every case; notes say how a text file was read."""
    if kind == "text":
        sheets, how = _read_text(data, limits)
        return sheets, [f"text read as {how}"]
    kept, names = (zinfo.kept, zinfo.names) if zinfo else ({}, [])
    return _read_workbook(data, kind, kept, names, limits, zinfo.flagged if zinfo else None), []


def _read_text(data: bytes, limits: Limits) -> tuple[list[_Sheet], str]:
    text, encoding = _decode_text(data)
    delim = _sniff_delimiter(text)
    # A file over the row cap is refused before its grid is built: line breaks are counted first
    # (no per-cell objects). Quoted fields with line breaks only make that count larger, so when
    # it is over the cap the csv reader counts the records, still keeping none of them.
    if text.count("\n") > limits.max_rows + 20:
        try:
            records = sum(1 for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        except csv.Error:
            records = 0  # reported with its line below
        if records > limits.max_rows + 20:
            raise UploadRefused(f"the file has more than {limits.max_rows} rows; split it", "too_many_rows")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    grid: list[list[Any]] = []
    starts: list[int] = []
    prev = 0
    # Cells repeat (rep, customer, date, product): one str object per distinct short value instead
    # of one per cell keeps a 1M-row grid's memory to the distinct values plus the row lists.
    seen: dict[str, str] = {}
    try:
        for rec in reader:
            starts.append(prev + 1)
            prev = reader.line_num
            grid.append([seen.setdefault(v, v) if len(v) <= 24 else v for v in rec])
            if len(grid) > limits.max_rows + 20:
                raise UploadRefused(
                    f"the file has more than {limits.max_rows} rows; split it", "too_many_rows"
                )
            if len(rec) > limits.max_cols:
                raise UploadRefused(
                    f"line {prev} has {len(rec)} columns, above the limit of {limits.max_cols}",
                    "too_many_cols",
                )
    except csv.Error as exc:
        raise UploadRefused(
            f"the text file cannot be split into columns near line {prev + 1} ({exc})", "bad_csv"
        ) from exc
    sheet = _Sheet(name="", grid=grid, row_numbers=starts)
    return [sheet], f"{encoding}, delimiter {delim!r}"


# ---------------------------------------------------------------------------------------------
# Value parsing (vectorised over a column)

_YMD_RE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$"
_XXY_RE = r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:[ T].*)?$"
_COMPACT_RE = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL_RE = r"^\d{1,7}(?:\.\d+)?$"
_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_DMONY_RE = r"^(\d{1,2})[-\s]([A-Za-z]{3,9})\.?[-\s,]+(\d{4})(?:[ T].*)?$"
_MONDY_RE = r"^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:[ T].*)?$"


_KIND_BY_TYPE: dict[type, str] = {
    str: "str",
    float: "num",
    int: "num",
    dt.date: "date",
    dt.datetime: "date",
    pd.Timestamp: "date",
    bool: "bool",
    dt.time: "time",
    dt.timedelta: "time",
}


_KIND_DTYPE = pd.CategoricalDtype(["empty", "str", "num", "date", "bool", "time", "other", "bad"])


def _two_kinds(is_first: np.ndarray, first: str, second: str, index: pd.Index) -> pd.Series:
    """A kinds Series from a boolean mask, built from integer codes (no string per cell)."""
    cats = list(_KIND_DTYPE.categories)
    codes = np.where(is_first, cats.index(first), cats.index(second)).astype("int8")
    return pd.Series(pd.Categorical.from_codes(codes, dtype=_KIND_DTYPE), index=index)


def _kinds_present(kinds: pd.Series) -> set[str]:
    """The kinds that occur in a kinds Series (counted on the categorical codes: ~4x faster than isin)."""
    codes = np.asarray(kinds.array.codes) if kinds.dtype == _KIND_DTYPE else None
    if codes is None or (len(codes) and codes.min() < 0):
        return {str(k) for k in kinds.unique()}
    counts = np.bincount(codes, minlength=len(_KIND_DTYPE.categories))
    return {str(k) for k, c in zip(_KIND_DTYPE.categories, counts, strict=True) if c}


def _cell_kinds(s: pd.Series) -> pd.Series:
    """Per cell: 'empty', 'str', 'num', 'date', 'bool' (the Python type calamine/csv produced).

    Categorical: the many kind comparisons below compare small integer codes."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _two_kinds(s.isna().to_numpy(dtype=bool), "empty", "date", s.index)
    if s.dtype == "float64":
        return _two_kinds(s.isna().to_numpy(dtype=bool), "empty", "num", s.index)
    inferred = "string" if s.dtype == "str" else pd.api.types.infer_dtype(s, skipna=False)
    if inferred == "string":
        blank = s.astype("str").str.strip(" \t\r\n\u3000\xa0") == ""
        return _two_kinds(blank.to_numpy(dtype=bool), "empty", "str", s.index)
    if inferred in ("floating", "integer", "mixed-integer-float"):
        return _two_kinds(s.isna().to_numpy(dtype=bool), "empty", "num", s.index)
    kinds = s.map(lambda v: _KIND_BY_TYPE.get(type(v), "other")).astype(object)
    is_str = kinds == "str"
    blank = pd.Series(False, index=s.index)
    if is_str.any():
        blank[is_str] = s[is_str].astype(str).str.strip(" \t\r\n\u3000\xa0") == ""
    kinds[s.isna() | blank] = "empty"
    return kinds.astype(_KIND_DTYPE)


def _ymd_to_dates(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"year": pd.to_numeric(y), "month": pd.to_numeric(m), "day": pd.to_numeric(d)})
    return pd.to_datetime(frame, errors="coerce")


def _parse_dates(
    s: pd.Series, kinds: pd.Series, date1904: bool, date_order: str | None, column: str
) -> tuple[pd.Series, pd.Series, str | None]:
    """Cells → datetime64 day values, an error reason per cell (None when fine), and the d/m order used."""
    if s.dtype.kind == "M" and _kinds_present(kinds) <= {"date", "empty", "bad"}:
        # A typed date column (fast path): its cells are dates or empty (or in error); no text.
        dated = (kinds == "date").to_numpy(dtype=bool)
        days = s.dt.floor("D").to_numpy(dtype="datetime64[s]")
        reason = np.full(len(s), None, dtype=object)
        reason[(kinds == "empty").to_numpy(dtype=bool)] = "date is empty"
        reason[(kinds == "bad").to_numpy(dtype=bool)] = "not a recognised date (use 2026-11-03)"
        return (
            pd.Series(np.where(dated, days, np.datetime64("NaT", "s")), index=s.index, dtype="datetime64[s]"),
            pd.Series(reason, index=s.index, dtype=object),
            date_order,
        )
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    why = pd.Series(None, index=s.index, dtype=object)
    used_order = date_order
    is_date = kinds == "date"
    if is_date.any():
        out[is_date] = pd.to_datetime(s[is_date], errors="coerce").dt.floor("D").astype("datetime64[s]")
    is_num = kinds == "num"
    any_text = bool((kinds == "str").any())
    text = (
        s.where(kinds == "str", "").astype("str").str.normalize("NFKC").str.strip()
        if any_text
        else pd.Series("", index=s.index, dtype="str")
    )
    serial_text = (
        (kinds == "str") & text.str.match(_SERIAL_RE) & ~text.str.match(_COMPACT_RE)
        if any_text
        else pd.Series(False, index=s.index)
    )
    compact = pd.Series(False, index=s.index)
    nums = pd.Series(np.nan, index=s.index, dtype="float64")
    if is_num.any():
        nums[is_num] = s[is_num].astype("float64")
        as_int = nums.where(is_num & (nums == np.floor(nums)), np.nan)
        compact = is_num & (as_int >= 19000101) & (as_int <= 29991231)
    if serial_text.any():
        nums[serial_text] = text[serial_text].astype("float64")
    serial = (is_num & ~compact) | serial_text
    if serial.any():
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        days = np.floor(nums[serial].to_numpy())
        lo = (
            0 if date1904 else 61
        )  # the 1900 system counts a false 1900-02-29; serials below 61 are ambiguous
        ok = (days >= lo) & (days < 2958466)
        vals = (epoch + days.clip(0, 2958465).astype("int64").astype("timedelta64[D]")).astype(
            "datetime64[s]"
        )
        out[serial] = np.where(ok, vals, np.datetime64("NaT"))
        why[serial[serial].index[~ok]] = "number is not an Excel date"
    if compact.any():
        c = nums[compact].astype("int64").astype(str)
        out[compact] = _ymd_to_dates(c.str[:4], c.str[4:6], c.str[6:8]).astype("datetime64[s]")
    is_text = (kinds == "str") & ~serial_text
    if is_text.any():
        t = text[is_text]
        done = pd.Series(False, index=t.index)
        for pattern in (_YMD_RE, _COMPACT_RE):
            g = t[~done].str.extract(pattern)
            hit = g[0].notna()
            if hit.any():
                out[hit[hit].index] = _ymd_to_dates(g[0][hit], g[1][hit], g[2][hit]).astype("datetime64[s]")
                done[hit[hit].index] = True
        for pattern, day_col, mon_col in ((_DMONY_RE, 0, 1), (_MONDY_RE, 1, 0)):
            g = t[~done].str.extract(pattern)
            hit = g[0].notna()
            if hit.any():
                mon = g[mon_col][hit].str.lower().str[:3].map(_MONTHS)
                good = mon.notna()
                idx = good[good].index
                out[idx] = _ymd_to_dates(g[2][idx], mon[idx], g[day_col][idx]).astype("datetime64[s]")
                done[idx] = True
        g = t[~done].str.extract(_XXY_RE)
        hit = g[0].notna()
        if hit.any():
            a = pd.to_numeric(g[0][hit])
            b = pd.to_numeric(g[1][hit])
            if used_order in ("dmy", "mdy"):
                pass
            else:
                # (t.loc: ``hit`` covers only the cells not read yet, so t[hit] cannot align.)
                sample = t.loc[hit[hit].index].iloc[0]
                dmy_ev, mdy_ev = bool((a > 12).any()), bool((b > 12).any())
                if dmy_ev and not mdy_ev:
                    used_order = "dmy"
                elif mdy_ev and not dmy_ev:
                    used_order = "mdy"
                elif dmy_ev and mdy_ev:
                    raise AmbiguousMapping(
                        f"column {column!r} mixes day-first and month-first dates (e.g. {sample!r}); "
                        "fix the column or pass --date-order dmy|mdy",
                        "date_order",
                        ["dmy", "mdy"],
                    )
                else:
                    raise AmbiguousMapping(
                        f"dates such as {sample!r} in column {column!r} can be day/month or month/day; "
                        "pass --date-order dmy or --date-order mdy",
                        "date_order",
                        ["dmy", "mdy"],
                    )
            day, mon = (a, b) if used_order == "dmy" else (b, a)
            out[hit[hit].index] = _ymd_to_dates(g[2][hit], mon, day).astype("datetime64[s]")
            done[hit[hit].index] = True
    bad = out.isna() & why.isna()
    why[bad & (kinds == "empty")] = "date is empty"
    why[bad & (kinds == "bool")] = "TRUE/FALSE is not a date"
    why[bad & (kinds == "time")] = "a time of day without a date"
    why[bad & why.isna()] = "not a recognised date (use 2026-11-03)"
    return out, why, used_order


def _amount_strings(s: pd.Series, kinds: pd.Series) -> pd.Series:
    """Every cell as a decimal-looking string: floats by repr (shortest round-trip), text NFKC-normalised."""
    out = pd.Series("", index=s.index, dtype=object)
    num = kinds == "num"
    if num.any():
        out[num] = s[num].map(repr)
    txt = kinds == "str"
    if txt.any():
        out[txt] = s[txt].astype(str).str.normalize("NFKC").str.strip()
    return out


_FAST_LIMIT = 1e9  # below it one float's rounding interval (< 1.2e-7) holds at most one 6-decimal number


def _parse_amounts(s: pd.Series, kinds: pd.Series, header_power: int) -> tuple[pd.Series, pd.Series]:
    """Cells → integer micro-units (int64) and an error reason per cell; see ``_parse_amount_text``.

    Fast exact path for number cells: ``c = rint(v * 1e6)`` is taken only when ``c / 1e6 == v``
    exactly (IEEE division is correctly rounded, so the 6-decimal number c·10⁻⁶ reads back as
    v) and |v| < 1e9 (then it is the only such number, i.e. the shortest repr of v). Every other
    cell, float noise such as 731.9399999999999 included, takes the digit-string path.
    """
    num = (kinds == "num").to_numpy(dtype=bool)
    if header_power != 0 or not num.any():
        return _parse_amount_text(s, kinds, header_power)
    if s.dtype == "float64":
        v = np.where(num, s.to_numpy(), np.nan)
    else:
        v = np.full(len(s), np.nan)
        v[num] = s[num].astype("float64").to_numpy()
    with np.errstate(invalid="ignore", over="ignore"):
        c = np.rint(v * 1e6)
        fast = num & (np.abs(v) < _FAST_LIMIT) & (c / 1e6 == v)
    micros = pd.Series(np.where(fast, c, 0).astype("int64"), index=s.index)
    why = pd.Series(None, index=s.index, dtype=object)
    slow = ~fast
    if slow.any():
        m2, w2 = _parse_amount_text(s[slow], kinds[slow], header_power)
        micros[slow] = m2.to_numpy()
        why[slow] = w2.to_numpy()
    return micros, why


def _parse_amount_text(s: pd.Series, kinds: pd.Series, header_power: int) -> tuple[pd.Series, pd.Series]:
    """Cells → integer micro-units (10^-6, int64, half-up away from zero) and an error reason per cell.

    Accepts currency symbols/codes (¥ ￥ $ € £ RMB CNY USD 元), thousands separators (also the
    European 1.234,56 when a column clearly uses a decimal comma), full-width digits, (123) and
    trailing-minus negatives, 万/亿 after the number, and a unit in the header (金额(万元)).
    Percentages are refused: a share is not money.
    """
    raw = _amount_strings(s, kinds)
    why = pd.Series(None, index=s.index, dtype=object)
    why[kinds == "empty"] = "amount is empty"
    why[kinds == "bool"] = "TRUE/FALSE is not an amount"
    why[kinds == "date"] = "a date is not an amount"
    why[kinds == "time"] = "a time is not an amount"
    why[kinds == "other"] = "not an amount"
    t = raw.astype("str")
    why[t.str.contains("%", regex=False)] = "a percentage is not an amount"
    neg = t.str.match(r"^\s*[-−]") | t.str.match(r"^.*\(.*\)\s*$") | t.str.match(r"^[^-]*\d\s*-$")
    t = t.str.replace(r"[()−\-+]", "", regex=True)
    power = pd.Series(header_power, index=s.index, dtype="int64")
    unit_yi = t.str.contains("亿", regex=False)
    unit_wan = t.str.contains("万", regex=False)
    power[unit_wan] += 4
    power[unit_yi] += 8
    t = t.str.replace(r"(?i)(人民币|rmb|cny|usd|us\$|hk\$|eur|gbp|元|万|亿|[¥$€£])", "", regex=True)
    t = t.str.replace(r"[\s'’]", "", regex=True)
    decimal_comma = bool(
        t.str.match(r"^\d{1,3}(\.\d{3})+,\d{1,2}$").any() or t.str.match(r"^\d+,\d{1,2}$").any()
    ) and not bool(t.str.match(r"^\d{1,3}(,\d{3})+\.\d+$").any() or t.str.match(r"^\d+\.\d{1,2}$").any())
    if decimal_comma:
        t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        bad_groups = t.str.contains(",", regex=False) & ~t.str.match(r"^\d{1,3}(,\d{3})*(\.\d*)?$")
        why[bad_groups & why.isna()] = "misplaced thousands separator"
        t = t.str.replace(",", "", regex=False)
    parts = t.str.extract(r"^(\d*)(?:\.(\d*))?$")
    plain = parts[0].notna() & ((parts[0].str.len() > 0) | (parts[1].str.len() > 0))
    sci = ~plain & t.str.match(r"^\d*\.?\d+[eE][+-]?\d+$")
    cents = pd.Series(0, index=s.index, dtype="int64")
    for p in sorted(set(power[plain].tolist())):
        sel = plain & (power == p) & why.isna()
        if not sel.any():
            continue
        e = p + _MICRO_DIGITS
        ip = parts[0][sel].fillna("").str.lstrip("0")
        fp = parts[1][sel].fillna("").str.pad(e + 1, side="right", fillchar="0")
        digits = (ip + fp.str[:e]).str.lstrip("0").replace("", "0")
        too_big = digits.str.len() > _MAX_MICRO_DIGITS
        why[too_big[too_big].index] = "amount is too large"
        ok = ~too_big
        vals = digits[ok].astype("int64") + (fp[ok].str[e] >= "5").astype("int64")
        cents[vals.index] = vals
    for idx in sci[sci & why.isna()].index:
        try:
            d = (
                Decimal(t[idx])
                .scaleb(int(power[idx]) + _MICRO_DIGITS)
                .quantize(Decimal(1), rounding=ROUND_HALF_UP)
            )
        except InvalidOperation:
            why[idx] = "not an amount"
            continue
        if len(str(abs(int(d)))) > _MAX_MICRO_DIGITS:
            why[idx] = "amount is too large"
        else:
            cents[idx] = int(d)
    why[~plain & ~sci & why.isna()] = "not an amount"
    cents = cents.where(~neg, -cents)
    return cents, why


def micros_to_cents(micros: pd.Series) -> pd.Series:
    """Micro-unit amounts → int64 cents that sum exactly to the half-up rounded total of the inputs.

    Rows that are whole cents keep their value. Rows with sub-cent digits (Superstore's 907.152
    after a discount) are rounded by largest remainder (Hamilton): each gets its floor in cents and
    the leftover cents go to the largest remainders, ties to the earlier row. Rounding each row
    half-up instead would make the import total differ from the file's own SUM (Superstore:
    2,297,200.99 instead of 2,297,200.86).
    """
    per_cent = 10 ** (_MICRO_DIGITS - 2)
    v = micros.to_numpy(dtype="int64")
    floors = np.floor_divide(v, per_cent)
    rem = v - floors * per_cent
    # The exact sum: int64 when it cannot overflow (every |value| ≤ the bound), else Python ints.
    bound = np.iinfo(np.int64).max // max(len(v), 1)
    small = bool(len(v) == 0 or (v.max() <= bound and v.min() >= -bound))
    total = int(v.sum()) if small else sum(v.tolist())
    q, r = divmod(total, per_cent)
    total_cents = (
        q + (1 if 2 * r >= per_cent else 0)
        if total >= 0
        else -((-total) // per_cent + (1 if 2 * ((-total) % per_cent) >= per_cent else 0))
    )
    leftover = total_cents - (int(floors.sum()) if small else int(sum(floors.tolist())))
    cents = floors.copy()
    if leftover > 0:
        order = np.argsort(-rem, kind="stable")[:leftover]
        cents[order] += 1
    return pd.Series(cents, index=micros.index, dtype="int64")


def _text_values(s: pd.Series, kinds: pd.Series) -> pd.Series:
    """Cells → trimmed text (full-width spaces too), None when empty; integral floats without '.0'."""
    txt_mask = (kinds == "str").to_numpy(dtype=bool)
    if (txt_mask | (kinds == "empty").to_numpy(dtype=bool)).all():
        # The usual column (text and blanks only): one vectorised strip, one conversion to
        # Python objects; the general path below costs ~3x as much at 100k rows.
        trimmed = s.astype("str").str.strip(" \t\r\n\u3000\xa0")
        text = trimmed.astype(object)
        text[~txt_mask | (trimmed == "").to_numpy(dtype=bool, na_value=True)] = None
        return text
    out = pd.Series(None, index=s.index, dtype=object)
    num = kinds == "num"
    if num.any():
        out[num] = s[num].map(lambda v: str(int(v)) if float(v).is_integer() else repr(v))
    txt = kinds == "str"
    if txt.any():
        out[txt] = s[txt].astype("str").str.strip(" \t\r\n\u3000\xa0")
    dates = kinds == "date"
    if dates.any():
        out[dates] = s[dates].map(
            lambda v: (_py_datetime(v) if isinstance(v, pd.Timestamp) else v).isoformat()
        )
    other = kinds.isin(["bool", "time", "other"])
    if other.any():
        out[other] = s[other].astype(str)
    return out.where(out.notna() & (out.astype(str) != ""), None)


_BLANK_CHARS = " \t\r\n\u3000\xa0"  # trimmed from text cells; a cell of only these is empty
_DISTINCT_SAMPLE = 2048  # rows looked at to decide whether a text column is read by its distinct values


def _arrow_text(s: pd.Series) -> Any:
    """The Arrow array (large_string) of an Arrow-backed text column without missing values,
    else None (the general per-cell code handles the column)."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return None
    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count or arr.type not in (pa.string(), pa.large_string()):
        return None
    return arr


def _all_text(s: pd.Series) -> bool:
    """An object column holding only Python strings (the grid path's text columns)."""
    return bool(s.dtype == object and pd.api.types.infer_dtype(s, skipna=False) == "string")


class _TextColumn:
    """One text column (Arrow strings, no missing values) read once: trimmed text, which cells
    are blank, which may be a totals label, the Python strings for the output.

    A column with few distinct values (rep, customer, product, region…) is dictionary-encoded
    and every step runs on its distinct values only, then is spread to the rows by their codes;
    a column of mostly distinct values (order ids) is read cell by cell. Both give the same
    results (tests compare them)."""

    def __init__(self, arr: Any, by_distinct: bool | None = None) -> None:
        if by_distinct is None:
            head = arr.slice(0, _DISTINCT_SAMPLE)
            by_distinct = len(head) > 0 and 2 * pc.count_distinct(head).as_py() <= len(head)
        self.codes: np.ndarray | None = None
        self.values: Any = arr  # the cells, or the distinct cells when ``codes`` maps rows to them
        if by_distinct:
            enc = pc.dictionary_encode(arr)
            self.codes = enc.indices.to_numpy(zero_copy_only=False)
            self.values = enc.dictionary
        self.trimmed = pc.utf8_trim(self.values, _BLANK_CHARS)
        offsets, _data = _utf8_buffers(self.trimmed)
        self.blank_values = offsets[1:] == offsets[:-1]  # nothing left after the trim
        self.blank = self.spread(self.blank_values)

    def spread(self, per_value: np.ndarray) -> np.ndarray:
        """A per-value array → one entry per row."""
        return per_value if self.codes is None else per_value[self.codes]

    def objects(self) -> np.ndarray:
        """Trimmed text per row as Python strings, None for blank cells."""
        v = self.trimmed.to_numpy(zero_copy_only=False).astype(object)
        v[self.blank_values] = None
        return self.spread(v)

    def has_duplicates(self, rows: np.ndarray) -> bool:
        """Whether two of the rows selected by the mask hold the same trimmed text."""
        if self.codes is None:
            picked = pc.filter(self.trimmed, pa.array(rows))
            if len(picked) < 2:
                return False
            # Keys in ascending or descending order (ids as exported) are distinct: one
            # comparison of neighbours instead of hashing every key.
            before, after = picked.slice(0, len(picked) - 1), picked.slice(1)
            if pc.all(pc.less(before, after)).as_py() or pc.all(pc.greater(before, after)).as_py():
                return False
            return len(pc.unique(picked)) < len(picked)  # (count_distinct is ~5x slower here)
        same = pc.dictionary_encode(self.trimmed).indices.to_numpy(zero_copy_only=False)
        ids = same[self.codes[rows]]
        return bool(len(ids) and np.bincount(ids).max() > 1)

    def total_labels(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per row: the cell is a totals label on its own (``_TOTAL_EXACT``), and the cell starts or
        ends with one (``_TOTAL_LOOSE``), each after the case-blind ``_TOTAL_HINT`` and the trim,
        lower-casing and 40-character limit; the same steps as ever, run only on the cells whose
        bytes hold total, sum or 计 (``_may_name_a_total``). None when no cell is either."""
        exact = np.zeros(len(self.values), dtype=bool)
        loose = np.zeros(len(self.values), dtype=bool)
        at = np.flatnonzero(_may_name_a_total(self.values) & ~self.blank_values)
        if len(at):
            t = pd.Series(self.values.take(pa.array(at)), index=at, dtype="str")
            t = t[t.str.contains(_TOTAL_HINT, case=False, regex=True)].str.strip().str.lower()
            t = t[t.str.len() <= 40]
            if len(t):
                where = t.index.to_numpy()
                exact[where] = t.str.contains(_TOTAL_EXACT).to_numpy(dtype=bool)
                loose[where] = t.str.contains(_TOTAL_LOOSE).to_numpy(dtype=bool)
        if not (exact.any() or loose.any()):
            return None
        return self.spread(exact), self.spread(loose)


_TOTAL_BYTES = (
    (np.frombuffer(b"total", dtype=np.uint8), True),
    (np.frombuffer(b"sum", dtype=np.uint8), True),
    (np.frombuffer("计".encode(), dtype=np.uint8), False),
)


def _may_name_a_total(arr: Any) -> np.ndarray:
    """Per cell of a string array without nulls: whether its UTF-8 bytes hold "total" or "sum" in
    any ASCII case, or "计". Every cell ``_TOTAL_EXACT``/``_TOTAL_LOOSE`` can accept holds one
    of them once lower-cased, and only ASCII letters lower-case to t, o, a, l, s, u or m, so this
    is a superset of those cells: a cheap first filter over the column's bytes (a match across
    two cells only adds a candidate that the exact steps then reject)."""
    offsets, data = _utf8_buffers(arr)
    data = data[offsets[0] : offsets[-1]] if len(offsets) else data[:0]
    folded = data | 0x20  # 'A'..'Z' → 'a'..'z'; no other byte becomes a lower-case ASCII letter
    found = []
    for word, blind in _TOTAL_BYTES:
        src = folded if blind else data
        m = len(src) - len(word) + 1
        if m <= 0:
            continue
        hit = src[:m] == word[0]
        for j in range(1, len(word)):
            hit &= src[j : j + m] == word[j]
        found.append(np.flatnonzero(hit))
    out = np.zeros(len(arr), dtype=bool)
    if found:
        pos = np.concatenate(found) + (offsets[0] if len(offsets) else 0)
        out[np.searchsorted(offsets, pos, side="right") - 1] = True
    return out


def _reasons(mask: np.ndarray, reason: str) -> np.ndarray:
    """``reason`` where the mask is true, None elsewhere."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = reason
    return out


def _cell_text(v: object) -> str:
    """A cell's value as an error report shows it: as the grid path's Python value prints (an empty
    number or date cell of a typed column is "", a whole-day timestamp a date)."""
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return str(_py_datetime(v))
    return str(v)


def _py_datetime(v: pd.Timestamp) -> dt.date | dt.datetime:
    """A timestamp as python-calamine gives the cell: a date at midnight, else a datetime."""
    return v.date() if v == v.normalize() else v.to_pydatetime()


def _quantities(s: pd.Series, kinds: pd.Series) -> tuple[pd.Series, pd.Series]:
    why = pd.Series(None, index=s.index, dtype=object)
    if s.dtype == "float64" and _kinds_present(kinds) <= {"num", "empty", "bad"}:
        # A typed number column (fast path): numbers or empty (or in error) cells, nothing to reject.
        numbers = (kinds == "num").to_numpy(dtype=bool)
        return pd.Series(np.where(numbers, s.to_numpy(), np.nan), index=s.index, dtype="float64"), why
    q = pd.Series(np.nan, index=s.index, dtype="float64")
    num = kinds == "num"
    if num.any():
        q[num] = s[num].astype("float64")
    txt = kinds == "str"
    if txt.any():
        t = s[txt].astype(str).str.normalize("NFKC").str.replace(r"[,\s]", "", regex=True)
        t = t.str.replace(r"(?i)(件|个|台|套|箱|pcs|units?)$", "", regex=True)
        v = pd.to_numeric(t, errors="coerce")
        q[txt] = v
        why[v[v.isna()].index] = "quantity is not a number"
    why[kinds.isin(["bool", "date", "time", "other"])] = "quantity is not a number"
    return q, why


# ---------------------------------------------------------------------------------------------
# Sheet choice, mapping, the People join


def _sheet_profile(sheet: _Sheet) -> tuple[int, int, dict[str, tuple[list[int], int]]]:
    h = _find_header(sheet.grid)
    header = [str(c) if c is not None else "" for c in sheet.grid[h]] if sheet.grid else []
    return h, _header_score(sheet.grid[h]) if sheet.grid else 0, _field_candidates(header)


def _choose_sheet(sheets: list[_Sheet], wanted: str | None) -> _Sheet:
    if wanted is not None:
        for sh in sheets:
            if sh.name == wanted:
                return sh
        names = ", ".join(repr(s.name) for s in sheets)
        raise UploadRefused(f"no sheet named {wanted!r}; the workbook has {names}", "no_sheet")

    return max(sheets, key=_sheet_score)


def _sheet_score(sh: _Sheet) -> tuple[int, int, int]:
    _h, _s, found = _sheet_profile(sh)
    core = sum(2 for f in ("date", "amount") if f in found) + sum(
        1 for f in ("rep", "region", "customer") if f in found
    )
    return core, len(found), len(sh.grid)


def _people_map(sheets: list[_Sheet], chosen: _Sheet) -> tuple[str, str, dict[str, str]] | None:
    """A small sheet that maps each region to exactly one person (Superstore's People sheet)."""
    for sh in sheets:
        if sh is chosen or not sh.grid or len(sh.grid) > 1000:
            continue
        h = _find_header(sh.grid)
        header = [str(c) for c in sh.grid[h]]
        found = _field_candidates(header)
        if "region" not in found or "rep" not in found:
            continue
        ri, pi = found["region"][0][0], found["rep"][0][0]
        pairs: dict[str, set[str]] = {}
        for row in sh.grid[h + 1 :]:
            reg = str(row[ri]).strip() if ri < len(row) else ""
            per = str(row[pi]).strip() if pi < len(row) else ""
            if reg and per:
                pairs.setdefault(reg, set()).add(per)
        if pairs and all(len(v) == 1 for v in pairs.values()):
            return sh.name, header[pi], {k: next(iter(v)) for k, v in pairs.items()}
    return None


def _resolve_mapping(
    header: list[str], user: dict[str, str] | None
) -> tuple[dict[str, int], dict[str, list[str]]]:
    found = _field_candidates(header)
    candidates = {f: [header[i] for i in idx] for f, (idx, _tier) in found.items()}
    chosen: dict[str, int] = {}
    excluded: set[str] = set()
    user = dict(user or {})
    for f, col in user.items():
        if f not in FIELDS and f not in _AUX_FIELDS:
            raise UploadRefused(
                f"unknown field {f!r} in the mapping; fields are {', '.join(FIELDS + _AUX_FIELDS)}",
                "bad_mapping",
            )
        if col == "":
            excluded.add(f)  # the user said: no column for this field
            continue
        if col in header:
            chosen[f] = header.index(col)
            continue
        key = normalize_header(col)
        keys = [normalize_header(h) for h in header]
        if key and key in keys:
            chosen[f] = keys.index(key)
            continue
        raise UploadRefused(
            f"column {col!r} (for {f}) is not in the header; columns are {', '.join(map(repr, header))}",
            "bad_mapping",
        )
    for f, (idx, _tier) in found.items():
        if f in chosen or f in excluded:
            continue
        idx = [i for i in idx if i not in chosen.values()]
        if not idx:
            continue
        if len(idx) > 1 and f in REQUIRED:
            names = [header[i] for i in idx]
            raise AmbiguousMapping(
                f"several columns could be the {f}: {', '.join(map(repr, names))}; "
                f"choose one, e.g. --map {f}={names[0]!r}",
                f,
                names,
                columns=header,
            )
        chosen[f] = idx[0]
    return chosen, candidates


# ---------------------------------------------------------------------------------------------
# The entry point


def _columns(grid: list[list[Any]], start: int, width: int) -> list[pd.Series]:
    """The body of the grid transposed once into one object Series per column (ragged rows padded)."""
    body = grid[start:]
    cols: list[tuple[Any, ...]] = list(zip_longest(*body, fillvalue="")) if body else []
    cols += [("",) * len(body)] * (width - len(cols))
    return [pd.Series(np.array(c, dtype=object), dtype=object) for c in cols]


def _group_skips(reason_by_row: pd.Series, rows: pd.Series) -> list[Skip]:
    out: list[Skip] = []
    present = reason_by_row.dropna()
    for reason in dict.fromkeys(present.tolist()):
        idx = present[present == reason].index
        nums = tuple(int(x) for x in rows[idx].tolist())
        out.append(Skip(reason=str(reason), count=len(nums), rows=nums))
    return out


def _empty_rows_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[s]"),
            "rep": pd.Series([], dtype=object),
            "customer": pd.Series([], dtype=object),
            "product": pd.Series([], dtype=object),
            "region": pd.Series([], dtype=object),
            "quantity": pd.Series([], dtype="float64"),
            "amount_cents": pd.Series([], dtype="int64"),
            "order_key": pd.Series([], dtype=object),
            "excel_row": pd.Series([], dtype="int64"),
        }
    )


def parse_upload(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    count_stages: set[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    remembered: Callable[[str], dict[str, str] | None] | None = None,
) -> ParsedUpload:
    """Read one upload into validated sale rows (one row per sale line, amounts in integer cents).

    ``mapping`` (field → source header) overrides detection; ``date_order`` ('ymd', 'dmy' or
    'mdy') settles dates like 03/11/2026; ``count_stages`` replaces the default set of stage
    values that count as actuals (won/completed). Raises ``UploadRefused`` when the file is
    unsafe or is not a sales table, ``AmbiguousMapping`` when the user must choose; otherwise
    every cell problem is a ``RowError`` and ``rows`` holds only the rows without errors.
    ``remembered(header_signature)`` may return a mapping confirmed earlier for the same header;
    it is used (its columns that still exist) when no ``mapping`` is passed.
    """
    if date_order not in (None, "ymd", "dmy", "mdy"):
        raise UploadRefused(f"date order must be ymd, dmy or mdy, not {date_order!r}", "bad_option")
    kind, zinfo = check_file(data, filename, limits)
    args = (data, filename, sheet, mapping, date_order, count_stages, limits, remembered, kind, zinfo)
    if kind == "xlsx" and zinfo is not None:
        try:
            return _parse(*args, fast=True)
        except _NoFastPath:
            pass  # read again through the grid path, which handles every case
    return _parse(*args, fast=False)


def _parse(
    data: bytes,
    filename: str,
    sheet: str | None,
    mapping: dict[str, str] | None,
    date_order: str | None,
    count_stages: set[str] | None,
    limits: Limits,
    remembered: Callable[[str], dict[str, str] | None] | None,
    kind: str,
    zinfo: ZipInspection | None,
    *,
    fast: bool,
) -> ParsedUpload:
    notes: list[str] = []
    ext = Path(filename).suffix.lower()
    expected = {
        "xlsx": (".xlsx", ".xlsm"),
        "xlsb": (".xlsb",),
        "ods": (".ods",),
        "xls": (".xls",),
        "text": (".csv", ".txt", ".tsv"),
    }
    if ext and ext not in expected[kind]:
        notes.append(f"the file is named {ext} but its content is {kind}; read as {kind}")
    if fast and kind != "text" and zinfo is not None:
        sheets = _fast_sheets(data, zinfo, limits)
    else:
        sheets, how = grid_sheets(data, kind, zinfo, limits)
        notes += how
    if not sheets or not any(sh.grid for sh in sheets):
        if fast:
            raise _NoFastPath("no rows")
        raise UploadRefused("the file has no rows", "empty")
    if fast and sheet is None and len(sheets) > 1:
        scores = sorted((_sheet_score(sh)[:2] for sh in sheets), reverse=True)
        if scores[0] == scores[1]:
            raise _NoFastPath("sheets tie on their headers; the grid path compares their lengths")
    chosen = _choose_sheet(sheets, sheet)
    grid = chosen.grid
    if not grid:
        if fast:
            raise _NoFastPath("empty sheet")
        raise UploadRefused(f"sheet {chosen.name!r} is empty", "empty")
    height = len(grid)
    if height > limits.max_rows + 20:
        raise UploadRefused(
            f"sheet {chosen.name!r} has more than {limits.max_rows} rows; split it", "too_many_rows"
        )
    h = _find_header(grid)
    width = chosen.body.width if chosen.body is not None else max(len(r) for r in grid[h : h + 50])
    if chosen.body is not None and any(c is _NOT_TEXT for c in grid[h]):
        raise _NoFastPath("the header row holds a number or date")
    header = [str(c).strip() if c is not None else "" for c in grid[h]] + [""] * 0
    header = header + [""] * (width - len(header))
    header = [c if c else f"column {i + 1}" for i, c in enumerate(header)]
    norm_header = [normalize_header(c) for c in header]
    signature = hashlib.sha256("\x1f".join(norm_header).encode()).hexdigest()[:16]
    from_memory = False
    if mapping is None and remembered is not None:
        saved = {
            f: c
            for f, c in (remembered(signature) or {}).items()
            if (f in FIELDS or f in _AUX_FIELDS) and (c in header or normalize_header(c) in norm_header)
        }
        if saved:
            mapping, from_memory = saved, True
            notes.append("column mapping remembered from an earlier import of a file with the same header")
    cols, candidates = _resolve_mapping(header, mapping)
    map_names = {f: header[i] for f, i in cols.items()}
    people = None
    if "rep" not in cols and "region" in cols:
        if fast:
            raise _NoFastPath("the People join reads other sheets whole")
        people = _people_map(sheets, chosen)
    missing = [f for f in REQUIRED if f not in cols and not (f == "rep" and people)]
    if missing:
        hint = " ".join(f"--map {f}=COLUMN" for f in missing)
        raise MissingColumns(
            f"no column found for {', '.join(missing)} in sheet {chosen.name or filename!r} (header row {h + 1}: "
            f"{', '.join(map(repr, header[:12]))}); pass {hint}",
            missing,
            header,
        )
    typed: dict[int, pd.Series] = {}
    if chosen.body is not None:
        typed = chosen.body.load(h, header, [0, *cols.values()], limits)
        height = h + 1 + len(typed[0])
    if chosen.row_numbers is not None:
        rows_no = pd.Series(chosen.row_numbers[h + 1 :], dtype="int64")
    else:
        rows_no = pd.Series(np.arange(h + 2, height + 1), dtype="int64")
    n = height - h - 1
    if n <= 0:
        if fast:
            raise _NoFastPath("no rows below the header")
        raise UploadRefused(f"sheet {chosen.name!r} has a header but no rows below it", "empty")

    if chosen.body is not None:
        raw = {f: typed[i] for f, i in cols.items()}
        first = typed[0]
    else:
        body_cols = _columns(grid, h + 1, width)
        raw = {f: body_cols[i] for f, i in cols.items()}
        first = body_cols[0]
    # Text files: what the ragged-row check below needs of the grid (each record's field count,
    # the text of the few ragged ones), so the grid (a list per row) is dropped before the values
    # are parsed, the step where a 1M-row import peaks.
    header_len = len(grid[h])
    lens = (
        np.array([len(r) for r in grid[h + 1 :]], dtype="int64") if chosen.row_numbers is not None else None
    )
    ragged_text = (
        {int(i): ",".join(map(str, grid[h + 1 + int(i)]))[:200] for i in np.flatnonzero(lens != header_len)}
        if lens is not None
        else {}
    )
    if chosen.body is None and chosen.row_numbers is not None:
        chosen.grid = grid = grid[: h + 1]
        body_cols = [first]
    for f, col in raw.items():
        # Text-only columns become Arrow strings once, so the many string steps below do not
        # each convert 100k Python objects again.
        if _all_text(col):
            raw[f] = col.astype("str")
    # Each Arrow text column is read once (trimmed text, blank cells, totals labels, output
    # strings); other columns (typed numbers and dates, mixed cells) go through the per-kind code.
    text_cols: dict[str, _TextColumn] = {}
    by_index: dict[int, _TextColumn] = {}
    for f, i in cols.items():
        arr = _arrow_text(raw[f])
        if arr is not None:
            text_cols[f] = by_index[i] if i in by_index else by_index.setdefault(i, _TextColumn(arr))
    kinds = {
        f: _two_kinds(text_cols[f].blank, "empty", "str", s.index) if f in text_cols else _cell_kinds(s)
        for f, s in raw.items()
    }
    for f, i in cols.items():
        for r0, c0 in chosen.bad_cells:
            if c0 == i and r0 > h:
                if r0 - h - 1 >= n:
                    # A cell in error on a trailing row that holds nothing else: both readers end
                    # the sheet above it (an error value is not data), so it names no row here.
                    continue
                kinds[f].iloc[r0 - h - 1] = "bad"
    in_error_cell = {f: (k == "bad").to_numpy(dtype=bool) for f, k in kinds.items()}

    # Blank rows, totals rows, stages.
    skip = pd.Series(None, index=rows_no.index, dtype=object)
    all_empty = np.logical_and.reduce([(k == "empty").to_numpy(dtype=bool) for k in kinds.values()])
    if all_empty.any():
        skip[all_empty] = "blank row"
    total_cols = [f for f in ("date", "rep", "customer", "product", "region", "order_key") if f in raw]
    date_missing = (kinds["date"] == "empty").to_numpy(dtype=bool, copy=True)
    date_text = kinds["date"] == "str"
    if date_text.any():  # a date cell holding text without a digit ("合计", "Total")
        no_digit = ~raw["date"][date_text].astype(str).str.contains(r"\d", regex=True)
        date_missing[no_digit[no_digit].index.to_numpy()] = True
    total_hit = np.zeros(n, dtype=bool)

    def mark_totals(col: pd.Series, is_text: np.ndarray, tc: _TextColumn | None) -> None:
        """Rows whose text cell (``is_text``) in ``col`` is a totals label (see ``_TOTAL_EXACT``)."""
        if not is_text.any():
            return
        if tc is not None:
            labels = tc.total_labels()
            if labels is not None:
                exact, loose = labels
                total_hit[(exact | (loose & date_missing)) & is_text] = True
            return
        t = col[is_text].astype(str)
        # One case-blind pass over every cell; the few cells that hint at a total are then
        # trimmed, lower-cased and matched exactly (trimming all 100k first cost ~4x more).
        t = t[t.str.contains(_TOTAL_HINT, case=False, regex=True)].str.strip().str.lower()
        t = t[t.str.len() <= 40]
        if len(t):
            at = t.index.to_numpy()
            hit = t.str.contains(_TOTAL_EXACT).to_numpy(dtype=bool) | (
                t.str.contains(_TOTAL_LOOSE).to_numpy(dtype=bool) & date_missing[at]
            )
            total_hit[at[hit]] = True

    # The first column (often a label column: "合计" sits there) counts whatever it is mapped to;
    # a mapped field in column 0 then adds nothing (same cells, its error cells left out).
    first_field = next((f for f, i in cols.items() if i == 0), None)
    if first_field is not None and first_field in text_cols:
        mark_totals(first, ~text_cols[first_field].blank, text_cols[first_field])
    else:
        first_text = first.astype("str") if _all_text(first) else first
        first_arr = _arrow_text(first_text)
        if first_arr is not None:
            first_tc = _TextColumn(first_arr)
            mark_totals(first_text, ~first_tc.blank, first_tc)
        else:
            mark_totals(first, (_cell_kinds(first) == "str").to_numpy(dtype=bool), None)
    for f in total_cols:
        if cols[f] != 0:
            mark_totals(raw[f], (kinds[f] == "str").to_numpy(dtype=bool), text_cols.get(f))
    total_row = total_hit & ~all_empty
    if total_row.any():
        skip[total_row] = "totals row"

    def text_of(f: str) -> np.ndarray:
        """Trimmed text per row (Python strings), None for empty cells and cells in error."""
        if f in text_cols:
            values = text_cols[f].objects()
            values[in_error_cell[f]] = None
            return values
        return _text_values(raw[f], kinds[f]).to_numpy(dtype=object)

    def no_text(f: str) -> np.ndarray:
        """Rows whose ``text_of(f)`` is None (without looking at 100k Python objects when the
        column is a text column)."""
        if f in text_cols:
            return text_cols[f].blank | in_error_cell[f]
        return np.asarray(pd.isna(texts[f]), dtype=bool)

    stage_counts: dict[str, int] = {}
    stage: pd.Series | None = None
    stage_rows = skip.isna()  # rows that are neither blank nor totals: the status summary's rows
    counted_value: dict[str, bool] = {}
    if "stage" in cols:
        stage = pd.Series(text_of("stage"), index=rows_no.index, dtype=object).fillna("")
        stage_counts = {str(k): int(v) for k, v in stage[stage_rows].value_counts(sort=False).items()}
        if count_stages is None:
            counted_value = {v: status_policy(v) == "count" for v in stage_counts}
        elif "*" in count_stages:
            counted_value = dict.fromkeys(stage_counts, True)
        else:
            wanted = {status_key(v) for v in count_stages}
            counted_value = {v: status_key(v) in wanted for v in stage_counts}
        # isin, not map + fillna(False): with no counted value the map is all-NaN float64 and pandas
        # warns (Pandas4Warning) on a bool fill, found by the hypothesis test of both read paths.
        not_won = ~stage.isin([v for v, counted in counted_value.items() if counted]) & stage_rows
        skip[not_won] = "stage: " + stage[not_won].replace("", "(empty)")
        if count_stages is None:
            unknown = [v for v in stage_counts if status_policy(v) == "unknown"]
            if unknown:
                said = ", ".join(f"{v or '(empty)'!r} ({stage_counts[v]:,} rows)" for v in unknown)
                notes.append(
                    f"status values not recognised, not counted: {said}; count them with "
                    "--count-status VALUE (or choose on the data page)"
                )
        if not skip.isna().any() and not_won.any():
            seen = ", ".join(repr(v) for v in dict.fromkeys(stage[not_won].tolist()))
            raise UploadRefused(
                f"no row has a stage that counts as a sale (column {header[cols['stage']]!r} has {seen}); "
                "choose which stage values count",
                "no_won_rows",
            )
    live = skip.isna().to_numpy(dtype=bool)

    errors: list[tuple[int, str, str, str, str]] = []  # (index, field, value, reason, code)

    def add(why: pd.Series | np.ndarray, f: str, code: str, unless_bad: bool = True) -> None:
        """An error for each live row with a reason in ``why`` (cells in error are reported once,
        by their formula/error reason, unless ``unless_bad`` is false)."""
        reasons = np.asarray(why, dtype=object)
        bad = pd.notna(reasons) & live
        if unless_bad and f in in_error_cell:
            bad &= ~in_error_cell[f]
        for idx in np.flatnonzero(bad).tolist():
            v = raw[f].iloc[idx] if f in raw else ""
            errors.append((idx, f, _cell_text(v), str(reasons[idx]), code))

    # Ragged text rows: a field count that differs from the header's usually means an unquoted
    # delimiter inside a value (northwind_orders_malformed.csv): every such row is an error.
    if lens is not None:
        ragged = (lens != header_len) & ~all_empty & live
        for idx in np.flatnonzero(ragged).tolist():
            errors.append(
                (
                    idx,
                    "",
                    ragged_text[idx],
                    f"row has {lens[idx]} fields but the header has {header_len} "
                    "(a separator inside an unquoted value?)",
                    "ragged",
                )
            )
    if chosen.bad_cells:
        for f, i in cols.items():
            bad_cell_why = np.full(n, None, dtype=object)
            for (r0, c0), reason in chosen.bad_cells.items():
                if c0 == i and h < r0 <= h + n:  # below the last row: see the kinds loop above
                    bad_cell_why[r0 - h - 1] = reason
            add(bad_cell_why, f, "formula", unless_bad=False)

    dates, date_why, used_order = _parse_dates(
        raw["date"], kinds["date"], chosen.date1904, date_order, map_names["date"]
    )
    add(date_why, "date", "date")
    cents, amount_why = _parse_amounts(raw["amount"], kinds["amount"], _header_unit(map_names["amount"]))
    add(amount_why, "amount", "amount")
    texts: dict[str, np.ndarray] = {
        f: text_of(f) for f in ("rep", "customer", "product", "region", "order_key", "line") if f in raw
    }
    if "rep" in cols:
        rep = texts["rep"]
        add(_reasons(no_text("rep"), "rep is empty"), "rep", "rep")
    else:
        assert people is not None
        psheet, pcol, pmap = people
        rep = pd.Series(texts["region"], dtype=object).map(pmap).to_numpy(dtype=object)
        reg_name = map_names["region"]
        add(_reasons(pd.isna(rep), f"region has no person in sheet {psheet!r}"), "region", "rep", False)
        map_names["rep"] = f"{psheet}!{pcol} (by {reg_name})"
        notes.append(f"rep taken from sheet {psheet!r}: {pcol} by {reg_name}")
    if "quantity" in cols:
        qty, qty_why = _quantities(raw["quantity"], kinds["quantity"])
        add(qty_why, "quantity", "quantity")
    else:
        qty = pd.Series(np.nan, index=rows_no.index, dtype="float64")

    no_key = np.full(n, np.nan, dtype=object)  # as pd.Series(None, dtype=object) always gave
    order_key = texts.get("order_key", no_key)
    if "order_key" in cols:
        keyed = live & ~no_text("order_key")
        if (
            text_cols["order_key"].has_duplicates(keyed)
            if "order_key" in text_cols
            else bool(pd.Series(order_key[keyed], dtype=object).duplicated().any())
        ):
            if "line" in texts:
                ok = pd.Series(order_key, dtype=object)
                line = pd.Series(texts["line"], dtype=object)
                order_key = ok.where(ok.isna(), ok + "#" + line.fillna("")).to_numpy(dtype=object)
                notes.append(
                    f"order key {map_names['order_key']!r} repeats (order lines); combined with {map_names['line']!r}"
                )
            else:
                order_key = no_key
                notes.append(
                    f"order key {map_names['order_key']!r} repeats inside the file (order lines?); not used as a row key"
                )
                map_names.pop("order_key")

    keep = live.copy()
    keep[[e[0] for e in errors]] = False
    keep_all = bool(keep.all())

    def pick(values: Any, dtype: str) -> pd.Series:
        # Series with an explicit dtype: the DataFrame constructor would infer "str" from object
        # arrays (a conversion to Arrow and back costing ~10 ms per 100k-row column). The object
        # arrays were built here for this frame alone, so they are used without a copy.
        a = np.asarray(values, dtype=dtype)
        a = a[keep] if not keep_all else a if dtype == "object" else a.copy()
        return pd.Series(a, dtype=dtype, copy=False)

    def text_column(f: str) -> pd.Series:
        return pick(texts[f] if f in texts else np.full(n, None, dtype=object), "object")

    frame = pd.DataFrame(
        {
            "date": pick(dates.to_numpy(), "datetime64[s]"),
            "rep": pick(rep, "object"),
            "customer": text_column("customer"),
            "product": text_column("product"),
            "region": text_column("region"),
            "quantity": pick(qty.to_numpy(), "float64"),
            "amount_cents": micros_to_cents(pick(cents.to_numpy(), "int64")),
            "order_key": pick(order_key, "object"),
            "excel_row": pick(rows_no.to_numpy(), "int64"),
        },
        copy=False,  # (a copy would also merge the columns into blocks: ~15 ms at 100k rows)
    )
    frame = frame if len(frame) else _empty_rows_frame()

    status: list[StatusSummary] = []
    if stage is not None and stage_counts:
        ok_amount = stage_rows.to_numpy(dtype=bool) & pd.isna(np.asarray(amount_why, dtype=object))
        amount_c = micros_to_cents(pd.Series(np.where(ok_amount, cents.to_numpy(), 0), dtype="int64"))
        per = pd.Series(amount_c.to_numpy(), index=stage.to_numpy(dtype=object))[
            stage_rows.to_numpy(dtype=bool)
        ]
        amounts = per.groupby(level=0, sort=False).sum()
        status = sorted(
            (
                StatusSummary(
                    value=str(v),
                    rows=n,
                    amount_cents=int(amounts.get(v, 0)),
                    counts=bool(counted_value.get(v, False)),
                    policy=status_policy(v),
                )
                for v, n in stage_counts.items()
            ),
            key=lambda x: (-x.rows, x.value),
        )

    label = {f: (map_names.get(f) or header[cols[f]]) for f in cols}
    label[""] = ""
    row_errors = [
        RowError(row=int(rows_no.iloc[i]), column=label.get(f, f), value=v, reason=r, code=c)
        for i, f, v, r, c in sorted(errors, key=lambda e: (e[0], e[1]))
    ]
    return ParsedUpload(
        rows=frame,
        errors=row_errors,
        skipped=_group_skips(skip, rows_no) if not live.all() else [],
        sheets=[s.name for s in sheets] if kind != "text" else [],
        sheet=chosen.name if kind != "text" else None,
        header_row=chosen.row_numbers[h] if chosen.row_numbers is not None else h + 1,
        mapping={f: name for f, name in map_names.items() if f in FIELDS or f in _AUX_FIELDS},
        candidates=candidates,
        header_signature=signature,
        file_hash=hashlib.sha256(data).hexdigest(),
        total_cents=int(frame["amount_cents"].sum()),
        file_kind=kind,
        date_order=used_order,
        notes=notes,
        columns=header,
        stage_counts=stage_counts,
        status=status,
        mapping_remembered=from_memory,
    )


# ---------------------------------------------------------------------------------------------
# Benchmark


def write_bench_xlsx(path: Path, rows: int) -> None:
    import random

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sales")
    ws.append(["销售明细 2026"])
    ws.append([])
    ws.append(["订单号", "日期", "销售员", "客户", "产品", "区域", "数量", "金额"])
    rnd = random.Random(7)
    d0 = dt.date(2026, 1, 1)
    for i in range(rows):
        ws.append(
            [
                f"SO{i:07d}",
                d0 + dt.timedelta(days=i % 365),
                f"Rep {i % 50}",
                f"Customer {i % 900}",
                f"P{i % 40}",
                ("East", "West", "North", "South")[i % 4],
                rnd.randint(1, 9),
                round(rnd.uniform(1, 99_999), 2),
            ]
        )
    wb.save(path)


def bench_ingest(sizes: Sequence[int] = (100_000, 10_000), runs: int = 3) -> list[dict[str, Any]]:
    """Time ``parse_upload`` on generated xlsx files (median/p95 of ``runs``) next to an openpyxl
    read-only pass over the same file (one run), in milliseconds."""
    from openpyxl import load_workbook

    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"bench_{n}.xlsx"
            write_bench_xlsx(path, n)
            data = path.read_bytes()
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                parsed = parse_upload(data, path.name)
                times.append((time.perf_counter() - t0) * 1000)
            if len(parsed.rows) != n or parsed.errors:
                raise RuntimeError(
                    f"benchmark parse lost rows: {len(parsed.rows)} of {n}, {len(parsed.errors)} errors"
                )
            t0 = time.perf_counter()
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
            wb.close()
            baseline = (time.perf_counter() - t0) * 1000
            assert count >= n
            times.sort()
            out.append(
                {
                    "operation": "parse_upload xlsx",
                    "rows": n,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
                    "baseline_ms": round(baseline, 1),
                }
            )
    return out
