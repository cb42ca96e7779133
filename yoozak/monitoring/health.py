"""`GET /healthz` for load balancers: no login, no personal data, 503 when the database is down."""

from __future__ import annotations

import logging

from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

log = logging.getLogger("yoozak.health")


def healthz():
    """Answer 200 {"status": "ok"} when `SELECT 1` answers, 503 otherwise."""
    try:
        # A connection of its own: the request's session may be in any state.
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health check: database unreachable (%s)", type(error).__name__)
        response = jsonify({"status": "unavailable", "database": "unreachable"})
        response.status_code = 503
    else:
        response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
