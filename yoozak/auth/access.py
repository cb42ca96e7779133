"""Access rules, secure by default: every endpoint needs an admin unless listed here."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from ..extensions import db, login_manager
from ..models import User
from . import bp

# Endpoints anyone may reach, logged in or not.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "healthz"})
# Endpoints any logged-in user may reach, admin or not.
LOGIN_ONLY_ENDPOINTS = frozenset({"auth.logout"})
# The REST API (yoozak/api) checks an API token on each of its endpoints instead of the
# session: its resource blueprints are named api_v1_*, and the OpenAPI document takes either.
TOKEN_BLUEPRINT_PREFIX = "api_v1_"
TOKEN_ENDPOINTS = frozenset({"api-docs.openapi_json"})


def is_public(endpoint: str | None) -> bool:
    """Tell whether an endpoint is served without a login (static files of blueprints too)."""
    if endpoint is None:
        return True  # no route matched: let the 404 handler answer
    return endpoint in PUBLIC_ENDPOINTS


def uses_token_auth(endpoint: str | None) -> bool:
    """Tell whether an endpoint authenticates with an API token (checked by the API itself)."""
    return endpoint is not None and (
        endpoint.startswith(TOKEN_BLUEPRINT_PREFIX) or endpoint in TOKEN_ENDPOINTS
    )


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user behind a session, refusing stale session versions and inactive users."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    from ..errors import error_response, wants_json

    if wants_json():
        return error_response(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def require_admin():
    """Send anonymous visitors to the login page and refuse non-admins with a 403."""
    endpoint = request.endpoint
    if is_public(endpoint) or uses_token_auth(endpoint) or (endpoint or "").endswith(".static"):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if endpoint in LOGIN_ONLY_ENDPOINTS:
        return None
    if not current_user.is_admin:
        abort(403)
    return None
