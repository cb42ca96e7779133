"""Authentication: login, logout, the access rules every route obeys, `flask create-admin`."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="../templates")

from . import access, views  # noqa: E402,F401
