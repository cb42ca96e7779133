"""Factories for tests: users, clients and orders with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from yoozak.models import Client, Order, User
from yoozak.timeutil import utcnow

_seq = itertools.count(1)


class Factories:
    """Create and commit model instances; every keyword overrides a default."""

    def __init__(self, session: Session):
        self.session = session

    def user(self, password: str | None = "password-123", **fields) -> User:
        """Create a user (not an admin unless asked)."""
        n = next(_seq)
        user = User(
            email=fields.pop("email", f"user{n}@example.com"),
            username=fields.pop("username", f"user{n}"),
            first_name=fields.pop("first_name", "Test"),
            last_name=fields.pop("last_name", f"User{n}"),
            **fields,
        )
        if password:
            user.set_password(password)
        self.session.add(user)
        self.session.commit()
        return user

    def client(
        self,
        first_name: str = "Amine",
        last_name: str | None = None,
        email: str | None = None,
        created_at: datetime | None = None,
        **fields,
    ) -> Client:
        """Create a client and its user account."""
        n = next(_seq)
        user = User(
            email=email or f"client{n}@example.com",
            username=fields.pop("username", f"client{n}"),
            first_name=first_name,
            last_name=last_name if last_name is not None else f"Client{n}",
        )
        client = Client(user=user, created_at=created_at or utcnow(), **fields)
        self.session.add(client)
        self.session.commit()
        return client

    def order(self, client: Client | None = None, price: str | Decimal = "100.00", **fields) -> Order:
        """Create an order, linked by hand to `client` when given."""
        n = next(_seq)
        order = Order(
            reference=fields.pop("reference", f"CMD-{n:06d}"),
            client_name=fields.pop("client_name", client.full_name if client else "Invité Test"),
            price=Decimal(str(price)),
            status=fields.pop("status", "confirmed"),
            created_at=fields.pop("created_at", utcnow() - timedelta(days=1)),
            **fields,
        )
        if client is not None:
            order.client_id = client.id
            order.link_method = fields.get("link_method", "manual")
        self.session.add(order)
        self.session.commit()
        return order
