"""Clients: the profile of a buyer, with the per-client aggregates the pages sort on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..linking.normalize import normalize_phone
from ..timeutil import utcnow

if TYPE_CHECKING:
    from .orders import Order
    from .users import User


class Client(db.Model):
    """A client: one user account, a phone, an address and the orders linked to it."""

    __tablename__ = "clients"
    # The list sorts on these columns with the id as tie-breaker and pages by walking the
    # index: with the id in it, PostgreSQL answers from the index alone (an index-only scan,
    # 25 ms at OFFSET 50,000 instead of 280 ms reading the rows); SQLite indexes hold the
    # rowid anyway. See BENCHMARKS.md, "Load".
    __table_args__ = (
        *(
            Index(f"ix_clients_{column}", column, "id")
            for column in ("created_at", "sort_name", "orders_count", "total_spent", "last_order_at")
        ),
        # Serves the segment filter, and covers the segment overview (count and money per
        # segment) and the filter sorted by money, without reading a client row.
        Index("ix_clients_segment_spent", "segment", "total_spent"),
        # Probable duplicates share a name and an address (clients/duplicates.py).
        Index("ix_clients_name_address", "name_key", "address_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # E.164 when phonenumbers parses it, as typed otherwise: never dropped.
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255), default="")
    company_name: Mapped[str | None] = mapped_column(String(150), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    # Set when an admin merged this client into another (clients/duplicates.py): the row
    # stays, deactivated, so that its history and links still read; never merged twice.
    # No ON DELETE clause: SQLite does not reflect one added by ALTER TABLE (see migration
    # b3c1d2e4f5a6); history/tracking.py clears the link before a survivor is deleted.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    # Set when the personal data was erased (clean-up or a request under law 09-08).
    anonymised_at: Mapped[datetime | None]

    # Derived from the fields above (and the user's) on every flush; see models/events.py.
    search_text: Mapped[str] = mapped_column(Text, default="")
    phone_digits: Mapped[str | None] = mapped_column(String(20), index=True)
    name_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    sort_name: Mapped[str] = mapped_column(String(300), default="")
    # The linker's normalised address: with name_key, finds probable duplicates in one GROUP BY.
    address_key: Mapped[str] = mapped_column(String(255), default="")

    # Aggregates over the linked orders, kept current by clients/aggregates.py so that
    # the list can sort 100,000 clients on them without a GROUP BY over a million orders.
    # Money figures count confirmed orders only (see README, "Money figures").
    orders_count: Mapped[int] = mapped_column(default=0)
    confirmed_count: Mapped[int] = mapped_column(default=0)
    pending_count: Mapped[int] = mapped_column(default=0)
    cancelled_count: Mapped[int] = mapped_column(default=0)
    total_spent: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    last_order_at: Mapped[datetime | None] = mapped_column()
    # One of models/segments.py SEGMENTS, computed from the aggregates above whenever they
    # are refreshed (and daily by `flask refresh-client-stats --segments-only`).
    segment: Mapped[str] = mapped_column(String(20), default="none", server_default="none")

    user: Mapped[User] = relationship(back_populates="client", lazy="joined")
    orders: Mapped[list[Order]] = relationship(
        back_populates="client", lazy="raise_on_sql", passive_deletes=True
    )

    @staticmethod
    def normalised_phone(value: str | None) -> str | None:
        """Return E.164 when the number parses (one number, one spelling), as typed otherwise."""
        if value is None or not value.strip():
            return None
        return normalize_phone(value) or value.strip()

    @validates("phone")
    def _normalise_phone(self, _key: str, value: str | None) -> str | None:
        return self.normalised_phone(value)

    @property
    def full_name(self) -> str:
        """Return the client's name as the user account spells it."""
        return self.user.full_name if self.user else ""

    @property
    def email(self) -> str:
        """Return the e-mail of the client's account."""
        return self.user.email if self.user else ""

    @property
    def average_basket(self) -> Decimal:
        """Return total spent divided by confirmed orders (0 without any)."""
        if not self.confirmed_count:
            return Decimal("0")
        return (Decimal(self.total_spent) / self.confirmed_count).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        return self.full_name
