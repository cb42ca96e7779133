"""Admin views of the webhooks: the endpoints (with URL checks), the deliveries and their attempts."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField, ValidationError, widgets
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..formatting import format_date
from ..models.webhooks import WebhookDelivery, WebhookEndpoint
from ..webhooks.delivery import resend
from ..webhooks.signing import mask_secret, new_secret
from ..webhooks.tasks import kick_delivery
from ..webhooks.urls import UnsafeURL, check_webhook_url, url_policy
from .base import SecureModelView

EVENT_LABELS = {
    "client.created": "client.created — nouveau client",
    "client.updated": "client.updated — client modifié",
    "client.status_changed": "client.status_changed — activé / désactivé",
    "client.merged": "client.merged — clients fusionnés",
    "order.created": "order.created — nouvelle commande",
    "order.linked": "order.linked — commande liée à un client",
}
STATUS_LABELS = {"pending": "en attente", "delivered": "livrée", "failed": "échec"}


def checkbox_list(field, **_kwargs) -> Markup:
    """Render a multiple choice as Bootstrap checkboxes (Flask-Admin's form-control breaks a list)."""
    boxes = [
        Markup('<div class="form-check">{} {}</div>').format(
            option(class_="form-check-input"), option.label(class_="form-check-label")
        )
        for option in field
    ]
    return Markup('<div id="{}" class="mb-2">{}</div>').format(field.id, Markup("").join(boxes))


class EventsField(SelectMultipleField):
    """The event types as checkboxes; at least one."""

    widget = staticmethod(checkbox_list)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=list(EVENT_LABELS.items()), **kwargs)

    def pre_validate(self, form) -> None:
        if not self.data:
            raise ValidationError("Choisissez au moins un événement.")
        super().pre_validate(form)


def _check_url(_form, field) -> None:
    try:
        field.data = check_webhook_url(field.data, **url_policy(current_app.config))
    except UnsafeURL as error:
        raise ValidationError(str(error)) from error


def _dt(attr: str):
    return lambda v, c, m, n: format_date(getattr(m, attr), with_time=True) if getattr(m, attr) else "—"


class WebhookEndpointAdmin(SecureModelView):
    """Receivers of the webhooks: URL, events, active; the secret is shown once, then masked."""

    column_list = ("url", "description", "events", "active", "failing_since", "disabled_reason", "created_at")
    column_details_list = (*column_list, "secret")
    column_labels = {
        "url": "URL",
        "description": "Description",
        "events": "Événements",
        "active": "Actif",
        "failing_since": "En échec depuis",
        "disabled_reason": "Motif de désactivation",
        "created_at": "Créé le",
        "secret": "Secret de signature",
    }
    column_formatters = {
        "events": lambda v, c, m, n: ", ".join(m.events or []),
        "secret": lambda v, c, m, n: mask_secret(m.secret),
        "failing_since": _dt("failing_since"),
        "created_at": _dt("created_at"),
    }
    column_filters = ("active",)
    column_default_sort = ("id", True)
    form_columns = ("url", "description", "events", "active")
    form_overrides = {"url": StringField, "events": EventsField}
    form_args = {
        "url": {"label": "URL", "validators": [DataRequired(), Length(max=500), _check_url]},
        "description": {"label": "Description", "validators": [Optional(), Length(max=200)]},
        "events": {"label": "Événements"},
        "active": {"label": "Actif"},
    }

    def on_model_change(self, form, model: WebhookEndpoint, is_created: bool) -> None:
        """Give a new endpoint its secret; re-enabling one forgets its past failures."""
        if is_created:
            model.secret = new_secret()
        if model.active:
            model.failing_since = None
            model.disabled_reason = None

    def after_model_change(self, form, model: WebhookEndpoint, is_created: bool) -> None:
        """Show a new endpoint's secret, once."""
        if is_created:
            flash(
                Markup(
                    "Secret de signature de ce webhook (affiché une seule fois, copiez-le) : <code>{}</code>"
                ).format(model.secret),
                "warning",
            )

    @action(
        "rotate_secret",
        "Régénérer le secret",
        "Régénérer le secret ? Le récepteur devra utiliser le nouveau.",
    )
    def action_rotate_secret(self, ids: list[str]) -> None:
        """Give the selected endpoints new secrets, shown once."""
        endpoints = db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.id.in_([int(i) for i in ids]))
        ).all()
        for endpoint in endpoints:
            endpoint.secret = new_secret()
        db.session.commit()
        for endpoint in endpoints:
            flash(
                Markup("Nouveau secret de {} : <code>{}</code>").format(endpoint.url, endpoint.secret),
                "warning",
            )


class WebhookDeliveryAdmin(SecureModelView):
    """Every event sent to every endpoint, its attempts, and "Renvoyer"."""

    can_create = can_edit = can_delete = False
    details_template = "admin/webhook_delivery_details.html"
    # A link run can queue a million deliveries: no count(*) for the pager.
    simple_list_pager = True
    column_default_sort = ("id", True)
    column_list = (
        "id",
        "event_type",
        "endpoint",
        "client_id",
        "order_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
    )
    column_details_list = (*column_list, "created_at", "first_attempt_at")
    column_labels = {
        "event_type": "Événement",
        "endpoint": "Webhook",
        "client_id": "Client",
        "order_id": "Commande",
        "status": "État",
        "attempts": "Essais",
        "next_attempt_at": "Prochain essai",
        "last_status_code": "Dernier code",
        "last_error": "Dernière erreur",
        "delivered_at": "Livrée le",
        "created_at": "Créée le",
        "first_attempt_at": "Premier essai",
    }
    column_filters = ("status", "event_type", "endpoint_id", "client_id")
    column_formatters = {
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "next_attempt_at": lambda v, c, m, n: (
            format_date(m.next_attempt_at, with_time=True) if m.status == "pending" else "—"
        ),
        "delivered_at": _dt("delivered_at"),
        "created_at": _dt("created_at"),
        "first_attempt_at": _dt("first_attempt_at"),
    }

    def _resend(self, ids: list[int]) -> int:
        count = resend(db.session, ids)
        db.session.commit()
        kick_delivery()
        return count

    @action("resend", "Renvoyer", "Renvoyer les livraisons sélectionnées ?")
    def action_resend(self, ids: list[str]) -> None:
        """Queue the selected deliveries again, due now."""
        count = self._resend([int(i) for i in ids])
        flash(f"{count} livraison(s) remise(s) en file d'envoi.", "success")

    @expose("/resend/<int:delivery_id>", methods=["POST"])
    def resend_one(self, delivery_id: int):
        """Queue one delivery again (the button of the details page; CSRF checked app-wide)."""
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            flash("Livraison introuvable.", "danger")
            return redirect(url_for(".index_view"))
        self._resend([delivery_id])
        if not delivery.endpoint.active:
            flash(
                "Livraison remise en file ; le webhook est désactivé : réactivez-le pour qu'elle parte.",
                "warning",
            )
        else:
            flash("Livraison remise en file d'envoi.", "success")
        return redirect(request.form.get("next") or url_for(".details_view", id=delivery_id))
