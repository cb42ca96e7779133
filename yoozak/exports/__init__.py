"""Exports of clients and orders to CSV and XLSX, streamed from the database in batches.

The pages (clients/export.py), the admin's Client and Order lists and `flask export-clients`
all go through here: one SELECT read with `yield_per`, one writer, one history entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import Select
from sqlalchemy.orm import Session

from ..extensions import db
from ..history import record_event
from .writers import Column, CsvDialect, csv_chunks, xlsx_chunks

FORMATS = ("csv", "xlsx")
SEPARATORS = (";", ",")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
log = logging.getLogger("yoozak.exports")


class CountingRows:
    """Wrap an iterable of rows and count those handed out so far."""

    def __init__(self, rows: Iterable[Any]):
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self._rows:
            self.count += 1
            yield row


def stream_rows(session: Session, stmt: Select, batch_size: int) -> Iterator[Any]:
    """Yield the rows of `stmt`, fetched `batch_size` at a time (a server-side cursor on PostgreSQL)."""
    result = session.execute(stmt.execution_options(yield_per=batch_size))
    try:
        yield from result
    finally:
        result.close()


def stream_query(query, batch_size: int) -> Iterator[Any]:
    """Yield the ORM objects of a legacy Query (the admin's list query) in batches."""
    yield from query.yield_per(batch_size)


def file_chunks(fmt: str, columns: list[Column], rows: Iterable[Any], *, separator: str, sheet: str):
    """Return the generator of the file's bytes in the chosen format."""
    if fmt == "xlsx":
        return xlsx_chunks(columns, rows, sheet)
    return csv_chunks(columns, rows, CsvDialect(separator))


@dataclass
class ExportJob:
    """One export: what it reads, how it writes, and what the history entry says about it."""

    fmt: str
    columns: list[Column]
    rows: Callable[[], Iterable[Any]]  # opened lazily, when the first byte is asked for
    scope: str  # "clients" | "orders"
    filters: dict[str, Any] = field(default_factory=dict)
    client_id: int | None = None
    separator: str = ";"
    sheet: str = "Export"
    rows_written: int = field(default=0, init=False)

    def chunks(self) -> Iterator[bytes]:
        """Yield the file, then record the export with the number of rows actually written.

        The entry is written when the stream ends, not before it starts: the row count is
        then the one the file holds (a COUNT first could disagree with rows written since),
        and a download cut short is recorded as incomplete instead of as a full export.
        The read transaction is ended first, so the entry goes in a fresh one.
        """
        counter = CountingRows(self.rows())
        body = file_chunks(self.fmt, self.columns, counter, separator=self.separator, sheet=self.sheet)
        complete = False
        try:
            yield from body
            complete = True
        finally:
            body.close()
            self.record(counter.count, complete)

    def details(self, rows: int, complete: bool = True) -> dict[str, Any]:
        """Return the `changes` of the history entry."""
        details = {"format": self.fmt, "filters": self.filters, "rows": rows, "scope": self.scope}
        if self.client_id is not None:
            details["client_id"] = self.client_id
        if not complete:
            details["complete"] = False
        return details

    def record(self, rows: int, complete: bool = True) -> None:
        """Commit the history entry of this export in its own transaction."""
        self.rows_written = rows
        try:
            db.session.rollback()
            record_event(self.client_id, "exported", changes=self.details(rows, complete))
            db.session.commit()
        except Exception:  # the file is already sent: log, never hide the original error
            db.session.rollback()
            log.exception("could not record the export in the history")
            if complete:
                raise


def filename(stem: str, fmt: str) -> str:
    """Return a download name such as clients-2026-11-28.csv (Casablanca date)."""
    from ..timeutil import to_local, utcnow

    return f"{stem}-{to_local(utcnow()):%Y-%m-%d}.{fmt}"


def download_response(job: ExportJob, stem: str) -> Response:
    """Stream an export job as a download; the request context lives until the last byte."""
    headers = {
        "Content-Disposition": f'attachment; filename="{filename(stem, job.fmt)}"',
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",  # let a proxy pass the chunks on as they come
    }
    return Response(stream_with_context(job.chunks()), content_type=MIMETYPES[job.fmt], headers=headers)
