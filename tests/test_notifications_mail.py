"""Notification e-mails through a real SMTP server on 127.0.0.1 (aiosmtpd): immediate and daily."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from yoozak.extensions import db
from yoozak.models import Notification, NotificationPreference
from yoozak.notifications import notify_admins
from yoozak.notifications.tasks import send_daily_digests, send_immediate
from yoozak.timeutil import utcnow


class Inbox:
    """Collects the messages the SMTP server accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(app):
    """Run an SMTP server on 127.0.0.1 and point the app at it."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_BASE_URL="https://clients.yoozak.ma")
    yield handler
    controller.stop()


def admin(factories, name: str, mode: str | None):
    user = factories.user(email=f"{name}@yoozak.ma", username=name, first_name=name.title(), is_admin=True)
    if mode:
        db.session.add(NotificationPreference(user_id=user.id, email_mode=mode))
        db.session.commit()
    return user


def body(message) -> str:
    return message.get_content()


def test_immediate_admins_get_a_mail_when_a_client_arrives(inbox, factories):
    nadia = admin(factories, "nadia", "immediate")
    admin(factories, "omar", "daily")
    admin(factories, "salma", None)
    amina = factories.client("Amina", "Bennani")  # the commit enqueues the mail (inline under tests)
    assert inbox.recipients == [["nadia@yoozak.ma"]]
    [message] = inbox.messages
    assert message["Subject"] == "Yoozak Clients : Nouveau client : Amina Bennani"
    assert f"https://clients.yoozak.ma/client/{amina.id}/" in body(message)
    emailed = db.session.execute(select(Notification.user_id, Notification.emailed_at)).all()
    assert {uid for uid, at in emailed if at is not None} == {nadia.id}
    assert send_immediate() == 0  # nothing left to send


def test_the_daily_digest_lists_the_unread_ones_once(inbox, factories):
    omar = admin(factories, "omar", "daily")
    notify_admins("new_client", "Nouveau client : Amina Bennani", url="/client/1/")
    notify_admins("new_client", "Nouveau client : Karim Alaoui", url="/client/2/")
    notify_admins("new_client", "Nouveau client : Déjà lu", url="/client/3/")
    db.session.commit()
    read = db.session.scalars(select(Notification).where(Notification.title.like("%Déjà lu"))).one()
    read.read_at = utcnow()
    db.session.commit()
    assert inbox.messages == []  # nothing immediate for a daily admin
    assert send_daily_digests(utcnow() + timedelta(seconds=1)) == 1
    [message] = inbox.messages
    assert message["To"] == "omar@yoozak.ma"
    assert message["Subject"] == "Yoozak Clients : résumé du jour (2 notifications)"
    text = body(message)
    assert "Amina Bennani" in text and "Karim Alaoui" in text and "Déjà lu" not in text
    assert db.session.get(NotificationPreference, omar.id).last_digest_at is not None
    assert send_daily_digests(utcnow() + timedelta(days=1)) == 0
    assert len(inbox.messages) == 1


def test_without_mail_server_nothing_is_sent(app, factories):
    admin(factories, "nadia", "immediate")
    factories.client("Amina", "Bennani")
    assert send_immediate() == 0
    assert db.session.scalar(select(Notification.emailed_at)) is None
