"""Orders, as the call centre and the shop record them, and how each was linked."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from .clients import Client


class OrderStatus(StrEnum):
    """Life cycle of a cash-on-delivery order."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class LinkMethod(StrEnum):
    """How an order got (or was refused) its client."""

    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    MANUAL = "manual"
    # An admin decided the order belongs to nobody: runs leave it alone, like a manual link.
    GUEST = "guest"


HUMAN_METHODS = (LinkMethod.MANUAL.value, LinkMethod.GUEST.value)


def _in_check(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


class Order(db.Model):
    """One order; `client` is set when the linker (or an admin) attached it to a client."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(_in_check("status", OrderStatus), name="status"),
        CheckConstraint(f"link_method IS NULL OR {_in_check('link_method', LinkMethod)}", name="link_method"),
        CheckConstraint("price >= 0", name="price_positive"),
        # One index serves a client's history (newest first) and, covering status and price,
        # the per-client aggregates: recomputing them reads the index only, not the rows.
        Index("ix_orders_client_history", "client_id", "created_at", "status", "price"),
        # The orders no run has examined yet: what a plain link run counts and reads. Partial,
        # so it stays as small as the backlog and costs nothing to the million examined orders.
        # It leads with client_id and link_method, the run's other two conditions: SQLite takes
        # `client_id IS NULL` as an equality, and with an index on (id) alone it preferred
        # ix_orders_client_history and read the ~25% unlinked orders to find the new ones.
        Index(
            "ix_orders_link_backlog",
            "client_id",
            "link_method",
            "id",
            sqlite_where=text("link_run_id IS NULL"),
            postgresql_where=text("link_run_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    client_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(100), default="", index=True)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    # active_history: the previous client must be known at flush time, even when the
    # attribute was never loaded, so that its aggregates are recomputed too.
    # No index of its own: ix_orders_client_history (client_id, created_at, …) serves every
    # lookup by client, and each index more is written again for every link a run makes.
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), active_history=True
    )
    link_method: Mapped[str | None] = mapped_column(String(10), index=True)
    link_score: Mapped[float | None] = mapped_column(Float)
    linked_at: Mapped[datetime | None]
    # The run that made the current link, or that first examined the order (see linking/run.py).
    link_run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))

    # Normalised keys the linker blocks on, computed once when the order is written.
    email_norm: Mapped[str | None] = mapped_column(String(254), index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    name_norm: Mapped[str] = mapped_column(String(255), default="")

    client: Mapped[Client | None] = relationship(back_populates="orders", active_history=True)

    def __str__(self) -> str:
        return self.reference
