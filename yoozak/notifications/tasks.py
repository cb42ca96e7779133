"""Notification e-mails, sent by the worker: at once, or in a daily digest."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import Notification, NotificationPreference, User
from ..timeutil import utcnow
from ..worker import app_task, register_periodic
from .mail import compose, mail_configured, send_mail

logger = logging.getLogger("yoozak.notifications")


def _send_for(mode: str, now: datetime) -> int:
    """E-mail each admin of `mode` their unread, not yet e-mailed notifications; return messages sent."""
    config = current_app.config
    if not mail_configured(config):
        return 0
    admins = db.session.execute(
        select(User.id, User.email)
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.email_mode == mode, User.is_active.is_(True), User.is_admin.is_(True))
    ).all()
    sent = 0
    for user_id, email in admins:
        pending = db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.emailed_at.is_(None),
                Notification.created_at <= now,
            )
            .order_by(Notification.id.desc())
        ).all()
        unread = [n for n in pending if n.read_at is None]
        if unread:
            subject, text = compose(config["PUBLIC_BASE_URL"], unread, digest=mode == "daily")
            send_mail(config, email, subject, text)
            sent += 1
        # Read ones are not worth a mail any more; mark them too, so no later mail repeats them.
        db.session.execute(
            update(Notification).where(Notification.id.in_([n.id for n in pending])).values(emailed_at=now)
        )
        if mode == "daily":
            db.session.execute(
                update(NotificationPreference)
                .where(NotificationPreference.user_id == user_id)
                .values(last_digest_at=now)
            )
        db.session.commit()
    return sent


def send_immediate(now: datetime | None = None) -> int:
    """Send the immediate e-mails now due."""
    return _send_for("immediate", now or utcnow())


def send_daily_digests(now: datetime | None = None) -> int:
    """Send the daily digests."""
    return _send_for("daily", now or utcnow())


send_immediate_emails = app_task(retries=3, retry_delay=60)(send_immediate)
# 07:00 UTC, 08:00 in Casablanca: before the working day starts.
daily_digest = register_periodic(
    "notifications-daily-digest", {"minute": "0", "hour": "7"}, send_daily_digests
)
# Catches up immediate mails a failed SMTP server left behind.
register_periodic("notifications-immediate-catch-up", {"minute": "*/10"}, send_immediate)
