"""One client's orders: paginated history, monthly figures and the chart drawn from them."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..formatting import format_mad, iso_utc
from ..models import Order, OrderStatus
from ..timeutil import LOCAL_TZ, to_local, utcnow
from .paging import Page, last_page

MAX_ORDERS_PER_PAGE = 100
MAX_PAGE = 1_000_000

STATUS_LABELS = {
    OrderStatus.PENDING.value: "En attente",
    OrderStatus.CONFIRMED.value: "Confirmée",
    OrderStatus.CANCELLED.value: "Annulée",
}
STATUS_BADGES = {
    OrderStatus.PENDING.value: "warning",
    OrderStatus.CONFIRMED.value: "success",
    OrderStatus.CANCELLED.value: "secondary",
}
METHOD_LABELS = {
    "email": "E-mail",
    "phone": "Téléphone",
    "name": "Nom",
    "manual": "Manuelle",
    "guest": "Invité",
}


def parse_page(raw: str | None, default: int = 1, high: int = MAX_PAGE) -> int | None:
    """Return a page number or size in [1, high], `default` when absent, None when invalid."""
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= high:
        return None
    return int(raw)


def client_orders(session: Session, client_id: int, page: int, per_page: int) -> Page[Order]:
    """Return a page of a client's orders, newest first: a count and the rows.

    A page past the end gives the last page; both statements use ix_orders_client_created.
    """
    total = session.scalar(select(func.count()).select_from(Order).where(Order.client_id == client_id)) or 0
    pages = last_page(total, per_page)
    page = min(max(1, page), pages)
    rows = session.scalars(
        select(Order)
        .where(Order.client_id == client_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), total, page, per_page)


def order_json(order: Order) -> dict[str, object]:
    """Return the API form of one order (price as a string: no float rounding)."""
    return {
        "id": order.id,
        "reference": order.reference,
        "status": order.status,
        "price": str(order.price),
        "created_at": iso_utc(order.created_at),
        "link_method": order.link_method,
    }


@dataclass(frozen=True)
class MonthPoint:
    """Orders (every status) and confirmed spend of one calendar month (Casablanca time)."""

    label: str
    orders: int
    spent: Decimal


def _month_keys(local_now: datetime, months: int) -> list[tuple[int, int]]:
    keys: list[tuple[int, int]] = []
    year, month = local_now.year, local_now.month
    for _ in range(months):
        keys.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    keys.reverse()
    return keys


def monthly_series(
    session: Session, client_id: int, months: int = 12, now: datetime | None = None
) -> list[MonthPoint]:
    """Return the last `months` months of orders and spend, oldest first, empty months included."""
    local_now = to_local(now or utcnow())
    keys = _month_keys(local_now, months)
    first_year, first_month = keys[0]
    window_start = (
        datetime.combine(datetime(first_year, first_month, 1).date(), time.min, tzinfo=LOCAL_TZ)
        .astimezone(UTC)
        .replace(tzinfo=None)
    )
    buckets: OrderedDict[tuple[int, int], list] = OrderedDict((k, [0, Decimal("0")]) for k in keys)
    rows = session.execute(
        select(Order.created_at, Order.price, Order.status).where(
            Order.client_id == client_id, Order.created_at >= window_start
        )
    )
    for created_at, price, status in rows:
        local = to_local(created_at)
        bucket = buckets.get((local.year, local.month))
        if bucket is None:
            continue
        bucket[0] += 1
        if status == OrderStatus.CONFIRMED.value:
            bucket[1] += Decimal(price)
    return [MonthPoint(f"{m:02d}/{y % 100:02d}", n, s) for (y, m), (n, s) in buckets.items()]


@dataclass(frozen=True)
class ChartBar:
    """One month of the chart: a bar for the orders, a point for the spend."""

    x: float
    width: float
    y: float
    height: float
    label: str
    spend_x: float
    spend_y: float
    title: str


@dataclass(frozen=True)
class Chart:
    """Geometry of the monthly chart, in the SVG's own units."""

    width: int
    height: int
    baseline: float
    bars: list[ChartBar]
    spend_points: str
    max_orders: int
    max_spent: Decimal
    empty: bool


def build_chart(series: list[MonthPoint], width: int = 640, height: int = 220) -> Chart:
    """Lay out bars (orders per month) and a line (confirmed spend per month), each on its own scale."""
    top, bottom, left, right = 12.0, 28.0, 8.0, 8.0
    plot_h = height - top - bottom
    slot = (width - left - right) / max(1, len(series))
    max_orders = max((p.orders for p in series), default=0)
    max_spent = max((p.spent for p in series), default=Decimal("0"))
    bars, points = [], []
    for i, point in enumerate(series):
        h = plot_h * point.orders / max_orders if max_orders else 0.0
        x = left + i * slot + slot * 0.15
        cx = left + i * slot + slot / 2
        sy = top + plot_h - (plot_h * float(point.spent / max_spent) if max_spent else 0.0)
        title = f"{point.label} : {point.orders} commande(s), {format_mad(point.spent)} confirmés"
        bars.append(
            ChartBar(
                round(x, 1),
                round(slot * 0.7, 1),
                round(top + plot_h - h, 1),
                round(h, 1),
                point.label,
                round(cx, 1),
                round(sy, 1),
                title,
            )
        )
        points.append(f"{cx:.1f},{sy:.1f}")
    return Chart(
        width, height, top + plot_h, bars, " ".join(points), max_orders, max_spent, empty=max_orders == 0
    )
