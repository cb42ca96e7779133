"""Automatic history: every ORM change to a client, its account or its orders' links.

A `before_flush` hook reads the attribute history of the clients, users and orders the
flush will write and notes one entry per client: "created", "updated" (or
"status_changed" when the client's status is among the changes) with {field: [old, new]},
and "orders_linked" / "orders_unlinked" with counts. An `after_flush` hook, once the new
rows have their ids, inserts those entries on the flush's own connection: they commit or
roll back with the change. Writes that bypass the ORM (bulk UPDATEs, imports, link runs,
merges) record their history explicitly (see __init__.py and links.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, update
from sqlalchemy.orm import Session

from ..models import Client, ClientEvent, Order, User
from ..timeutil import utcnow
from .context import current_actor, current_source

# The fields the timeline shows; derived columns, aggregates and secrets are left out.
CLIENT_FIELDS = ("phone", "address", "company_name", "is_active")
# The account's status is named apart from the client's own.
USER_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "username": "username",
    "is_active": "account_active",
}
MAX_REFERENCES = 20

_PENDING = "yoozak_history_pending"
_PAUSED = "yoozak_history_paused"
_SILENCED = "yoozak_history_silenced"
# An entry of these actions in a flush replaces the automatic entries of its client.
SILENCING_ACTIONS = frozenset({"anonymised"})


def json_value(value: Any) -> Any:
    """Return a value as JSON can hold it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass
class _Entry:
    """What one flush did to one client."""

    client: Client | int
    created: bool = False
    changes: dict[str, list[Any]] = field(default_factory=dict)
    linked: Counter = field(default_factory=Counter)
    linked_refs: list[str] = field(default_factory=list)
    unlinked: int = 0
    unlinked_refs: list[str] = field(default_factory=list)


class _Pending:
    """The entries of one flush, keyed by client (an object until it has an id)."""

    def __init__(self) -> None:
        self.entries: dict[object, _Entry] = {}
        self.actor = current_actor()
        self.source = current_source()

    def entry(self, client: Client | int) -> _Entry:
        if isinstance(client, Client) and client.id is not None:
            client = client.id
        key = client if isinstance(client, int) else ("obj", id(client))
        if key not in self.entries:
            self.entries[key] = _Entry(client)
        return self.entries[key]


@contextmanager
def history_paused(session: Session) -> Iterator[None]:
    """Write no automatic entries inside this block (the caller records its own)."""
    previous = session.info.get(_PAUSED, False)
    session.info[_PAUSED] = True
    try:
        yield
    finally:
        session.info[_PAUSED] = previous


def _changes(obj: object, fields: dict[str, str], new: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr, key in fields.items():
        if new:
            value = getattr(obj, attr)
            if value not in (None, ""):
                out[key] = [None, json_value(value)]
            continue
        hist = state.attrs[attr].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        value = hist.added[0] if hist.added else None
        if old != value:
            out[key] = [json_value(old), json_value(value)]
    return out


_CLIENT_MAP = {name: name for name in CLIENT_FIELDS}


def _note_client(pending: _Pending, client: Client, new: bool) -> None:
    changes = _changes(client, _CLIENT_MAP, new)
    if new and client.user is not None:
        changes |= _changes(client.user, USER_FIELDS, True)
        changes.pop("account_active", None)
    if changes or new:
        entry = pending.entry(client)
        entry.created = entry.created or new
        entry.changes.update(changes)


def _note_user(pending: _Pending, user: User) -> None:
    client = user.client
    if client is None or inspect(client).pending:
        return  # a new client records its user's fields as part of "created"
    changes = _changes(user, USER_FIELDS, False)
    if changes:
        pending.entry(client).changes.update(changes)


def _link_change(order: Order, new: bool) -> tuple[object, object]:
    """Return (previous client, new client) of an order, each an object, an id or None."""
    state = inspect(order)
    rel = state.attrs.client.history
    if rel.has_changes():
        before = rel.deleted[0] if rel.deleted else None
        after = rel.added[0] if rel.added else None
        return before, after
    if new:
        return None, order.client_id
    col = state.attrs.client_id.history
    if not col.has_changes():
        return None, None
    return (col.deleted[0] if col.deleted else None), (col.added[0] if col.added else None)


def _same(a: object, b: object) -> bool:
    ida = a.id if isinstance(a, Client) else a
    idb = b.id if isinstance(b, Client) else b
    return a is b or (ida is not None and ida == idb)


def _note_order(pending: _Pending, order: Order, new: bool) -> None:
    before, after = _link_change(order, new)
    if _same(before, after):
        return
    if before is not None:
        entry = pending.entry(before)
        entry.unlinked += 1
        if len(entry.unlinked_refs) < MAX_REFERENCES:
            entry.unlinked_refs.append(order.reference)
    if after is not None:
        entry = pending.entry(after)
        entry.linked[order.link_method or "manual"] += 1
        if len(entry.linked_refs) < MAX_REFERENCES:
            entry.linked_refs.append(order.reference)


def _note(session: Session, pending: _Pending | None, obj: object) -> _Pending | None:
    new = obj in session.new
    if isinstance(obj, ClientEvent):
        if new and obj.action in SILENCING_ACTIONS and obj.client_id is not None:
            # An anonymisation must not leave the values it erases in an automatic entry:
            # its client gets none for the rest of the transaction.
            session.info.setdefault(_SILENCED, set()).add(obj.client_id)
        return pending
    if not isinstance(obj, Client | User | Order):
        return pending
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    if isinstance(obj, Client):
        _note_client(pending, obj, new)
    elif isinstance(obj, User):
        if not new:
            _note_user(pending, obj)
    else:
        _note_order(pending, obj, new)
    return pending


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:
    """Note what this flush changes on clients, their accounts and their orders' links."""
    if session.info.get(_PAUSED):
        return
    pending: _Pending | None = session.info.get(_PENDING)
    for obj in list(session.new) + list(session.dirty):
        pending = _note(session, pending, obj)
    for obj in session.deleted:
        if isinstance(obj, Client | User):
            _release_merged(session, obj)


def _release_merged(session: Session, obj: Client | User) -> None:
    # Clients merged into a client being deleted keep their rows, not a dangling link.
    client_id = obj.id if isinstance(obj, Client) else (obj.client.id if obj.client else None)
    if client_id is not None:
        session.execute(
            update(Client)
            .where(Client.merged_into_id == client_id)
            .values(merged_into_id=None, updated_at=Client.__table__.c.updated_at)
            .execution_options(synchronize_session=False)
        )


def _rows(pending: _Pending) -> list[dict[str, Any]]:
    actor_id, actor = pending.actor
    now = utcnow()
    base = {"at": now, "actor_id": actor_id, "actor": actor, "source": pending.source}
    rows: list[dict[str, Any]] = []
    for entry in pending.entries.values():
        client_id = entry.client.id if isinstance(entry.client, Client) else entry.client
        if client_id is None:
            continue
        if entry.created:
            rows.append(base | {"client_id": client_id, "action": "created", "changes": entry.changes})
        elif entry.changes:
            action = "status_changed" if "is_active" in entry.changes else "updated"
            rows.append(base | {"client_id": client_id, "action": action, "changes": entry.changes})
        if entry.linked:
            changes = {
                "count": sum(entry.linked.values()),
                "methods": dict(entry.linked),
                "orders": entry.linked_refs,
            }
            rows.append(base | {"client_id": client_id, "action": "orders_linked", "changes": changes})
        if entry.unlinked:
            changes = {"count": entry.unlinked, "orders": entry.unlinked_refs}
            rows.append(base | {"client_id": client_id, "action": "orders_unlinked", "changes": changes})
    return rows


@event.listens_for(Session, "after_flush")
def _write(session: Session, _context) -> None:
    """Insert the noted entries on the flush's connection, now that new clients have ids."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    silenced: set[int] = session.info.get(_SILENCED, set())
    if pending is None or not pending.entries:
        return
    rows = [row for row in _rows(pending) if row["client_id"] not in silenced]
    if rows:
        session.connection().execute(insert(ClientEvent.__table__), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the entries of a flush that failed."""
    session.info.pop(_PENDING, None)
    session.info.pop(_SILENCED, None)


@event.listens_for(Session, "after_commit")
def _end_silence(session: Session) -> None:
    """Silencing lasts one transaction."""
    session.info.pop(_SILENCED, None)


def _track_old_values() -> None:
    """Load the old value of a tracked field before it is replaced, even if it was expired."""

    def _noop(target, value, oldvalue, initiator):
        return value

    for name in CLIENT_FIELDS:
        event.listen(getattr(Client, name), "set", _noop, active_history=True, retval=True)
    for name in USER_FIELDS:
        event.listen(getattr(User, name), "set", _noop, active_history=True, retval=True)


_track_old_values()
