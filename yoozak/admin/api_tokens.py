"""Admin view of the REST API's tokens: create one (its secret shown once), revoke one."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from wtforms import IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..api.tokens import SCOPES, TokenError, create_token, revoke_token
from ..extensions import db
from ..formatting import format_date
from .base import CsrfForm, SecureModelView


class _Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _at_least_one(_form, field) -> None:
    # Not DataRequired: its `required` flag would put `required` on every checkbox.
    if not field.data:
        raise ValidationError("Choisissez au moins un droit.")


class ApiTokenForm(CsrfForm):
    """A new token: a name, its scopes and, optionally, a lifetime."""

    name = StringField("Nom", validators=[DataRequired(), Length(max=100)])
    scopes = _Checkboxes("Droits", choices=[(s, s) for s in SCOPES], validators=[_at_least_one])
    expires_in_days = IntegerField(
        "Expire dans (jours)",
        validators=[Optional(), NumberRange(1, 3650)],
        description="Vide : sans expiration.",
    )


def _when(attribute: str):
    return lambda v, c, m, n: (
        format_date(getattr(m, attribute), with_time=True) if getattr(m, attribute) else "—"
    )


class ApiTokenAdmin(SecureModelView):
    """The API tokens: only their prefix is ever shown again after creation."""

    can_edit = can_delete = False
    can_view_details = False
    # A list of checkboxes, not a fixed-height .form-control box that would overlap the next field.
    form_widget_args = {"scopes": {"class": "list-unstyled mb-0"}}
    column_default_sort = ("id", True)
    column_list = (
        "name",
        "prefix",
        "scopes",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    column_labels = {
        "name": "Nom",
        "prefix": "Début du jeton",
        "scopes": "Droits",
        "user": "Créé par",
        "created_at": "Créé le",
        "expires_at": "Expire le",
        "last_used_at": "Dernier usage",
        "revoked_at": "Révocation",
    }
    column_formatters = {
        "prefix": lambda v, c, m, n: f"{m.prefix}…",
        "scopes": lambda v, c, m, n: " ".join(m.scopes or []),
        "created_at": _when("created_at"),
        "expires_at": _when("expires_at"),
        "last_used_at": _when("last_used_at"),
        "revoked_at": lambda v, c, m, n: v.render_revocation(m),
    }

    def get_create_form(self):
        """Use the token form, not one generated from the model (which holds the hash)."""
        return ApiTokenForm

    def create_model(self, form):
        """Create the token for the current admin and show its secret once."""
        days = form.expires_in_days.data
        try:
            issued = create_token(
                db.session,
                form.name.data,
                form.scopes.data,
                user_id=current_user.id,
                expires_in=timedelta(days=days) if days else None,
            )
            db.session.commit()
        except TokenError as error:
            db.session.rollback()
            flash(str(error), "error")
            return False
        flash(
            f"Jeton « {issued.token.name} » créé. Copiez-le maintenant, il ne sera plus jamais affiché : "
            f"{issued.secret}",
            "success",
        )
        return issued.token

    def render_revocation(self, token) -> Markup:
        """Show when the token was revoked, or a POST button (with CSRF) that revokes it."""
        if token.revoked_at is not None:
            return Markup("{}").format(format_date(token.revoked_at, with_time=True))
        return Markup(
            '<form method="post" action="{}" class="d-inline">'
            '<input type="hidden" name="csrf_token" value="{}">'
            '<button class="btn btn-sm btn-outline-danger" type="submit">Révoquer</button></form>'
        ).format(url_for(".revoke", token_id=token.id), CsrfForm().csrf_token.current_token)

    @expose("/revoke/<int:token_id>", methods=["POST"])
    def revoke(self, token_id: int):
        """Revoke a token at once (CSRF checked app-wide); revoking twice changes nothing."""
        try:
            changed = revoke_token(db.session, token_id)
            db.session.commit()
        except TokenError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash("Jeton révoqué." if changed else "Ce jeton était déjà révoqué.", "success")
        return redirect(url_for(".index_view"))
