"""The background worker: huey, on a SQLite file by default and on Redis when configured.

Tasks run with an application context, so they use `db.session` like a request does.
Other features declare their work here:

    from yoozak.worker import app_task, register_periodic

    @app_task()
    def rebuild_something(client_id: int) -> None: ...

    register_periodic("purge-old-rows", {"hour": "3", "minute": "15"}, purge_old_rows)

`rebuild_something(12)` then enqueues the call (and runs it at once under tests, where huey
is in immediate mode). Periodic tasks must be registered at import time of a module that
`yoozak.worker.registry` imports, so that `flask worker` knows them before it starts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage

logger = logging.getLogger("yoozak.worker")

# Created in immediate mode (in-memory, no I/O at import); `init_worker` points it at the
# configured storage. One queue per process: the web app and the consumer share its name.
huey = Huey("yoozak", immediate=True, storage_class=SqliteStorage, utc=True)
_state: dict[str, Flask | None] = {"app": None}

QUEUE_FILENAME = "worker-queue.db"


def configure_huey(app: Flask) -> None:
    """Point huey at Redis (WORKER_REDIS_URL), a SQLite file in the instance folder, or memory."""
    _state["app"] = app
    immediate = bool(app.config.get("WORKER_IMMEDIATE")) or (
        app.testing and app.config.get("WORKER_IMMEDIATE") is None
    )
    if immediate:
        huey.storage_kwargs = {}
        huey.immediate = True
        return
    if url := app.config.get("WORKER_REDIS_URL"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": url}
    else:
        path = app.config.get("WORKER_SQLITE_PATH") or str(Path(app.instance_path) / QUEUE_FILENAME)
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": path}
    huey._immediate = False
    huey.storage = huey.create_storage()


def init_worker(app: Flask) -> None:
    """Configure the queue for `app` and register the tasks every feature declares."""
    configure_huey(app)
    from . import registry  # noqa: F401  (imports the modules that declare tasks)


def _flask_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    app = _state["app"]
    if app is None:
        raise RuntimeError("yoozak.worker: no application configured (create_app was not called)")
    return app


def with_app_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run `fn` inside a fresh application context of the app (its own database session)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ..extensions import db

        with _flask_app().app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def app_task(**task_options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a huey task that runs with an application context (options as huey.task)."""

    def decorate(fn: Callable[..., Any]):
        return huey.task(name=f"{fn.__module__}.{fn.__name__}", **task_options)(with_app_context(fn))

    return decorate


def register_periodic(name: str, crontab_kwargs: dict[str, str], fn: Callable[[], Any], **task_options: Any):
    """Run `fn()` on a schedule (huey crontab keywords: minute, hour, day, month, day_of_week; UTC).

    Returns the huey task, which can also be called to enqueue one run now.
    """
    schedule = crontab(**crontab_kwargs)
    return huey.periodic_task(schedule, name=name, **task_options)(with_app_context(fn))


__all__ = ["app_task", "configure_huey", "crontab", "huey", "init_worker", "register_periodic"]
