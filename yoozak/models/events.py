"""Session hooks that keep derived columns and client aggregates true on every flush.

Whatever path writes a client or an order through the ORM (a page, the admin, an import,
a CLI command), the search columns, the linker's keys and the aggregates follow in the
same transaction. Bulk Core writes (the link runner, the seeders) set them themselves.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..linking.normalize import (
    fold_text,
    national_digits,
    normalize_address,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from .aggregates import REFRESHED_FIELDS, refresh_aggregates
from .clients import Client
from .orders import Order
from .users import User

_ORDER_AGGREGATE_INPUTS = ("client_id", "client", "price", "status", "created_at")
_PENDING_KEY = "yoozak_aggregate_clients"
_ORDERS_KEY = "yoozak_changed_orders"


def client_derived_fields(
    *,
    first_name: str,
    last_name: str,
    email: str,
    username: str,
    address: str | None,
    company_name: str | None,
    phone: str | None,
) -> dict[str, object]:
    """Compute a client's search and linking columns from its own and its user's fields."""
    phone = phone or ""
    e164 = normalize_phone(phone)
    digits = national_digits(e164) if e164 else "".join(ch for ch in phone if ch.isdigit())
    parts = [first_name, last_name, email, username, address, company_name, phone]
    return {
        "search_text": fold_text(" ".join(p for p in parts if p)),
        "phone_digits": digits or None,
        "name_key": normalize_name(f"{first_name} {last_name}"),
        "sort_name": fold_text(f"{last_name} {first_name}"),
        "address_key": normalize_address(address)[:255],
    }


def order_keys(email: str | None, phone: str | None, client_name: str | None) -> dict[str, object]:
    """Compute the normalised keys the linker blocks on for one order."""
    return {
        "email_norm": normalize_email(email),
        "phone_e164": normalize_phone(phone),
        "name_norm": normalize_name(client_name),
    }


def _refresh_client(client: Client) -> None:
    if client.user is None:
        return
    user = client.user
    derived = client_derived_fields(
        first_name=user.first_name or "",
        last_name=user.last_name or "",
        email=user.email,
        username=user.username,
        address=client.address,
        company_name=client.company_name,
        phone=client.phone,
    )
    for key, value in derived.items():
        setattr(client, key, value)


def _previous_client_ids(order: Order) -> set[int]:
    # The link may have been changed through the column or through the relationship
    # (the admin sets `order.client`); collect the client it had before this flush.
    state = inspect(order)
    ids = {i for i in state.attrs.client_id.history.deleted if i is not None}
    related = state.attrs.client.history
    ids.update(c.id for c in related.deleted if c is not None and c.id is not None)
    return ids


def _order_changed(order: Order, attrs: tuple[str, ...]) -> bool:
    state = inspect(order)
    return any(state.attrs[name].history.has_changes() for name in attrs)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    """Fill derived columns and note which clients' aggregates need recomputing."""
    pending: set[int] = session.info.setdefault(_PENDING_KEY, set())
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Client):
            _refresh_client(obj)
        elif isinstance(obj, User) and obj.client is not None and obj in session.dirty:
            _refresh_client(obj.client)
        elif isinstance(obj, Order):
            _order_before_flush(session, obj, pending)
    for obj in session.deleted:
        if isinstance(obj, Order):
            pending.update(_previous_client_ids(obj))
            if obj.client_id is not None:
                pending.add(obj.client_id)
        elif isinstance(obj, Client | User):
            _detach_orders(session, obj)


def _order_before_flush(session: Session, order: Order, pending: set[int]) -> None:
    new = order in session.new
    if new or _order_changed(order, ("email", "phone", "client_name")):
        for key, value in order_keys(order.email, order.phone, order.client_name).items():
            setattr(order, key, value)
    if new or _order_changed(order, _ORDER_AGGREGATE_INPUTS):
        pending.update(_previous_client_ids(order))
        # The new client id is known only after the flush (a new client has none yet).
        session.info.setdefault(_ORDERS_KEY, []).append(order)


def _detach_orders(session: Session, obj: Client | User) -> None:
    # The FK sets client_id to NULL; the link columns must go with it, or the
    # order would claim a link to a client that no longer exists.
    client_id = obj.id if isinstance(obj, Client) else (obj.client.id if obj.client else None)
    if client_id is None:
        return
    session.execute(
        update(Order)
        .where(Order.client_id == client_id)
        .values(client_id=None, link_method=None, link_score=None, linked_at=None, link_run_id=None)
        .execution_options(synchronize_session=False)
    )


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    """Recompute the aggregates of the clients whose orders changed in this flush."""
    pending: set[int] = session.info.pop(_PENDING_KEY, set())
    for order in session.info.pop(_ORDERS_KEY, []):
        if order.client_id is not None:
            pending.add(order.client_id)
    if not pending:
        return
    refresh_aggregates(session.connection(), pending)
    session.info.setdefault("yoozak_expire_clients", set()).update(pending)


@event.listens_for(Session, "after_flush_postexec")
def _expire_aggregates(session: Session, _context) -> None:
    """Make loaded clients reload the aggregates the flush just rewrote."""
    for client_id in session.info.pop("yoozak_expire_clients", set()):
        client = session.identity_map.get(identity_key(Client, client_id))
        if client is not None:
            session.expire(client, list(REFRESHED_FIELDS))
