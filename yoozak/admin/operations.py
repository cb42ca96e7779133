"""The operations page ("Surveillance"): is the application healthy, at a glance."""

from __future__ import annotations

from flask_admin import BaseView, expose

from ..extensions import db
from ..monitoring.overview import overview
from .base import _admin_only, _refuse


class OperationsView(BaseView):
    """Tasks, link runs, review queue, consistency, unlinked orders, database, slow requests."""

    @expose("/")
    def index(self):
        """Show the operations overview."""
        return self.render("admin/operations.html", **overview(db.session))

    def is_accessible(self) -> bool:
        """Admins only."""
        return _admin_only()

    def inaccessible_callback(self, name, **kwargs):
        """Send anonymous visitors to the login page, refuse others."""
        return _refuse()
