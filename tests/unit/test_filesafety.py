"""Tests for analysis.filesafety: hostile files are refused before any reader sees them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.filesafety import Limits, UploadRefused, _contains_any, check_upload, detect_kind
from analysis.ingest import parse_upload


def good_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Date", "Rep", "Amount"])
    ws.append([dt.date(2026, 1, 1), "A", 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    b"<si><t>&lol9;</t></si></sst>"
)


class TestSignature:
    @pytest.mark.parametrize(
        ("data", "kind"),
        [
            (b"date,rep,amount\n", "text"),
            ("日期,销售员\n".encode("gbk"), "text"),
            ("a\tb\n".encode("utf-16"), "text"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "xls"),
        ],
    )
    def test_kinds(self, data: bytes, kind: str) -> None:
        assert detect_kind(data, "whatever.xlsx") == kind

    def test_xlsx_by_content_whatever_the_name(self) -> None:
        assert detect_kind(good_xlsx(), "sales.csv") == "xlsx"

    @pytest.mark.parametrize(
        ("data", "match"),
        [
            (b"%PDF-1.7 ...", "PDF"),
            (b"\x89PNG\r\n\x1a\n....", "PNG"),
            (b"MZ\x90\x00", "program"),
            (b"abc\x00def\x00", "binary"),
            (b"", "empty"),
        ],
    )
    def test_refused_with_reason(self, data: bytes, match: str) -> None:
        with pytest.raises(UploadRefused, match=match):
            parse_upload(data, "sales.xlsx")

    def test_zip_that_is_not_a_workbook(self) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("readme.txt", "hi")
        with pytest.raises(UploadRefused, match="not an Excel workbook"):
            parse_upload(buf.getvalue(), "sales.xlsx")

    def test_encrypted_ole_package(self) -> None:
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64
        with pytest.raises(UploadRefused, match="password"):
            parse_upload(data, "sales.xlsx")


class TestLimits:
    def test_size_cap(self) -> None:
        with pytest.raises(UploadRefused, match="above the 1 MB limit"):
            check_upload(b"a,b\n" * 300_000, "x.csv", Limits(max_bytes=1024 * 1024))

    def test_zip_bomb_declared_size(self) -> None:
        # 300 MB of zeros compresses to ~300 KB: refused by ratio before anything is parsed.
        bomb = rezip(good_xlsx(), {}, add={"xl/media/pad.bin": b"\0" * (300 * 1024 * 1024)})
        assert len(bomb) < 2 * 1024 * 1024
        with pytest.raises(UploadRefused, match="zip bomb"):
            parse_upload(bomb, "x.xlsx")

    def test_zip_bomb_total_cap(self) -> None:
        data = rezip(good_xlsx(), {}, add={"xl/media/a.bin": bytes(range(256)) * 8192})
        with pytest.raises(UploadRefused, match="zip bomb"):
            check_upload(data, "x.xlsx", Limits(max_unzipped_bytes=1024 * 1024))

    def test_row_cap(self) -> None:
        text = "date,rep,amount\n" + "2026-01-01,A,1\n" * 200
        with pytest.raises(UploadRefused, match="more than 100 rows"):
            parse_upload(text.encode(), "x.csv", limits=Limits(max_rows=100))

    def test_column_cap_xlsx(self) -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["Date", "Rep", "Amount", *[f"c{i}" for i in range(60)]])
        buf = io.BytesIO()
        wb.save(buf)
        with pytest.raises(UploadRefused, match="above the limit"):
            parse_upload(buf.getvalue(), "x.xlsx", limits=Limits(max_cols=50))


class TestXml:
    def test_billion_laughs_in_shared_strings_refused(self) -> None:
        data = rezip(good_xlsx(), {}, add={"xl/sharedStrings.xml": BILLION_LAUGHS})
        with pytest.raises(UploadRefused, match="DOCTYPE/ENTITY"):
            parse_upload(data, "x.xlsx")

    def test_external_entity_in_workbook_refused(self) -> None:
        base = good_xlsx()
        wb_xml = zipfile.ZipFile(io.BytesIO(base)).read("xl/workbook.xml")
        evil = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + wb_xml.split(b"?>", 1)[-1]
        )
        with pytest.raises(UploadRefused, match="DOCTYPE"):
            parse_upload(rezip(base, {"xl/workbook.xml": evil}), "x.xlsx")

    def test_clean_workbook_passes(self) -> None:
        kind, info = check_upload(good_xlsx(), "x.xlsx", keep=("xl/worksheets/",))
        assert kind == "xlsx" and info is not None
        assert "xl/worksheets/sheet1.xml" in info.kept

    def test_cell_text_is_never_opened_as_a_path(self, tmp_path: object) -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["Date", "Rep", "Amount"])
        ws.append([dt.date(2026, 1, 1), "/etc/passwd", "file:///etc/passwd"])
        buf = io.BytesIO()
        wb.save(buf)
        p = parse_upload(buf.getvalue(), "x.xlsx")
        assert [e.value for e in p.errors] == ["file:///etc/passwd"]


@given(
    chunk=st.binary(max_size=300) | st.text(alphabet='<f:t="e>/ abc', max_size=300).map(str.encode),
    needles=st.lists(st.sampled_from([b"<f", b":f", b't="e"', b"x", b"<f>"]), max_size=3),
)
def test_vectorised_needle_search_matches_substring_search(chunk: bytes, needles: list[bytes]) -> None:
    """The byte-array search that flags formula cells finds exactly what ``needle in chunk`` finds."""
    assert _contains_any(chunk, tuple(needles)) == any(n in chunk for n in needles)
