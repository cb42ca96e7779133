"""The linker's records: each run, the review queue and the run lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class LinkRun(db.Model):
    """One run of the linker, with what it decided, written even for a dry run."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    dry_run: Mapped[bool] = mapped_column(default=False)
    force: Mapped[bool] = mapped_column(default=False)
    threshold: Mapped[float] = mapped_column(Float, default=0.7)
    examined: Mapped[int] = mapped_column(default=0)
    linked_email: Mapped[int] = mapped_column(default=0)
    linked_phone: Mapped[int] = mapped_column(default=0)
    linked_name: Mapped[int] = mapped_column(default=0)
    ambiguous: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
    # Orders a --force run took away from the client they had (the rules no longer hold).
    unlinked: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def linked(self) -> int:
        """Return the number of orders linked by any rule."""
        return self.linked_email + self.linked_phone + self.linked_name

    def __str__(self) -> str:
        return f"Run #{self.id}"


class ReviewItem(db.Model):
    """An order the linker would not decide alone, with its candidate clients."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # [{"client_id": 12, "method": "name", "score": 0.93}, ...], best first.
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(20))

    order = relationship("Order", lazy="joined", innerjoin=True)
    run = relationship("LinkRun")


class RunLock(db.Model):
    """A named lock row: how two link runs are kept apart on SQLite."""

    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
