"""What a client export and an order export contain: the SELECT columns and the file columns."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select

from ..clients.orders import METHOD_LABELS, STATUS_LABELS
from ..models import Client, Order, User
from ..models.segments import SEGMENT_LABELS
from .writers import Column


def _average(row) -> Decimal:
    if not row.confirmed_count:
        return Decimal("0")
    return (Decimal(row.total_spent) / row.confirmed_count).quantize(Decimal("0.01"))


def _name(row) -> str:
    return " ".join(part for part in (row.first_name, row.last_name) if part)


CLIENT_COLUMNS = [
    Column("ID", "int", lambda r: r.id, 8),
    Column("Nom", "text", _name, 24),
    Column("E-mail", "text", lambda r: r.email, 28),
    Column("Identifiant", "text", lambda r: r.username, 18),
    Column("Téléphone", "text", lambda r: r.phone, 16),
    Column("Adresse", "text", lambda r: r.address, 36),
    Column("Société", "text", lambda r: r.company_name, 18),
    Column("Statut", "text", lambda r: "Actif" if r.is_active else "Inactif", 9),
    Column("Segment", "text", lambda r: SEGMENT_LABELS.get(r.segment, r.segment), 14),
    Column("Créé le", "datetime", lambda r: r.created_at, 17),
    Column("Commandes", "int", lambda r: r.orders_count, 11),
    Column("Total dépensé (MAD)", "money", lambda r: r.total_spent, 16),
    Column("Panier moyen (MAD)", "money", _average, 16),
    Column("Dernière commande", "datetime", lambda r: r.last_order_at, 17),
]


def client_rows_select(clients: Select) -> Select:
    """Turn a SELECT of clients (filtered and sorted) into plain rows with the user's fields.

    Plain columns rather than ORM objects: 100,000 rows stream without building an object,
    an identity-map entry and a joined user for each.
    """
    return clients.with_only_columns(
        Client.id,
        User.first_name,
        User.last_name,
        User.email,
        User.username,
        Client.phone,
        Client.address,
        Client.company_name,
        Client.is_active,
        Client.segment,
        Client.created_at,
        Client.orders_count,
        Client.confirmed_count,
        Client.total_spent,
        Client.last_order_at,
        maintain_column_froms=False,
    ).join_from(Client, User, Client.user_id == User.id)


ORDER_COLUMNS = [
    Column("ID", "int", lambda r: r.id, 8),
    Column("Référence", "text", lambda r: r.reference, 16),
    Column("Date", "datetime", lambda r: r.created_at, 17),
    Column("Statut", "text", lambda r: STATUS_LABELS.get(r.status, r.status), 11),
    Column("Montant (MAD)", "money", lambda r: r.price, 14),
    Column("Nom saisi", "text", lambda r: r.client_name, 24),
    Column("E-mail", "text", lambda r: r.email, 26),
    Column("Téléphone", "text", lambda r: r.phone, 16),
    Column("Adresse", "text", lambda r: r.address, 36),
    Column("Ville", "text", lambda r: r.city, 14),
    Column("ID client", "int", lambda r: r.client_id, 9),
    Column("Liaison", "text", lambda r: METHOD_LABELS.get(r.link_method or "", r.link_method), 11),
]


def order_rows_select(orders: Select) -> Select:
    """Turn a SELECT of orders (filtered and sorted) into plain rows of the exported columns."""
    return orders.with_only_columns(
        Order.id,
        Order.reference,
        Order.created_at,
        Order.status,
        Order.price,
        Order.client_name,
        Order.email,
        Order.phone,
        Order.address,
        Order.city,
        Order.client_id,
        Order.link_method,
        maintain_column_froms=False,
    ).select_from(Order)
