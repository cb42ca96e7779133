"""Token authentication of the API: Flask-HTTPAuth over `Authorization: Bearer <token>`.

`token_required(scope)` goes directly under `@blp.route` (or first on a MethodView method):
it authenticates, checks the scope, applies the per-token rate limit, and documents all three.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

from flask import current_app, g
from flask_httpauth import HTTPTokenAuth
from sqlalchemy import text

from ..extensions import db, limiter
from ..models import ApiToken
from ..timeutil import utcnow
from .problems import problem
from .tokens import find_token, touch

token_auth = HTTPTokenAuth(scheme="Bearer", realm="Yoozak API")
SECURITY_SCHEME = "bearerAuth"


@token_auth.verify_token
def _verify(secret: str) -> ApiToken | None:
    """Return the usable token behind this secret, and remember why a refused one was refused."""
    token = find_token(db.session, secret) if secret else None
    now = utcnow()
    if token is None:
        g.api_auth_detail = "Missing or unknown API token." if secret else None
        return None
    if token.revoked_at is not None:
        g.api_auth_detail = "This API token has been revoked."
        return None
    if not token.is_usable(now):
        g.api_auth_detail = "This API token has expired."
        return None
    touch(db.session, token, now)
    g.api_token = token
    # The history of changes made through the API says which token (and whose) made them.
    g.actor = (token.user_id, f"api:{token.name}")
    return token


@token_auth.get_user_roles
def _scopes(token: ApiToken) -> list[str]:
    return list(token.scopes or [])


@token_auth.error_handler
def auth_error(status: int):
    """Answer a refused token (401) or a missing scope (403) as problem+json."""
    if status == 403:
        return problem(403, f"This token lacks the `{g.get('api_required_scope')}` scope.")
    return problem(401, g.get("api_auth_detail"))


def current_token() -> ApiToken:
    """Return the token of the current request (inside a token_required view)."""
    return g.api_token


def take_write_lock() -> None:
    """On SQLite, take the database's write lock now, before reading what a request will change.

    SQLite has no row locks (FOR UPDATE is ignored) and the driver starts a transaction only at
    the first write: without this, another request could commit between our If-Match check and
    our write. A no-op write on the caller's own token row opens the write transaction first.
    PostgreSQL relies on SELECT ... FOR UPDATE instead.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE api_tokens SET id = id WHERE id = :id"), {"id": current_token().id})


def _rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


def _rate_key() -> str:
    token = g.get("api_token")
    return f"api-token:{token.id}" if token is not None else "api-token:none"


_DOC_RESPONSES = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 429: "TOO_MANY_REQUESTS"}


def token_required(scope: str) -> Callable:
    """Require a valid token with `scope`, then count the request against the token's limit."""

    def decorator(view: Callable) -> Callable:
        limited = limiter.shared_limit(_rate_limit, scope="api", key_func=_rate_key)(view)

        protected = token_auth.login_required(role=scope)(limited)

        def wrapper(*args, **kwargs):
            g.api_required_scope = scope
            return protected(*args, **kwargs)

        wrapper.__name__ = view.__name__
        wrapper.__qualname__ = view.__qualname__
        wrapper.__doc__ = view.__doc__
        wrapper.__module__ = view.__module__
        apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual = apidoc.setdefault("manual_doc", {})
        # Bearer schemes take no scope list in OpenAPI 3.0: the scope goes in an extension.
        manual.setdefault("security", [{SECURITY_SCHEME: []}])
        manual["x-required-scope"] = scope
        responses = manual.setdefault("responses", {})
        for status, name in _DOC_RESPONSES.items():
            responses.setdefault(status, name)
        wrapper._apidoc = apidoc
        return wrapper

    return decorator
