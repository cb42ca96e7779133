"""A client base with personal data in every place it can be held, for the anonymisation tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from yoozak.extensions import db
from yoozak.history import record_event
from yoozak.models import Client, Notification, Order, ReviewItem
from yoozak.timeutil import utcnow

# Every personal value of Khadija, the client due for the clean-up: none may survive it.
KHADIJA = {
    "first_name": "Khadija",
    "last_name": "Benjelloun",
    "email": "khadija.benjelloun@gmail.com",
    "username": "kbenjelloun",
    "phone": "+212612345678",
    "address": "15 rue Ibn Batouta, Rabat",
    "company_name": "Atlas Cuir SARL",
}
KHADIJA_ORDER_VALUES = ("Khadija B.", "k.benjelloun@hotmail.fr", "0661234567", "Appt 4, 15 rue Ibn Batouta")
OLD_EMAIL = "khadija.old@yahoo.fr"


def personal_values() -> list[str]:
    """Return every personal value of Khadija the database held, in any table."""
    return [*KHADIJA.values(), *KHADIJA_ORDER_VALUES, OLD_EMAIL, "Khadija Benjelloun", "0612345678"]


def set_last_activity(client: Client, when: datetime) -> None:
    """Pretend the client was last touched at `when` (a Core UPDATE bypasses onupdate)."""
    db.session.execute(update(Client).where(Client.id == client.id).values(updated_at=when))
    db.session.commit()


@dataclass
class Base:
    """The clients of the scenario and what was recorded about them."""

    khadija: Client
    recent_inactive: Client
    old_active: Client
    old_with_recent_order: Client
    other: Client
    khadija_orders: list[Order]
    foreign_order: Order
    now: datetime


def build(factories, admin_user) -> Base:
    """Khadija: inactive for 30 months, 3 old orders, history, a notification, a review item."""
    now = utcnow()
    long_ago = now - timedelta(days=30 * 31)
    fields = dict(KHADIJA)
    khadija = factories.client(
        fields.pop("first_name"),
        fields.pop("last_name"),
        email=fields.pop("email"),
        is_active=False,
        created_at=long_ago,
        **fields,
    )
    orders = [
        factories.order(
            khadija,
            price=price,
            status=status,
            created_at=long_ago + timedelta(days=i),
            client_name=KHADIJA_ORDER_VALUES[0],
            email=KHADIJA_ORDER_VALUES[1],
            phone=KHADIJA_ORDER_VALUES[2],
            address=KHADIJA_ORDER_VALUES[3],
            city="Rabat",
        )
        for i, (price, status) in enumerate(
            [("349.90", "confirmed"), ("120.00", "cancelled"), ("99.50", "pending")]
        )
    ]
    other = factories.client("Youssef", "Alaoui", email="youssef.alaoui@gmail.com", phone="+212698765432")
    foreign_order = factories.order(None, client_name="Youssef Alaoui", phone="0698765432")
    db.session.add(
        ReviewItem(
            order_id=foreign_order.id,
            reason="deux clients possibles",
            candidates=[
                {"client_id": khadija.id, "method": "name", "score": 0.91},
                {"client_id": other.id, "method": "phone", "score": 0.88},
            ],
        )
    )
    record_event(khadija.id, "updated", changes={"email": [OLD_EMAIL, KHADIJA["email"]]})
    record_event(khadija.id, "updated", changes={"note": "Appel de Khadija Benjelloun au 0612345678"})
    record_event(khadija.id, "updated", changes={"comment": "rappeler au 0612345678"})
    record_event(khadija.id, "status_changed", changes={"is_active": [True, False]})
    db.session.add(
        Notification(
            user_id=admin_user.id,
            kind="new_client",
            title="Nouveau client : Khadija Benjelloun",
            body=f"{KHADIJA['email']}, {KHADIJA['phone']}",
            url=f"/client/{khadija.id}/",
        )
    )
    db.session.commit()
    recent_inactive = factories.client("Recent", "Inactif", is_active=False, created_at=long_ago)
    old_active = factories.client("Ancien", "Actif", created_at=long_ago)
    old_with_recent_order = factories.client("Ancien", "Acheteur", is_active=False, created_at=long_ago)
    factories.order(old_with_recent_order, created_at=now - timedelta(days=30))
    for client in (khadija, old_active, old_with_recent_order):
        set_last_activity(client, long_ago)
    return Base(
        khadija, recent_inactive, old_active, old_with_recent_order, other, orders, foreign_order, now
    )


def database_text() -> str:
    """Return every value of every application table as one lower-case string."""
    db.session.rollback()
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            chunks.extend(str(value) for value in row)
    return "\n".join(chunks).lower()
