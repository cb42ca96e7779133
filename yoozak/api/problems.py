"""One error format for the whole API: application/problem+json (RFC 9457).

Every error an API route raises (abort, webargs validation, Flask-HTTPAuth, Flask-Limiter,
an unexpected exception) and every unrouted /api/ URL becomes
{"type", "title", "status", "detail", "errors": [{"location", "field", "message"}]}.
"""

from __future__ import annotations

import http
import json
import logging
from collections.abc import Iterable, Mapping

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db

log = logging.getLogger("yoozak.api")

PROBLEM_MIMETYPE = "application/problem+json"
API_PATH_PREFIX = "/api/"

DETAILS = {
    400: "The request is malformed or carries an unknown or invalid parameter.",
    401: "A valid API token is required: send `Authorization: Bearer <token>`.",
    403: "This token lacks the scope this operation needs.",
    404: "No such resource.",
    405: "This method is not allowed on this resource.",
    409: "The request conflicts with the current state of the resource.",
    412: "The resource changed since you read it: read it again and send its new ETag in If-Match.",
    415: "Send the request body as application/json.",
    422: "The request body is invalid.",
    428: "This update needs an If-Match header carrying the ETag of the resource you read.",
    429: "Too many requests for this token: wait for Retry-After seconds.",
    500: "Internal error: the team has been told.",
}


def is_api_request() -> bool:
    """Tell whether the current request is for the REST API (every path under /api/)."""
    return request.path.startswith(API_PATH_PREFIX)


def _flatten(messages: object, location: str, prefix: str = "") -> Iterable[dict[str, str]]:
    """Turn marshmallow's nested {field: [messages]} into a flat list of invalid fields."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, location, name)
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield {"location": location, "field": prefix or "_schema", "message": message}
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from _flatten(item, location, prefix)
    else:
        yield {"location": location, "field": prefix or "_schema", "message": str(messages)}


def field_errors(messages: object) -> list[dict[str, str]]:
    """Return webargs' {location: {field: [msg]}} (or a plain {field: msg}) as a flat list."""
    if not isinstance(messages, Mapping):
        return list(_flatten(messages, "body"))
    locations = ("json", "query", "path", "headers", "body")
    if messages and all(key in locations for key in messages):
        out: list[dict[str, str]] = []
        for location, inner in messages.items():
            out.extend(_flatten(inner, "body" if location == "json" else location))
        return out
    return list(_flatten(messages, "body"))


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    type_: str = "about:blank",
) -> Response:
    """Return an application/problem+json response."""
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail or DETAILS.get(status, title),
        "errors": errors or [],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status)
    response.mimetype = PROBLEM_MIMETYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_from_http_exception(error: HTTPException) -> Response:
    """Build the problem for an HTTPException, keeping webargs' field errors and its headers."""
    status = error.code or 500
    if status < 400:  # 304 Not Modified (If-None-Match): an empty answer, not a problem
        return current_app.response_class(status=status)
    data = getattr(error, "data", None) or {}
    errors = field_errors(data["messages"]) if "messages" in data else data.get("errors")
    detail = data.get("message")
    if detail is None and error.description and error.description != type(error).description:
        detail = error.description
    headers = dict(data.get("headers") or {})
    if error.response is not None:  # e.g. Flask-Limiter's 429 carries its own response
        headers.update({k: v for k, v in error.response.headers.items() if k.lower() == "retry-after"})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 400 and errors and detail is None:
        detail = "Invalid query parameters: see `errors`."
    if status == 422 and errors and detail is None:
        detail = "Invalid request body: see `errors`."
    return problem(status, detail, errors=errors, headers=headers)


def handle_http_exception(error: HTTPException) -> Response:
    """Error handler: any HTTPException raised while serving the API."""
    return problem_from_http_exception(error)


def handle_unexpected(error: Exception) -> Response:
    """Error handler: an uncaught exception, logged, answered as a 500 problem."""
    if isinstance(error, HTTPException):
        return problem_from_http_exception(error)
    if current_app.testing and not current_app.config.get("SHOW_ERROR_PAGES"):
        raise error  # let the test see the real traceback
    db.session.rollback()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return problem(InternalServerError.code)
