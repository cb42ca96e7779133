"""The Flask-Admin panel: users, clients, orders, link runs and the review queue."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from ..extensions import db
from .base import SecureIndexView
from .clients import ClientAdmin
from .linking import LinkRunAdmin, ReviewQueueAdmin
from .operations import OperationsView
from .orders import OrderAdmin
from .users import UserAdmin


def init_admin(app: Flask) -> Admin:
    """Create a fresh Admin bound to `app` (a module-level one would break with several apps)."""
    from ..models import Client, LinkRun, Order, ReviewItem, User

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
    admin.add_view(OperationsView(name="Surveillance", endpoint="operations", url="surveillance"))
    return admin
