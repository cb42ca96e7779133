"""Reading a CSV upload: encoding, header and size checks shared by every importer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_FIELD_CHARS = 10_000


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
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CsvFileError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFileError(
            f"{path}: not UTF-8 (byte {error.start}); save the file as CSV UTF-8 and try again"
        ) from error
    if "\x00" in text:
        raise CsvFileError(f"{path}: contains NUL bytes; not a text CSV file")
    csv.field_size_limit(MAX_FIELD_CHARS)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
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
