"""Checks that run on an uploaded file's bytes before any reader sees them.

Every check refuses with ``UploadRefused`` whose message says what is wrong and what to do.
Nothing here touches the file system or the network: callers pass bytes, never a path, so a
cell's text can never be mistaken for a file name or URL.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np
from isal import igzip_lib

FileKind = Literal["xlsx", "xlsb", "ods", "xls", "text"]

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps applied before and while parsing; defaults suit a manager's monthly export."""

    max_bytes: int = 50 * MB  # the upload itself, below Streamlit's 200 MB upload limit
    max_unzipped_bytes: int = 600 * MB  # sum of all zip members as declared and as actually inflated
    max_member_bytes: int = 400 * MB  # one zip member
    max_ratio: float = 200.0  # inflated / compressed for a member larger than ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MB  # small members may compress extremely well; only big ones count
    max_members: int = 5000
    max_rows: int = 1_000_000  # data rows (plus header area) in the chosen sheet or text file
    max_cols: int = 500
    max_xml_prolog_bytes: int = 64 * 1024  # an XML part whose root element starts later is refused


DEFAULT_LIMITS = Limits()


class IngestError(ValueError):
    """Base of every refusal raised while reading an upload; ``code`` is stable for the UI's translations."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


class UploadRefused(IngestError):
    """The file cannot be read safely or is not a sales table; nothing was parsed."""


@dataclass
class ZipInspection:
    """What the zip pass learned: member names and the inflated bytes of the members asked for."""

    names: list[str]
    kept: dict[str, bytes] = field(default_factory=dict)
    heads: dict[str, bytes] = field(default_factory=dict)  # first inflated chunk (≤ 1 MB) of ``head`` members
    flagged: set[str] = field(default_factory=set)  # ``head`` members that contain one of ``needles``


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _refuse(message: str, code: str) -> UploadRefused:
    return UploadRefused(message, code)


def check_size(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse empty files and files above ``limits.max_bytes``."""
    if not data:
        raise _refuse("the file is empty; export the sheet again and upload the saved file", "empty")
    if len(data) > limits.max_bytes:
        raise _refuse(
            f"the file is {len(data) / MB:.1f} MB, above the {limits.max_bytes / MB:.0f} MB limit; "
            "split it by month or remove unused sheets",
            "too_big",
        )


def detect_kind(data: bytes, filename: str = "") -> FileKind:
    """Tell the format from the bytes' signature; the file name's extension is never trusted.

    Zip containers are told apart by their members (xl/workbook.xml, xl/workbook.bin, ODS
    ``mimetype``); OLE2 is legacy .xls unless it is an encrypted (password-protected) package.
    Anything else must look like text (no NUL bytes outside UTF-16).
    """
    head = data[:8]
    if head.startswith(_ZIP):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise _refuse(
                f"the file looks like a zip/xlsx but is damaged ({exc}); save it again in Excel", "bad_zip"
            ) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        raise _refuse(
            "the file is a zip archive but not an Excel workbook; upload the .xlsx or .csv itself",
            "not_sheet",
        )
    if head.startswith(_OLE2):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data[: 1 * MB]:
            raise _refuse(
                "the workbook is password-protected; remove the password in Excel and upload again",
                "encrypted",
            )
        return "xls"
    for sig, what in _BINARY_SIGNATURES:
        if data.startswith(sig):
            raise _refuse(f"the file is {what}, not a spreadsheet; upload .xlsx, .xls or .csv", "not_sheet")
    sample = data[: 64 * 1024]
    is_utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in sample and not is_utf16:
        raise _refuse(
            "the file is binary but not a known spreadsheet format; upload .xlsx, .xls or .csv", "not_sheet"
        )
    return "text"


def inspect_zip(
    data: bytes,
    limits: Limits = DEFAULT_LIMITS,
    keep: tuple[str, ...] = (),
    head: tuple[str, ...] = (),
    needles: tuple[bytes, ...] = (),
) -> ZipInspection:
    """Refuse zip bombs and XML with a DOCTYPE/ENTITY before any reader inflates the workbook.

    Declared sizes are checked first (count, per member, total, ratio), then every member is
    inflated here in 1 MB chunks so a member that lies about its size is caught (inflating
    stops at the declared size and the CRC check fails, see :func:`_member_chunks`). XML parts
    must reach their root element within ``max_xml_prolog_bytes`` and carry no DOCTYPE or
    ENTITY declaration, which closes the door on entity expansion ("billion laughs") and
    external entities.
    Members whose names start with one of ``keep`` are returned inflated. Members whose names
    start with one of ``head`` keep only their first chunk (enough for a sheet's first rows) and
    are searched, while they stream, for ``needles`` (e.g. formula or error cells), so a large
    worksheet is inflated once here and never held in memory.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refuse(f"the workbook is damaged ({exc}); open and save it again in Excel", "bad_zip") from exc
    if len(infos) > limits.max_members:
        raise _refuse(
            f"the workbook has {len(infos)} parts, above the limit of {limits.max_members}", "zip_bomb"
        )
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(
                "the workbook is encrypted; remove the password in Excel and upload again", "encrypted"
            )
        declared += info.file_size
        if info.file_size > limits.max_member_bytes or declared > limits.max_unzipped_bytes:
            raise _refuse(
                f"the workbook would unpack to more than {limits.max_unzipped_bytes // MB} MB "
                f"(part {info.filename!r} alone is {info.file_size // MB} MB); refused as a possible zip bomb",
                "zip_bomb",
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise _refuse(
                f"part {info.filename!r} compresses {info.file_size / max(info.compress_size, 1):.0f}:1, "
                f"above {limits.max_ratio:.0f}:1; refused as a possible zip bomb",
                "zip_bomb",
            )
    result = ZipInspection(names=[i.filename for i in infos])
    inflated = 0
    for info in infos:
        if info.is_dir():
            continue
        want = info.filename.startswith(keep) if keep else False
        headed = info.filename.startswith(head) if head else False
        search = headed and bool(needles)
        overlap = max((len(n) for n in needles), default=1) - 1
        tail = b""
        chunks: list[bytes] = []
        first = True
        try:
            for chunk in _member_chunks(zf, data, info):
                inflated += len(chunk)
                if inflated > limits.max_unzipped_bytes:
                    raise _refuse(
                        "the workbook unpacks to more than its parts declare; refused as a possible zip bomb",
                        "zip_bomb",
                    )
                if first and info.filename.endswith((".xml", ".rels", ".vml")):
                    _check_xml_prolog(info.filename, chunk, limits)
                if first and headed:
                    result.heads[info.filename] = chunk
                first = False
                if search:
                    seam = tail + chunk[:overlap]  # a needle split across two chunks
                    if any(n in seam for n in needles) or _contains_any(chunk, needles):
                        result.flagged.add(info.filename)
                        search = False
                    tail = chunk[-overlap:] if overlap else b""
                if want:
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, _InflateError) as exc:
            if isinstance(exc, UploadRefused):
                raise
            raise _refuse(
                f"part {info.filename!r} of the workbook is damaged ({exc}); save it again in Excel",
                "bad_zip",
            ) from exc
        if want:
            result.kept[info.filename] = b"".join(chunks)
    return result


# isal's stub declares its error as an instance of Exception; it is the class inflating raises.
_InflateError = cast(type[Exception], igzip_lib.IsalError)
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a member's local header: signature, ..., name and extra lengths


def _member_chunks(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's inflated bytes in 1 MB chunks (only the last one shorter), as zipfile's
    ``open(info).read(MB)`` returns them: ending at the declared size, and raising BadZipFile
    for a CRC mismatch before the last chunk is yielded.

    Deflated members (all of a normal xlsx) are inflated by ISA-L, ~2x faster than zlib on a big
    worksheet, with the CRC-32 computed as it inflates; the compressed bytes are handed over
    once, as a view of ``data`` (zlib's ``unconsumed_tail`` would copy the rest at every
    chunk). Other methods (stored, bzip2, lzma) are read through zipfile.
    """
    with zf.open(info) as member:  # zipfile checks the local header: signature, name, flags
        if info.compress_type != zipfile.ZIP_DEFLATED:
            while chunk := member.read(MB):
                yield chunk
            return
    _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    compressed = memoryview(data)[start : start + info.compress_size]
    inflater = igzip_lib.IgzipDecompressor(igzip_lib.DECOMP_GZIP_NO_HDR)  # raw deflate, CRC-32 kept
    left = info.file_size
    held = b""  # each chunk waits for the next one so the CRC is checked before the last is yielded
    chunk = inflater.decompress(compressed, min(MB, left))
    while chunk:
        left -= len(chunk)
        if held:
            yield held
        held = chunk
        # needs_input: everything the given bytes inflate to has been returned
        if not left or inflater.eof or inflater.needs_input:
            break
        chunk = inflater.decompress(b"", min(MB, left))
    if left and not inflater.eof and len(compressed) < info.compress_size:
        raise EOFError  # as zipfile: the compressed bytes run past the end of the file
    if inflater.crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    if held:
        yield held


# The bytes most frequent in XML: a needle's other bytes are compared first.
_MARKUP = frozenset(b'<>"=/: ')


def _contains_any(chunk: bytes, needles: tuple[bytes, ...]) -> bool:
    """Whether ``chunk`` contains one of ``needles``: one vectorised comparison per needle byte,
    ANDed, stopping as soon as no position is left. The bytes that are not XML markup go first,
    so on a worksheet a needle usually costs one or two comparisons; before any array is built,
    ``in`` (memchr) skips the chunk if the first of them is absent. ``needle in chunk`` itself is
    slower here because XML's most frequent bytes, '<' and '"', are in the needles, so CPython's
    substring search stops at nearly every tag."""
    a = np.frombuffer(chunk, dtype=np.uint8)
    for needle in needles:
        k = len(a) - len(needle) + 1
        if k <= 0:
            continue
        order = sorted(range(len(needle)), key=lambda j: needle[j] in _MARKUP)
        if order and needle[order[0]] not in chunk:  # b"" has no order: every chunk contains it
            continue
        hit = None
        for j in order:
            same = a[j : k + j] == needle[j]
            hit = same if hit is None else np.logical_and(hit, same, out=hit)
            if not hit.any():
                break
        else:
            return True
    return False


def _check_xml_prolog(name: str, first_chunk: bytes, limits: Limits) -> None:
    head = first_chunk[: limits.max_xml_prolog_bytes]
    root = _ROOT_START.search(head)
    prolog = head if root is None else head[: root.start()]
    if _DOCTYPE.search(prolog):
        raise _refuse(
            f"part {name!r} declares a DOCTYPE/ENTITY (XML entity expansion); such workbooks are refused",
            "xml_entities",
        )
    if root is None and len(first_chunk) >= limits.max_xml_prolog_bytes:
        raise _refuse(f"part {name!r} has an oversized XML header; refused", "xml_entities")


def check_upload(
    data: bytes,
    filename: str = "",
    limits: Limits = DEFAULT_LIMITS,
    keep: tuple[str, ...] = (),
    head: tuple[str, ...] = (),
    needles: tuple[bytes, ...] = (),
) -> tuple[FileKind, ZipInspection | None]:
    """Run every pre-parse check: size, signature, and for zip workbooks the bomb and XML checks."""
    check_size(data, limits)
    kind = detect_kind(data, filename)
    inspection = inspect_zip(data, limits, keep, head, needles) if kind in ("xlsx", "xlsb", "ods") else None
    return kind, inspection
