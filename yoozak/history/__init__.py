"""Change history of clients: record what happened, with who and from where.

`record_event` adds a row to the current session, so it commits or rolls back with the
change it describes. Actor and source come from the context (see context.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..extensions import db
from ..models.history import ClientEvent
from ..timeutil import utcnow
from .context import change_source, current_actor, current_source

# Never written into a history row, whatever the caller passes.
SECRET_FIELDS = frozenset({"password", "password_hash", "session_version", "secret", "token_hash"})


def record_event(client_id: int | None, action: str, *, changes: dict[str, Any] | None = None) -> ClientEvent:
    """Add one history row for `client_id` (None: many clients) to the current session."""
    actor_id, actor_label = current_actor()
    event = ClientEvent(
        client_id=client_id,
        action=action,
        source=current_source(),
        actor_id=actor_id,
        actor=actor_label,
        changes=_clean(changes),
    )
    db.session.add(event)
    return event


def _clean(changes: dict[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (changes or {}).items() if key not in SECRET_FIELDS}


def record_events(
    entries: Iterable[tuple[int, str, dict[str, Any] | None]], session: Session | None = None
) -> int:
    """Insert one history row per (client_id, action, changes) in one statement; return the count.

    For bulk paths (a batch action, an import): no ORM object per row, same transaction.
    """
    actor_id, actor_label = current_actor()
    base = {"at": utcnow(), "actor_id": actor_id, "actor": actor_label, "source": current_source()}
    rows = [
        base | {"client_id": client_id, "action": action, "changes": _clean(changes)}
        for client_id, action, changes in entries
    ]
    if rows:
        (session or db.session).execute(insert(ClientEvent.__table__), rows)
    return len(rows)


# Registers the session hooks that record ORM changes by themselves.
from . import tracking  # noqa: E402
from .tracking import history_paused  # noqa: E402

__all__ = [
    "SECRET_FIELDS",
    "change_source",
    "current_actor",
    "current_source",
    "history_paused",
    "record_event",
    "record_events",
    "tracking",
]
