"""The business timeline of clients: who did what to which client, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class ClientEvent(db.Model):
    """One change or action on a client, or on the client base as a whole (an export).

    Rows are only ever inserted: nothing in the application updates or deletes them.
    `actor` keeps the label of who acted at the time (an e-mail or "système"), so that the
    timeline still reads right after the user account changes or disappears.
    """

    __tablename__ = "client_events"
    __table_args__ = (Index("ix_client_events_client_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for actions on many clients at once (an export of the list).
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254), default="système")
    # page | admin | api | cli | import | link_run | worker
    source: Mapped[str] = mapped_column(String(16), index=True)
    # created | updated | status_changed | orders_linked | orders_unlinked | merged | merged_into |
    # exported | anonymised | data_exported
    action: Mapped[str] = mapped_column(String(32), index=True)
    # {"field": [old, new], ...} for updates; free details for actions ({"rows": 120, ...}).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __str__(self) -> str:
        return f"{self.action} #{self.client_id} by {self.actor}"
