"""URL converters that keep path values within what the databases can store."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# Primary keys are INTEGER columns: 32-bit on PostgreSQL (SQLAlchemy casts the bound value,
# so a larger one fails with "integer out of range"), 64-bit on SQLite. A larger number in
# a URL names no row: it is a 404, not an error in the driver.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` with an upper bound: larger values do not match the route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_routing(app: Flask) -> None:
    """Install the bounded converter before any route is registered."""
    app.url_map.converters["int"] = BoundedIntConverter


def parse_id(value: object) -> int | None:
    """Return a row id typed in a form or query string, None unless it is one (ASCII digits, in range)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        return None
    return int(text)
