"""The consistency check: each kind of drift is a `Check` that finds it and, when safe, fixes it.

Another kind of drift (client segments, once they are stored) is one more `Check` passed to
`register_check`. A check without `fix` is reported only, with advice on what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from ..models import Client, Order, ReviewItem
from ..models.aggregates import find_drift, refresh_aggregates

MAX_DETAILS = 20


@dataclass(frozen=True)
class Found:
    """What one check found: how many problems, and a few lines describing them."""

    count: int
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    """One kind of drift: `find` counts it, `fix` (None: not safely fixable) repairs it."""

    name: str
    label: str
    find: Callable[[Session], Found]
    fix: Callable[[Session], int] | None = None
    advice: str = ""


@dataclass
class Finding:
    """The outcome of one check in one run."""

    check: Check
    found: Found
    fixed: int = 0

    @property
    def remaining(self) -> int:
        """Return how many problems are still there."""
        return max(self.found.count - self.fixed, 0)


@dataclass
class ConsistencyReport:
    """Every check's outcome; `problems` counts what was found, `remaining` what is left."""

    findings: list[Finding]
    fixing: bool = False

    @property
    def problems(self) -> int:
        """Return the number of problems found."""
        return sum(f.found.count for f in self.findings)

    @property
    def remaining(self) -> int:
        """Return the number of problems not fixed."""
        return sum(f.remaining for f in self.findings)

    def counts(self) -> dict[str, object]:
        """Return the report as counts, for a task run's record."""
        found = {f.check.name: f.found.count for f in self.findings if f.found.count}
        fixed = {f.check.name: f.fixed for f in self.findings if f.fixed}
        return {"problems": self.problems, "remaining": self.remaining, "found": found, "fixed": fixed}


# -- aggregates -------------------------------------------------------------------------------


def _find_aggregates(session: Session) -> Found:
    drift = find_drift(session.connection())
    clients = sorted({d.client_id for d in drift})
    details = [f"client {d.client_id}: {d.field} stored {d.stored!r}, orders say {d.actual!r}" for d in drift]
    return Found(len(clients), details[:MAX_DETAILS])


def _fix_aggregates(session: Session) -> int:
    clients = sorted({d.client_id for d in find_drift(session.connection())})
    if clients:
        refresh_aggregates(session.connection(), clients)
    return len(clients)


# -- link columns -----------------------------------------------------------------------------


def _count(session: Session, *conditions) -> Found:
    return Found(session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0)


def _anonymised_orders_condition():
    anonymised = select(Client.id).where(Client.anonymised_at.is_not(None))
    personal = or_(
        Order.client_name != "", Order.email.is_not(None), Order.phone.is_not(None), Order.address != ""
    )
    return and_(Order.client_id.in_(anonymised), personal)


def _fix_anonymised_orders(session: Session) -> int:
    # An order linked to an anonymised client after its erasure: scrub it like the others.
    result = session.execute(
        update(Order)
        .where(_anonymised_orders_condition())
        .values(
            client_name="", email=None, phone=None, address="", email_norm=None, phone_e164=None, name_norm=""
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _open_reviews_of_linked_orders(session: Session) -> Found:
    count = session.scalar(
        select(func.count())
        .select_from(ReviewItem)
        .join(Order, Order.id == ReviewItem.order_id)
        .where(
            ReviewItem.resolved_at.is_(None), or_(Order.client_id.is_not(None), Order.link_method == "guest")
        )
    )
    return Found(count or 0)


CHECKS: list[Check] = [
    Check(
        "aggregates",
        "client(s) with drifted aggregates",
        _find_aggregates,
        _fix_aggregates,
        "Run `flask refresh-client-stats` to rebuild them.",
    ),
    Check(
        "linked_without_method",
        "linked orders without a link method",
        lambda s: _count(s, Order.client_id.is_not(None), Order.link_method.is_(None)),
        advice="Open them in the admin (Commandes) and set the link by hand, or unlink them.",
    ),
    Check(
        "method_without_client",
        "orders with a link method but no client",
        lambda s: _count(
            s, Order.client_id.is_(None), Order.link_method.is_not(None), Order.link_method != "guest"
        ),
        advice="Their client was deleted or merged: relink them (`flask link-orders --force`) or by hand.",
    ),
    Check(
        "guest_with_client",
        "guest orders attached to a client",
        lambda s: _count(s, Order.client_id.is_not(None), Order.link_method == "guest"),
        advice="Decide in the admin whether the order is a guest's or the client's.",
    ),
    Check(
        "reviews_of_linked_orders",
        "open review items whose order is already linked",
        _open_reviews_of_linked_orders,
        advice="Resolve them in the review queue (Liaison > File de revue).",
    ),
    Check(
        "anonymised_orders",
        "orders of anonymised clients still holding personal data",
        lambda s: _count(s, _anonymised_orders_condition()),
        _fix_anonymised_orders,
        "Run `flask check-consistency --fix` to scrub them.",
    ),
]


def register_check(check: Check) -> None:
    """Add a kind of drift to the check (idempotent on the name)."""
    if all(c.name != check.name for c in CHECKS):
        CHECKS.append(check)


def run_checks(session: Session, *, fix: bool = False) -> ConsistencyReport:
    """Run every check, fixing what is safely fixable when asked; the caller commits."""
    findings = []
    for check in CHECKS:
        found = check.find(session)
        finding = Finding(check, found)
        if fix and found.count and check.fix is not None:
            check.fix(session)
            session.flush()
            finding.fixed = found.count - check.find(session).count
        findings.append(finding)
    return ConsistencyReport(findings, fixing=fix)
