"""Erase one client's personal data, keeping its orders' amounts, statuses and dates.

The same rules serve the scheduled clean-up of inactive clients and a client's own request
under law 09-08. Nothing is deleted: the client, its account and its orders stay, with every
personal value replaced, so the accounts and the aggregates are unchanged.

The writes are Core UPDATEs, not ORM attribute changes, so that no change-history hook can
copy the old values into a new history row; the history rows already written about the
client are then scrubbed of every erased value. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..history import record_event
from ..linking.normalize import national_digits, normalize_phone
from ..models import Client, ClientEvent, Notification, Order, ReviewItem, User
from ..models.aggregates import refresh_aggregates
from ..models.events import client_derived_fields
from ..timeutil import utcnow

ERASED = "[effacé]"
# History keys whose values are personal whatever they hold.
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "name",
        "client_name",
        "email",
        "username",
        "phone",
        "address",
        "company_name",
        "company",
        "user",
    }
)
# Shorter strings (a 2-letter name) would erase unrelated words in free text.
MIN_SCRUB_LENGTH = 3


class AnonymiseError(ValueError):
    """The client cannot be anonymised (unknown, or an admin's account)."""


@dataclass(frozen=True)
class AnonymiseResult:
    """What one anonymisation did."""

    client_id: int
    orders: int
    history_rows: int
    already: bool = False


def placeholder_email(client_id: int) -> str:
    """Return the unique, non-routable address an anonymised account keeps."""
    return f"anonymise-{client_id}@invalid"


def placeholder_username(client_id: int) -> str:
    """Return the unique username an anonymised account keeps."""
    return f"anonymise-{client_id}"


def _personal_values(session: Session, client: Client) -> set[str]:
    user = client.user
    values = {
        user.first_name,
        user.last_name,
        f"{user.first_name} {user.last_name}",
        user.email,
        user.username,
        client.phone,
        client.address,
        client.company_name,
    }
    phones = {client.phone}
    rows = session.execute(
        select(Order.client_name, Order.email, Order.phone, Order.address).where(Order.client_id == client.id)
    )
    for row in rows:
        values.update(row)
        phones.add(row.phone)
    # A phone is written in many ways: its national digits catch "0612345678" and "+212 6 12 ...".
    for phone in filter(None, phones):
        digits = national_digits(normalize_phone(phone) or phone)
        values.update({digits, f"0{digits}"} if len(digits) >= 8 else set())
    return {v.strip() for v in values if v and len(v.strip()) >= MIN_SCRUB_LENGTH}


def scrub(value: Any, personal: set[str], lowered: list[str] | None = None) -> Any:
    """Return `value` (JSON) with personal keys' values and any text holding a personal value erased."""
    lowered = lowered if lowered is not None else [p.lower() for p in personal]
    if isinstance(value, dict):
        return {k: (ERASED if k in PERSONAL_KEYS else scrub(v, personal, lowered)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, personal, lowered) for v in value]
    if isinstance(value, str) and any(p in value.lower() for p in lowered):
        return ERASED
    return value


def _scrub_history(session: Session, client_id: int, personal: set[str]) -> int:
    changed = 0
    for event in session.scalars(select(ClientEvent).where(ClientEvent.client_id == client_id)):
        cleaned = scrub(event.changes or {}, personal)
        if cleaned != event.changes:
            event.changes = cleaned
            changed += 1
    return changed


def notification_about(client_id: int):
    """Return the condition selecting the notifications about one client: those linking to its page."""
    return Notification.url.like(f"%/client/{client_id}/%")


def _scrub_notifications(session: Session, client_id: int, personal: set[str]) -> None:
    # Notifications about the client (a "new client" message names it) keep their link only.
    lowered = [p.lower() for p in personal]
    candidates = session.scalars(select(Notification).where(notification_about(client_id)))
    for note in candidates:
        for field in ("title", "body"):
            text = getattr(note, field) or ""
            if any(p in text.lower() for p in lowered):
                setattr(note, field, f"Client anonymisé (#{client_id})" if field == "title" else ERASED)


def drop_from_review_queue(session: Session, client_ids: set[int]) -> None:
    """Take erased clients out of the open review items' candidates: their evidence is gone."""
    for item in session.scalars(select(ReviewItem).where(ReviewItem.resolved_at.is_(None))):
        kept = [c for c in item.candidates or [] if c.get("client_id") not in client_ids]
        if len(kept) != len(item.candidates or []):
            item.candidates = kept


def _erase_rows(session: Session, client: Client) -> int:
    client_id = client.id
    email, username = placeholder_email(client_id), placeholder_username(client_id)
    session.execute(
        update(User)
        .where(User.id == client.user_id)
        .values(
            first_name="",
            last_name="",
            email=email,
            username=username,
            password_hash=None,
            is_active=False,
            session_version=User.session_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    derived = client_derived_fields(
        first_name="", last_name="", email=email, username=username, address="", company_name=None, phone=None
    )
    now = utcnow()
    session.execute(
        update(Client)
        .where(Client.id == client_id)
        .values(
            phone=None,
            address="",
            company_name=None,
            is_active=False,
            anonymised_at=now,
            updated_at=now,
            **derived,
        )
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(Order)
        .where(Order.client_id == client_id)
        .values(
            client_name="", email=None, phone=None, address="", email_norm=None, phone_e164=None, name_norm=""
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def anonymise_client(
    session: Session, client_id: int, *, reason: str, review_queue: bool = True
) -> AnonymiseResult:
    """Erase one client's personal data everywhere it is held; idempotent. The caller commits.

    `review_queue=False` leaves the review queue to the caller, who cleans it once per batch.
    """
    client = session.get(Client, client_id)
    if client is None:
        raise AnonymiseError(f"client {client_id} not found")
    if client.anonymised_at is not None:
        return AnonymiseResult(client_id, 0, 0, already=True)
    if client.user is not None and client.user.is_admin:
        raise AnonymiseError(f"client {client_id} belongs to an admin account: not anonymised")
    session.flush()
    personal = _personal_values(session, client)
    orders = _erase_rows(session, client)
    session.flush()  # anything a hook added about the client is now in the table to scrub
    history_rows = _scrub_history(session, client_id, personal)
    _scrub_notifications(session, client_id, personal)
    if review_queue:
        drop_from_review_queue(session, {client_id})
    refresh_aggregates(session.connection(), [client_id])
    record_event(client_id, "anonymised", changes={"reason": reason, "orders": orders})
    session.flush()
    session.expire(client)
    if client.user is not None:
        session.expire(client.user)
    return AnonymiseResult(client_id, orders, history_rows)


def anonymise_clients(session: Session, client_ids: Iterable[int], *, reason: str) -> list[AnonymiseResult]:
    """Anonymise several clients in the current transaction."""
    results = [anonymise_client(session, cid, reason=reason, review_queue=False) for cid in client_ids]
    drop_from_review_queue(session, {r.client_id for r in results if not r.already})
    return results
