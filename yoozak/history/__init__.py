"""Change history of clients: record what happened, with who and from where.

`record_event` adds a row to the current session, so it commits or rolls back with the
change it describes. Actor and source come from the context (see context.py).
"""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models.history import ClientEvent
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
        changes={key: value for key, value in (changes or {}).items() if key not in SECRET_FIELDS},
    )
    db.session.add(event)
    return event


__all__ = ["SECRET_FIELDS", "change_source", "current_actor", "current_source", "record_event"]
