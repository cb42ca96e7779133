"""Writing link decisions: bulk statements per batch, on a thread of their own.

The parent process reads orders and turns decisions into rows of parameters while this
thread runs the previous batch's SQL (the database driver releases the GIL), so reading,
deciding and writing overlap. Each batch, with the run's counters, is one transaction.

Only what changes is written: an order whose decision is the link it already has, or an
order already marked examined, costs no statement. The hot statements go through the
DB-API's executemany with plain tuples, without SQLAlchemy's per-row processing.

The per-client aggregates are recomputed once, set-based, for every client whose orders
changed, when the run's batches are written (or when a run stops on an error): per batch,
that recomputation cost more than the links themselves, since a million orders spread over
every client touch each client in batch after batch. A run killed outright (no chance to
run the recomputation) leaves its status "running"; the next run then recomputes every
client's aggregates before anything else (see run.py), so they are exact after every run.

On SQLite, the pages a commit appended to the write-ahead log are copied into the database
file by a checkpointer thread of its own, while the writer goes on (next batch, aggregates).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, update

from ..models import LinkRun
from ..models.aggregates import refresh_aggregates
from ..models.segments import SegmentRules
from ..timeutil import utcnow
from .match import Decision

log = logging.getLogger("yoozak.linking")

_runs = LinkRun.__table__
# SQLite's page cache for the writer's connection during a run (KiB, negative as SQLite
# wants it): the orders' client index is updated in client order, i.e. at random, and
# pages that stay cached are neither read again nor written to the WAL twice.
RUN_CACHE_KIB = 262_144


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


class _Sql:
    """The writer's statements in the connection's parameter style, and its value formats."""

    def __init__(self, conn: Connection):
        qmark = conn.dialect.paramstyle == "qmark"  # SQLite; psycopg takes %s
        self.sqlite = qmark
        m = "?" if qmark else "%s"
        as_json = m if qmark else f"CAST({m} AS JSON)"
        self.link = (
            f"UPDATE orders SET client_id = {m}, link_method = {m}, link_score = {m}, "
            f"linked_at = {m}, link_run_id = {m} WHERE id = {m}"
        )
        self.unlink = (
            "UPDATE orders SET client_id = NULL, link_method = NULL, link_score = NULL, "
            f"linked_at = NULL, link_run_id = {m} WHERE id = {m}"
        )
        self.examined = f"UPDATE orders SET link_run_id = {m} WHERE id = {m} AND link_run_id IS NULL"
        self.reviews_in = f"SELECT order_id, candidates FROM review_items WHERE order_id BETWEEN {m} AND {m}"
        self.clear_review = f"DELETE FROM review_items WHERE order_id = {m} AND resolved_at IS NULL"
        self.new_review = (
            "INSERT INTO review_items (order_id, run_id, reason, candidates, created_at) "
            f"VALUES ({m}, {m}, {m}, {as_json}, {m})"
        )
        self.renew_review = (
            f"UPDATE review_items SET run_id = {m}, reason = {m}, candidates = {as_json}, "
            f"created_at = {m}, resolved_at = NULL, resolved_by_id = NULL, resolution = NULL "
            f"WHERE order_id = {m}"
        )

    def time(self, value: datetime) -> object:
        # SQLite stores datetimes as SQLAlchemy's text format; give it that text.
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value


class BatchWriter:
    """Turns one batch of decisions into rows of parameters for bulk statements."""

    def __init__(self, run_id: int):
        self.run_id, self.now = run_id, utcnow()
        self.links: list[tuple[int, str, float, int]] = []  # (client, method, score, order)
        self.unlinks: list[int] = []
        # Orders left without a client: marked with the run that first examined them, so
        # that a plain run looks at new orders only and not again at the review queue.
        self.examined: list[int] = []
        self.reviews: dict[int, Decision] = {}
        self.clear_reviews: list[int] = []
        self.touched_clients: set[int] = set()

    def add(self, row, decision: Decision, summary) -> None:
        """Take one order (its stored link columns) and its decision."""
        if decision.outcome == "linked":
            self.clear_reviews.append(row.id)
            if same_link(row, decision):
                return
            self.links.append((decision.client_id, decision.method, round(decision.score or 0, 4), row.id))
            self.touched_clients.add(decision.client_id)
        else:
            if decision.outcome == "ambiguous":
                self.reviews[row.id] = decision
            else:
                self.clear_reviews.append(row.id)
            if row.client_id is None:
                if row.link_run_id is None:
                    self.examined.append(row.id)
                return
            self.unlinks.append(row.id)
            summary.unlinked += 1
        if row.client_id is not None:
            self.touched_clients.add(row.client_id)
        summary.changed += 1

    def flush(self, conn: Connection, lo: int, hi: int) -> None:
        """Write the batch of orders with ids from lo to hi on `conn` (not committed)."""
        sql, run = _Sql(conn), self.run_id
        if self.examined:
            conn.exec_driver_sql(sql.examined, [(run, order_id) for order_id in self.examined])
        if self.links:
            now = sql.time(self.now)
            rows = [(client, method, score, now, run, oid) for client, method, score, oid in self.links]
            conn.exec_driver_sql(sql.link, rows)
        if self.unlinks:
            conn.exec_driver_sql(sql.unlink, [(run, order_id) for order_id in self.unlinks])
        # One range read of the batch's review items, instead of IN lists of every order.
        existing = {
            order_id: json.loads(candidates) if isinstance(candidates, str) else candidates
            for order_id, candidates in conn.exec_driver_sql(sql.reviews_in, (lo, hi))
        }
        stale = [(order_id,) for order_id in self.clear_reviews if order_id in existing]
        if stale:
            conn.exec_driver_sql(sql.clear_review, stale)
        self._write_reviews(conn, sql, existing)

    def _write_reviews(self, conn: Connection, sql: _Sql, existing: dict[int, list]) -> None:
        if not self.reviews:
            return
        fresh, changed = [], []
        now = sql.time(self.now)
        for order_id, decision in self.reviews.items():
            candidates = candidates_json(decision)
            if order_id not in existing:
                fresh.append((order_id, self.run_id, decision.reason, json.dumps(candidates), now))
            elif existing[order_id] != candidates:
                changed.append((self.run_id, decision.reason, json.dumps(candidates), now, order_id))
        if fresh:
            conn.exec_driver_sql(sql.new_review, fresh)
        if changed:
            conn.exec_driver_sql(sql.renew_review, changed)


def copy_log(conn: Connection) -> None:
    """Copy SQLite's write-ahead log into the database file, as far as readers allow."""
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
    conn.rollback()


class WalCheckpointer:
    """Copies SQLite's write-ahead log into the database file on a connection and thread of its own.

    By default the commit that leaves a thousand pages or more in the log copies them itself
    before it returns: a batch of links dirties pages all over the orders' client index, and
    the writer waited on the disk for half a second per batch (a third of a 10,000-order run).
    The writer turns that off on its connection and asks this thread after each commit: the
    copy (a PASSIVE checkpoint, which never blocks a reader or the writer) overlaps its work.
    The thread starts at the first request: after the worker processes are forked, so that
    they are forked from a process with no other thread.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.failed = False
        self._state = threading.Condition()
        self._wanted = self._closing = False
        self._thread: threading.Thread | None = None

    @classmethod
    @contextmanager
    def running(cls, engine: Engine, writes: bool = True) -> Iterator[WalCheckpointer | None]:
        """A checkpointer for a run that writes on SQLite (else None), closed on leaving.

        Kept for the whole run, so that the copy of the last batches and aggregates overlaps
        the run's last transaction (history, webhooks) too.
        """
        if not writes or engine.dialect.name != "sqlite":
            yield None
            return
        checkpointer = cls(engine)
        try:
            yield checkpointer
        finally:
            checkpointer.close()

    def request(self) -> bool:
        """Ask for a checkpoint of everything committed so far; False once this thread failed."""
        with self._state:
            if self.failed:
                return False
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="link-checkpointer", daemon=True)
                self._thread.start()
            self._wanted = True
            self._state.notify()
            return True

    def close(self) -> None:
        """Copy what was committed until now, and stop."""
        with self._state:
            if self._thread is None:
                return  # never asked: nothing was committed
            self._wanted = self._closing = True
            self._state.notify()
        self._thread.join()

    def _work(self) -> None:
        try:
            with self.engine.connect() as conn:
                while True:
                    with self._state:
                        while not (self._wanted or self._closing):
                            self._state.wait()
                        if not self._wanted:
                            return
                        self._wanted = False
                    copy_log(conn)
        except Exception:  # the writer then copies the log itself: slower, never lost
            log.warning("WAL checkpointer failed; the link writer checkpoints itself", exc_info=True)
            with self._state:
                self.failed = True


class BackgroundWriter:
    """Runs BatchWriter.flush for each submitted batch on a dedicated connection and thread.

    Remembers the clients of every committed batch and recomputes their aggregates when
    closed, whether the run ended normally or on an error.
    """

    def __init__(self, engine: Engine, run_id: int, checkpointer: WalCheckpointer | None = None):
        self.engine, self.run_id = engine, run_id
        # SQLite: the writer's commits leave the log to this checkpointer (see WalCheckpointer).
        self._checkpointer = checkpointer
        self.error: BaseException | None = None
        self.touched_clients: set[int] = set()  # clients of the committed batches
        # Read here, in the caller's app context: the refresh runs on the writer thread.
        self.segment_rules = SegmentRules.current()
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
        """Write the queued batches and the aggregates; raise the writer's error if any."""
        self._queue.put(None)
        self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def _work(self) -> None:
        closed = False
        try:
            with self.engine.connect() as conn:
                restore = self._enlarge_cache(conn)
                try:
                    while (job := self._queue.get()) is not None:
                        if self.error is None:  # else drain: nothing after a failed batch is written
                            self._write(conn, *job)
                    closed = True
                    self._refresh(conn)
                finally:
                    if restore is not None:
                        cache_size, autocheckpoint = restore
                        conn.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")
                        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
        except BaseException as error:  # no connection, say: reported, never silent
            self.error = self.error or error
            while not closed:  # keep taking batches so that submit() never blocks
                closed = self._queue.get() is None

    def _write(self, conn: Connection, batch: BatchWriter, lo: int, hi: int, counters, done) -> None:
        try:
            batch.flush(conn, lo, hi)
            conn.execute(update(_runs).where(_runs.c.id == self.run_id).values(**counters))
            conn.commit()
        except BaseException as error:  # re-raised in the parent thread
            conn.rollback()
            self.error = error
            return
        self._checkpoint(conn)
        self.touched_clients |= batch.touched_clients
        if done is not None:
            done()

    def _refresh(self, conn: Connection) -> None:
        """Recompute the aggregates of every client a committed batch touched, in one go."""
        if not self.touched_clients:
            return
        try:
            refresh_aggregates(conn, self.touched_clients, self.segment_rules)
            conn.commit()
        except BaseException as error:
            conn.rollback()
            self.error = self.error or error
            return
        self._checkpoint(conn)

    def _checkpoint(self, conn: Connection) -> None:
        """Have the log of the commit just made copied to the database file (SQLite)."""
        if self._checkpointer is not None and not self._checkpointer.request():
            copy_log(conn)

    def _enlarge_cache(self, conn: Connection) -> tuple[int, int] | None:
        """Set the writer's SQLite connection up for the run; return what to restore after it."""
        if conn.dialect.name != "sqlite":
            return None
        previous = (
            conn.exec_driver_sql("PRAGMA cache_size").scalar(),
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar(),
        )
        conn.exec_driver_sql(f"PRAGMA cache_size=-{RUN_CACHE_KIB}")
        if self._checkpointer is not None:
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job
        conn.commit()
        return previous
