"""Reading a CSV upload: encoding, header and size checks shared by every importer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# An import is one transaction over rows all held in memory: at about 1 ms and 4 kB a row
# (phone parsing dominates), 10 MB (~80,000 orders) takes a minute or two and ~350 MB.
# Larger files are refused whole, before anything is read, with a message to split them.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FIELD_CHARS = 10_000
# Files people pick by mistake, told apart by their first bytes.
SIGNATURES = (
    (b"\xff\xfe", 'UTF-16 text (Excel\'s "Unicode text")'),
    (b"\xfe\xff", "UTF-16 text"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
)


class CsvFileError(ValueError):
    """The file as a whole cannot be imported; the message says why."""


@dataclass(frozen=True)
class RowError:
    """A rejected row: its line number in the file and the reason."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a UTF-8 CSV with a header; refuse the file when unusable."""
    if not path.is_file():
        raise CsvFileError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CsvFileError(
            f"{path}: {size / (1024 * 1024):.1f} MB, more than the {MAX_FILE_BYTES // (1024 * 1024)} MB "
            "one import accepts; split it into smaller files (each is imported whole or not at all)"
        )
    text = _decode(path, path.read_bytes())
    csv.field_size_limit(MAX_FIELD_CHARS)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    # strict: a stray or unclosed quote is an error, not a field that swallows the lines after it.
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise CsvFileError(f"{path}: empty file, a header line is expected")
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvFileError(f"{path}: missing column(s) {', '.join(missing)}; header is {', '.join(header)}")
    reader.fieldnames = header
    try:
        for row in reader:
            cleaned = {k: (v or "").strip() for k, v in row.items() if k is not None and isinstance(v, str)}
            yield reader.line_num, cleaned
    except csv.Error as error:
        raise CsvFileError(f"{path}: line {reader.line_num}: {error}") from error


def _decode(path: Path, raw: bytes) -> str:
    """Return the text of a UTF-8 file; refuse other encodings and binary files by name."""
    for signature, kind in SIGNATURES:
        if raw.startswith(signature):
            raise CsvFileError(f'{path}: this is {kind}, not a CSV file; save it as "CSV UTF-8"')
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CsvFileError(
            f"{path}: not UTF-8 (line {line}, byte {error.start}: probably Windows-1252 or Latin-1); "
            'save the file as "CSV UTF-8" and try again'
        ) from error
    if "\x00" in text:
        raise CsvFileError(f"{path}: contains NUL bytes; not a text CSV file")
    return text
