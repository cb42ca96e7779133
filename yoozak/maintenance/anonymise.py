"""Erase one client's personal data, keeping its orders' amounts, statuses and dates.

The same rules serve the scheduled clean-up of inactive clients and a client's own request
under law 09-08. Nothing is deleted: the client, its account and its orders stay, with every
personal value replaced, so the accounts and the aggregates are unchanged.

The writes are bulk UPDATEs, not ORM attribute changes, so that no change-history hook can
copy the old values into a new history row; the history rows already written about the
client are then scrubbed of every erased value. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..exports.files import discard_prepared_exports
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


def _phone_spellings(phone: str | None) -> set[str]:
    # A phone is written in many ways: its national digits catch "0612345678" and "612345678".
    if not phone:
        return set()
    digits = national_digits(normalize_phone(phone) or phone)
    return {digits, f"0{digits}"} if len(digits) >= 8 else set()


def _personal_values(clients: list[Client], order_rows: dict[int, list]) -> dict[int, set[str]]:
    """Return, per client, every personal value held on it, its account and its orders."""
    found: dict[int, set[str]] = {}
    for client in clients:
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
        values |= _phone_spellings(client.phone)
        for row in order_rows.get(client.id, []):
            values.update(row[1:])
            values |= _phone_spellings(row.phone)
        found[client.id] = {v.strip() for v in values if v and len(v.strip()) >= MIN_SCRUB_LENGTH}
    return found


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


def _scrub_history(session: Session, personal: dict[int, set[str]]) -> dict[int, int]:
    changed = dict.fromkeys(personal, 0)
    events = session.scalars(select(ClientEvent).where(ClientEvent.client_id.in_(list(personal))))
    for event in events:
        cleaned = scrub(event.changes or {}, personal[event.client_id])
        if cleaned != event.changes:
            event.changes = cleaned
            changed[event.client_id] += 1
    return changed


def notification_about(client_id: int):
    """Return the condition selecting the notifications about one client: those linking to its page."""
    return Notification.url.like(f"%/client/{client_id}/%")


def _scrub_notifications(session: Session, personal: dict[int, set[str]]) -> None:
    # Notifications about a client (a "new client" message names it) keep their link only.
    about = or_(*(notification_about(client_id) for client_id in personal))
    for note in session.scalars(select(Notification).where(about)):
        client_id = next(i for i in personal if f"/client/{i}/" in (note.url or ""))
        lowered = [p.lower() for p in personal[client_id]]
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


def _erase_rows(session: Session, clients: list[Client]) -> None:
    now = utcnow()
    users, profiles = [], []
    for client in clients:
        email, username = placeholder_email(client.id), placeholder_username(client.id)
        users.append(
            {
                "id": client.user_id,
                "first_name": "",
                "last_name": "",
                "email": email,
                "username": username,
                "password_hash": None,
                "is_active": False,
                "session_version": (client.user.session_version or 0) + 1,
            }
        )
        derived = client_derived_fields(
            first_name="",
            last_name="",
            email=email,
            username=username,
            address="",
            company_name=None,
            phone=None,
        )
        profiles.append(
            {
                "id": client.id,
                "phone": None,
                "address": "",
                "company_name": None,
                "is_active": False,
                "anonymised_at": now,
                "updated_at": now,
                **derived,
            }
        )
    # ORM bulk UPDATE by primary key: one executemany per table, no attribute events.
    session.execute(update(User), users)
    session.execute(update(Client), profiles)
    session.execute(
        update(Order)
        .where(Order.client_id.in_([c.id for c in clients]))
        .values(
            client_name="", email=None, phone=None, address="", email_norm=None, phone_e164=None, name_norm=""
        )
        .execution_options(synchronize_session=False)
    )


def anonymise_clients(session: Session, client_ids: Iterable[int], *, reason: str) -> list[AnonymiseResult]:
    """Erase the personal data of several clients everywhere it is held, in the current transaction.

    Idempotent: a client already anonymised is reported `already` and left alone. Unknown
    clients and admins' accounts raise AnonymiseError before anything is written.
    """
    ids = sorted({int(i) for i in client_ids})
    session.flush()
    loaded = {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(ids)))}
    if missing := [i for i in ids if i not in loaded]:
        raise AnonymiseError(f"client(s) not found: {missing}")
    if admins := [i for i in ids if loaded[i].user is not None and loaded[i].user.is_admin]:
        raise AnonymiseError(f"client(s) {admins} belong to an admin account: not anonymised")
    todo = [loaded[i] for i in ids if loaded[i].anonymised_at is None]
    results = {i: AnonymiseResult(i, 0, 0, already=True) for i in ids if loaded[i].anonymised_at is not None}
    if todo:
        results.update(_anonymise(session, todo, reason))
    return [results[i] for i in ids]


def _anonymise(session: Session, clients: list[Client], reason: str) -> dict[int, AnonymiseResult]:
    todo_ids = [c.id for c in clients]
    order_rows: dict[int, list] = {i: [] for i in todo_ids}
    rows = session.execute(
        select(Order.client_id, Order.client_name, Order.email, Order.phone, Order.address).where(
            Order.client_id.in_(todo_ids)
        )
    )
    for row in rows:
        order_rows[row.client_id].append(row)
    personal = _personal_values(clients, order_rows)
    _erase_rows(session, clients)
    session.flush()  # anything a hook added about these clients is now in the table to scrub
    history_rows = _scrub_history(session, personal)
    _scrub_notifications(session, personal)
    drop_from_review_queue(session, set(todo_ids))
    refresh_aggregates(session.connection(), todo_ids)
    for client_id in todo_ids:
        record_event(
            client_id, "anonymised", changes={"reason": reason, "orders": len(order_rows[client_id])}
        )
    session.flush()
    # Files the worker prepared may hold these clients: they go too (exports/background.py).
    discard_prepared_exports()
    users = [client.user for client in clients if client.user is not None]
    for obj in [*clients, *users]:
        session.expire(obj)
    return {i: AnonymiseResult(i, len(order_rows[i]), history_rows[i]) for i in todo_ids}


def anonymise_client(session: Session, client_id: int, *, reason: str) -> AnonymiseResult:
    """Erase one client's personal data everywhere it is held; idempotent. The caller commits."""
    return anonymise_clients(session, [client_id], reason=reason)[0]
