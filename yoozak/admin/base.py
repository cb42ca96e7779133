"""The secured base views every admin view derives from."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.filters import BaseIntFilter, BaseIntListFilter
from flask_login import current_user
from flask_wtf import FlaskForm

from ..errors import error_response
from ..extensions import db
from ..routing import MAX_ID, parse_id


class CsrfForm(FlaskForm):
    """Admin form base: Flask-WTF's CSRF token, the same one CSRFProtect checks app-wide.

    Flask-Admin's SecureForm keeps its own token under the same field name, which the
    global CSRFProtect then rejects; one mechanism covers every admin form and action.
    """

    def __init__(self, formdata=None, obj=None, prefix: str = "", **kwargs):
        # Flask-Admin's Unique validator compares against form._obj, as its BaseForm sets it.
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        """Refuse NUL characters (PostgreSQL cannot store them) before any validator queries with them."""
        with_nul = [f for f in self if isinstance(f.data, str) and "\x00" in f.data]
        for field in with_nul:
            field.errors = [*field.errors, "Caractère nul (NUL) interdit."]
        return not with_nul and super().validate(extra_validators)


def _storable(flt, value: str) -> bool:
    """Tell whether a filter value can reach the database: no NUL, integers within 32 bits."""
    if "\x00" in value:
        return False
    if isinstance(flt, BaseIntListFilter):
        numbers = flt.clean(value)
    else:
        numbers = [flt.clean(value)] if isinstance(flt, BaseIntFilter) else []
    return all(abs(n) <= MAX_ID for n in numbers)


class IdAjaxModelLoader(QueryAjaxModelLoader):
    """The select-a-record field's loader: a value that is not an id selects nothing."""

    def get_one(self, pk):
        """Return the record of an integer id in range, None for anything else."""
        pk = parse_id(pk)
        return None if pk is None else super().get_one(pk)


def _admin_only() -> bool:
    return current_user.is_authenticated and current_user.is_admin


def _refuse():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


# Past this page an OFFSET overflows SQLite's 64-bit integers; no list here is that long.
MAX_LIST_PAGE = 1_000_000


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

    def get_one(self, id):
        """Return the record with this integer id, None for any other id (the list says so)."""
        # Flask-Admin splits ids on commas for composite keys; every key here is one integer.
        pk = parse_id(id)
        return None if pk is None else super().get_one(str(pk))

    def _handle_view(self, name, **kwargs):
        # Flask-Admin checks that ?url= stays on this site but then redirects to it as
        # given: a control character in it would break the Location header (a 500).
        refused = super()._handle_view(name, **kwargs)
        if refused is None and any(ord(ch) < 32 for ch in request.values.get("url", "")):
            return error_response(400, "Adresse de retour invalide.")
        return refused

    def _get_list_filter_args(self):
        # Flask-Admin validates a filter value's form, not its range: a NUL byte fails on
        # PostgreSQL, an integer past 32 bits overflows an INTEGER column. Refuse them as invalid values.
        filters = super()._get_list_filter_args()
        kept = []
        for idx, name, value in filters or []:
            flt = self._filters[idx]
            if _storable(flt, value):
                kept.append((idx, name, value))
            else:
                flash(self.get_invalid_value_msg(value, flt), "error")
        return kept if filters is not None else None

    def _get_list_extra_args(self):
        # Flask-Admin passes ?page= to OFFSET as it comes: a negative one fails on
        # PostgreSQL, a huge one overflows SQLite. Out of range means the first or last page.
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_LIST_PAGE)
        if args.search:
            args.search = args.search.replace("\x00", "") or None  # PostgreSQL refuses NUL in text
        return args

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
