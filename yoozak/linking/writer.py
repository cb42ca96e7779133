"""Writing link decisions: bulk statements per batch, on a thread of their own.

The parent process reads orders and turns decisions into statements while this thread
runs the previous batch's SQL (the database driver releases the GIL), so reading,
deciding and writing overlap. Each batch, with the run's counters, is one transaction.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, delete, insert, select, update

from ..models import LinkRun, Order, ReviewItem
from ..models.aggregates import refresh_aggregates
from ..models.segments import SegmentRules
from ..timeutil import utcnow
from .match import Decision

_orders = Order.__table__
_reviews = ReviewItem.__table__
_runs = LinkRun.__table__
ID_CHUNK = 10_000  # bound parameters per statement, far below SQLite's limit


def same_link(row, decision: Decision) -> bool:
    """Tell whether an order already carries exactly this link."""
    return (
        row.client_id == decision.client_id
        and row.link_method == decision.method
        and row.link_score is not None
        and round(row.link_score, 4) == round(decision.score or 0, 4)
    )


def candidates_json(decision: Decision) -> list[dict]:
    """Return a decision's candidates as stored on a review item."""
    return [
        {"client_id": c.client_id, "method": c.method, "score": round(c.score, 4)}
        for c in decision.candidates
    ]


class BatchWriter:
    """Turns one batch of decisions into bulk statements on one connection."""

    def __init__(self, run_id: int):
        self.run_id, self.now = run_id, utcnow()
        self.links: list[tuple[int, int, str, float]] = []  # (order, client, method, score)
        self.unlinks: list[int] = []
        # Orders left without a client: marked with the run that first examined them, so
        # that a plain run looks at new orders only and not again at the review queue.
        self.examined: list[int] = []
        self.reviews: dict[int, Decision] = {}
        self.clear_reviews: list[int] = []
        self.touched_clients: set[int] = set()
        # Read here, in the caller's app context: flush() runs on the writer thread.
        self.segment_rules = SegmentRules.current()

    def add(self, row, decision: Decision, summary) -> None:
        if decision.outcome == "linked":
            self.clear_reviews.append(row.id)
            if same_link(row, decision):
                return
            self.links.append((row.id, decision.client_id, decision.method, round(decision.score or 0, 4)))
            self.touched_clients.add(decision.client_id)
        else:
            if decision.outcome == "ambiguous":
                self.reviews[row.id] = decision
            else:
                self.clear_reviews.append(row.id)
            if row.client_id is None:
                self.examined.append(row.id)
                return
            self.unlinks.append(row.id)
            summary.unlinked += 1
        if row.client_id is not None:
            self.touched_clients.add(row.client_id)
        summary.changed += 1

    def flush(self, conn: Connection, lo: int, hi: int) -> None:
        """Write the batch of orders with ids from lo to hi on `conn` (not committed)."""
        for start in range(0, len(self.examined), ID_CHUNK):
            conn.execute(
                update(_orders)
                .where(
                    _orders.c.id.in_(self.examined[start : start + ID_CHUNK]), _orders.c.link_run_id.is_(None)
                )
                .values(link_run_id=self.run_id)
            )
        if self.links:
            # The hottest statement of a run (up to a million rows): plain DB-API executemany
            # with tuples, without SQLAlchemy's per-row parameter processing.
            qmark = conn.dialect.paramstyle == "qmark"  # SQLite; psycopg takes %s
            mark = "?" if qmark else "%s"
            # SQLite stores datetimes as SQLAlchemy's text format; give it that text.
            now = self.now.strftime("%Y-%m-%d %H:%M:%S.%f") if qmark else self.now
            conn.exec_driver_sql(
                f"UPDATE orders SET client_id = {mark}, link_method = {mark}, link_score = {mark}, "
                f"linked_at = {mark}, link_run_id = {mark} WHERE id = {mark}",
                [
                    (client, method, score, now, self.run_id, order_id)
                    for order_id, client, method, score in self.links
                ],
            )
        if self.unlinks:
            conn.execute(
                update(_orders)
                .where(_orders.c.id.in_(self.unlinks))
                .values(
                    client_id=None, link_method=None, link_score=None, linked_at=None, link_run_id=self.run_id
                )
            )
        # One range read of the batch's review items, instead of IN lists of every order.
        existing = dict(
            conn.execute(
                select(_reviews.c.order_id, _reviews.c.candidates).where(_reviews.c.order_id.between(lo, hi))
            ).all()
        )
        stale = [order_id for order_id in self.clear_reviews if order_id in existing]
        if stale:
            conn.execute(
                delete(_reviews).where(_reviews.c.order_id.in_(stale), _reviews.c.resolved_at.is_(None))
            )
        self._write_reviews(conn, existing)
        if self.touched_clients:
            refresh_aggregates(conn, self.touched_clients, self.segment_rules)

    def _write_reviews(self, conn: Connection, existing: dict[int, list]) -> None:
        if not self.reviews:
            return
        fresh, changed = [], []
        for order_id, decision in self.reviews.items():
            values = {
                "order_id": order_id,
                "run_id": self.run_id,
                "reason": decision.reason,
                "candidates": candidates_json(decision),
                "created_at": self.now,
            }
            if order_id not in existing:
                fresh.append(values)
            elif existing[order_id] != values["candidates"]:
                changed.append(values)
        if fresh:
            conn.execute(insert(_reviews), fresh)
        for values in changed:
            conn.execute(
                update(_reviews)
                .where(_reviews.c.order_id == values["order_id"])
                .values(
                    run_id=values["run_id"],
                    reason=values["reason"],
                    candidates=values["candidates"],
                    created_at=values["created_at"],
                    resolved_at=None,
                    resolved_by_id=None,
                    resolution=None,
                )
            )


class BackgroundWriter:
    """Runs BatchWriter.flush for each submitted batch on a dedicated connection and thread."""

    def __init__(self, engine: Engine, run_id: int):
        self.engine, self.run_id = engine, run_id
        self.error: BaseException | None = None
        # One batch waiting at most: the reader never runs more than a batch ahead.
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._work, name="link-writer", daemon=True)
        self._thread.start()

    def submit(
        self,
        batch: BatchWriter,
        lo: int,
        hi: int,
        counters: dict[str, int],
        done: Callable[[], None] | None = None,
    ) -> None:
        """Queue one batch; raise the writer's error if an earlier batch failed."""
        self._raise_if_failed()
        self._queue.put((batch, lo, hi, counters, done))

    def close(self) -> None:
        """Wait until every queued batch is committed; raise the writer's error if any."""
        self._queue.put(None)
        self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def _work(self) -> None:
        with self.engine.connect() as conn:
            while (job := self._queue.get()) is not None:
                if self.error is not None:
                    continue  # drain: nothing after a failed batch is written
                batch, lo, hi, counters, done = job
                try:
                    batch.flush(conn, lo, hi)
                    conn.execute(update(_runs).where(_runs.c.id == self.run_id).values(**counters))
                    conn.commit()
                except BaseException as error:  # re-raised in the parent thread
                    conn.rollback()
                    self.error = error
                    continue
                if done is not None:
                    done()
