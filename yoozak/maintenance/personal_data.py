"""A client's request under law 09-08: everything held about it, as one JSON document.

The document covers the account, the client profile, its orders, its history, the review
items where it is a candidate (without the order's details when the order is someone else's)
and the notifications about it (one per message, not per admin who received it). Nothing
about other clients or about the admins is included.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..models import Client, ClientEvent, Notification, Order, ReviewItem
from ..timeutil import utcnow
from .anonymise import notification_about

# Never exported: secrets of the account, and columns derived from the others.
USER_EXCLUDED = frozenset({"password_hash", "session_version"})
CLIENT_EXCLUDED = frozenset({"search_text", "phone_digits", "name_key", "sort_name"})
ORDER_EXCLUDED = frozenset({"email_norm", "phone_e164", "name_norm"})


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, Decimal):
        return str(value)
    return value


def _columns(obj: Any, excluded: frozenset[str] = frozenset()) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {c.key: _json_value(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in excluded}


def _review_items(session: Session, client_id: int) -> list[dict[str, Any]]:
    items = []
    for item in session.scalars(select(ReviewItem).order_by(ReviewItem.id)):
        mine = [c for c in item.candidates or [] if c.get("client_id") == client_id]
        if not mine:
            continue
        entry: dict[str, Any] = {
            "id": item.id,
            "created_at": _json_value(item.created_at),
            "resolved_at": _json_value(item.resolved_at),
            "resolution": item.resolution,
            "as_candidate": mine,
        }
        if item.order.client_id == client_id:
            entry["order_reference"] = item.order.reference
        items.append(entry)
    return items


def _notifications(session: Session, client_id: int) -> list[dict[str, Any]]:
    about = notification_about(client_id)
    seen: dict[tuple, dict[str, Any]] = {}
    for note in session.scalars(select(Notification).where(about).order_by(Notification.id)):
        key = (note.kind, note.title, note.body, note.url)
        seen.setdefault(
            key,
            {
                "kind": note.kind,
                "title": note.title,
                "body": note.body,
                "url": note.url,
                "created_at": _json_value(note.created_at),
            },
        )
    return list(seen.values())


def export_client_data(session: Session, client_id: int) -> dict[str, Any] | None:
    """Return everything held about one client as JSON-ready data; None when it does not exist."""
    client = session.get(Client, client_id)
    if client is None:
        return None
    orders = session.scalars(
        select(Order).where(Order.client_id == client_id).order_by(Order.created_at, Order.id)
    )
    events = session.scalars(
        select(ClientEvent).where(ClientEvent.client_id == client_id).order_by(ClientEvent.at, ClientEvent.id)
    )
    return {
        "format": "yoozak-client-data/1",
        "exported_at": _json_value(utcnow()),
        "client_id": client_id,
        "user": _columns(client.user, USER_EXCLUDED) if client.user else None,
        "client": _columns(client, CLIENT_EXCLUDED),
        "orders": [_columns(order, ORDER_EXCLUDED) for order in orders],
        "history": [
            {
                "at": _json_value(e.at),
                "action": e.action,
                "source": e.source,
                "actor": e.actor,
                "changes": e.changes,
            }
            for e in events
        ],
        "review_items": _review_items(session, client_id),
        "notifications": _notifications(session, client_id),
    }
