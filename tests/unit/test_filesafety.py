"""Tests for analysis.filesafety: hostile files are refused before any reader sees them."""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile
import zlib

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.filesafety import (
    MB,
    Limits,
    UploadRefused,
    ZipInspection,
    _contains_any,
    check_upload,
    detect_kind,
    inspect_zip,
)
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
    needles=st.lists(
        st.sampled_from([b"<f", b":f", b't="e"', b"x", b"<f>", b"", b'"e"', b"f", b"ab<"]), max_size=3
    ),
)
def test_vectorised_needle_search_matches_substring_search(chunk: bytes, needles: list[bytes]) -> None:
    """The byte-array search that flags formula cells finds exactly what ``needle in chunk`` finds."""
    assert _contains_any(chunk, tuple(needles)) == any(n in chunk for n in needles)


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def central_record(data: bytes, name: str) -> int:
    """Offset of ``name``'s central directory record (46 fixed bytes, then name, extra, comment)."""
    at = len(data)
    while True:  # from the end: the central directory follows every member's data
        at = data.rfind(b"PK\x01\x02", 0, at)
        assert at >= 0, name
        if data[at + 46 : at + 46 + struct.unpack_from("<H", data, at + 28)[0]] == name.encode():
            return at


def patched(data: bytes, name: str, **fields: int) -> bytes:
    """``data`` with fields of ``name``'s central directory record (what zipfile trusts) replaced."""
    layout = {"method": (10, "<H"), "crc": (16, "<I"), "compress_size": (20, "<I"), "file_size": (24, "<I")}
    out = bytearray(data)
    at = central_record(data, name)
    for key, value in fields.items():
        offset, fmt = layout[key]
        struct.pack_into(fmt, out, at + offset, value)
    return bytes(out)


def as_zipfile_reads(
    data: bytes, keep: tuple[str, ...], head: tuple[str, ...], needles: tuple[bytes, ...]
) -> ZipInspection:
    """What inspect_zip must return, built from zipfile's own reading of every member."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    result = ZipInspection(names=zf.namelist())
    for name in result.names:
        body = zf.read(name)
        if name.startswith(keep):
            result.kept[name] = body
        if name.startswith(head) and body:
            result.heads[name] = body[:MB]
            if any(n in body for n in needles):
                result.flagged.add(name)
    return result


def filler(n: int, seed: int = 0) -> bytes:
    """``n`` bytes of XML-ish text that compress ~2:1 (a root tag, then hex digits) and contain
    none of the needles below."""
    return (b"<w>" + random.Random(seed).randbytes(n // 2 + 1).hex().encode())[:n]


class TestInflate:
    """inspect_zip inflates members itself; it must read exactly what zipfile reads and refuse what zipfile refuses."""

    NEEDLES = (b"<f", b":f", b't="e"')

    @pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
    @pytest.mark.parametrize(
        ("size", "needle_at"),
        [
            (0, None),
            (1, None),
            (MB - 1, None),
            (MB, MB - 1),
            (MB + 1, MB - 2),
            (2 * MB + 3, 2 * MB - 1),
            (3 * MB, None),
        ],
    )
    def test_reads_what_zipfile_reads(self, method: int, size: int, needle_at: int | None) -> None:
        body = bytearray(filler(size))
        if needle_at is not None:  # a formula needle across the seam of two 1 MB chunks
            body[needle_at : needle_at + 2] = b"<f"
        data = zipped({"xl/worksheets/sheet1.xml": bytes(body), "xl/workbook.xml": b"<workbook/>"}, method)
        args = (("xl/workbook.xml", "xl/worksheets/"), ("xl/worksheets/",), self.NEEDLES)
        got = inspect_zip(data, Limits(), *args)
        assert got == as_zipfile_reads(data, *args)
        assert got.flagged == ({"xl/worksheets/sheet1.xml"} if needle_at is not None else set())

    def test_empty_member(self) -> None:
        info = inspect_zip(zipped({"a.xml": b""}), keep=("a",), head=("a",), needles=self.NEEDLES)
        assert info.kept == {"a.xml": b""} and info.heads == {} and info.flagged == set()

    def test_crc_mismatch_is_refused_as_damaged(self) -> None:
        body = filler(3 * MB)
        data = patched(
            zipped({"xl/worksheets/sheet1.xml": body}), "xl/worksheets/sheet1.xml", crc=zlib.crc32(body) ^ 1
        )
        with pytest.raises(UploadRefused, match="Bad CRC-32") as refused:
            inspect_zip(data)
        assert refused.value.code == "bad_zip"

    def test_crc_is_checked_before_the_last_chunk_is_looked_at(self) -> None:
        # As zipfile: a damaged one-chunk part is refused as damaged, not for what its bytes say.
        data = patched(zipped({"xl/sharedStrings.xml": BILLION_LAUGHS}), "xl/sharedStrings.xml", crc=0)
        with pytest.raises(UploadRefused, match="Bad CRC-32") as refused:
            inspect_zip(data)
        assert refused.value.code == "bad_zip"

    def test_member_larger_than_declared_is_refused(self) -> None:
        # A bomb that declares 1 KB: inflating stops there and the CRC (of the whole body) fails.
        body = b"<v>0</v>" * (MB // 2)
        data = patched(zipped({"xl/worksheets/sheet1.xml": body}), "xl/worksheets/sheet1.xml", file_size=1024)
        with pytest.raises(UploadRefused, match="Bad CRC-32") as refused:
            inspect_zip(data)
        assert refused.value.code == "bad_zip"

    def test_member_larger_than_declared_is_read_only_to_its_declared_size(self) -> None:
        # Even with a CRC that fits the declared prefix, nothing past the declared size is inflated.
        body = filler(MB) + b"<f>SUM(A1)</f>" + filler(MB, seed=1)
        data = patched(
            zipped({"xl/worksheets/sheet1.xml": body}),
            "xl/worksheets/sheet1.xml",
            file_size=MB,
            crc=zlib.crc32(body[:MB]),
        )
        args = (("xl/",), ("xl/",), self.NEEDLES)
        got = inspect_zip(data, Limits(), *args)
        assert got == as_zipfile_reads(data, *args)
        assert got.kept["xl/worksheets/sheet1.xml"] == body[:MB] and got.flagged == set()

    def test_member_shorter_than_declared_is_read_as_zipfile_reads_it(self) -> None:
        body = filler(5000)
        data = patched(zipped({"xl/worksheets/sheet1.xml": body}), "xl/worksheets/sheet1.xml", file_size=9000)
        got = inspect_zip(data, keep=("xl/",))
        assert got.kept == {"xl/worksheets/sheet1.xml": body} == as_zipfile_reads(data, ("xl/",), (), ()).kept

    def test_broken_deflate_stream_is_refused_as_damaged(self) -> None:
        data = bytearray(zipped({"xl/worksheets/sheet1.xml": filler(2 * MB)}))
        start = 30 + len("xl/worksheets/sheet1.xml")  # the only member: its data follows the local header
        data[start] = 0b111  # the first deflate block is final, of the reserved (invalid) type 3
        with pytest.raises(UploadRefused, match="damaged") as refused:
            inspect_zip(bytes(data))
        assert refused.value.code == "bad_zip" and "CRC" not in str(refused.value)

    def test_compressed_bytes_past_the_end_of_the_file_are_refused(self) -> None:
        # A non-final stored deflate block of 65535 bytes; the file ends long before it does.
        block = b"\x00" + struct.pack("<HH", 0xFFFF, 0x0000) + b"x" * 100
        data = zipped({"a.bin": block}, zipfile.ZIP_STORED)
        data = patched(data, "a.bin", method=zipfile.ZIP_DEFLATED, compress_size=70_000, file_size=65_535)
        with pytest.raises(UploadRefused, match="damaged") as refused:
            inspect_zip(data)
        assert refused.value.code == "bad_zip" and isinstance(refused.value.__cause__, EOFError)
        with pytest.raises(EOFError):  # zipfile's reason
            zipfile.ZipFile(io.BytesIO(data)).read("a.bin")

    def test_local_header_with_a_wrong_name_is_refused(self) -> None:
        data = zipped({"xl/worksheets/sheet1.xml": filler(100)}).replace(b"sheet1.xml", b"sheet2.xml", 1)
        with pytest.raises(UploadRefused, match="differ") as refused:
            inspect_zip(data)
        assert refused.value.code == "bad_zip"

    def test_local_header_with_a_wrong_signature_is_refused(self) -> None:
        data = zipped({"a.xml": b"<a/>", "b.xml": b"<b/>"})
        offset = zipfile.ZipFile(io.BytesIO(data)).getinfo("b.xml").header_offset
        data = data[:offset] + b"PK\x07\x08" + data[offset + 4 :]
        with pytest.raises(UploadRefused, match="Bad magic number") as refused:
            inspect_zip(data)
        assert refused.value.code == "bad_zip"

    def test_member_data_starts_after_the_local_headers_extra_field(self) -> None:
        # The local header carries an extra field the central directory does not (its bytes
        # become the member's comment there): the data start must come from the local header.
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        info.extra = struct.pack("<HH", 0xCAFE, 12) + b"twelve bytes"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(info, b"<f>1</f>" + filler(5000))
        data = bytearray(out.getvalue())
        at = central_record(bytes(data), info.filename)
        struct.pack_into("<HH", data, at + 30, 0, len(info.extra))  # extra length 0, comment length 16
        got = inspect_zip(bytes(data), keep=("xl/",), head=("xl/",), needles=self.NEEDLES)
        assert got == as_zipfile_reads(bytes(data), ("xl/",), ("xl/",), self.NEEDLES)
        assert got.flagged == {info.filename}
