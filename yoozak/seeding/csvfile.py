"""Reading a CSV upload: encoding, header and size checks shared by every importer."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# A file is never held whole: a first pass checks that it is UTF-8 (1 MB reads; ~0.3 s for
# 50 MB), then rows are parsed, checked and inserted 5,000 at a time in one transaction
# (importers.py). Measured on 2 cores with SQLite: 50 MB of orders (388,000 rows) imports in
# 50 s; the Python heap peaks at 44 MB for 10 MB and 122 MB for 50 MB, what grows being one
# key and one new id per row (~130 bytes) and the bounded phone cache; the process's RSS adds
# SQLite's page cache and mmap (329 MB in all). Linking them on arrival takes another minute.
# 50 MB of clients (426,000) takes 275 s and 378 MB. Before (every row held, one INSERT per
# row on SQLite), 10 MB of orders took 400 s; 50 MB was reported at 456 s and 1.6 GB. At the 100 MB cap
# (~780,000 orders) expect ~2 minutes and ~100 MB more of keys; larger files are refused
# whole, before anything is read, with a message to split them.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_FIELD_CHARS = 10_000
READ_BYTES = 1 << 20  # bytes per read in the encoding check
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
    """Yield (line number, row) from a UTF-8 CSV with a header; refuse the file when unusable.

    The file is streamed: whole-file checks (size, encoding) run before the first row is
    yielded; a malformed line further down (an unclosed quote) raises CsvFileError there,
    after the rows before it were yielded, so callers import in one transaction.
    """
    if not path.is_file():
        raise CsvFileError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CsvFileError(
            f"{path}: {size / (1024 * 1024):.1f} MB, more than the {MAX_FILE_BYTES // (1024 * 1024)} MB "
            "one import accepts; split it into smaller files (each is imported whole or not at all)"
        )
    check_text(path)
    csv.field_size_limit(MAX_FIELD_CHARS)
    with path.open(encoding="utf-8-sig", newline="") as text:
        sample = text.read(4096)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    with path.open(encoding="utf-8-sig", newline="") as text:
        # strict: a stray or unclosed quote is an error, not a field that swallows the lines after it.
        reader = csv.DictReader(text, delimiter=delimiter, strict=True)
        try:
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
        except csv.Error as error:
            raise CsvFileError(f"{path}: line {reader.line_num}: {error}") from error
        if not header:
            raise CsvFileError(f"{path}: empty file, a header line is expected")
        missing = [c for c in required if c not in header]
        if missing:
            raise CsvFileError(
                f"{path}: missing column(s) {', '.join(missing)}; header is {', '.join(header)}"
            )
        reader.fieldnames = header
        last = reader.line_num  # the last line read whole: a bad record starts after it
        try:
            for row in reader:
                cleaned = {
                    k: (v or "").strip() for k, v in row.items() if k is not None and isinstance(v, str)
                }
                last = reader.line_num
                yield last, cleaned
        except csv.Error as error:
            raise CsvFileError(f"{path}: line {last + 1}: {error}") from error


def check_text(path: Path) -> None:
    """Refuse a file that is not UTF-8 text, reading it in chunks; binary files are named."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # bytes of the file read before this chunk
    has_nul = False
    with path.open("rb") as raw:
        head = raw.read(8)
        for signature, kind in SIGNATURES:
            if head.startswith(signature):
                raise CsvFileError(f'{path}: this is {kind}, not a CSV file; save it as "CSV UTF-8"')
        raw.seek(0)
        while chunk := raw.read(READ_BYTES):
            pending = len(decoder.getstate()[0])  # an incomplete character carried over
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                _refuse_encoding(path, offset - pending + error.start, error)
            has_nul = has_nul or b"\x00" in chunk
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            _refuse_encoding(path, offset - len(error.object) + error.start, error)
    if has_nul:
        raise CsvFileError(f"{path}: contains NUL bytes; not a text CSV file")


def _refuse_encoding(path: Path, position: int, error: UnicodeDecodeError) -> None:
    line = 1
    with path.open("rb") as raw:
        done = 0
        while done < position and (chunk := raw.read(min(READ_BYTES, position - done))):
            line += chunk.count(b"\n")
            done += len(chunk)
    raise CsvFileError(
        f"{path}: not UTF-8 (line {line}, byte {position}: probably Windows-1252 or Latin-1); "
        'save the file as "CSV UTF-8" and try again'
    ) from error
