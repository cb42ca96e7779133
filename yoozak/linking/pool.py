"""Deciding in parallel: the matcher is pure CPU work, so a million orders use every core.

Worker processes are forked after the client index is built, so they share it
copy-on-write instead of rebuilding it; they only compute, the parent alone reads and
writes the database.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence

from .match import Decision, Matcher, OrderKeys

# The matcher of the worker processes, inherited at fork time.
_WORKER_MATCHER: Matcher | None = None
MIN_PARALLEL_BATCH = 2000


def _decide_chunk(keys: Sequence[OrderKeys]) -> list[Decision]:
    assert _WORKER_MATCHER is not None
    return [_WORKER_MATCHER.decide(k) for k in keys]


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
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        return self

    def __exit__(self, *exc) -> None:
        global _WORKER_MATCHER
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        _WORKER_MATCHER = None

    def decide(self, keys: list[OrderKeys]) -> list[Decision]:
        """Return one decision per order, in the order given."""
        return self.submit(keys)()

    def submit(self, keys: list[OrderKeys]) -> Callable[[], list[Decision]]:
        """Start deciding; return a callable that waits for the decisions.

        With workers, the parent is free meanwhile to write the previous batch.
        """
        if self._pool is None or len(keys) < MIN_PARALLEL_BATCH:
            return lambda: [self.matcher.decide(k) for k in keys]
        size = -(-len(keys) // (self.workers * 2))
        chunks = [keys[i : i + size] for i in range(0, len(keys), size)]
        result = self._pool.map_async(_decide_chunk, chunks)
        return lambda: [d for part in result.get() for d in part]
