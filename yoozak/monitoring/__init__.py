"""Monitoring: request ids and structured logs, slow requests, the health check."""

from __future__ import annotations

from flask import Flask


def init_monitoring(app: Flask) -> None:
    """Wire request ids, slow-request recording and /healthz into `app`."""
    from .health import healthz
    from .logs import init_request_id
    from .slow import init_slow_requests

    init_request_id(app)
    init_slow_requests(app)
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
