"""Error pages in the shared layout, or JSON for API callers."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

log = logging.getLogger("yoozak.errors")

MESSAGES = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Accès refusé : cette page est réservée aux administrateurs.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    413: "Requête trop volumineuse.",
    429: "Trop de tentatives : réessayez plus tard.",
    500: "Erreur interne : l'équipe technique a été prévenue.",
}


def wants_json() -> bool:
    """Tell whether the caller is an API client rather than a browser page."""
    if "/api/" in request.path:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, message: str | None = None, **extra):
    """Return an error as JSON or as a page in the shared layout (problem+json under /api/)."""
    from .api.problems import is_api_request, problem

    if is_api_request():
        return problem(status, message)
    message = message or MESSAGES.get(status, "Erreur.")
    if wants_json():
        response = jsonify({"error": message, "status": status, **extra})
        response.status_code = status
        return response
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def init_errorhandlers(app: Flask) -> None:
    """Register the handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return error_response(400, f"Jeton CSRF manquant ou invalide : {error.description}")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        from .api.problems import is_api_request, problem_from_http_exception

        if is_api_request():  # an unknown /api/ URL or method: no blueprint handler applies
            return problem_from_http_exception(error)
        status = error.code or 500
        description = error.description if status not in MESSAGES else None
        return error_response(status, description)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http_error(error)
        if app.testing and not app.config.get("SHOW_ERROR_PAGES"):
            raise error  # let the test see the real traceback
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(InternalServerError.code)
