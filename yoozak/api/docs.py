"""/api/v1/docs: the API's documentation page, Swagger UI served from vendored files (admins)."""

from __future__ import annotations

from flask import Blueprint, render_template

SWAGGER_UI = "vendor/swagger-ui-5.35.0"

# A plain blueprint: the back office's session rule (admins only) applies to it.
bp = Blueprint("api_docs_page", __name__, template_folder="templates")


@bp.get("/docs")
def docs():
    """Show the OpenAPI description in Swagger UI (no inline script: api-docs.js starts it)."""
    return render_template("api/docs.html", swagger_ui=SWAGGER_UI)
