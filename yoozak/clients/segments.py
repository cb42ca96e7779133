"""Segments as the pages show them: counts, revenue shares, and each client's reason in words."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..formatting import format_number
from ..models import Client
from ..models.segments import SEGMENT_LABELS, SEGMENTS, SegmentRules
from ..timeutil import utcnow

# Badge colour of each segment (classes in static/css/app.css: the page CSP forbids inline styles).
SEGMENT_BADGES = {code: f"segment-{code.replace('_', '-')}" for code in SEGMENTS}


def segment_label(code: str | None) -> str:
    """Return the French label of a segment code (the code itself if unknown)."""
    return SEGMENT_LABELS.get(code or "", code or "—")


def _mad(amount: object) -> str:
    return f"{format_number(amount, 0)}\u00a0MAD"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{format_number(n, 0)} {word if n == 1 else (plural or word + 's')}"


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "jamais"
    days = max(0, (now - moment).days)
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "hier"
    return f"il y a {format_number(days, 0)} jours"


def segment_reason(client: Client, rules: SegmentRules | None = None) -> str:
    """Say in French why a client is in its segment, from the figures the rule read."""
    rules = rules or SegmentRules.current()
    now = rules.at
    confirmed = _plural(client.confirmed_count or 0, "commande confirmée", "commandes confirmées")
    money = _mad(client.total_spent or 0)
    last = _ago(client.last_order_at, now)
    segment = client.segment
    if segment == "none":
        return "Aucune commande liée"
    if segment == "at_risk":
        total = client.orders_count or 0
        share = round(100 * (client.cancelled_count or 0) / total) if total else 0
        cancelled = _plural(client.cancelled_count or 0, "commande annulée", "commandes annulées")
        return f"{cancelled} sur {format_number(total, 0)} ({share} %)"
    if segment == "inactive":
        return f"Dernière commande {last} ; {confirmed}, {money}"
    if segment == "new":
        days = max(0, (now - client.created_at).days) if client.created_at else 0
        since = "aujourd'hui" if days == 0 else _plural(days, "jour")
        return f"Client depuis {since} ; {confirmed}, {money}"
    return f"{confirmed}, {money}, dernière {last}"


# Per process: database URL -> (expiry on the monotonic clock, segment -> (clients, revenue)).
_SEGMENT_FIGURES: dict[str, tuple[float, dict[str, tuple[int, Decimal]]]] = {}


def forget_segment_figures() -> None:
    """Drop the segment figures this process keeps for the list page and the stats JSON."""
    _SEGMENT_FIGURES.clear()


def _segment_figures(
    session: Session, ttl: float, clock: Callable[[], float]
) -> dict[str, tuple[int, Decimal]]:
    """Return each present segment's client count and revenue, in one GROUP BY.

    With `ttl`, the figures are reused for that many seconds. Grouping 100,000 clients costs
    ~20 ms of PostgreSQL on every list page and stats refresh, the largest statement of both
    (BENCHMARKS.md, "Load"); segments move when links or the daily refresh change them, so a
    few seconds' delay shows nothing stale that a user could act on.
    """
    key = str(session.get_bind().url)
    cached = _SEGMENT_FIGURES.get(key) if ttl > 0 else None
    if cached is not None and cached[0] > clock():
        return cached[1]
    rows = session.execute(
        select(Client.segment, func.count(), func.coalesce(func.sum(Client.total_spent), 0)).group_by(
            Client.segment
        )
    ).all()
    found = {code: (int(n), Decimal(str(total))) for code, n, total in rows}
    if ttl > 0:
        _SEGMENT_FIGURES[key] = (clock() + ttl, found)
    return found


def segment_counts(
    session: Session, ttl: float = 0.0, clock: Callable[[], float] = time.monotonic
) -> dict[str, int]:
    """Return the number of clients in each segment (every segment present, zero included)."""
    found = _segment_figures(session, ttl, clock)
    return {code: found.get(code, (0, Decimal("0")))[0] for code in SEGMENTS}


@dataclass(frozen=True)
class SegmentShare:
    """One line of the segment overview: how many clients, and their part of the revenue."""

    code: str
    label: str
    clients: int
    revenue: Decimal
    client_percent: float
    revenue_percent: float


def segment_overview(
    session: Session, ttl: float = 0.0, clock: Callable[[], float] = time.monotonic
) -> list[SegmentShare]:
    """Return each segment's client count and share of confirmed revenue, in one GROUP BY."""
    found = _segment_figures(session, ttl, clock)
    all_clients = sum(n for n, _ in found.values())
    all_revenue = sum((total for _, total in found.values()), Decimal("0"))
    shares = []
    for code in SEGMENTS:
        n, revenue = found.get(code, (0, Decimal("0")))
        shares.append(
            SegmentShare(
                code,
                SEGMENT_LABELS[code],
                n,
                revenue,
                round(100 * n / all_clients, 1) if all_clients else 0.0,
                round(float(100 * revenue / all_revenue), 1) if all_revenue else 0.0,
            )
        )
    return shares


def now_rules() -> SegmentRules:
    """Return the current rules, frozen at this instant (one `now` for a whole page)."""
    return SegmentRules.current(utcnow())
