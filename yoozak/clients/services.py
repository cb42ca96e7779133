"""Client queries shared by the pages, the JSON API, the admin and the CLI.

Every list query reads the client row only (aggregates included) plus its user through
one join, so a page costs the same two statements whatever its size or sort.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, literal, select, update
from sqlalchemy.orm import Session

from ..models import Client, Order
from ..models.segments import SEGMENTS as SEGMENT_CODES
from ..timeutil import days_ago, local_day_start_utc, utcnow
from .paging import Page, last_page
from .search import MAX_QUERY_LENGTH, build_search
from .search import search_condition as search_condition  # part of this module's API

STATUSES = ("all", "active", "inactive")
PERIODS = ("all", "today", "7d", "30d")
SEGMENT_FILTERS = ("all", *SEGMENT_CODES)
SORTS = {
    "created_at": Client.created_at,
    "name": Client.sort_name,
    "orders": Client.orders_count,
    "spent": Client.total_spent,
    "last_order": Client.last_order_at,
}
DEFAULT_SORT = "-created_at"
MAX_PAGE = 1_000_000
# A text search matching at most this many clients reads their ids and sorts them; one
# matching more walks the sort index, testing each row, and fills a page in a few hundred rows.
SPARSE_MATCHES = 2_000


@dataclass(frozen=True)
class ClientListParams:
    """A validated client-list request: search, filters, sort and page."""

    q: str = ""
    status: str = "all"
    period: str = "all"
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = 25
    segment: str = "all"

    def as_args(self, **overrides: object) -> dict[str, object]:
        """Return the non-default values as URL arguments, for links that keep the filters."""
        values = {
            "q": self.q,
            "status": self.status,
            "period": self.period,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "segment": self.segment,
        } | overrides
        defaults = {
            "q": "",
            "status": "all",
            "period": "all",
            "segment": "all",
            "sort": DEFAULT_SORT,
            "page": 1,
        }
        return {k: v for k, v in values.items() if v != defaults.get(k)}


@dataclass
class ParseResult:
    """Parsed parameters and, for each rejected value, a message in French."""

    params: ClientListParams
    errors: dict[str, str] = field(default_factory=dict)


def _parse_int(raw: str | None, default: int, low: int, high: int) -> tuple[int, bool]:
    if raw is None or raw == "":
        return default, True
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        return default, False
    return int(raw), True


def parse_list_args(
    args: Mapping[str, str], default_per_page: int = 25, max_per_page: int = 100
) -> ParseResult:
    """Validate list arguments; an invalid value falls back to its default and is reported."""
    errors: dict[str, str] = {}
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = f"Recherche trop longue (au plus {MAX_QUERY_LENGTH} caractères)."
        q = q[:MAX_QUERY_LENGTH]
    status = args.get("status") or "all"
    if status not in STATUSES:
        errors["status"] = "Statut inconnu : tous les clients sont affichés."
        status = "all"
    period = args.get("period") or "all"
    if period not in PERIODS:
        errors["period"] = "Période inconnue : toutes les périodes sont affichées."
        period = "all"
    segment = args.get("segment") or "all"
    if segment not in SEGMENT_FILTERS:
        errors["segment"] = "Segment inconnu : tous les segments sont affichés."
        segment = "all"
    sort = args.get("sort") or DEFAULT_SORT
    if sort.removeprefix("-") not in SORTS:
        errors["sort"] = "Tri inconnu : tri par date de création."
        sort = DEFAULT_SORT
    page, ok = _parse_int(args.get("page"), 1, 1, MAX_PAGE)
    if not ok:
        errors["page"] = "Numéro de page invalide."
    per_page, ok = _parse_int(args.get("per_page"), default_per_page, 1, max_per_page)
    if not ok:
        errors["per_page"] = f"Taille de page invalide (entre 1 et {max_per_page})."
    return ParseResult(ClientListParams(q, status, period, sort, page, per_page, segment), errors)


def planned_search(session: Session, q: str) -> tuple[object, object] | None:
    """Return a search's WHERE clauses for a page of rows and for its count, or None.

    For a list that counts and pages on its own (the admin). A text search is resolved
    first (one statement, see _sparse_ids): few matches become a list of ids, so that the
    count and the page cost nothing more; many leave the count to the index and give the
    page bare LIKEs, so that it walks the sort column's index and stops early.
    """
    search = build_search(q)
    if search is None:
        return None
    if search.likes is None:
        return search.condition, search.condition
    ids = _sparse_ids(session, ClientListParams(q=q))
    if ids is not None:
        return Client.id.in_(ids), Client.id.in_(ids)
    return search.likes, search.counted


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """Return the creation date a period filter starts at (None for "all")."""
    if period == "today":
        return local_day_start_utc(now)
    if period == "7d":
        return days_ago(7, now)
    if period == "30d":
        return days_ago(30, now)
    return None


def filtered_clients(params: ClientListParams, for_rows: bool = False) -> Select:
    """Return the SELECT of the clients a list request shows, without sort or paging.

    With `for_rows`, the same filter is written for the page query, so that SQLite keeps
    walking the sort column's index and stops after one page: the status condition is
    hidden from the planner (its index would mean sorting ~85,000 rows first), and a text
    search is left as bare LIKEs tested on each row the walk reads. Otherwise a text search
    finds its matches from the trigram index, or in one scan for words of 1-2 characters.
    """
    stmt = select(Client)
    if params.status != "all":
        wanted = params.status == "active"
        column = func.coalesce(Client.is_active, False) if for_rows else Client.is_active
        stmt = stmt.where(column == wanted)
    if (start := period_start(params.period)) is not None:
        stmt = stmt.where(Client.created_at >= start)
    if params.segment != "all":
        # Hidden from the page's planner like the status (walking the sort index and testing
        # each row fills a page sooner than sorting a whole segment), except under a sort by
        # money, which ix_clients_segment_spent (segment, total_spent) answers in order.
        hide = for_rows and params.sort.removeprefix("-") != "spent"
        column = func.coalesce(Client.segment, "") if hide else Client.segment
        stmt = stmt.where(column == params.segment)
    if (search := build_search(params.q)) is not None:
        walkable = for_rows and search.likes is not None
        stmt = stmt.where(search.likes if walkable else search.counted)
    return stmt


def export_query(params: ClientListParams) -> Select:
    """Return the SELECT of every client a list request shows, in the list's order, unpaged.

    The same filters (filtered_clients) and the same ORDER BY (sort_clauses) as the pages:
    an export is exactly the list, every page of it.
    """
    return filtered_clients(params).order_by(*sort_clauses(params.sort))


def sort_clauses(sort: str) -> list:
    """Return ORDER BY clauses for a sort key, with the id as tie-breaker."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    column = SORTS[key]
    primary = column.desc() if descending else column.asc()
    if key == "last_order":
        primary = primary.nulls_last()
    return [primary, Client.id.desc() if descending else Client.id.asc()]


def _page_ids(params: ClientListParams, order: list, page: int, ids: list[int] | None = None):
    """Return the subquery picking one page of client ids.

    It walks the sort column's index (every index holds the row id) and stops once the page
    is full; given the few `ids` a search matched, it sorts them instead.
    """
    stmt = filtered_clients(params, for_rows=True)
    if ids is not None:
        stmt = select(Client).where(Client.id.in_(ids))
    return (
        stmt.with_only_columns(Client.id.label("id"))
        .order_by(*order)
        .limit(params.per_page)
        .offset((page - 1) * params.per_page)
        .correlate(None)
        .subquery("page_ids")
    )


def _count_query(params: ClientListParams):
    base = filtered_clients(params).with_only_columns(Client.id).subquery()
    return select(func.count()).select_from(base)


def _sparse_ids(session: Session, params: ClientListParams) -> list[int] | None:
    """Return every id a request matches if there are at most SPARSE_MATCHES, else None.

    The trigram index answers a word of 3+ characters; shorter words scan the table once,
    and a word most clients contain stops the scan after SPARSE_MATCHES + 1 rows.
    """
    stmt = filtered_clients(params).with_only_columns(Client.id).limit(SPARSE_MATCHES + 1)
    ids = list(session.scalars(stmt))
    return ids if len(ids) <= SPARSE_MATCHES else None


def _rows(session: Session, ids, order: list, *extra) -> list:
    return session.execute(select(Client, *extra).join(ids, ids.c.id == Client.id).order_by(*order)).all()


def _search_page(session: Session, params: ClientListParams, order: list) -> Page[Client]:
    """Return a page of a text search, in two statements whatever the page size.

    First the matches' ids, if they are few (see _sparse_ids): their count is known, and
    the page sorts them. Otherwise the page walks the sort index with the bare LIKEs, and
    its total comes with it from a scalar subquery; a page past the end then costs a count
    and a second try on the last page.
    """
    ids = _sparse_ids(session, params)
    if ids is not None:
        page = min(params.page, last_page(len(ids), params.per_page))
        rows = _rows(session, _page_ids(params, order, page, ids), order) if ids else []
        return Page([row[0] for row in rows], len(ids), page, params.per_page)
    total = _count_query(params).scalar_subquery()
    unfiltered = params.status == "all" and params.period == "all" and params.segment == "all"
    if unfiltered and (search := build_search(params.q)) is not None and search.total is not None:
        total = search.total
    rows = _rows(session, _page_ids(params, order, params.page), order, total)
    if rows:
        return Page([row[0] for row in rows], int(rows[0][1]), params.page, params.per_page)
    count = session.scalar(_count_query(params)) or 0
    page = last_page(count, params.per_page)
    rows = _rows(session, _page_ids(params, order, page), order)
    return Page([row[0] for row in rows], count, page, params.per_page)


def list_clients(session: Session, params: ClientListParams) -> Page[Client]:
    """Return one page of clients: a count and the rows (two statements).

    The page's ids are picked first by a subquery that walks the sort column's index alone
    (every index holds the row id), then only those rows are read and joined to their user:
    a deep page (OFFSET 50,000) skips index entries, not joined rows.
    """
    order = sort_clauses(params.sort)
    search = build_search(params.q)
    if search is not None and search.likes is not None:
        return _search_page(session, params, order)
    total = session.scalar(_count_query(params)) or 0
    page = min(params.page, last_page(total, params.per_page))
    rows = _rows(session, _page_ids(params, order, page), order)
    return Page([row[0] for row in rows], total, page, params.per_page)


# Per process: database URL -> (expiry on `clock`, total orders, linked orders). See client_stats.
_ORDER_FIGURES: dict[str, tuple[float, int, int]] = {}


def forget_order_figures() -> None:
    """Drop the order figures this process keeps for the stats header."""
    _ORDER_FIGURES.clear()


def client_stats(
    session: Session,
    now: datetime | None = None,
    orders_ttl: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
    with_orders: bool = True,
    total_clients: int | None = None,
) -> dict[str, int]:
    """Return the live figures of the stats header, in one statement.

    Each figure is its own scalar subquery counting the smallest index range that gives it:
    inactive clients (not the 85 % active ones); the other figures follow by subtraction.
    The client figures are always live (a status toggle shows at once). With `orders_ttl`,
    the order figures are reused for that many seconds: counting a million orders costs
    ~250 ms on PostgreSQL (MVCC has no stored count), ten times the rest of the page.
    Without `with_orders`, only the client figures are returned (the client list shows no others);
    `total_clients`, when the caller has just counted them, saves counting them again.
    """
    now = now or utcnow()
    today, week, month = local_day_start_utc(now), days_ago(7, now), days_ago(30, now)

    def count(*conditions, table=Client):
        return select(func.count()).select_from(table).where(*conditions).scalar_subquery()

    key = str(session.get_bind().url)
    cached = _ORDER_FIGURES.get(key) if orders_ttl > 0 else None
    if cached is not None and cached[0] <= clock():
        cached = None
    if not with_orders:
        cached = (0.0, 0, 0)  # nothing to count, nothing to return
    columns = [
        count() if total_clients is None else literal(total_clients),
        count(Client.is_active == False),  # noqa: E712
        count(Client.created_at >= today),
        count(Client.created_at >= week),
        count(Client.created_at >= month),
    ]
    if cached is None:
        columns += [
            count(table=Order),
            # Linked orders: the sum of the per-client counts, which the aggregates keep exact
            # (`flask check-consistency` proves it); 100,000 index entries instead of 600,000.
            select(func.coalesce(func.sum(Client.orders_count), 0)).scalar_subquery(),
        ]
    row = [int(v or 0) for v in session.execute(select(*columns)).one()]
    total, inactive, new_today, new_7, new_30 = row[:5]
    if cached is None:
        total_orders, linked = row[5:]
        if orders_ttl > 0:
            _ORDER_FIGURES[key] = (clock() + orders_ttl, total_orders, linked)
    else:
        total_orders, linked = cached[1:]
    figures = {
        "total_clients": total,
        "active_clients": total - inactive,
        "inactive_clients": inactive,
        "new_today": new_today,
        "new_7_days": new_7,
        "new_30_days": new_30,
    }
    if not with_orders:
        return figures
    return figures | {
        "total_orders": total_orders,
        "linked_orders": linked,
        "unlinked_orders": total_orders - linked,
    }


def set_clients_active(session: Session, client_ids: Iterable[int], active: bool) -> int:
    """Activate or deactivate clients; return how many actually changed (idempotent).

    One bulk UPDATE, so the ORM's history hook does not see it: the clients that change
    are read first (locked) and get their "status_changed" entry in the same transaction.
    """
    from ..history import record_events

    ids = sorted({int(i) for i in client_ids})
    if not ids:
        return 0
    changing = list(
        session.scalars(
            select(Client.id).where(Client.id.in_(ids), Client.is_active.is_not(active)).with_for_update()
        )
    )
    if not changing:
        return 0
    result = session.execute(
        update(Client)
        .where(Client.id.in_(changing), Client.is_active.is_not(active))
        .values(is_active=active, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    record_events(((cid, "status_changed", {"is_active": [not active, active]}) for cid in changing), session)
    return result.rowcount or 0
