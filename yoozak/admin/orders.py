"""Order admin: search, filters on status, link state, method and date; a link to the client."""

from __future__ import annotations

from decimal import Decimal

from flask import g, url_for
from flask_admin.contrib.sqla.filters import (
    DateTimeBetweenFilter,
    FilterEmpty,
    FilterEqual,
    IntEqualFilter,
)
from markupsafe import Markup
from wtforms.validators import ValidationError

from ..clients.orders import METHOD_LABELS, STATUS_LABELS
from ..extensions import db
from ..formatting import format_date, format_mad
from ..linking.normalize import format_phone_human
from ..models import Client, LinkMethod, Order, OrderStatus
from ..seeding.parsing import MAX_PRICE
from ..timeutil import utcnow
from .base import IdAjaxModelLoader, SecureModelView
from .exports import OrderExportMixin


def _client_link(view, context, model: Order, name):
    if model.client is None:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<a href="{}">{}</a>').format(
        url_for("clients.client_detail", client_id=model.client.id), model.client.full_name
    )


def _valid_price(form, field) -> None:
    # NUMERIC(10, 2) would round a third decimal away silently, and fail on a larger value.
    price = field.data
    if price is None:
        return
    if not price.is_finite() or not 0 <= price <= MAX_PRICE:
        raise ValidationError(f"Le prix doit être compris entre 0 et {MAX_PRICE} MAD.")
    if price != price.quantize(Decimal("0.01")):
        raise ValidationError("Le prix a au plus 2 décimales.")


class OrderAdmin(OrderExportMixin, SecureModelView):
    """Orders, newest first; an admin's link choice is recorded as a manual link."""

    can_delete = False
    column_list = (
        "reference",
        "client_name",
        "phone",
        "city",
        "price",
        "status",
        "created_at",
        "client",
        "link_method",
        "link_score",
    )
    column_labels = {
        "reference": "Référence",
        "client_name": "Nom saisi",
        "phone": "Téléphone",
        "city": "Ville",
        "price": "Prix",
        "status": "Statut",
        "created_at": "Date",
        "client": "Client",
        "link_method": "Liaison",
        "link_score": "Score",
        "email": "E-mail",
        "address": "Adresse",
    }
    column_sortable_list = ("reference", "price", "status", "created_at", "link_method")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("reference", "client_name", "phone", "email")
    column_filters = (
        FilterEqual(Order.status, "Statut", options=list(STATUS_LABELS.items())),
        FilterEmpty(Order.client_id, "Sans client"),
        FilterEqual(Order.link_method, "Méthode", options=list(METHOD_LABELS.items())),
        DateTimeBetweenFilter(Order.created_at, "Date"),
        IntEqualFilter(Order.client_id, "Client"),
    )
    column_formatters = {
        "client": _client_link,
        "price": lambda v, c, m, n: format_mad(m.price),
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "created_at": lambda v, c, m, n: format_date(m.created_at, with_time=True),
        "phone": lambda v, c, m, n: format_phone_human(m.phone),
        "link_method": lambda v, c, m, n: METHOD_LABELS.get(m.link_method or "", "—"),
        "link_score": lambda v, c, m, n: "" if m.link_score is None else f"{m.link_score:.2f}",
    }
    form_columns = (
        "reference",
        "client_name",
        "email",
        "phone",
        "address",
        "city",
        "price",
        "status",
        "created_at",
        "client",
    )
    form_args = {"price": {"validators": [_valid_price]}}
    form_choices = {"status": [(s.value, STATUS_LABELS[s.value]) for s in OrderStatus]}
    form_ajax_refs = {
        "client": IdAjaxModelLoader("client", db.session, Client, fields=["search_text"], page_size=10)
    }

    def get_query(self):
        """Load each order's client and user with the page, not one query per row."""
        from sqlalchemy.orm import joinedload

        if g.get("admin_export"):
            return super().get_query()  # the file shows the client's id only
        return super().get_query().options(joinedload(Order.client))

    def on_model_change(self, form, model: Order, is_created: bool) -> None:
        """Record an admin's choice of client as a manual link."""
        client_field = getattr(form, "client", None)
        if client_field is None or (client_field.object_data == client_field.data and not is_created):
            return
        if model.client is not None:
            model.link_method = LinkMethod.MANUAL.value
            model.link_score = 1.0
            model.linked_at = utcnow()
        elif not is_created:
            model.link_method = None
            model.link_score = None
            model.linked_at = None
