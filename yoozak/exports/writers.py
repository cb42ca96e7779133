"""CSV and XLSX writers that take rows one at a time and never hold the whole export.

Both take the same column descriptions (columns.py): a French header, a kind (text,
integer, money, datetime) and a getter. Text cells that a spreadsheet would read as a
formula are neutralised the same way in both formats.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import xlsxwriter

from ..timeutil import LOCAL_TZ

# A cell starting with one of these is read as a formula (or DDE) by Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK = 64 * 1024  # bytes gathered before each yield: few, large writes to the socket
FILE_CHUNK = 256 * 1024


def neutralise(text: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate with an apostrophe (OWASP's advice)."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


@dataclass(frozen=True)
class Column:
    """One exported column: French header, kind of value, and how to read it from a row."""

    header: str
    kind: str  # text | int | money | datetime
    get: Any  # callable(row) -> value
    width: int = 14


@dataclass(frozen=True)
class CsvDialect:
    """Separator and decimal mark: French Excel (`;` and `,`) or machines (`,` and `.`)."""

    separator: str = ";"

    @property
    def decimal(self) -> str:
        """Return the decimal mark that goes with the separator."""
        return "," if self.separator == ";" else "."


@lru_cache(maxsize=4096)
def _offset(hour: datetime) -> timedelta:
    """Return Casablanca's UTC offset for one hour (it changes a few times a year, never within one)."""
    return hour.replace(tzinfo=UTC).astimezone(LOCAL_TZ).utcoffset()


def _local_naive(value: datetime) -> datetime:
    """Return a stored UTC datetime as Casablanca wall-clock time, without tzinfo (cached offsets)."""
    return value + _offset(value.replace(minute=0, second=0, microsecond=0))


def _csv_formatter(kind: str, dialect: CsvDialect):
    """Return the function rendering one value of this kind as CSV text."""
    if kind == "datetime":
        return lambda v: "" if v is None else _local_naive(v).isoformat(" ", "seconds")
    if kind == "money":
        if dialect.decimal == ".":
            return lambda v: "" if v is None else f"{v:.2f}"
        return lambda v: "" if v is None else f"{v:.2f}".replace(".", ",")
    if kind == "int":
        return lambda v: "" if v is None else str(int(v))
    return lambda v: "" if v is None else neutralise(str(v))


def csv_cell(value: object, kind: str, dialect: CsvDialect) -> str:
    """Render one value as CSV text: ISO local dates, plain numbers, neutralised text."""
    return _csv_formatter(kind, dialect)(value)


def csv_chunks(columns: list[Column], rows: Iterable[Any], dialect: CsvDialect) -> Iterator[bytes]:
    """Yield the CSV as UTF-8 bytes with a BOM, header first, in chunks of about CSV_CHUNK."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.separator, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    cells = [(c.get, _csv_formatter(c.kind, dialect)) for c in columns]
    for row in rows:
        writer.writerow([render(get(row)) for get, render in cells])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(target: str | os.PathLike, columns: list[Column], rows: Iterable[Any], sheet: str) -> int:
    """Write an XLSX file row by row (xlsxwriter constant_memory); return the rows written.

    Typed cells: integers and amounts as numbers, dates as Excel dates (Casablanca time),
    text always as text (write_string never makes a formula) and neutralised all the same,
    so that a copy saved as CSV stays safe. The header row is frozen.
    """
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_numbers": False})
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "bottom": 1})
        money = workbook.add_format({"num_format": "#,##0.00"})
        date = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        for index, column in enumerate(columns):
            worksheet.set_column(index, index, column.width)
            worksheet.write_string(0, index, column.header, bold)
        worksheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, column in enumerate(columns):
                _write_cell(worksheet, count, index, column.get(row), column.kind, money, date)
        return count
    finally:
        workbook.close()


def _write_cell(worksheet, row: int, col: int, value: object, kind: str, money, date) -> None:
    if value is None:
        return  # constant_memory: an empty cell is simply not written
    if kind == "int":
        worksheet.write_number(row, col, int(value))
    elif kind == "money":
        worksheet.write_number(row, col, float(value), money)
    elif kind == "datetime":
        worksheet.write_datetime(row, col, _local_naive(value), date)
    else:
        worksheet.write_string(row, col, neutralise(str(value)))


def xlsx_chunks(columns: list[Column], rows: Iterable[Any], sheet: str) -> Iterator[bytes]:
    """Write the XLSX into a temporary file, then yield it in chunks; the file is removed after.

    An XLSX is a zip whose directory comes last: it cannot be sent before it is complete.
    The temporary file keeps memory flat (constant_memory flushes each row to disk).
    """
    handle, path = tempfile.mkstemp(prefix="yoozak-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, columns, rows, sheet)
        with open(path, "rb") as stream:
            while chunk := stream.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)
