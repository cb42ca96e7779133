"""Notifications for the admins: `notify_admins` fans one message out to every active admin."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models.notifications import Notification
from ..models.users import User


def notify_admins(kind: str, title: str, body: str = "", url: str | None = None) -> int:
    """Add a notification for each active admin to the current session; return how many.

    It commits with the change that caused it, like a history row.
    """
    admin_ids = db.session.scalars(
        select(User.id).where(User.is_admin.is_(True), User.is_active.is_(True))
    ).all()
    db.session.add_all(
        Notification(user_id=user_id, kind=kind, title=title[:200], body=body, url=url)
        for user_id in admin_ids
    )
    return len(admin_ids)


__all__ = ["Notification", "notify_admins"]
