"""Deciding in parallel: the matcher is pure CPU work, so a million orders use every core.

Worker processes are forked after the client index is built, so they share it
copy-on-write instead of rebuilding it; they only compute, the parent alone reads and
writes the database.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Sequence

from .match import Decision, Matcher, OrderKeys
from .normalize import normalize_address

# The matcher of the worker processes, inherited at fork time.
_WORKER_MATCHER: Matcher | None = None
MIN_PARALLEL_BATCH = 2000

# An order as read from the database: (id, email_norm, phone_e164, name_norm, address, city).
OrderRow = tuple[int, str | None, str | None, str | None, str | None, str | None]


def order_keys(row: OrderRow) -> OrderKeys:
    """The matcher's keys of an order row.

    The address is normalised here, in the deciding process: there is no stored normalised
    address, and normalising a million of them is CPU work best spread over the workers.
    """
    oid, email, phone, name, address, city = row
    return OrderKeys(oid, email, phone, name or "", normalize_address(f"{address or ''}, {city or ''}"))


def _decide_rows(matcher: Matcher, rows: Sequence[OrderRow]) -> list[Decision]:
    decide = matcher.decide
    return [decide(order_keys(row)) for row in rows]


def _decide_chunk(rows: Sequence[OrderRow]) -> list[Decision]:
    assert _WORKER_MATCHER is not None
    return _decide_rows(_WORKER_MATCHER, rows)


class DecisionPool:
    """Decide batches of orders in this process, or across `workers` forked processes."""

    def __init__(self, matcher: Matcher, workers: int = 1):
        self.matcher = matcher
        self.workers = workers if workers > 1 and "fork" in multiprocessing.get_all_start_methods() else 1
        self._pool = None

    def __enter__(self) -> DecisionPool:
        if self.workers > 1:
            global _WORKER_MATCHER
            _WORKER_MATCHER = self.matcher
            # The client index is millions of objects the workers only read. Frozen, the
            # collector leaves them alone in every process: a worker's collections no longer
            # walk (and so copy, page after page) the inherited heap, nor do the parent's.
            gc.freeze()
            try:
                self._pool = multiprocessing.get_context("fork").Pool(self.workers)
            except BaseException:
                gc.unfreeze()
                raise
        return self

    def __exit__(self, *exc) -> None:
        global _WORKER_MATCHER
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            gc.unfreeze()  # collectable again once the run lets go of them
        _WORKER_MATCHER = None

    def decide(self, rows: Sequence[OrderRow]) -> list[Decision]:
        """Return one decision per order row, in the order given."""
        return self.submit(rows)()

    def submit(self, rows: Sequence[OrderRow]) -> Callable[[], list[Decision]]:
        """Start deciding; return a callable that waits for the decisions.

        With workers, the parent is free meanwhile to write the previous batch.
        """
        if self._pool is None or len(rows) < MIN_PARALLEL_BATCH:
            return lambda: _decide_rows(self.matcher, rows)
        # By name: each worker scores a name against its candidates (and their tokens against
        # each other) once and caches it, so the orders of one name, and of alike names, are
        # best decided in the same worker. In id order, both workers scored most names.
        by_name = sorted(range(len(rows)), key=lambda i: rows[i][3] or "")
        size = -(-len(rows) // (self.workers * 2))
        chunks = [[rows[i] for i in by_name[lo : lo + size]] for lo in range(0, len(rows), size)]
        result = self._pool.map_async(_decide_chunk, chunks, chunksize=1)

        def decisions() -> list[Decision]:
            ordered: list = [None] * len(rows)
            for i, decision in zip(by_name, (d for part in result.get() for d in part), strict=True):
                ordered[i] = decision
            return ordered

        return decisions
