"""Run a long job in the worker and tell the admin who asked when it is done.

    from yoozak.worker.jobs import run_and_notify
    run_and_notify("yoozak.exports.xlsx:build_clients_xlsx", {"filters": {...}}, current_user.id,
                   "Export des clients")

The callable (a "module:function" path, so the queue stores a name, not code) runs in the
worker with an application context and returns the URL of its result (a download link);
the admin then gets a notification with that link, or one saying the job failed.
"""

from __future__ import annotations

import logging
from typing import Any

from werkzeug.utils import import_string

from ..extensions import db
from ..models.notifications import Notification
from . import app_task

logger = logging.getLogger("yoozak.worker")


def notify_user(user_id: int, kind: str, title: str, body: str = "", url: str | None = None) -> Notification:
    """Add a notification for one admin to the current session (not committed)."""
    notification = Notification(user_id=user_id, kind=kind, title=title[:200], body=body, url=url)
    db.session.add(notification)
    return notification


@app_task()
def run_and_notify(target: str, kwargs: dict[str, Any], user_id: int, title: str) -> str | None:
    """Call `target(**kwargs)`; notify `user_id` with the URL it returns, or of its failure."""
    try:
        url = import_string(target.replace(":", "."))(**kwargs)
    except Exception as error:
        logger.exception("Job %s failed", target)
        db.session.rollback()
        notify_user(user_id, "task_failed", f"Échec : {title}", body=str(error)[:500])
        db.session.commit()
        return None
    notify_user(user_id, "export_ready", f"Prêt : {title}", body="Le fichier est prêt.", url=url)
    db.session.commit()
    return url
