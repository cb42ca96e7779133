"""Forms of the auth blueprint."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    """E-mail and password, with Flask-WTF's CSRF token."""

    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    password = PasswordField("Mot de passe", validators=[DataRequired(), Length(max=200)])
    next = StringField()


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons (logout, toggles)."""
