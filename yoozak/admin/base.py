"""The secured base views every admin view derives from."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db


class CsrfForm(FlaskForm):
    """Admin form base: Flask-WTF's CSRF token, the same one CSRFProtect checks app-wide.

    Flask-Admin's SecureForm keeps its own token under the same field name, which the
    global CSRFProtect then rejects; one mechanism covers every admin form and action.
    """

    def __init__(self, formdata=None, obj=None, prefix: str = "", **kwargs):
        # Flask-Admin's Unique validator compares against form._obj, as its BaseForm sets it.
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


def _admin_only() -> bool:
    return current_user.is_authenticated and current_user.is_admin


def _refuse():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


class SecureModelView(ModelView):
    """A model view only admins reach, with CSRF on every form and action."""

    form_base_class = CsrfForm
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    named_filter_urls = True
    can_view_details = True

    def is_accessible(self) -> bool:
        """Admins only."""
        return _admin_only()

    def inaccessible_callback(self, name, **kwargs):
        """Send anonymous visitors to the login page, refuse others."""
        return _refuse()

    def filter_url_arg(self, column_name: str, operation: str) -> str | None:
        """Return the URL argument of one of this view's filters, e.g. to link to a filtered list."""
        for index, flt in enumerate(self._filters or []):
            column = getattr(flt, "column", None)
            if column is not None and column.key == column_name and str(flt.operation()) == operation:
                return f"flt0_{self.get_filter_arg(index, flt)}"
        return None


class SecureIndexView(AdminIndexView):
    """The admin home page: the stats and where to go next."""

    @expose("/")
    def index(self):
        """Show the client and order figures."""
        from ..clients.services import client_stats

        return self.render("admin/index.html", stats=client_stats(db.session))

    def is_accessible(self) -> bool:
        """Admins only."""
        return _admin_only()

    def inaccessible_callback(self, name, **kwargs):
        """Send anonymous visitors to the login page, refuse others."""
        return _refuse()
