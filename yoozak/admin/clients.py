"""Client admin: search, filters, aggregates, batch (de)activation, links to orders."""

from __future__ import annotations

from flask import flash, url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from markupsafe import Markup, escape

from ..clients.services import client_stats, planned_search, set_clients_active
from ..extensions import db
from ..formatting import format_date, format_mad
from ..linking.normalize import format_phone_human
from ..models import Client, User
from ..models.segments import SEGMENT_LABELS
from ..routing import parse_id
from .base import IdAjaxModelLoader, SecureModelView
from .exports import ClientExportMixin


def _name_link(view, context, model: Client, name):
    return Markup('<a href="{}">{}</a>').format(
        url_for("clients.client_detail", client_id=model.id), model.full_name
    )


def _orders_link(view: ClientAdmin, context, model: Client, name):
    arg = view.order_filter_arg()
    if not arg:
        return model.orders_count
    href = url_for("order_admin.index_view", **{arg: model.id})
    return Markup('<a href="{}" title="Voir les commandes">{}</a>').format(href, model.orders_count)


def _segment_badge(view, context, model: Client, name):
    label = SEGMENT_LABELS.get(model.segment, model.segment)
    css = "segment-" + model.segment.replace("_", "-")
    return Markup('<span class="badge segment-badge {}">{}</span>').format(css, label)


class ClientAdmin(ClientExportMixin, SecureModelView):
    """Clients with their aggregates and segment; deactivation instead of deletion; streamed export."""

    list_template = "admin/client_list.html"
    can_delete = False
    column_list = (
        "full_name",
        "email",
        "phone",
        "company_name",
        "is_active",
        "segment",
        "orders_count",
        "total_spent",
        "last_order_at",
        "created_at",
    )
    column_labels = {
        "full_name": "Nom",
        "email": "E-mail",
        "phone": "Téléphone",
        "company_name": "Société",
        "is_active": "Actif",
        "segment": "Segment",
        "orders_count": "Commandes",
        "total_spent": "Total dépensé",
        "last_order_at": "Dernière commande",
        "created_at": "Créé le",
        "address": "Adresse",
        "user": "Compte",
        "updated_at": "Modifié le",
    }
    column_sortable_list = (
        ("full_name", "sort_name"),
        "company_name",
        "is_active",
        "segment",
        "orders_count",
        "total_spent",
        "last_order_at",
        "created_at",
    )
    column_default_sort = ("created_at", True)
    # search_text holds name, e-mail, username, address and company, folded; the phone is
    # matched on its digits in any spelling. _apply_search uses the list page's own logic.
    column_searchable_list = ("search_text",)
    column_filters = (
        "is_active",
        FilterEqual(Client.segment, "Segment", options=list(SEGMENT_LABELS.items())),
        "created_at",
        "company_name",
    )
    column_formatters = {
        "full_name": _name_link,
        "segment": _segment_badge,
        "orders_count": _orders_link,
        "phone": lambda v, c, m, n: format_phone_human(m.phone),
        "total_spent": lambda v, c, m, n: format_mad(m.total_spent),
        "last_order_at": lambda v, c, m, n: format_date(m.last_order_at),
        "created_at": lambda v, c, m, n: format_date(m.created_at),
        "email": lambda v, c, m, n: escape(m.email),
    }
    column_details_list = (
        "full_name",
        "email",
        "phone",
        "address",
        "company_name",
        "is_active",
        "segment",
        "orders_count",
        "total_spent",
        "last_order_at",
        "created_at",
        "updated_at",
    )
    form_columns = ("user", "phone", "address", "company_name", "is_active")
    # Law 09-08 requests: export or erase one client, on the client pages' form.
    column_extra_row_actions = [
        EndpointLinkRowAction(
            "fa fa-user-secret", "clients.client_privacy", title="Données personnelles", id_arg="client_id"
        )
    ]
    form_ajax_refs = {
        "user": IdAjaxModelLoader(
            "user", db.session, User, fields=["email", "username", "last_name"], page_size=10
        )
    }

    def order_filter_arg(self) -> str | None:
        """Return the Order list's URL argument that filters on one client."""
        for view in self.admin._views:
            if getattr(view, "endpoint", None) == "order_admin":
                return view.filter_url_arg("client_id", "equals")
        return None

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # The list page's plan: a few matches become a list of ids; many are counted from
        # the index while the page tests each row it walks in the sort column's index.
        planned = planned_search(db.session, search)
        if planned is not None:
            rows, counted = planned
            query = query.filter(rows)
            if count_query is not None:
                count_query = count_query.filter(counted)
        return query, count_query, joins, count_joins

    def render(self, template, **kwargs):
        """Add the stats header to the list page."""
        if template == self.list_template:
            kwargs["stats"] = client_stats(db.session)
        return super().render(template, **kwargs)

    def _set_active(self, ids: list[str], active: bool) -> None:
        # Row ids come from the form: one that is not an id names no client.
        valid = [pk for pk in map(parse_id, ids) if pk is not None]
        changed = set_clients_active(db.session, valid, active)
        db.session.commit()
        verb = "activé" if active else "désactivé"
        flash(f"{changed} client(s) {verb}(s) sur {len(ids)} sélectionné(s).", "success")

    @action("activate", "Activer", "Activer les clients sélectionnés ?")
    def action_activate(self, ids: list[str]) -> None:
        """Activate the selected clients."""
        self._set_active(ids, True)

    @action("deactivate", "Désactiver", "Désactiver les clients sélectionnés ?")
    def action_deactivate(self, ids: list[str]) -> None:
        """Deactivate the selected clients."""
        self._set_active(ids, False)
