"""The worker's webhook tasks: deliver on commit, and every minute whatever is due."""

from __future__ import annotations

import logging

from huey.exceptions import TaskLockedException

from ..extensions import db
from ..worker import app_task, huey, register_periodic
from .delivery import DeliveryReport, deliver_due

logger = logging.getLogger("yoozak.webhooks")
# One delivery loop at a time across every worker (the lock lives in the queue's storage):
# per-client order holds without row locks, on SQLite as on PostgreSQL.
_delivery_lock = huey.lock_task("webhook-delivery")


def deliver_now() -> DeliveryReport | None:
    """Deliver what is due unless another worker is already at it (it will pick the new rows up)."""
    try:
        with _delivery_lock:
            report = deliver_due(db.session)
    except TaskLockedException:
        return None
    if report.attempts:
        logger.info("Webhooks: %s", report.line())
    return report


deliver_webhooks = app_task()(deliver_now)


def kick_delivery() -> None:
    """Enqueue a delivery run (unless WEBHOOKS_DELIVER_ON_COMMIT is off: tests drive the clock)."""
    from flask import current_app

    if not current_app.config.get("WEBHOOKS_DELIVER_ON_COMMIT", True):
        return
    try:
        deliver_webhooks()
    except Exception:  # the change is committed: never fail the request; the periodic run catches up
        logger.exception("Could not enqueue a webhook delivery run")


deliver_webhooks_periodically = register_periodic("webhooks-deliver-due", {"minute": "*"}, deliver_now)
