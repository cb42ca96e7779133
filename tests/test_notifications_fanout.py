"""notify_admins gives each active admin their own copy to read."""

from __future__ import annotations

from sqlalchemy import select

from yoozak.extensions import db
from yoozak.models import Notification
from yoozak.notifications import notify_admins


def test_every_active_admin_and_only_them_gets_a_copy(factories, admin_user):
    second = factories.user(email="second@yoozak.ma", username="second", is_admin=True)
    factories.user(email="gone@yoozak.ma", username="gone", is_admin=True, is_active=False)
    factories.user(email="staff@yoozak.ma", username="staff")
    assert notify_admins("new_client", "Nouveau client : Amina Bennani", url="/client/1/") == 2
    db.session.commit()
    rows = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [n.user_id for n in rows] == sorted([admin_user.id, second.id])
    assert all(n.read_at is None and n.url == "/client/1/" for n in rows)
