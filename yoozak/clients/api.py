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
    return jsonify(figures | {"segments": segment_counts(db.session)})


@bp.get("/api/<int:client_id>/orders/")
def api_client_orders(client_id: int):
    """Return one page of a client's orders, newest first (a page past the end gives the last one)."""
    page = parse_page(request.args.get("page"))
    per_page = parse_page(
        request.args.get("per_page"), current_app.config["CLIENTS_PER_PAGE"], MAX_ORDERS_PER_PAGE
    )
    if page is None or per_page is None:
        return error_response(
            400,
            f"Paramètres de pagination invalides : page est un entier ≥ 1, "
            f"per_page un entier entre 1 et {MAX_ORDERS_PER_PAGE}.",
        )
    if db.session.scalar(select(Client.id).where(Client.id == client_id)) is None:
        return error_response(404, f"Client {client_id} introuvable.")
    result = client_orders(db.session, client_id, page, per_page)
    return jsonify(
        {
            "client_id": client_id,
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "per_page": result.per_page,
            "orders": [order_json(o) for o in result.items],
        }
    )


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

    page = parse_page(request.args.get("page"))
    per_page = parse_page(request.args.get("per_page"), HISTORY_PER_PAGE, MAX_HISTORY_PER_PAGE)
    if page is None or per_page is None:
        return error_response(
            400,
            f"Paramètres de pagination invalides : page est un entier ≥ 1, "
            f"per_page un entier entre 1 et {MAX_HISTORY_PER_PAGE}.",
        )
    if db.session.scalar(select(Client.id).where(Client.id == client_id)) is None:
        return error_response(404, f"Client {client_id} introuvable.")
    result = client_history(db.session, client_id, page, per_page)
    return jsonify(
        {
            "client_id": client_id,
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "per_page": result.per_page,
            "events": [event_json(e) for e in result.items],
        }
    )
