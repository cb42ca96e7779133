"""History of link runs: one entry per client per run, written set-based at the end of the run.

A run writes links with bulk statements (linking/writer.py), which the ORM's history hook
never sees. At the end of the run one INSERT ... SELECT ... GROUP BY client_id over the
orders the run linked (they carry its `link_run_id`) writes an "orders_linked" entry per
client with its count and methods, in the transaction that marks the run finished. The
orders a run took away from a client (unlinked, or moved to another) no longer name that
client afterwards, so the run notes them as it decides (`note_departures`, a Counter per
run) and the end of the run writes one "orders_unlinked" entry per client from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import DateTime, Integer, String, case, func, insert, literal, null, select
from sqlalchemy.orm import Session

from ..models import ClientEvent, Order
from ..timeutil import utcnow
from .context import current_actor

SOURCE = "link_run"
METHODS = ("email", "phone", "name")

# Orders taken away from each client by the run in progress, per run id. Runs hold the
# run lock, so one process has one run at a time; the entry goes when the run is recorded.
_departures: dict[int, Counter] = {}


def note_departures(run_id: int, rows: Sequence, decisions: Iterable) -> None:
    """Count the orders of one written batch that leave the client they had (rows: client_id)."""
    counter = _departures.setdefault(run_id, Counter())
    for row, decision in zip(rows, decisions, strict=True):
        previous = row.client_id
        if previous is None:
            continue
        if decision.outcome == "linked" and decision.client_id == previous:
            continue
        counter[previous] += 1


def _json_object(dialect: str, pairs: dict[str, object]):
    """Build a JSON object in SQL (json_object on SQLite, json_build_object on PostgreSQL)."""
    args: list[object] = []
    for key, value in pairs.items():
        args.extend((literal(key, String), value))
    return func.json_build_object(*args) if dialect == "postgresql" else func.json_object(*args)


def _constants(action: str) -> list:
    actor_id, actor = current_actor()
    return [
        literal(utcnow(), DateTime).label("at"),
        (literal(actor_id, Integer) if actor_id is not None else null()).label("actor_id"),
        literal(actor, String).label("actor"),
        literal(SOURCE, String).label("source"),
        literal(action, String).label("action"),
    ]


def record_link_run(session: Session, run_id: int) -> int:
    """Write the run's "orders_linked" and "orders_unlinked" entries; return how many.

    Call it once, at the end of a run that wrote (not a dry run), before the commit that
    marks the run finished (or failed: the batches it committed are history too).
    """
    dialect = session.get_bind().dialect.name
    methods = {m: func.coalesce(func.sum(case((Order.link_method == m, 1), else_=0)), 0) for m in METHODS}
    changes = _json_object(
        dialect,
        {"run": literal(run_id, Integer), "count": func.count(), "methods": _json_object(dialect, methods)},
    )
    linked = (
        select(Order.client_id, *_constants("orders_linked"), changes.label("changes"))
        .where(Order.link_run_id == run_id, Order.client_id.is_not(None))
        .group_by(Order.client_id)
    )
    columns = ["client_id", "at", "actor_id", "actor", "source", "action", "changes"]
    result = session.execute(insert(ClientEvent.__table__).from_select(columns, linked))
    written = max(result.rowcount or 0, 0)
    departures = _departures.pop(run_id, Counter())
    if departures:
        actor_id, actor = current_actor()
        now = utcnow()
        session.execute(
            insert(ClientEvent.__table__),
            [
                {
                    "client_id": client_id,
                    "at": now,
                    "actor_id": actor_id,
                    "actor": actor,
                    "source": SOURCE,
                    "action": "orders_unlinked",
                    "changes": {"run": run_id, "count": count},
                }
                for client_id, count in sorted(departures.items())
            ],
        )
        written += len(departures)
    return written
