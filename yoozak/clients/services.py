"""Client queries shared by the pages, the JSON API, the admin and the CLI.

Every list query reads the client row only (aggregates included) plus its user through
one join, so a page costs the same two statements whatever its size or sort.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from ..linking.normalize import fold_text, phone_search_digits
from ..models import Client, Order
from ..timeutil import days_ago, local_day_start_utc, utcnow

STATUSES = ("all", "active", "inactive")
PERIODS = ("all", "today", "7d", "30d")
SORTS = {
    "created_at": Client.created_at,
    "name": Client.sort_name,
    "orders": Client.orders_count,
    "spent": Client.total_spent,
    "last_order": Client.last_order_at,
}
DEFAULT_SORT = "-created_at"
MAX_QUERY_LENGTH = 200
MAX_PAGE = 1_000_000
_PHONE_QUERY = re.compile(r"[\d\s+\-().]+")


@dataclass(frozen=True)
class ClientListParams:
    """A validated client-list request: search, filters, sort and page."""

    q: str = ""
    status: str = "all"
    period: str = "all"
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = 25

    def as_args(self, **overrides: object) -> dict[str, object]:
        """Return the non-default values as URL arguments, for links that keep the filters."""
        values = {
            "q": self.q,
            "status": self.status,
            "period": self.period,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
        } | overrides
        defaults = {"q": "", "status": "all", "period": "all", "sort": DEFAULT_SORT, "page": 1}
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
    if not raw.isdigit() or not low <= int(raw) <= high:
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
    return ParseResult(ClientListParams(q, status, period, sort, page, per_page), errors)


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so that % and _ typed by a user are literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phone_prefix_condition(digits: str):
    """Match national phone digits starting with `digits`, through the phone_digits index.

    phone_digits holds digits only, so the range [digits, digits + "9" * 20] is exactly the
    set of values that start with `digits` in any collation, and it lets SQLite and
    PostgreSQL walk the index (a LIKE prefix needs a NOCASE or text_pattern_ops index).
    """
    upper = digits + "9" * 20
    return and_(
        Client.phone_digits >= digits,
        Client.phone_digits <= upper,
        Client.phone_digits.like(escape_like(digits) + "%", escape="\\"),
    )


def search_condition(q: str):
    """Build the WHERE clause of a search over name, e-mail, username, phone, address, company.

    Case and accents do not matter (search_text is folded); `%` and `_` are never wildcards. A query
    that looks like a phone ("06 12 34", "+2126123", "612345") matches the clients whose
    number starts with those digits, or whose text holds them (a street number, a postcode).
    """
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    if not q:
        return None
    if _PHONE_QUERY.fullmatch(q) and (digits := phone_search_digits(q)):
        joined = "".join(ch for ch in q if ch.isdigit())
        return or_(
            _phone_prefix_condition(digits),
            Client.search_text.like(f"%{escape_like(joined)}%", escape="\\"),
        )
    # Each word typed is folded as search_text was: "amine_b" becomes the phrase "amine b",
    # so punctuation inside a word ("%", "_", ".", "@") must sit where the stored text has it.
    words = [folded for word in q.split() if (folded := fold_text(word))]
    if not words:
        return Client.id.is_(None)  # nothing searchable (only punctuation, "%", "_"): no match
    return and_(*(Client.search_text.like(f"%{escape_like(w)}%", escape="\\") for w in words))


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """Return the creation date a period filter starts at (None for "all")."""
    if period == "today":
        return local_day_start_utc(now)
    if period == "7d":
        return days_ago(7, now)
    if period == "30d":
        return days_ago(30, now)
    return None


def filtered_clients(params: ClientListParams) -> Select:
    """Return the SELECT of the clients a list request shows, without sort or paging."""
    stmt = select(Client)
    if params.status != "all":
        stmt = stmt.where(Client.is_active == (params.status == "active"))
    if (start := period_start(params.period)) is not None:
        stmt = stmt.where(Client.created_at >= start)
    if (condition := search_condition(params.q)) is not None:
        stmt = stmt.where(condition)
    return stmt


def sort_clauses(sort: str) -> list:
    """Return ORDER BY clauses for a sort key, with the id as tie-breaker."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    column = SORTS[key]
    primary = column.desc() if descending else column.asc()
    if key == "last_order":
        primary = primary.nulls_last()
    return [primary, Client.id.desc() if descending else Client.id.asc()]


@dataclass(frozen=True)
class ClientPage:
    """One page of the client list."""

    items: list[Client]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def list_clients(session: Session, params: ClientListParams) -> ClientPage:
    """Return one page of clients: two SQL statements, a count and the rows."""
    base = filtered_clients(params)
    total = session.scalar(select(func.count()).select_from(base.with_only_columns(Client.id).subquery()))
    page = min(params.page, max(1, -(-total // params.per_page)))
    rows = session.scalars(
        base.order_by(*sort_clauses(params.sort))
        .limit(params.per_page)
        .offset((page - 1) * params.per_page)
    ).all()
    return ClientPage(list(rows), total or 0, page, params.per_page)


def client_stats(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Return the live figures of the stats header, in one statement.

    Each figure is its own scalar subquery so that each one walks the narrowest index
    (is_active, created_at, orders.client_id) instead of one scan of every client row.
    """
    now = now or utcnow()
    today, week, month = local_day_start_utc(now), days_ago(7, now), days_ago(30, now)

    def count(*conditions, table=Client):
        return select(func.count()).select_from(table).where(*conditions).scalar_subquery()

    row = session.execute(
        select(
            count(),
            count(Client.is_active == True),  # noqa: E712
            count(Client.created_at >= today),
            count(Client.created_at >= week),
            count(Client.created_at >= month),
            count(table=Order),
            count(Order.client_id.is_not(None), table=Order),
        )
    ).one()
    total, active, new_today, new_7, new_30, total_orders, linked = (int(v or 0) for v in row)
    return {
        "total_clients": total,
        "active_clients": active,
        "inactive_clients": total - active,
        "new_today": new_today,
        "new_7_days": new_7,
        "new_30_days": new_30,
        "total_orders": total_orders,
        "linked_orders": linked,
        "unlinked_orders": total_orders - linked,
    }


def set_clients_active(session: Session, client_ids: Iterable[int], active: bool) -> int:
    """Activate or deactivate clients; return how many actually changed (idempotent)."""
    ids = sorted({int(i) for i in client_ids})
    if not ids:
        return 0
    result = session.execute(
        update(Client)
        .where(Client.id.in_(ids), Client.is_active.is_not(active))
        .values(is_active=active, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0
