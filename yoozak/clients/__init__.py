"""The clients feature: list and detail pages, their JSON API and the maintenance commands."""

from flask import Blueprint

bp = Blueprint("clients", __name__, template_folder="../templates")

from . import api, duplicate_views, export, privacy, views  # noqa: E402,F401
