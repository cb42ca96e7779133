"""The JSON API the client pages use: stats, a client's orders, status toggle.

Every route needs an admin (yoozak/auth/access.py answers 401/403 in JSON under /api/);
errors come back as {"error", "status"} through yoozak.errors.error_response.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import select

from ..errors import error_response
from ..extensions import db
from ..models import Client
from . import bp
from .orders import MAX_ORDERS_PER_PAGE, client_orders, order_json, parse_page
from .segments import segment_counts
from .services import client_stats, set_clients_active

HISTORY_PER_PAGE = 20
MAX_HISTORY_PER_PAGE = 100


@bp.get("/api/stats/")
def api_stats():
    """Return the live figures of the stats header, and the number of clients per segment."""
    figures = client_stats(db.session, orders_ttl=current_app.config["CLIENT_STATS_ORDERS_TTL"])
    segments = segment_counts(db.session, ttl=current_app.config["CLIENT_SEGMENTS_TTL"])
    return jsonify(figures | {"segments": segments})


def client_page_json(client_id: int, default_per_page: int, max_per_page: int, fetch, key: str, item_json):
    """Answer one page of something a client has, newest first, or a 400 / 404 that says why.

    `fetch(session, client_id, page, per_page)` returns a Page; a page past the end gives the last one.
    """
    page = parse_page(request.args.get("page"))
    per_page = parse_page(request.args.get("per_page"), default_per_page, max_per_page)
    if page is None or per_page is None:
        return error_response(
            400,
            f"Paramètres de pagination invalides : page est un entier ≥ 1, "
            f"per_page un entier entre 1 et {max_per_page}.",
        )
    if db.session.scalar(select(Client.id).where(Client.id == client_id)) is None:
        return error_response(404, f"Client {client_id} introuvable.")
    result = fetch(db.session, client_id, page, per_page)
    return jsonify(
        {
            "client_id": client_id,
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "per_page": result.per_page,
            key: [item_json(item) for item in result.items],
        }
    )


@bp.get("/api/<int:client_id>/orders/")
def api_client_orders(client_id: int):
    """Return one page of a client's orders, newest first (a page past the end gives the last one)."""
    per_page = current_app.config["CLIENTS_PER_PAGE"]
    return client_page_json(client_id, per_page, MAX_ORDERS_PER_PAGE, client_orders, "orders", order_json)


@bp.post("/api/<int:client_id>/toggle-status/")
def api_toggle_status(client_id: int):
    """Flip a client's status; CSRFProtect checks the token in the X-CSRFToken header first."""
    current = db.session.scalar(select(Client.is_active).where(Client.id == client_id).with_for_update())
    if current is None:
        return error_response(404, f"Client {client_id} introuvable.")
    target = not current
    set_clients_active(db.session, [client_id], target)
    db.session.commit()
    message = "Client activé." if target else "Client désactivé."
    return jsonify({"success": True, "is_active": target, "client_id": client_id, "message": message})


@bp.get("/api/<int:client_id>/history/")
def api_client_history(client_id: int):
    """Return one page of a client's history, newest first (a page past the end gives the last one)."""
    from ..history.timeline import client_history, event_json

    return client_page_json(
        client_id, HISTORY_PER_PAGE, MAX_HISTORY_PER_PAGE, client_history, "events", event_json
    )
