"""Log format and request ids: plain text in development, one JSON object per line when asked.

Every request gets an id: the caller's X-Request-ID when it looks like one (a load balancer's),
a fresh one otherwise. It is echoed in the response and added to every log record.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Add `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record with the current request's id."""
        request_id = "-"
        if has_request_context():
            request_id = g.get("request_id") or "-"
        record.request_id = request_id
        return True


def make_formatter(kind: str) -> logging.Formatter:
    """Return the formatter for LOG_FORMAT: "json" or "text"."""
    if kind == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT)
    raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {kind!r}")


def configure_handler(logger: logging.Logger, kind: str) -> logging.Handler:
    """Give `logger` its one stream handler (created once per process), formatted as asked."""
    handler = next((h for h in logger.handlers if getattr(h, "yoozak", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.yoozak = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
        logger.propagate = False
    handler.setFormatter(make_formatter(kind))
    return handler


def incoming_request_id() -> str:
    """Return the caller's request id when sane, a new one otherwise."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_ID.match(given) else uuid.uuid4().hex


def init_request_id(app: Flask) -> None:
    """Give each request an id and echo it in the response."""

    @app.before_request
    def _request_id() -> None:
        g.request_id = incoming_request_id()

    @app.after_request
    def _echo_request_id(response):
        if request_id := g.get("request_id"):
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
