"""`flask create-admin`."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ..extensions import db
from ..models import User

MIN_PASSWORD_LENGTH = 8


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password; prompted for (hidden) when omitted.")
@click.option("--first-name", default="", help="First name.")
@click.option("--last-name", default="", help="Last name.")
def create_admin(email: str, password: str | None, first_name: str, last_name: str) -> None:
    """Create an admin account, or make an existing account an admin with a new password."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from error
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"must be at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password"
        )
    user = db.session.scalar(select(User).where(User.email == email))
    created = user is None
    if user is None:
        user = User(email=email, username=_free_username(email.split("@")[0]))
        db.session.add(user)
    user.first_name = first_name or user.first_name or ""
    user.last_name = last_name or user.last_name or ""
    user.is_admin = True
    user.is_active = True
    user.set_password(password)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} admin {email}.")


def _free_username(base: str) -> str:
    candidate, n = base, 1
    while db.session.scalar(select(User.id).where(User.username == candidate)) is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate
