"""Slow requests: each request at least SLOW_REQUEST_MS long is recorded, with its SQL count.

The statements are counted per request through engine events; from SLOW_REQUEST_DETAIL_MS
on, the statements themselves are kept too (their text, cut short; never their parameters).
A record is written on a connection of its own, in its own short transaction, so a request
that failed and rolled back is still recorded; the table keeps the newest SLOW_REQUEST_KEEP.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import delete, desc, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import SlowRequest
from ..timeutil import utcnow

log = logging.getLogger("yoozak.slow")

STATEMENT_CHARS = 500


class RequestSql:
    """The SQL statements one request ran: how many, how long, and their text while kept."""

    def __init__(self, keep: int):
        self.count = 0
        self.total_ms = 0.0
        self.keep = keep
        self.statements: list[dict[str, object]] = []

    def add(self, statement: str, ms: float) -> None:
        """Count one statement and keep its text while there is room."""
        self.count += 1
        self.total_ms += ms
        if len(self.statements) < self.keep:
            self.statements.append({"ms": round(ms, 2), "sql": " ".join(statement.split())[:STATEMENT_CHARS]})


def _tracker() -> RequestSql | None:
    if not has_request_context():
        return None
    return g.get("sql_tracker")


@event.listens_for(Engine, "before_cursor_execute")
def _before_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    if _tracker() is not None:
        conn.info.setdefault("yoozak_sql_started", []).append(time.perf_counter())


@event.listens_for(Engine, "after_cursor_execute")
def _after_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    tracker = _tracker()
    started = conn.info.get("yoozak_sql_started")
    if tracker is None or not started:
        return
    tracker.add(statement, (time.perf_counter() - started.pop()) * 1000)


# On SQLite, wait this long at most for another writer: monitoring must not hold an answer
# for the 30 s busy timeout the application's own writes accept.
SQLITE_RECORD_WAIT_MS = 2000


def record(values: dict[str, object], keep: int) -> None:
    """Insert one slow request and drop the oldest beyond `keep`, in a transaction of its own."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_RECORD_WAIT_MS}")
            conn.commit()
        try:
            with conn.begin():
                _insert_and_trim(conn, values, keep)
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(previous)}")
                conn.commit()


def _insert_and_trim(conn, values: dict[str, object], keep: int) -> None:
    conn.execute(insert(SlowRequest).values(**values))
    boundary = conn.execute(
        select(SlowRequest.id).order_by(desc(SlowRequest.id)).offset(keep).limit(1)
    ).scalar()
    if boundary is not None:
        conn.execute(delete(SlowRequest).where(SlowRequest.id <= boundary))


def _finish(response):
    started = g.pop("request_started", None)
    tracker: RequestSql | None = g.pop("sql_tracker", None)
    if started is None or tracker is None:
        return response
    config = current_app.config
    duration_ms = (time.perf_counter() - started) * 1000
    if duration_ms < float(config["SLOW_REQUEST_MS"]):
        return response
    detailed = duration_ms >= float(config["SLOW_REQUEST_DETAIL_MS"])
    values = {
        "at": utcnow(),
        "request_id": g.get("request_id", "")[:64],
        "endpoint": (request.endpoint or "")[:100],
        "method": request.method[:10],
        "path": request.path[:255],
        "query_keys": ",".join(sorted(request.args.keys()))[:255],
        "status": response.status_code,
        "duration_ms": round(duration_ms, 2),
        "sql_count": tracker.count,
        "sql_ms": round(tracker.total_ms, 2),
        "statements": tracker.statements if detailed else None,
    }
    log.warning(
        "slow request %s %s: %.0f ms, %d SQL statement(s)",
        request.method,
        request.path,
        duration_ms,
        tracker.count,
    )
    try:
        record(values, int(config["SLOW_REQUEST_KEEP"]))
    except SQLAlchemyError as error:  # monitoring never breaks the answer
        log.error("could not record a slow request: %s", type(error).__name__)
    return response


def init_slow_requests(app: Flask) -> None:
    """Time every request and record the slow ones."""

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.sql_tracker = RequestSql(int(current_app.config["SLOW_REQUEST_MAX_STATEMENTS"]))

    app.after_request(_finish)


def slow_requests_since(since: datetime, limit: int = 50) -> list[SlowRequest]:
    """Return the slowest requests recorded since `since`, slowest first."""
    return list(
        db.session.scalars(
            select(SlowRequest)
            .where(SlowRequest.at >= since)
            .order_by(desc(SlowRequest.duration_ms), desc(SlowRequest.id))
            .limit(limit)
        )
    )


def parse_since(text: str) -> timedelta:
    """Parse "24h", "90m", "7d" into a duration."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    text = (text or "").strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) == 0:
        raise ValueError(f"invalid duration {text!r}: a positive number and m, h or d (e.g. 24h)")
    return timedelta(**{units[text[-1]]: int(text[:-1])})
