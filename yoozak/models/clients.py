"""Clients: the profile of a buyer, with the per-client aggregates the pages sort on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String, Text
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

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # E.164 when phonenumbers parses it, as typed otherwise: never dropped.
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255), default="")
    company_name: Mapped[str | None] = mapped_column(String(150), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    # Set when the personal data was erased (clean-up or a request under law 09-08).
    anonymised_at: Mapped[datetime | None]

    # Derived from the fields above (and the user's) on every flush; see models/events.py.
    search_text: Mapped[str] = mapped_column(Text, default="")
    phone_digits: Mapped[str | None] = mapped_column(String(20), index=True)
    name_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    sort_name: Mapped[str] = mapped_column(String(300), default="", index=True)

    # Aggregates over the linked orders, kept current by clients/aggregates.py so that
    # the list can sort 100,000 clients on them without a GROUP BY over a million orders.
    # Money figures count confirmed orders only (see README, "Money figures").
    orders_count: Mapped[int] = mapped_column(default=0, index=True)
    confirmed_count: Mapped[int] = mapped_column(default=0)
    pending_count: Mapped[int] = mapped_column(default=0)
    cancelled_count: Mapped[int] = mapped_column(default=0)
    total_spent: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"), index=True)
    last_order_at: Mapped[datetime | None] = mapped_column(index=True)

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
