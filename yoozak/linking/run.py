"""The link run: reads orders in batches, asks the pure matcher, writes the decisions in bulk.

Each batch is one transaction (links, review items and the run's counters together), so
an interrupted run leaves whole batches only and is simply run again. The aggregates of the
clients whose orders changed are recomputed once the batches are written, also when a run
stops on an error, and by the next run when one was killed outright (see writer.py).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from ..history.links import note_batch, record_link_run
from ..models import HUMAN_METHODS, Client, LinkRun, Order, User
from ..models.aggregates import refresh_aggregates
from ..timeutil import utcnow
from ..webhooks import emit_order_linked_for_run
from .locks import run_lock
from .match import ClientIndex, ClientKeys, Decision, Matcher
from .normalize import normalize_email
from .pool import DecisionPool
from .writer import BackgroundWriter, BatchWriter, WalCheckpointer

log = logging.getLogger("yoozak.linking")

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class LinkOptions:
    """What a run looks at and whether it writes."""

    dry_run: bool = False
    force: bool = False
    threshold: float = 0.7
    # Orders per transaction. Large: each commit writes every index page it dirtied to the
    # WAL, and links land at random in the orders' client index (see BENCHMARKS.md).
    batch_size: int = 50_000
    order_ids: Sequence[int] | None = None  # restrict to these orders (linking on arrival)
    workers: int = 1  # processes deciding in parallel (the matcher is pure CPU work)


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
    # Building allocates a few million objects and frees none: the cyclic garbage collector
    # would walk the growing heap again and again for nothing (a third of the build's time).
    with gc_paused():
        return ClientIndex.build(client_keys_after(session, None))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block without automatic garbage collection (unless it was already off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def client_keys_after(session: Session, after_id: int | None) -> Iterable[ClientKeys]:
    """Yield the matcher's keys of every client, or of those whose id is above `after_id`."""
    stmt = (
        select(Client.id, User.email, Client.phone, Client.name_key, Client.address)
        .join(User, User.id == Client.user_id)
        .where(Client.merged_into_id.is_(None))  # a merged client's orders go to its survivor
        # An anonymised client keeps no evidence: no new order may be linked to it.
        .where(Client.anonymised_at.is_(None))
    )
    if after_id is not None:
        stmt = stmt.where(Client.id > after_id).order_by(Client.id)
    # Core, not ORM, execution, and every row at once (not a fetch per row): the per-row
    # overhead cost more than reading the rows.
    for cid, email, phone, name_key, address in session.connection().execute(stmt).all():
        yield ClientKeys(
            cid,
            normalize_email(email),
            phone if phone and phone.startswith("+") else None,
            name_key or "",
            address or "",  # normalised only if compared (ClientIndex.door)
        )


def _candidate_filter(options: LinkOptions):
    if options.force:
        condition = or_(Order.link_method.is_(None), Order.link_method.not_in(HUMAN_METHODS))
    else:
        # New orders only: never linked and never examined by a run (the review queue and
        # the unmatched orders wait for a --force run or an admin, not for every run).
        condition = and_(Order.client_id.is_(None), Order.link_method.is_(None), Order.link_run_id.is_(None))
    if options.order_ids is not None:
        condition = and_(condition, _ids_condition(options.order_ids))
    return condition


def _ids_condition(ids: Sequence[int]):
    """`Order.id IN ids`, with runs of consecutive ids written as BETWEEN.

    An import's new orders are one run of ids or a few: a plain IN would bind every id in
    every batch query (and SQLite refuses more than 250,000 bound values).
    """
    spans: list[list[int]] = []
    for order_id in sorted(set(ids)):
        if spans and order_id == spans[-1][1] + 1:
            spans[-1][1] = order_id
        else:
            spans.append([order_id, order_id])
    singles = [low for low, high in spans if low == high]
    parts = [Order.id.between(low, high) for low, high in spans if low != high]
    if singles or not parts:
        parts.append(Order.id.in_(singles))
    return or_(*parts)


def batch_query(options: LinkOptions, after_id: int) -> Select:
    """The next batch of orders a run examines: those above `after_id`, in id order.

    A plain run reads them through ix_orders_link_backlog (see the Order model).
    """
    return (
        select(
            Order.id,
            Order.email_norm,
            Order.phone_e164,
            Order.name_norm,
            Order.client_id,
            Order.link_method,
            Order.link_score,
            Order.link_run_id,
            Order.address,
            Order.city,
        )
        .where(_candidate_filter(options), Order.id > after_id)
        .order_by(Order.id)
        .limit(options.batch_size)
    )


def _batches(session: Session, options: LinkOptions) -> Iterable[list]:
    last_id = 0
    while True:
        rows = session.execute(batch_query(options, last_id)).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def count_query(options: LinkOptions) -> Select:
    """How many orders a run with these options will examine."""
    return select(func.count()).select_from(Order).where(_candidate_filter(options))


def count_candidates(session: Session, options: LinkOptions) -> int:
    """Return how many orders a run with these options will examine."""
    return session.scalar(count_query(options)) or 0


def _start_run(session: Session, options: LinkOptions) -> LinkRun:
    last = session.scalar(
        select(LinkRun.status).where(LinkRun.dry_run.is_(False)).order_by(LinkRun.id.desc()).limit(1)
    )
    # Any run still marked running was interrupted: we hold the lock, so none is alive.
    session.execute(update(LinkRun).where(LinkRun.status == "running").values(status="interrupted"))
    if last is not None and last != "finished" and not options.dry_run:
        # The last writing run was killed (or failed) after committing batches, perhaps
        # before it could recompute the aggregates of their clients: which clients, it did
        # not record. One pass over every order makes them all exact again.
        refresh_aggregates(session.connection())
    run = LinkRun(dry_run=options.dry_run, force=options.force, threshold=options.threshold)
    session.add(run)
    session.commit()
    return run


def _save_counters(session: Session, run: LinkRun, summary: LinkSummary) -> None:
    run.examined = summary.examined
    run.linked_email, run.linked_phone, run.linked_name = (
        summary.linked["email"],
        summary.linked["phone"],
        summary.linked["name"],
    )
    run.ambiguous, run.unmatched = summary.ambiguous, summary.unmatched
    run.unlinked, run.changed = summary.unlinked, summary.changed


def publish_links(session: Session, run_id: int) -> None:
    """Write what the run's committed links tell others, in its last transaction.

    The history gets one entry per client (set-based), and subscribed webhook endpoints an
    `order.linked` event per order the run linked (nothing at all when nobody subscribes).
    """
    record_link_run(session, run_id)
    emit_order_linked_for_run(session.connection(), run_id)


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
    if index is None and count_candidates(session, options) == 0:
        index = ClientIndex()  # nothing to examine: skip reading every client
    matcher = Matcher(index if index is not None else load_index(session), threshold=options.threshold)
    with WalCheckpointer.running(session.get_bind(), writes=not options.dry_run) as checkpointer:
        try:
            with DecisionPool(matcher, options.workers) as pool:
                _link_batches(session, options, progress, run, summary, pool, checkpointer)
        except BaseException as error:
            session.rollback()
            run.status, run.error, run.finished_at = "failed", repr(error)[:2000], utcnow()
            if not options.dry_run:
                publish_links(session, run.id)  # the batches already committed are news too
            session.commit()
            raise
        run.status, run.finished_at = "finished", utcnow()
        _save_counters(session, run, summary)
        if not options.dry_run:
            publish_links(session, run.id)
        session.commit()
    log.info(
        "link run %s%s%s: %s",
        run.id,
        " (dry run)" if options.dry_run else "",
        " (force)" if options.force else "",
        summary.line(),
    )
    return summary


def _counters(summary: LinkSummary) -> dict[str, int]:
    return {
        "examined": summary.examined,
        "linked_email": summary.linked["email"],
        "linked_phone": summary.linked["phone"],
        "linked_name": summary.linked["name"],
        "ambiguous": summary.ambiguous,
        "unmatched": summary.unmatched,
        "unlinked": summary.unlinked,
        "changed": summary.changed,
    }


def _link_batches(session, options, progress, run, summary, pool, checkpointer) -> None:
    """Read, decide and write batch after batch; each batch is its own transaction.

    While the worker processes decide batch n+1 and the writer thread commits batch n-1,
    this thread turns batch n's decisions into statements.
    """
    writer = None if options.dry_run else BackgroundWriter(session.get_bind(), run.id, checkpointer)
    try:
        pending = None
        for rows in _batches(session, options):
            session.commit()  # end the read: the writer's connection does the writing
            job = pool.submit(
                [(r.id, r.email_norm, r.phone_e164, r.name_norm, r.address, r.city) for r in rows]
            )
            if pending is not None:
                _apply(options, run, summary, writer, progress, *pending)
            pending = (rows, job)
        if pending is not None:
            _apply(options, run, summary, writer, progress, *pending)
    finally:
        if writer is not None:
            writer.close()


def _apply(options, run, summary, writer, progress, rows, job) -> None:
    """Count one batch's decisions and hand its statements to the writer."""
    batch = BatchWriter(run.id)
    debug = log.isEnabledFor(logging.DEBUG)
    decisions = job()
    if writer is not None:
        note_batch(run.id, rows, decisions)  # history: orders changing client
    for row, decision in zip(rows, decisions, strict=True):
        summary.count(decision)
        if debug:
            log.debug(
                "order %s: %s %s (%s)", row.id, decision.outcome, decision.method or "", decision.reason
            )
        if writer is not None:
            batch.add(row, decision, summary)
    done = (lambda n=len(rows): progress(n)) if progress else None
    if writer is not None:
        writer.submit(batch, rows[0].id, rows[-1].id, _counters(summary), done)
    elif done:
        done()
