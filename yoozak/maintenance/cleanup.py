"""The clean-up of inactive clients: who is due, and the batched anonymisation.

A client is due when it is inactive, not yet anonymised, not an admin's account, its last
activity (updated_at: any edit or status change) is older than the retention period, and no
order of it was placed within that period.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..models import Client, Order, User
from ..timeutil import utcnow
from .anonymise import anonymise_clients

_RETENTION = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


class RetentionError(ValueError):
    """A retention period that does not parse."""


def parse_retention(text: str) -> relativedelta:
    """Parse "24m", "2y", "90d" or "12w" into a period; refuse anything else (and zero)."""
    match = _RETENTION.match(str(text or ""))
    if not match or int(match.group(1)) == 0:
        raise RetentionError(
            f"invalid retention {text!r}: a positive number and a unit, "
            "d (days), w (weeks), m (months) or y (years)"
        )
    return relativedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def cutoff_for(retention: str, now: datetime | None = None) -> datetime:
    """Return the instant before which a client's last activity makes it due."""
    return (now or utcnow()) - parse_retention(retention)


def due_condition(cutoff: datetime):
    """Return the WHERE clause selecting the clients the clean-up anonymises."""
    recent_order = exists().where(Order.client_id == Client.id, Order.created_at >= cutoff)
    admin_accounts = select(User.id).where(User.is_admin.is_(True))
    return (
        Client.is_active.is_(False),
        Client.anonymised_at.is_(None),
        Client.updated_at < cutoff,
        ~recent_order,
        Client.user_id.not_in(admin_accounts),
    )


@dataclass(frozen=True)
class DueClient:
    """One client the clean-up would anonymise, as the dry run lists it."""

    id: int
    name: str
    last_activity: datetime
    orders: int


def count_due(session: Session, cutoff: datetime) -> int:
    """Return how many clients are due."""
    return session.scalar(select(func.count()).select_from(Client).where(*due_condition(cutoff))) or 0


def list_due(session: Session, cutoff: datetime, limit: int | None = None) -> list[DueClient]:
    """Return the due clients with their number of orders, oldest activity first."""
    orders = select(func.count()).where(Order.client_id == Client.id).scalar_subquery()
    stmt = (
        select(Client.id, User.first_name, User.last_name, User.username, Client.updated_at, orders)
        .join(User, User.id == Client.user_id)
        .where(*due_condition(cutoff))
        .order_by(Client.updated_at, Client.id)
        .limit(limit)
    )
    return [
        DueClient(row.id, f"{row.first_name} {row.last_name}".strip() or row.username, row.updated_at, row[5])
        for row in session.execute(stmt)
    ]


@dataclass
class CleanupSummary:
    """What a clean-up run did."""

    clients: int = 0
    orders: int = 0
    batches: int = 0
    client_ids: list[int] = field(default_factory=list)


def run_cleanup(
    session: Session,
    cutoff: datetime,
    *,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> CleanupSummary:
    """Anonymise every due client, one transaction per batch; safe to interrupt and run again.

    Each batch commits whole (clients, accounts, orders, history together), and an anonymised
    client is never due again, so a run that stops part-way is finished by the next one.
    """
    summary = CleanupSummary()
    while True:
        ids = session.scalars(
            select(Client.id).where(*due_condition(cutoff)).order_by(Client.id).limit(batch_size)
        ).all()
        if not ids:
            return summary
        try:
            results = anonymise_clients(session, ids, reason="inactive")
            session.commit()
        except BaseException:
            session.rollback()
            raise
        summary.batches += 1
        summary.clients += len(results)
        summary.orders += sum(r.orders for r in results)
        summary.client_ids.extend(ids)
        if progress is not None:
            progress(len(ids))
