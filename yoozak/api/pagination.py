"""Keyset (cursor) pagination: a page continues after the last row of the previous one.

The cursor is opaque to callers: the sort key's values of the last row, signed with the
app's secret so that a forged one is refused instead of reaching the query. Each page
costs an index range read of `limit + 1` rows, wherever it is in the table; OFFSET would
read and skip every row before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_
from werkzeug.exceptions import BadRequest

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset: its SQL column, direction, whether it can be NULL and its type."""

    column: Any
    descending: bool
    kind: str = "int"  # int | str | datetime | decimal
    nullable: bool = False  # NULLs sort last, as the client list does


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="yoozak-api-cursor")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode_value(raw: Any, kind: str) -> Any:
    if raw is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(raw)
    if kind == "decimal":
        return Decimal(raw)
    if kind == "int":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError("not an integer")
        return raw
    return str(raw)


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    """Return the opaque cursor that continues after a row with these key values."""
    return _serializer().dumps({"s": sort, "v": [_encode_value(v) for v in values]})


def decode_cursor(cursor: str, sort: str, keys: Sequence[SortKey]) -> list[Any]:
    """Return the key values a cursor carries; refuse a forged one or one of another sort."""
    invalid = BadRequest()
    invalid.data = {
        "message": "Invalid cursor: use the `next` link of a previous page, with the same sort.",
        "messages": {"query": {"cursor": ["Invalid cursor."]}},
    }
    try:
        data = _serializer().loads(cursor)
        if not isinstance(data, dict) or data.get("s") != sort or len(data.get("v", ())) != len(keys):
            raise invalid
        return [_decode_value(raw, key.kind) for raw, key in zip(data["v"], keys, strict=True)]
    except (BadSignature, ValueError, TypeError, InvalidOperation) as error:
        raise invalid from error


def _after(key: SortKey, value: Any):
    """Return the condition "strictly after `value`" on one key column (NULLs last)."""
    column = key.column
    if value is None:  # already in the NULL tail: nothing after on this column
        return None
    strictly = column < value if key.descending else column > value
    return or_(strictly, column.is_(None)) if key.nullable else strictly


def _equal(key: SortKey, value: Any):
    return key.column.is_(None) if value is None else key.column == value


def keyset_condition(keys: Sequence[SortKey], values: Sequence[Any]):
    """Return WHERE rows come strictly after `values` in the order of `keys`.

    Written as `a <= x AND (a < x OR (a = x AND b > y))` (for a descending `a`): the first
    term is a plain range on the leading column, so the planner reads it from its index.
    """
    lead, lead_value = keys[0], values[0]
    branches = []
    prefix: list = []
    for key, value in zip(keys, values, strict=True):
        after = _after(key, value)
        if after is not None:
            branches.append(and_(*prefix, after))
        prefix.append(_equal(key, value))
    condition = or_(*branches) if branches else None
    if lead_value is not None and not lead.nullable:
        bound = lead.column <= lead_value if lead.descending else lead.column >= lead_value
        return and_(bound, condition) if condition is not None else bound
    if lead_value is None:  # within the NULL tail of the lead column
        return and_(lead.column.is_(None), condition) if condition is not None else lead.column.is_(None)
    return condition


@dataclass(frozen=True)
class CursorPage:
    """One page of rows and the cursor of the next page (None on the last one)."""

    items: list[Any]
    next_cursor: str | None


def fetch_page(
    session, stmt, keys: Sequence[SortKey], sort: str, limit: int, cursor: str | None, key_of
) -> CursorPage:
    """Run `stmt` (already filtered) for one page after `cursor`, reading limit + 1 rows."""
    if cursor:
        stmt = stmt.where(keyset_condition(keys, decode_cursor(cursor, sort, keys)))
    order = []
    for key in keys:
        clause = key.column.desc() if key.descending else key.column.asc()
        order.append(clause.nulls_last() if key.nullable else clause)
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(sort, key_of(rows[-1])) if more and rows else None
    return CursorPage(rows, next_cursor)


def page_body(page: CursorPage, items: list[Any], limit: int) -> dict[str, Any]:
    """Return the JSON envelope of a page, with the absolute URL of the next one."""
    next_url = None
    if page.next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = page.next_cursor
        next_url = url_for(request.endpoint, _external=True, **(request.view_args or {}), **args)
    return {"items": items, "limit": limit, "next": next_url, "next_cursor": page.next_cursor}


def link_header(body: dict[str, Any]) -> dict[str, str]:
    """Return the RFC 8288 Link header of a page's next link, if any."""
    return {"Link": f'<{body["next"]}>; rel="next"'} if body.get("next") else {}
