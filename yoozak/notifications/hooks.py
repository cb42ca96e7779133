"""New clients notify the admins, in the transaction that creates them.

A client created through the ORM (a page, the admin, the REST API) gives each admin a
"Nouveau client" notification when the transaction commits. Bulk paths wrap their work in
`new_clients_summary()`, which turns the per-client notifications off and posts one summary
("1 240 nouveaux clients importés") at the end; Core bulk inserts, which the hooks do not
see, report their count with `batch.add(n)`. More than NEW_CLIENT_SUMMARY_OVER new clients
in one transaction become one summary too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..formatting import format_number
from ..models import Client, Notification, User
from . import notify_admins

logger = logging.getLogger("yoozak.notifications")
_NEW = "yoozak_new_clients"
_NOTIFIED = "yoozak_notifications_written"
CLIENT_LIST_URL = "/client/?sort=-created_at"


@dataclass
class NewClientBatch:
    """Counts the clients created while per-client notifications are off."""

    verb: str
    count: int = 0

    def add(self, n: int) -> None:
        """Count `n` clients created in bulk."""
        self.count += n


_batch: ContextVar[NewClientBatch | None] = ContextVar("yoozak_new_client_batch", default=None)


def summary_title(count: int, verb: str) -> str:
    """Return "1 240 nouveaux clients importés" (singular for one)."""
    if count == 1:
        return f"1 nouveau client {verb.rstrip('s')}"
    return f"{format_number(count, 0)} nouveaux clients {verb}"


@contextmanager
def new_clients_summary(verb: str = "importés") -> Iterator[NewClientBatch]:
    """Post one summary notification for the clients created inside the block, and commit it.

    Nothing is posted when the block raises (its own work is rolled back by its caller).
    """
    batch = NewClientBatch(verb)
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)
    if batch.count:
        notify_admins("new_clients_batch", summary_title(batch.count, verb), url=CLIENT_LIST_URL)
        db.session.commit()


@event.listens_for(Session, "after_flush")
def _note_new_clients(session: Session, _context) -> None:
    """Note the clients this flush created; note that notifications were written."""
    batch = _batch.get()
    for obj in session.new:
        if isinstance(obj, Client):
            if batch is not None:
                batch.add(1)
            else:
                session.info.setdefault(_NEW, []).append(obj.id)
        elif isinstance(obj, Notification):
            session.info[_NOTIFIED] = True


def _admin_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.is_admin.is_(True), User.is_active.is_(True))))


def _notifications_for(session: Session, client_ids: list[int]) -> list[Notification]:
    limit = current_app.config.get("NEW_CLIENT_SUMMARY_OVER", 10) if has_app_context() else 10
    admins = _admin_ids(session)
    if len(client_ids) > limit:
        title = summary_title(len(client_ids), "créés")
        return [
            Notification(user_id=a, kind="new_clients_batch", title=title, body="", url=CLIENT_LIST_URL)
            for a in admins
        ]
    notes = []
    for client_id in client_ids:
        client = session.get(Client, client_id)
        if client is None:
            continue
        title = f"Nouveau client : {client.full_name}"[:200]
        body = " · ".join(part for part in (client.email, client.phone or "") if part)
        notes += [
            Notification(user_id=a, kind="new_client", title=title, body=body, url=f"/client/{client_id}/")
            for a in admins
        ]
    return notes


@event.listens_for(Session, "before_commit")
def _write_new_client_notifications(session: Session) -> None:
    """Add the notifications of this transaction's new clients; the commit writes them."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    client_ids = session.info.pop(_NEW, None)
    if client_ids:
        session.add_all(_notifications_for(session, client_ids))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_NEW, None)
    session.info.pop(_NOTIFIED, None)


@event.listens_for(Session, "after_commit")
def _mail_immediately(session: Session) -> None:
    """Ask the worker to e-mail the admins who chose immediate e-mails, when SMTP is configured."""
    if not session.info.pop(_NOTIFIED, False):
        return
    if not has_app_context() or not current_app.config.get("MAIL_SERVER"):
        return
    from .tasks import send_immediate_emails

    try:
        send_immediate_emails()
    except Exception:  # committed already: never fail the request; the periodic catch-up sends it
        logger.exception("Could not enqueue the notification e-mails")
