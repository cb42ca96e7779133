"""The link run: reads orders in batches, asks the pure matcher, writes the decisions in bulk.

Each batch is one transaction (links, review items, aggregates and the run's counters
together), so an interrupted run leaves whole batches only and is simply run again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ..models import HUMAN_METHODS, Client, LinkRun, Order, ReviewItem, User
from ..models.aggregates import refresh_aggregates
from ..timeutil import utcnow
from .locks import run_lock
from .match import ClientIndex, ClientKeys, Decision, Matcher, OrderKeys
from .normalize import normalize_email

log = logging.getLogger("yoozak.linking")

SAMPLE_SIZE = 5
_orders = Order.__table__
_reviews = ReviewItem.__table__


@dataclass(frozen=True)
class LinkOptions:
    """What a run looks at and whether it writes."""

    dry_run: bool = False
    force: bool = False
    threshold: float = 0.7
    batch_size: int = 5000
    order_ids: Sequence[int] | None = None  # restrict to these orders (linking on arrival)


@dataclass
class LinkSummary:
    """What a run decided, per outcome and method, with a few examples of each."""

    run_id: int | None = None
    examined: int = 0
    linked: dict[str, int] = field(default_factory=lambda: {"email": 0, "phone": 0, "name": 0})
    ambiguous: int = 0
    unmatched: int = 0
    unlinked: int = 0
    changed: int = 0
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def count(self, decision: Decision) -> None:
        """Add one decision to the counters and keep it as an example if there is room."""
        self.examined += 1
        key = decision.method if decision.outcome == "linked" else decision.outcome
        if decision.outcome == "linked":
            self.linked[decision.method] += 1
        elif decision.outcome == "ambiguous":
            self.ambiguous += 1
        else:
            self.unmatched += 1
        if len(self.samples[key]) < SAMPLE_SIZE:
            self.samples[key].append(f"order {decision.order_id}: {decision.reason}")

    def line(self) -> str:
        """Return the one-line account logged at INFO and printed by the command."""
        return (
            f"examined={self.examined} linked_email={self.linked['email']} "
            f"linked_phone={self.linked['phone']} linked_name={self.linked['name']} "
            f"ambiguous={self.ambiguous} unmatched={self.unmatched} unlinked={self.unlinked} "
            f"changed={self.changed}"
        )


def load_index(session: Session) -> ClientIndex:
    """Read every client's normalised keys and build the matcher's blocking index."""
    rows = session.execute(
        select(Client.id, User.email, Client.phone, Client.name_key).join(User, User.id == Client.user_id)
    )
    return ClientIndex.build(
        ClientKeys(
            id=cid,
            email=normalize_email(email),
            phone=phone if phone and phone.startswith("+") else None,
            name=name_key or "",
        )
        for cid, email, phone, name_key in rows
    )


def _candidate_filter(options: LinkOptions):
    if options.force:
        condition = or_(Order.link_method.is_(None), Order.link_method.not_in(HUMAN_METHODS))
    else:
        condition = and_(Order.client_id.is_(None), Order.link_method.is_(None))
    if options.order_ids is not None:
        condition = and_(condition, Order.id.in_(list(options.order_ids)))
    return condition


def _batches(session: Session, options: LinkOptions) -> Iterable[list]:
    condition = _candidate_filter(options)
    last_id = 0
    while True:
        rows = session.execute(
            select(
                Order.id, Order.email_norm, Order.phone_e164, Order.name_norm,
                Order.client_id, Order.link_method, Order.link_score,
            )
            .where(condition, Order.id > last_id)
            .order_by(Order.id)
            .limit(options.batch_size)
        ).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def count_candidates(session: Session, options: LinkOptions) -> int:
    """Return how many orders a run with these options will examine."""
    return session.scalar(select(func.count()).where(_candidate_filter(options))) or 0


def _same_link(row, decision: Decision) -> bool:
    return (
        row.client_id == decision.client_id
        and row.link_method == decision.method
        and row.link_score is not None
        and round(row.link_score, 4) == round(decision.score or 0, 4)
    )


def _candidates_json(decision: Decision) -> list[dict]:
    return [
        {"client_id": c.client_id, "method": c.method, "score": round(c.score, 4)}
        for c in decision.candidates
    ]


class _BatchWriter:
    """Turns one batch of decisions into bulk statements on one connection."""

    def __init__(self, conn: Connection, run_id: int):
        self.conn, self.run_id, self.now = conn, run_id, utcnow()
        self.links: list[dict] = []
        self.unlinks: list[int] = []
        self.reviews: dict[int, Decision] = {}
        self.clear_reviews: list[int] = []
        self.touched_clients: set[int] = set()

    def add(self, row, decision: Decision, summary: LinkSummary) -> None:
        if decision.outcome == "linked":
            self.clear_reviews.append(row.id)
            if _same_link(row, decision):
                return
            self.links.append({"b_id": row.id, "b_client": decision.client_id, "b_method": decision.method,
                               "b_score": round(decision.score or 0, 4)})
            self.touched_clients.add(decision.client_id)
        else:
            if decision.outcome == "ambiguous":
                self.reviews[row.id] = decision
            else:
                self.clear_reviews.append(row.id)
            if row.client_id is None:
                return
            self.unlinks.append(row.id)
            summary.unlinked += 1
        if row.client_id is not None:
            self.touched_clients.add(row.client_id)
        summary.changed += 1

    def flush(self) -> None:
        if self.links:
            self.conn.execute(
                update(_orders).where(_orders.c.id == bindparam("b_id")).values(
                    client_id=bindparam("b_client"), link_method=bindparam("b_method"),
                    link_score=bindparam("b_score"), linked_at=self.now, link_run_id=self.run_id,
                ),
                self.links,
            )
        if self.unlinks:
            self.conn.execute(
                update(_orders).where(_orders.c.id.in_(self.unlinks)).values(
                    client_id=None, link_method=None, link_score=None, linked_at=None, link_run_id=self.run_id
                )
            )
        if self.clear_reviews:
            self.conn.execute(
                delete(_reviews).where(_reviews.c.order_id.in_(self.clear_reviews), _reviews.c.resolved_at.is_(None))
            )
        self._write_reviews()
        if self.touched_clients:
            refresh_aggregates(self.conn, self.touched_clients)

    def _write_reviews(self) -> None:
        if not self.reviews:
            return
        existing = dict(self.conn.execute(
            select(_reviews.c.order_id, _reviews.c.candidates).where(_reviews.c.order_id.in_(list(self.reviews)))
        ).all())
        fresh, changed = [], []
        for order_id, decision in self.reviews.items():
            values = {"order_id": order_id, "run_id": self.run_id, "reason": decision.reason,
                      "candidates": _candidates_json(decision), "created_at": self.now}
            if order_id not in existing:
                fresh.append(values)
            elif existing[order_id] != values["candidates"]:
                changed.append(values)
        if fresh:
            self.conn.execute(insert(_reviews), fresh)
        for values in changed:
            self.conn.execute(
                update(_reviews).where(_reviews.c.order_id == values["order_id"]).values(
                    run_id=values["run_id"], reason=values["reason"], candidates=values["candidates"],
                    created_at=values["created_at"], resolved_at=None, resolved_by_id=None, resolution=None,
                )
            )


def _start_run(session: Session, options: LinkOptions) -> LinkRun:
    # Any run still marked running was interrupted: we hold the lock, so none is alive.
    session.execute(update(LinkRun).where(LinkRun.status == "running").values(status="interrupted"))
    run = LinkRun(dry_run=options.dry_run, force=options.force, threshold=options.threshold)
    session.add(run)
    session.commit()
    return run


def _save_counters(session: Session, run: LinkRun, summary: LinkSummary) -> None:
    run.examined = summary.examined
    run.linked_email, run.linked_phone, run.linked_name = (
        summary.linked["email"], summary.linked["phone"], summary.linked["name"]
    )
    run.ambiguous, run.unmatched = summary.ambiguous, summary.unmatched
    run.unlinked, run.changed = summary.unlinked, summary.changed


def link_orders(
    session: Session,
    options: LinkOptions,
    progress: Callable[[int], None] | None = None,
    index: ClientIndex | None = None,
) -> LinkSummary:
    """Run the linker under the run lock; raise RunLockedError if another run holds it."""
    with run_lock(session.get_bind()):
        return _link_locked(session, options, progress, index)


def _link_locked(session, options, progress, index) -> LinkSummary:
    run = _start_run(session, options)
    summary = LinkSummary(run_id=run.id)
    matcher = Matcher(index or load_index(session), threshold=options.threshold)
    try:
        for rows in _batches(session, options):
            writer = _BatchWriter(session.connection(), run.id)
            for row in rows:
                decision = matcher.decide(OrderKeys(row.id, row.email_norm, row.phone_e164, row.name_norm or ""))
                summary.count(decision)
                log.debug("order %s: %s %s (%s)", row.id, decision.outcome, decision.method or "", decision.reason)
                if not options.dry_run:
                    writer.add(row, decision, summary)
            if not options.dry_run:
                writer.flush()
            _save_counters(session, run, summary)
            session.commit()
            if progress:
                progress(len(rows))
    except BaseException as error:
        session.rollback()
        run.status, run.error, run.finished_at = "failed", repr(error)[:2000], utcnow()
        session.commit()
        raise
    run.status, run.finished_at = "finished", utcnow()
    _save_counters(session, run, summary)
    session.commit()
    log.info("link run %s%s%s: %s", run.id, " (dry run)" if options.dry_run else "",
             " (force)" if options.force else "", summary.line())
    return summary
