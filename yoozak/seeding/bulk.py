"""Bulk creation of test clients and orders, through Core inserts in batches.

The ORM's unit of work costs ~1 ms per object; a Core executemany of prepared rows
inserts 100,000 clients in seconds, so the derived columns are computed here directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..models import Client, Order, User
from ..models.events import client_derived_fields, order_keys
from ..timeutil import utcnow
from .fakes import MoroccanFaker

BATCH = 5000
GUEST_SHARE = 0.25
EMAIL_SHARE = 0.1
Progress = Callable[[int], None]


@dataclass(frozen=True)
class SeedResult:
    """What a seeding command created."""

    created: int
    skipped: int = 0


def _next_number(session: Session) -> int:
    return (session.scalar(select(func.max(User.id))) or 0) + 1


def create_test_clients(
    session: Session, count: int, seed: int | None = None, progress: Progress | None = None
) -> SeedResult:
    """Create `count` realistic clients (and their users) over the past year; commit per batch."""
    fake = MoroccanFaker(seed)
    start = _next_number(session)
    now = utcnow()
    for batch_start in range(0, count, BATCH):
        size = min(BATCH, count - batch_start)
        people = [fake.person() for _ in range(size)]
        users, clients = [], []
        for i, person in enumerate(people):
            n = start + batch_start + i
            email = fake.email_for(person, n)
            username = f"{person.first_name[:1]}{person.last_name}".lower().replace(" ", "") + str(n)
            created = now - timedelta(seconds=fake.rng.randrange(365 * 24 * 3600))
            users.append(
                {
                    "email": email,
                    "username": username,
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "password_hash": None,
                    "is_admin": False,
                    "is_active": True,
                    "date_joined": created,
                    "session_version": 0,
                }
            )
            phone = fake.spell_phone(person.mobile)
            company = fake.company()
            clients.append(
                {
                    "phone": Client.normalised_phone(phone),
                    "address": person.address,
                    "company_name": company,
                    "created_at": created,
                    "updated_at": created,
                    "is_active": fake.rng.random() < 0.85,
                    **client_derived_fields(
                        first_name=person.first_name,
                        last_name=person.last_name,
                        email=email,
                        username=username,
                        address=person.address,
                        company_name=company,
                        phone=phone,
                    ),
                }
            )
        ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
        for user_id, row in zip(ids, clients, strict=True):
            row["user_id"] = user_id
        session.execute(insert(Client), clients)
        session.commit()
        if progress:
            progress(size)
    return SeedResult(created=count)


def _client_pool(session: Session) -> list[tuple]:
    rows = session.execute(
        select(Client.id, User.first_name, User.last_name, User.email, Client.phone, Client.address).join(
            User, User.id == Client.user_id
        )
    ).all()
    return [tuple(r) for r in rows]


def create_test_orders(
    session: Session, count: int, seed: int | None = None, progress: Progress | None = None
) -> SeedResult:
    """Create `count` orders over the past year: most from clients, with noise; the rest guests."""
    fake = MoroccanFaker(seed)
    pool = _client_pool(session)
    now = utcnow()
    start = (session.scalar(select(func.max(Order.id))) or 0) + 1
    for batch_start in range(0, count, BATCH):
        size = min(BATCH, count - batch_start)
        rows = [_fake_order(fake, pool, start + batch_start + i, now) for i in range(size)]
        session.execute(insert(Order), rows)
        session.commit()
        if progress:
            progress(size)
    return SeedResult(created=count)


def _fake_order(fake: MoroccanFaker, pool: list[tuple], n: int, now) -> dict:
    rng = fake.rng
    if pool and rng.random() >= GUEST_SHARE:
        _cid, first, last, email, phone, address = rng.choice(pool)
        mobile = phone[4:] if phone and phone.startswith("+212") else fake.mobile()
        if rng.random() < 0.1:
            mobile = fake.mobile()  # ordered with another phone (a relative's, a new SIM)
        name = fake.typed_name(first, last)
        typed_email = email if rng.random() < EMAIL_SHARE else None
        if typed_email and rng.random() < 0.3:
            typed_email = f"  {typed_email.upper()} "
        city = address.rsplit(",", 1)[-1].strip() if address else ""
    else:
        person = fake.person()
        mobile, name, typed_email, address, city = (
            person.mobile,
            fake.typed_name(person.first_name, person.last_name),
            None,
            person.address,
            person.city,
        )
    phone = fake.spell_phone(mobile)
    return {
        "reference": f"YZ-{n:08d}",
        "client_name": name,
        "email": typed_email,
        "phone": phone,
        "address": address or "",
        "city": city,
        "price": fake.price(),
        "status": fake.status(),
        "created_at": now - timedelta(seconds=rng.randrange(365 * 24 * 3600)),
        **order_keys(typed_email, phone, name),
    }


DUPLICATE_KINDS = ("phone", "email", "name_address")


def _duplicate_of(fake: MoroccanFaker, kind: str, original: tuple, n: int) -> tuple[dict, dict]:
    """Return (user, client) rows of a second account for the person of `original`."""
    first, last, email, phone, address = original
    local, _, domain = email.partition("@")
    new_email, new_phone, new_address = f"{local}.dup{n}@{domain}", fake.mobile(), address
    if kind == "phone" and phone and phone.startswith("+212"):
        new_phone = fake.spell_phone(phone[4:])  # same number, typed another way
    elif kind == "email":
        new_email = f"{local}+d{n}@{domain}"  # the same mailbox with a "+tag"
    else:
        new_address = f"{address.upper()} "  # the same address, typed in capitals
    username = f"dup{n}"
    user = {
        "email": new_email,
        "username": username,
        "first_name": first,
        "last_name": last,
        "password_hash": None,
        "is_admin": False,
        "is_active": True,
        "date_joined": utcnow(),
        "session_version": 0,
    }
    client = {
        "phone": Client.normalised_phone(new_phone),
        "address": new_address,
        "company_name": None,
        "created_at": utcnow(),
        "updated_at": utcnow(),
        "is_active": True,
        **client_derived_fields(
            first_name=first,
            last_name=last,
            email=new_email,
            username=username,
            address=new_address,
            company_name=None,
            phone=new_phone,
        ),
    }
    return user, client


def plant_duplicates(session: Session, count: int, seed: int | None = None) -> SeedResult:
    """Create `count` second accounts of existing clients: same phone, same mailbox, or same name and address.

    For trying the "Doublons" page and `flask find-duplicate-clients`; kinds rotate.
    """
    fake = MoroccanFaker(None if seed is None else seed + 1)
    originals = session.execute(
        select(User.first_name, User.last_name, User.email, Client.phone, Client.address)
        .join(User, User.id == Client.user_id)
        .where(Client.merged_into_id.is_(None))
        .order_by(Client.id)
    ).all()
    if not originals:
        return SeedResult(created=0, skipped=count)
    start = _next_number(session)
    picked = fake.rng.sample(originals, min(count, len(originals)))
    users, clients = [], []
    for i, original in enumerate(picked):
        user, client = _duplicate_of(fake, DUPLICATE_KINDS[i % 3], tuple(original), start + i)
        users.append(user)
        clients.append(client)
    ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
    for user_id, row in zip(ids, clients, strict=True):
        row["user_id"] = user_id
    session.execute(insert(Client), clients)
    session.commit()
    return SeedResult(created=len(picked), skipped=count - len(picked))
