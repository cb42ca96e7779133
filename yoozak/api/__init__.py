"""REST API v1 at /api/v1/: token-authenticated, described in OpenAPI 3, built on flask-smorest.

`init_api(app)` mounts the resource blueprints, serves /api/v1/openapi.json (token holders
and admins) and the documentation page /api/v1/docs (admins), and makes every error under
/api/ an application/problem+json answer.
"""

from __future__ import annotations

import http
from functools import wraps

from flask import Flask
from flask_login import current_user
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from ..extensions import csrf
from .auth import SECURITY_SCHEME, auth_error, token_auth
from .blueprint import ApiBlueprint
from .problems import PROBLEM_MIMETYPE
from .schemas import ProblemSchema

DESCRIPTION = (
    "The Yoozak Clients back office for other systems. Send `Authorization: Bearer <token>` "
    "(tokens are created by an admin, each with scopes; an operation's scope is in `x-required-scope`). "
    "Lists are keyset-paginated: follow `next`. Errors are application/problem+json. "
    "POST takes an optional `Idempotency-Key`; PATCH needs `If-Match` with the ETag you read."
)


class YoozakApi(Api):
    """flask-smorest's Api, answering errors as problem+json and only for its own blueprints."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Leave the app's handlers alone: ours are registered per blueprint (see blueprint.py)."""

    def _register_responses(self):
        """Document every error response as application/problem+json."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (application/problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _admin_or_token(view):
    """Let admins logged in to the back office, or any valid API token, read `view`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        admin = current_user.is_authenticated and current_user.is_admin
        if not admin and not token_auth.authenticate(token_auth.get_auth(), None):
            return auth_error(401)
        return view(*args, **kwargs)

    return wrapper


def init_api(app: Flask) -> YoozakApi:
    """Create the API for `app`: blueprints, description, docs page and error handling."""
    from . import clients, docs, linking, orders, stats

    api = YoozakApi(app, spec_kwargs={"info": {"description": DESCRIPTION}})
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "An API token created in the admin."},
    )
    endpoint = "api-docs.openapi_json"
    app.view_functions[endpoint] = _admin_or_token(app.view_functions[endpoint])
    for module in (clients, orders, linking, stats):
        blp: ApiBlueprint = module.blp
        csrf.exempt(blp)  # no cookies on this API, so no CSRF
        api.register_blueprint(blp, url_prefix="/api/v1")
    app.register_blueprint(docs.bp, url_prefix="/api/v1")
    return api


__all__ = ["ApiBlueprint", "init_api"]
