"""The client history in the admin: read-only, filtered by actor, source, action, client and date."""

from __future__ import annotations

from flask import url_for
from flask_admin.contrib.sqla.filters import DateTimeBetweenFilter, FilterEqual, FilterLike, IntEqualFilter
from markupsafe import Markup

from ..formatting import format_date
from ..history.timeline import ACTION_LABELS, SOURCE_LABELS, actor_label, describe
from ..models import ClientEvent
from .base import SecureModelView


def _client_link(view, context, model: ClientEvent, name):
    if model.client_id is None:
        return Markup('<span class="text-muted">—</span>')
    href = url_for("clients.client_detail", client_id=model.client_id)
    return Markup('<a href="{}">#{}</a>').format(href, model.client_id)


def _changes(view, context, model: ClientEvent, name):
    return Markup("<br>").join(describe(model))


class ClientEventAdmin(SecureModelView):
    """Every history entry, newest first. Nothing here creates, edits or deletes one."""

    can_create = can_edit = can_delete = False
    can_export = False
    action_disallowed_list = ["delete"]
    # The table grows with every change: no count(*) over it for the pager.
    simple_list_pager = True
    column_default_sort = ("id", True)
    column_list = ("at", "client_id", "action", "changes", "actor", "source")
    column_details_list = ("at", "client_id", "action", "changes", "actor", "actor_id", "source")
    column_labels = {
        "at": "Date",
        "client_id": "Client",
        "action": "Action",
        "changes": "Détail",
        "actor": "Par",
        "actor_id": "Compte",
        "source": "Origine",
    }
    column_filters = (
        FilterLike(ClientEvent.actor, "Par"),
        FilterEqual(ClientEvent.source, "Origine", options=list(SOURCE_LABELS.items())),
        FilterEqual(ClientEvent.action, "Action", options=list(ACTION_LABELS.items())),
        IntEqualFilter(ClientEvent.client_id, "Client"),
        DateTimeBetweenFilter(ClientEvent.at, "Date"),
    )
    column_formatters = {
        "at": lambda v, c, m, n: format_date(m.at, with_time=True),
        "client_id": _client_link,
        "action": lambda v, c, m, n: ACTION_LABELS.get(m.action, m.action),
        "changes": _changes,
        "actor": lambda v, c, m, n: actor_label(m),
        "source": lambda v, c, m, n: SOURCE_LABELS.get(m.source, m.source),
    }
    column_formatters_detail = column_formatters
