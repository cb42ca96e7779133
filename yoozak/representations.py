"""The public shape of clients and orders, shared by the REST API and the webhooks.

One place, so that a webhook's payload is the resource "as the API returns it".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .models import Client, Order


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):.2f}"


def client_resource(client: Client) -> dict[str, Any]:
    """Return a client as the API and the webhooks show it."""
    user = client.user
    return {
        "id": client.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "username": user.username,
        "phone": client.phone,
        "address": client.address,
        "company_name": client.company_name,
        "is_active": client.is_active,
        "created_at": _iso(client.created_at),
        "updated_at": _iso(client.updated_at),
        "orders_count": client.orders_count,
        "confirmed_count": client.confirmed_count,
        "pending_count": client.pending_count,
        "cancelled_count": client.cancelled_count,
        "total_spent": _money(client.total_spent),
        "average_basket": _money(client.average_basket),
        "last_order_at": _iso(client.last_order_at),
        "segment": client.segment,
    }


def order_resource(order: Order) -> dict[str, Any]:
    """Return an order as the API and the webhooks show it."""
    return {
        "id": order.id,
        "reference": order.reference,
        "client_name": order.client_name,
        "email": order.email,
        "phone": order.phone,
        "address": order.address,
        "city": order.city,
        "price": _money(order.price),
        "status": order.status,
        "created_at": _iso(order.created_at),
        "client_id": order.client_id,
        "link_method": order.link_method,
        "link_score": order.link_score,
        "linked_at": _iso(order.linked_at),
    }
