"""User admin: the password hash is never shown; a password field sets it."""

from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import Length, Optional

from ..formatting import format_date
from .base import SecureModelView


class UserAdmin(SecureModelView):
    """Accounts of admins and clients."""

    can_delete = False
    column_list = ("email", "username", "first_name", "last_name", "is_admin", "is_active", "date_joined")
    column_labels = {
        "email": "E-mail",
        "username": "Identifiant",
        "first_name": "Prénom",
        "last_name": "Nom",
        "is_admin": "Administrateur",
        "is_active": "Actif",
        "date_joined": "Inscrit le",
        "password": "Nouveau mot de passe",
    }
    column_searchable_list = ("email", "username", "first_name", "last_name")
    column_filters = ("is_admin", "is_active", "date_joined")
    column_default_sort = ("date_joined", True)
    column_formatters = {"date_joined": lambda v, c, m, n: format_date(m.date_joined)}
    column_exclude_list = ("password_hash", "session_version")
    column_details_exclude_list = ("password_hash", "session_version")
    form_columns = ("email", "username", "first_name", "last_name", "is_admin", "is_active", "password")
    form_extra_fields = {
        "password": PasswordField("Nouveau mot de passe", validators=[Optional(), Length(min=8, max=200)])
    }

    def on_model_change(self, form, model, is_created: bool) -> None:
        """Hash a new password when one was typed."""
        if form.password.data:
            model.set_password(form.password.data)
