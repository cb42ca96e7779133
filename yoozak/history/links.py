"""History of link runs: one entry per client per run, written at the end of the run.

A run writes links with bulk statements (linking/writer.py), which the ORM's history hook
never sees. As the run hands each batch to its writer, `note_batch` counts, per client,
the orders that arrive (per method) and leave (unlinked, or moved to another client); at
the end of the run `record_link_run` writes one "orders_linked" and/or "orders_unlinked"
entry per client from those counters, in one executemany, in the transaction that marks
the run finished. Counting in memory costs well under a second for a million decisions;
the alternative, an INSERT ... SELECT ... GROUP BY client_id over the orders carrying the
run's id, scanned the whole orders table (no index on link_run_id) and took 5-10 s for
a million orders on SQLite (BENCHMARKS.md), and cannot see the orders a run took away.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .context import current_actor

SOURCE = "link_run"
METHODS = ("email", "phone", "name")


@dataclass
class _RunCounts:
    arrivals: dict[tuple[int, str], int] = field(default_factory=dict)  # (client, method) -> n
    departures: Counter = field(default_factory=Counter)  # client -> n


# Per run id. Runs hold the run lock, so one process has one run at a time; the entry goes
# when the run is recorded.
_runs: dict[int, _RunCounts] = {}


def note_batch(run_id: int, rows: Sequence, decisions: Iterable) -> None:
    """Count the orders of one batch a run writes that change client (rows carry client_id)."""
    counts = _runs.setdefault(run_id, _RunCounts())
    arrivals, departures = counts.arrivals, counts.departures
    for row, decision in zip(rows, decisions, strict=True):
        previous = row.client_id
        if decision.outcome == "linked":
            client_id = decision.client_id
            if client_id == previous:
                continue  # the same client (a new score or method is not news to the client)
            key = (client_id, decision.method)
            arrivals[key] = arrivals.get(key, 0) + 1
        if previous is not None:
            departures[previous] += 1


def record_link_run(session: Session, run_id: int) -> int:
    """Write the run's "orders_linked" and "orders_unlinked" entries; return how many.

    Call it once, at the end of a run that wrote (not a dry run), before the commit that
    marks the run finished (or failed: the batches it committed are history too).
    """
    counts = _runs.pop(run_id, None)
    if counts is None:
        return 0
    actor_id, actor = current_actor()
    conn = session.connection()
    qmark = conn.dialect.paramstyle == "qmark"  # SQLite; psycopg takes %s
    # SQLite stores datetimes as SQLAlchemy's text format; give it that text (as writer.py does).
    now = utcnow()
    at = now.strftime("%Y-%m-%d %H:%M:%S.%f") if qmark else now
    per_client: dict[int, dict[str, int]] = {}
    for (client_id, method), count in counts.arrivals.items():
        per_client.setdefault(client_id, dict.fromkeys(METHODS, 0))[method] = count
    rows = []
    for client_id, per_method in sorted(per_client.items()):
        methods = per_method
        changes = {"run": run_id, "count": sum(per_method.values()), "methods": methods}
        rows.append((client_id, at, actor_id, actor, SOURCE, "orders_linked", json.dumps(changes)))
    for client_id, count in sorted(counts.departures.items()):
        changes = {"run": run_id, "count": count}
        rows.append((client_id, at, actor_id, actor, SOURCE, "orders_unlinked", json.dumps(changes)))
    if rows:
        # Up to one row per client (100,000): plain DB-API executemany with tuples, without
        # SQLAlchemy's per-row parameter processing (JSON and datetime binds).
        mark = "?" if qmark else "%s"
        conn.exec_driver_sql(
            "INSERT INTO client_events (client_id, at, actor_id, actor, source, action, changes) "
            f"VALUES ({', '.join([mark] * 7)})",
            rows,
        )
    return len(rows)
