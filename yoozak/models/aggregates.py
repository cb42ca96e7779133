"""Per-client aggregates over linked orders: one GROUP BY, written back with UPDATE ... FROM.

Kept on the client row so that the list sorts 100,000 clients by orders, money or last
order through an index, instead of aggregating a million orders for every page.
Money figures count confirmed orders only; counts cover every status. The segment
(models/segments.py) is computed from those columns right after them, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, case, exists, func, or_, select, update

from .clients import Client
from .orders import Order, OrderStatus
from .segments import SegmentRules, segment_case

# SQLite allows 32,766 bound parameters; stay far below it.
ID_CHUNK = 5000
# From this many clients, recompute everyone's figures in one pass over the orders.
FULL_REFRESH_FROM = 20_000

_CONFIRMED = Order.status == OrderStatus.CONFIRMED.value


def _count_where(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def aggregate_select(client_ids: list[int] | None = None):
    """Return the SELECT that computes every aggregate from the orders, per client."""
    stmt = (
        select(
            Order.client_id.label("client_id"),
            func.count().label("orders_count"),
            _count_where(_CONFIRMED).label("confirmed_count"),
            _count_where(Order.status == OrderStatus.PENDING.value).label("pending_count"),
            _count_where(Order.status == OrderStatus.CANCELLED.value).label("cancelled_count"),
            func.round(func.coalesce(func.sum(case((_CONFIRMED, Order.price), else_=0)), 0), 2).label(
                "total_spent"
            ),
            func.max(Order.created_at).label("last_order_at"),
        )
        .where(Order.client_id.is_not(None))
        .group_by(Order.client_id)
    )
    if client_ids is not None:
        stmt = stmt.where(Order.client_id.in_(client_ids))
    return stmt


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), ID_CHUNK):
        yield ordered[start : start + ID_CHUNK]


_ZERO = {
    "orders_count": 0,
    "confirmed_count": 0,
    "pending_count": 0,
    "cancelled_count": 0,
    "total_spent": Decimal("0"),
    "last_order_at": None,
}


def client_segment_case(rules: SegmentRules):
    """Return the segment CASE over the aggregates stored on the client row."""
    return segment_case(
        rules,
        orders_count=Client.orders_count,
        confirmed_count=Client.confirmed_count,
        cancelled_count=Client.cancelled_count,
        total_spent=Client.total_spent,
        last_order_at=Client.last_order_at,
        created_at=Client.created_at,
    )


def refresh_segments(
    conn: Connection, client_ids: Iterable[int] | None = None, rules: SegmentRules | None = None
) -> int:
    """Recompute the segment of the given clients (all when None) from their stored aggregates.

    One UPDATE per chunk, writing only the rows whose segment changes; returns that count.
    Time moves clients between segments (new, inactive) without any change to their orders:
    `flask refresh-client-stats --segments-only` once a day keeps them current.
    """
    rules = rules or SegmentRules.current()
    if client_ids is None:
        return _refresh_segments(conn, None, rules)
    return sum(_refresh_segments(conn, chunk, rules) for chunk in _chunks(client_ids))


def _refresh_segments(conn: Connection, client_ids: list[int] | None, rules: SegmentRules) -> int:
    computed = client_segment_case(rules)
    stmt = (
        update(Client)
        .where(Client.segment != computed)
        .values(updated_at=Client.__table__.c.updated_at, segment=computed)
    )
    if client_ids is not None:
        stmt = stmt.where(Client.id.in_(client_ids))
    return conn.execute(stmt).rowcount or 0


def _refresh(conn: Connection, client_ids: list[int] | None, rules: SegmentRules) -> int:
    # Only rows whose figures change are written: each write also moves the client in the
    # indexes on orders_count, total_spent and last_order_at.
    agg = aggregate_select(client_ids).subquery("agg")
    # Aggregates are not an edit of the client: keep updated_at from firing its onupdate.
    keep_updated_at = {"updated_at": Client.__table__.c.updated_at}
    no_orders = ~exists().where(Order.client_id == Client.id)
    not_zero = or_(
        *(
            getattr(Client, name).is_not(None) if value is None else getattr(Client, name) != value
            for name, value in _ZERO.items()
        )
    )
    reset = update(Client).where(no_orders, not_zero).values(**keep_updated_at, **_ZERO)
    if client_ids is not None:
        reset = reset.where(Client.id.in_(client_ids))
    written = conn.execute(reset).rowcount
    differs = or_(*(getattr(Client, name).is_distinct_from(agg.c[name]) for name in AGGREGATE_FIELDS))
    written += conn.execute(
        update(Client)
        .where(Client.id == agg.c.client_id, differs)
        .values(**keep_updated_at, **{name: agg.c[name] for name in AGGREGATE_FIELDS})
    ).rowcount
    # The segment reads the figures just written, so it follows them in the same transaction.
    _refresh_segments(conn, client_ids, rules)
    return written


def refresh_aggregates(
    conn: Connection, client_ids: Iterable[int] | None = None, rules: SegmentRules | None = None
) -> int:
    """Recompute the aggregates and the segment of the given clients (all clients when None).

    Return how many clients had figures that differed, i.e. were written.

    Many clients (a link run over every order) are recomputed in one pass over all the
    orders, cheaper than thousands of look-ups per chunk of ids; the rows written are the
    same, since only figures that differ are written.
    """
    rules = rules or SegmentRules.current()
    if client_ids is not None:
        client_ids = set(client_ids)
        if len(client_ids) > FULL_REFRESH_FROM:
            client_ids = None
    if client_ids is None:
        return _refresh(conn, None, rules)
    return sum(_refresh(conn, chunk, rules) for chunk in _chunks(client_ids))


@dataclass(frozen=True)
class Drift:
    """A client whose stored aggregates differ from what its orders say."""

    client_id: int
    field: str
    stored: object
    actual: object


AGGREGATE_FIELDS = (
    "orders_count",
    "confirmed_count",
    "pending_count",
    "cancelled_count",
    "total_spent",
    "last_order_at",
)


# Everything refresh_aggregates writes: what a loaded client must reload after it.
REFRESHED_FIELDS = (*AGGREGATE_FIELDS, "segment")


def _actual_segment(agg, rules: SegmentRules):
    """Return the segment the orders say, from the fresh aggregates (zero without orders)."""
    return segment_case(
        rules,
        orders_count=func.coalesce(agg.c.orders_count, 0),
        confirmed_count=func.coalesce(agg.c.confirmed_count, 0),
        cancelled_count=func.coalesce(agg.c.cancelled_count, 0),
        total_spent=func.coalesce(agg.c.total_spent, 0),
        last_order_at=agg.c.last_order_at,
        created_at=Client.created_at,
    )


def find_drift(conn: Connection, limit: int | None = None, rules: SegmentRules | None = None) -> list[Drift]:
    """Compare every client's stored aggregates and segment with a fresh computation."""
    agg = aggregate_select().subquery("agg")
    zero = {"orders_count": 0, "confirmed_count": 0, "pending_count": 0, "cancelled_count": 0}
    columns = [Client.id] + [getattr(Client, f) for f in REFRESHED_FIELDS]
    columns += [agg.c[f].label(f"actual_{f}") for f in AGGREGATE_FIELDS]
    columns.append(_actual_segment(agg, rules or SegmentRules.current()).label("actual_segment"))
    rows = conn.execute(select(*columns).outerjoin(agg, agg.c.client_id == Client.id).order_by(Client.id))
    drifts: list[Drift] = []
    for row in rows:
        for field in REFRESHED_FIELDS:
            stored = getattr(row, field)
            actual = getattr(row, f"actual_{field}")
            if actual is None:
                actual = zero.get(field, Decimal("0") if field == "total_spent" else None)
            if field == "total_spent":
                stored, actual = Decimal(stored or 0), Decimal(actual or 0).quantize(Decimal("0.01"))
            if stored != actual:
                drifts.append(Drift(row.id, field, stored, actual))
                if limit is not None and len(drifts) >= limit:
                    return drifts
    return drifts
