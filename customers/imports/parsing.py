"""An uploaded file to a header and rows of text: CSV in whatever encoding and delimiter a spreadsheet wrote, or XLSX.

Every way a file can be unreadable is a ValidationError on the `file` field, never an exception the page shows as a
500: an empty file, binary junk, an XLSX that is not one, no header row, a header naming one column twice.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": gettext_lazy("comma"), ";": gettext_lazy("semicolon"), "\t": gettext_lazy("tab"),
                    "|": gettext_lazy("pipe")}


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[list]  # [line, value, value, ...]: the line as a spreadsheet numbers it (the header is 1)
    format: str  # what was detected, for the page: "CSV, Windows-1252, semicolon"
    sha256: str


def _bad(message: str) -> ValidationError:
    return ValidationError({"file": message}, code="invalid")


def _decode(content: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding's name: UTF-8 (with or without BOM), UTF-16 (BOM), else Windows-1252 or Latin-1."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "UTF-8"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise _bad(_("%(name)s says it is UTF-16 but is not readable as such.") % {"name": name}) from exc
    for encoding, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return content.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise _bad(_("%(name)s is not text.") % {"name": name})  # latin-1 decodes anything: not reached


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return "\x00" in sample or controls > len(sample) // 100 + 1


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _headers(raw: list, name: str) -> list[str]:
    headers = [str(h if h is not None else "").strip() for h in raw]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise _bad(_("%(name)s has no header row: the first row must name the columns.") % {"name": name})
    headers = [h or _("Column %(n)s") % {"n": i} for i, h in enumerate(headers, start=1)]
    seen = set()
    for header in headers:
        if header.lower() in seen:
            raise _bad(_("%(name)s names the column “%(column)s” twice: give each column its own name.")
                       % {"name": name, "column": header})
        seen.add(header.lower())
    return headers


# A cell a spreadsheet would run as a formula (CSV injection); CDM's own CSVs quote it with a leading ' (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """`value` for a CSV that a spreadsheet opens: a formula-like cell quoted, so it shows as text."""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def spreadsheet_unquote(value: str) -> str:
    """The value spreadsheet_safe quoted: a CSV CDM gave out (rejected rows), fixed and uploaded again."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def _rows(records, width: int) -> list[list]:
    rows = []
    for line, record in enumerate(records, start=2):
        values = [spreadsheet_unquote(v.strip()) for v in record[:width]] + [""] * (width - len(record))
        if any(values):
            rows.append([line, *values])
    return rows


def _csv(content: bytes, name: str) -> tuple[list[str], list[list], str]:
    text, encoding = _decode(content, name)
    if _looks_binary(text):
        raise _bad(_("%(name)s is neither a CSV nor an XLSX file.") % {"name": name})
    if not text.strip():
        raise _bad(_("%(name)s is empty.") % {"name": name})
    delimiter = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _bad(_("%(name)s is not a readable CSV file: %(error)s.") % {"name": name, "error": exc}) from exc
    headers = _headers(records[0], name)
    return headers, _rows(records[1:], len(headers)), f"CSV, {encoding}, {_DELIMITER_NAMES[delimiter]}"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx(content: bytes, name: str) -> tuple[list[str], list[list], str]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _bad(_("%(name)s is not a readable XLSX workbook.") % {"name": name}) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise _bad(_("%(name)s has no sheet.") % {"name": name})
        records = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not records:
        raise _bad(_("%(name)s is empty.") % {"name": name})
    headers = _headers(records[0], name)
    return headers, _rows(records[1:], len(headers)), f"XLSX, {_('sheet')} “{sheet.title}”"


def file_parse(content: bytes, name: str) -> ParsedFile:
    """The header and the non-blank rows of an upload, CSV or XLSX (told by its content, not only its name)."""
    if not content:
        raise _bad(_("%(name)s is empty.") % {"name": name})
    if content.startswith(b"PK\x03\x04") or name.lower().endswith((".xlsx", ".xlsm")):
        if not content.startswith(b"PK\x03\x04"):
            raise _bad(_("%(name)s is not a readable XLSX workbook.") % {"name": name})
        headers, rows, fmt = _xlsx(content, name)
    else:
        headers, rows, fmt = _csv(content, name)
    return ParsedFile(headers=headers, rows=rows, format=fmt, sha256=hashlib.sha256(content).hexdigest())
