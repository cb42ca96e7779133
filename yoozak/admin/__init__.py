"""The Flask-Admin panel: users, clients, orders, link runs and the review queue."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme

from ..extensions import db
from .api_tokens import ApiTokenAdmin
from .base import SecureIndexView
from .clients import ClientAdmin
from .history import ClientEventAdmin
from .linking import LinkRunAdmin, ReviewQueueAdmin
from .operations import OperationsView
from .orders import OrderAdmin
from .users import UserAdmin
from .webhooks import WebhookDeliveryAdmin, WebhookEndpointAdmin


def init_admin(app: Flask) -> Admin:
    """Create a fresh Admin bound to `app` (a module-level one would break with several apps)."""
    from ..models import (
        ApiToken,
        Client,
        ClientEvent,
        LinkRun,
        Order,
        ReviewItem,
        User,
        WebhookDelivery,
        WebhookEndpoint,
    )

    admin = Admin(
        app,
        name="Yoozak Admin",
        index_view=SecureIndexView(name="Accueil", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/yoozak_master.html", fluid=True),
    )
    admin.add_view(ClientAdmin(Client, db, name="Clients", endpoint="client_admin"))
    admin.add_view(OrderAdmin(Order, db, name="Commandes", endpoint="order_admin"))
    admin.add_view(UserAdmin(User, db, name="Utilisateurs", endpoint="user_admin"))
    admin.add_view(LinkRunAdmin(LinkRun, db, name="Exécutions", endpoint="linkrun_admin", category="Liaison"))
    admin.add_view(
        ReviewQueueAdmin(ReviewItem, db, name="File de revue", endpoint="review_admin", category="Liaison")
    )
    admin.add_view(ClientEventAdmin(ClientEvent, db, name="Historique", endpoint="clientevent_admin"))
    admin.add_view(
        WebhookEndpointAdmin(
            WebhookEndpoint,
            db,
            name="Webhooks",
            endpoint="webhook_endpoint_admin",
            url="/admin/webhook-endpoints",
            category="Intégrations",
        )
    )
    admin.add_view(
        WebhookDeliveryAdmin(
            WebhookDelivery,
            db,
            name="Livraisons",
            endpoint="webhook_delivery_admin",
            url="/admin/webhook-deliveries",
            category="Intégrations",
        )
    )
    admin.add_view(ApiTokenAdmin(ApiToken, db, name="Jetons", endpoint="apitoken_admin", category="API"))
    admin.add_link(MenuLink(name="Documentation", url="/api/v1/docs", category="API"))
    admin.add_view(OperationsView(name="Surveillance", endpoint="operations", url="surveillance"))
    return admin
