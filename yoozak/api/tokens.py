"""API tokens: opaque random secrets, stored as their SHA-256, with scopes; and their command."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import ApiToken, User
from ..timeutil import utcnow

SCOPES = (
    "clients:read",
    "clients:write",
    "orders:read",
    "orders:write",
    "links:read",
    "links:write",
    "stats:read",
)
TOKEN_PREFIX = "yzk_"
DISPLAY_PREFIX_LENGTH = 12
# Touch last_used_at at most this often, so that reads do not each write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: the row, and its secret, shown this once only."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """Return the SHA-256 (hex) under which a token's secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_duration(value: str) -> timedelta:
    """Parse "90d", "12h", "30m" or "2w" into a timedelta."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([mhdw])\s*", value or "")
    if not match:
        raise TokenError(f"invalid duration {value!r}: use e.g. 90d, 12h, 30m or 2w")
    amount, unit = int(match.group(1)), match.group(2)
    if amount == 0:
        raise TokenError("the duration must be positive")
    return {
        "m": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
        "w": timedelta(weeks=amount),
    }[unit]


def check_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    """Return the scopes, de-duplicated in the canonical order; refuse unknown ones."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise TokenError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    return [scope for scope in SCOPES if scope in set(scopes)]


def create_token(
    session: Session,
    name: str,
    scopes: list[str] | tuple[str, ...],
    *,
    user_id: int | None = None,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Create a token (not committed) and return it with its secret."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenError("a token needs a name of 1 to 100 characters")
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        scopes=check_scopes(scopes),
        user_id=user_id,
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


def find_token(session: Session, secret: str) -> ApiToken | None:
    """Return the token whose secret this is (revoked and expired ones too), or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))


def revoke_token(session: Session, token_id: int, now: datetime | None = None) -> bool:
    """Revoke a token; return False if it was revoked already (idempotent)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no API token #{token_id}")
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    return True


def touch(session: Session, token: ApiToken, now: datetime | None = None) -> None:
    """Record the token's use, at most once per LAST_USED_RESOLUTION (committed at once)."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.commit()


@click.command("create-api-token")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, help=f"One of: {', '.join(SCOPES)}.")
@click.option("--expires-in", default=None, help="Lifetime, e.g. 90d, 12h, 2w (default: no expiry).")
@click.option("--user", "user_email", default=None, help="E-mail of the admin the token acts for.")
@with_appcontext
def create_api_token(name: str, scopes: tuple[str, ...], expires_in: str | None, user_email: str | None):
    """Create an API token and print its secret (shown this once only)."""
    try:
        lifetime = parse_duration(expires_in) if expires_in else None
        user_id = None
        if user_email:
            user = db.session.scalar(select(User).where(User.email == user_email.strip().lower()))
            if user is None or not user.is_admin:
                raise TokenError(f"no admin account {user_email!r}")
            user_id = user.id
        issued = create_token(db.session, name, list(scopes), user_id=user_id, expires_in=lifetime)
    except TokenError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    token = issued.token
    click.echo(f"API token #{token.id} {token.name!r}, scopes: {' '.join(token.scopes)}")
    if token.expires_at:
        click.echo(f"Expires at {token.expires_at.isoformat(timespec='seconds')}Z")
    click.echo("Secret (shown once, store it now):")
    click.echo(issued.secret)
