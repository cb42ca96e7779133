"""The client pages: the list with its search, filters and stats, and the client page."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from ..extensions import db
from ..history.timeline import ACTION_LABELS, SOURCE_LABELS, actor_label, client_history, describe
from ..models import Client
from ..models.segments import SEGMENT_LABELS
from . import bp
from .api import HISTORY_PER_PAGE
from .orders import (
    METHOD_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
    build_chart,
    client_orders,
    monthly_series,
    parse_page,
)
from .segments import SEGMENT_BADGES, now_rules, segment_label, segment_overview, segment_reason
from .services import PERIODS, SORTS, STATUSES, client_stats, list_clients, parse_list_args

# The pages load scripts and styles from this origin only: no inline script, no CDN.
STATUS_CHOICES = dict(zip(STATUSES, ("Tous", "Actifs", "Inactifs"), strict=True))
PERIOD_CHOICES = dict(
    zip(PERIODS, ("Toutes les dates", "Aujourd'hui", "7 derniers jours", "30 derniers jours"), strict=True)
)
SORT_CHOICES = {
    "-created_at": "Plus récents",
    "created_at": "Plus anciens",
    "name": "Nom (A → Z)",
    "-name": "Nom (Z → A)",
    "-orders": "Plus de commandes",
    "orders": "Moins de commandes",
    "-spent": "Plus gros total dépensé",
    "spent": "Plus petit total dépensé",
    "-last_order": "Commande la plus récente",
    "last_order": "Commande la plus ancienne",
}
SEGMENT_CHOICES = {"all": "Tous les segments", **SEGMENT_LABELS}
PER_PAGE_CHOICES = (10, 25, 50, 100)
STATS_REFRESH_SECONDS = 30
assert set(key.lstrip("-") for key in SORT_CHOICES) == set(SORTS)


@bp.app_template_global("segment_label")
def _segment_label(code: str | None) -> str:
    return segment_label(code)


@bp.app_template_global("segment_class")
def _segment_class(code: str | None) -> str:
    return SEGMENT_BADGES.get(code or "", "segment-unknown")


def admin_orders_url(client_id: int) -> str:
    """Return the admin's order list filtered on one client (the unfiltered list as a fallback)."""
    views = (view for admin in current_app.extensions.get("admin", []) for view in admin._views)
    client_admin = next((v for v in views if getattr(v, "endpoint", None) == "client_admin"), None)
    arg = client_admin.order_filter_arg() if hasattr(client_admin, "order_filter_arg") else None
    if arg:
        return url_for("order_admin.index_view", **{arg: client_id})
    return url_for("order_admin.index_view")


@bp.get("/")
def client_list():
    """List clients with search, filters, sort and pagination."""
    parsed = parse_list_args(
        request.args,
        current_app.config["CLIENTS_PER_PAGE"],
        current_app.config["CLIENTS_MAX_PER_PAGE"],
    )
    page = list_clients(db.session, parsed.params)
    params = parsed.params
    unfiltered = not params.q and params.status == "all" and params.period == "all"
    # The list shows client figures only; an unfiltered page has just counted every client.
    stats = client_stats(db.session, with_orders=False, total_clients=page.total if unfiltered else None)
    return render_template(
        "clients/list.html",
        page=page,
        params=parsed.params,
        errors=parsed.errors,
        stats=stats,
        status_choices=STATUS_CHOICES,
        period_choices=PERIOD_CHOICES,
        segment_choices=SEGMENT_CHOICES,
        segment_reason=segment_reason,
        segment_rules=now_rules(),
        overview=segment_overview(db.session, ttl=current_app.config["CLIENT_SEGMENTS_TTL"]),
        xlsx_max_rows=current_app.config["EXPORT_XLSX_MAX_ROWS"],
        sort_choices=SORT_CHOICES,
        per_page_choices=sorted({*PER_PAGE_CHOICES, parsed.params.per_page}),
        max_per_page=current_app.config["CLIENTS_MAX_PER_PAGE"],
        refresh_seconds=STATS_REFRESH_SECONDS,
    )


@bp.get("/<int:client_id>/")
def client_detail(client_id: int):
    """Show a client's profile, stats, chart and paginated order history."""
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404, "Ce client n'existe pas (ou plus).")
    page_number = parse_page(request.args.get("page")) or 1
    per_page = current_app.config["CLIENTS_PER_PAGE"]
    orders = client_orders(db.session, client_id, page_number, per_page)
    series = monthly_series(db.session, client_id)
    history_page = parse_page(request.args.get("hpage")) or 1
    history = client_history(db.session, client_id, history_page, HISTORY_PER_PAGE)
    return render_template(
        "clients/detail.html",
        client=client,
        orders=orders,
        series=series,
        chart=build_chart(series),
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        method_labels=METHOD_LABELS,
        admin_orders_url=admin_orders_url(client_id),
        segment_reason=segment_reason(client, now_rules()),
        history=history,
        order_page=page_number,
        describe=describe,
        actor_label=actor_label,
        action_labels=ACTION_LABELS,
        source_labels=SOURCE_LABELS,
    )
