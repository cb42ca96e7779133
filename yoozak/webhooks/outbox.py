"""The transactional outbox: events written in the same transaction as the change.

ORM writes are caught by session hooks: new clients and orders, client edits (through
the client, its user, or the history rows `record_event` adds), and orders whose client
changes. Each flush notes what changed; just before the commit the events are written
with the resource as it stands then (one event per resource and type per transaction),
together with one delivery row per subscribed active endpoint. A rollback drops the
notes and the rows with the rest of the change.

Bulk Core writes (link runs, CSV imports) call `emit_order_linked_for_run` and
`emit_for_ids` themselves. Every path asks first whether an active endpoint subscribes to
the event type: with none, nothing is read or written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from flask import has_app_context
from sqlalchemy import Connection, event, insert, inspect, select
from sqlalchemy.orm import Session

from ..models import Client, ClientEvent, Order, User
from ..models.webhooks import OutboxEvent, WebhookDelivery, WebhookEndpoint
from ..representations import client_resource, order_resource
from ..timeutil import utcnow

_NOTES = "yoozak_outbox_notes"
_WRITTEN = "yoozak_outbox_written"
CHUNK = 1000

# History actions that become client events; the rest (exports, merged_into) are not sent.
ACTION_EVENTS = {
    "created": "client.created",
    "updated": "client.updated",
    "status_changed": "client.status_changed",
    "merged": "client.merged",
    "anonymised": "client.updated",
}
# Edits that are not news for a CRM: derived columns, aggregates, timestamps.
_CLIENT_IGNORED = frozenset(
    {
        "search_text",
        "phone_digits",
        "name_key",
        "sort_name",
        "updated_at",
        "orders_count",
        "confirmed_count",
        "pending_count",
        "cancelled_count",
        "total_spent",
        "last_order_at",
        "user",
        "orders",
    }
)
_USER_FIELDS = ("first_name", "last_name", "email", "username")


# --- subscriptions ----------------------------------------------------------------------


def subscriptions(conn: Connection | Session) -> dict[str, list[int]]:
    """Return the active endpoints' ids per event type they subscribe to."""
    rows = conn.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))
    )
    by_type: dict[str, list[int]] = {}
    for endpoint_id, events in rows:
        for event_type in events or ():
            by_type.setdefault(event_type, []).append(endpoint_id)
    return by_type


def _envelope(event_id: str, event_type: str, at, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": event_type,
        "timestamp": at.isoformat(timespec="seconds") + "Z",
        "data": data,
    }


def write_events(
    conn: Connection, items: Iterable[tuple[str, int | None, int | None, dict]], endpoints: dict
) -> int:
    """Insert events (type, client id, order id, resource) and their deliveries; return how many events."""
    count = 0
    batch: list[tuple[str, int | None, int | None, dict]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= CHUNK:
            count += _write_batch(conn, batch, endpoints)
            batch = []
    if batch:
        count += _write_batch(conn, batch, endpoints)
    return count


def _write_batch(conn: Connection, batch: list, endpoints: dict[str, list[int]]) -> int:
    now = utcnow()
    rows = []
    for event_type, client_id, order_id, data in batch:
        event_id = str(uuid.uuid4())
        rows.append(
            {
                "event_id": event_id,
                "type": event_type,
                "client_id": client_id,
                "order_id": order_id,
                "payload": _envelope(event_id, event_type, now, data),
                "created_at": now,
            }
        )
    table = OutboxEvent.__table__
    ids = (
        conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
    )
    deliveries = [
        {
            "endpoint_id": endpoint_id,
            "event_id": event_pk,
            "event_type": row["type"],
            "client_id": row["client_id"],
            "order_id": row["order_id"],
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for event_pk, row in zip(ids, rows, strict=True)
        for endpoint_id in endpoints.get(row["type"], ())
    ]
    if deliveries:
        conn.execute(insert(WebhookDelivery.__table__), deliveries)
    return len(rows)


# --- bulk paths -------------------------------------------------------------------------

_ORDER_COLUMNS = [
    Order.__table__.c[name]
    for name in (
        "id",
        "reference",
        "client_name",
        "email",
        "phone",
        "address",
        "city",
        "price",
        "status",
        "created_at",
        "client_id",
        "link_method",
        "link_score",
        "linked_at",
    )
]


def _order_items(conn: Connection, event_type: str, where) -> Iterator[tuple]:
    last_id = 0
    while True:
        rows = conn.execute(
            select(*_ORDER_COLUMNS)
            .where(where, Order.__table__.c.id > last_id)
            .order_by(Order.__table__.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for row in rows:
            yield event_type, row.client_id, row.id, order_resource(row)
        last_id = rows[-1].id


def emit_order_linked_for_run(conn: Connection, run_id: int) -> int:
    """Write `order.linked` for every order run `run_id` linked; nothing when nobody subscribes.

    Call it on the run's connection, in its last transaction. Returns the number of events.
    """
    endpoints = subscriptions(conn)
    if not endpoints.get("order.linked"):
        return 0
    orders = Order.__table__.c
    where = (orders.link_run_id == run_id) & orders.client_id.is_not(None) & orders.linked_at.is_not(None)
    return write_events(conn, _order_items(conn, "order.linked", where), endpoints)


def emit_for_ids(session: Session, event_type: str, ids: list[int]) -> int:
    """Write `client.*` or `order.*` events for rows written in bulk (imports), if subscribed."""
    conn = session.connection()
    endpoints = subscriptions(conn)
    if not ids or not endpoints.get(event_type):
        return 0
    if event_type.startswith("order."):
        items: Iterable[tuple] = (
            item
            for start in range(0, len(ids), CHUNK)
            for item in _order_items(conn, event_type, Order.__table__.c.id.in_(ids[start : start + CHUNK]))
        )
        return write_events(conn, items, endpoints)
    return write_events(conn, _client_items(session, event_type, ids), endpoints)


def _client_items(session: Session, event_type: str, ids: list[int]) -> Iterator[tuple]:
    for start in range(0, len(ids), CHUNK):
        for client in session.scalars(
            select(Client).where(Client.id.in_(ids[start : start + CHUNK])).order_by(Client.id)
        ):
            yield event_type, client.id, None, client_resource(client)


# --- session hooks ----------------------------------------------------------------------


def _note(session: Session, event_type: str, kind: str, obj_id: int | None) -> None:
    if obj_id is not None:
        session.info.setdefault(_NOTES, {})[(event_type, kind, obj_id)] = None


def _client_edit(client: Client) -> str | None:
    state = inspect(client)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()} - _CLIENT_IGNORED
    if "is_active" in changed:
        return "client.status_changed"
    return "client.updated" if changed else None


def _newly_linked(order: Order) -> bool:
    state = inspect(order)
    column, relation = state.attrs.client_id.history, state.attrs.client.history
    if order.client_id is None or not (column.has_changes() or relation.has_changes()):
        return False
    before = {i for i in column.deleted if i is not None}
    before.update(c.id for c in relation.deleted if c is not None)
    return order.client_id not in before


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    """Note which clients and orders this flush created or changed."""
    for obj in session.new:
        if isinstance(obj, Client):
            _note(session, "client.created", "client", obj.id)
        elif isinstance(obj, Order):
            _note(session, "order.created", "order", obj.id)
        elif isinstance(obj, ClientEvent) and obj.action in ACTION_EVENTS:
            _note(session, ACTION_EVENTS[obj.action], "client", obj.client_id)
    for obj in session.dirty:
        if isinstance(obj, Client):
            if kind := _client_edit(obj):
                _note(session, kind, "client", obj.id)
        elif isinstance(obj, Order) and _newly_linked(obj):
            _note(session, "order.linked", "order", obj.id)
        elif isinstance(obj, User) and _user_edited(obj):
            _note(session, "client.updated", "client", obj.client.id if obj.client else None)


def _user_edited(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in _USER_FIELDS)


def _collapse(notes: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    created = {(kind, obj_id) for event_type, kind, obj_id in notes if event_type.endswith(".created")}
    return [
        (event_type, kind, obj_id)
        for event_type, kind, obj_id in notes
        if event_type.endswith(".created") or (kind, obj_id) not in created or event_type == "client.merged"
    ]


def _resource(session: Session, kind: str, obj_id: int) -> tuple[int | None, int | None, dict] | None:
    if kind == "client":
        client = session.get(Client, obj_id)
        return (client.id, None, client_resource(client)) if client is not None else None
    order = session.get(Order, obj_id)
    return (order.client_id, order.id, order_resource(order)) if order is not None else None


@event.listens_for(Session, "before_commit")
def _write_outbox(session: Session) -> None:
    """Write the events this transaction noted, with the resources as they stand now."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    notes = session.info.pop(_NOTES, None)
    if not notes:
        return
    endpoints = subscriptions(session)
    wanted = [note for note in _collapse(notes) if endpoints.get(note[0])]
    items = []
    for event_type, kind, obj_id in wanted:
        if found := _resource(session, kind, obj_id):
            items.append((event_type, *found))
    if items:
        write_events(session.connection(), items, endpoints)
        session.info[_WRITTEN] = True


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """A rolled-back change emits nothing."""
    session.info.pop(_NOTES, None)
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_commit")
def _kick_delivery(session: Session) -> None:
    """Ask the worker to deliver what this commit wrote (the periodic run catches up otherwise)."""
    if not session.info.pop(_WRITTEN, False) or not has_app_context():
        return
    from .tasks import kick_delivery

    kick_delivery()
