"""Yoozak Clients: the client-management back office of Yoozak."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import DEFAULTS, check_secret_key, from_environment, normalise_database_url, sqlite_uri
from .extensions import csrf, db, limiter, login_manager, migrate
from .routing import init_routing
from .security import init_security_headers


def create_app(config: Mapping[str, object] | None = None, instance_path: str | None = None) -> Flask:
    """Create and configure an application; tests pass `config` instead of instance/config.py.

    `instance_path` moves the instance folder (files the app writes: prepared exports, the
    worker's queue), so that tests keep theirs in a temporary directory.
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(DEFAULTS)
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if config is not None:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_uri(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    check_secret_key(app.config["SECRET_KEY"])

    configure_logging(app)
    init_routing(app)
    register_extensions(app)
    register_monitoring(app)
    register_blueprints(app)
    register_admin(app)
    register_api(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    register_integrations(app)
    init_security_headers(app)
    return app


def configure_logging(app: Flask) -> None:
    """Give the `yoozak` logger one handler, once per process: plain text, or JSON lines."""
    from .monitoring.logs import configure_handler

    logger = logging.getLogger("yoozak")
    logger.setLevel(str(app.config["LOG_LEVEL"]).upper())
    configure_handler(logger, str(app.config["LOG_FORMAT"]).lower())


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in extensions.py to this app."""
    from . import history, models  # noqa: F401  (registers the mappers and session hooks)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)


def register_monitoring(app: Flask) -> None:
    """Request ids, slow-request timing and /healthz; before the blueprints' hooks, to time them."""
    from .monitoring import init_monitoring

    init_monitoring(app)


def register_blueprints(app: Flask) -> None:
    """Mount the auth and clients blueprints."""
    from .auth import bp as auth_bp
    from .clients import bp as clients_bp
    from .notifications.views import bp as notifications_bp

    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(clients_bp, url_prefix="/client")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")


def register_admin(app: Flask) -> None:
    """Build a fresh Flask-Admin for this app."""
    from .admin import init_admin

    init_admin(app)


def register_api(app: Flask) -> None:
    """Mount the REST API v1 at /api/v1/ (token auth, OpenAPI description, docs page)."""
    from .api import init_api

    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors as HTML pages or JSON, as the client asks."""
    from .errors import init_errorhandlers

    init_errorhandlers(app)


def register_commands(app: Flask) -> None:
    """Add the project's `flask` commands."""
    from .api.tokens import create_api_token
    from .auth.cli import create_admin
    from .clients.cli import check_consistency, find_duplicate_clients, refresh_client_stats
    from .exports.cli import export_clients
    from .linking.cli import link_orders
    from .maintenance.cli import cleanup_inactive_clients, run_due_tasks_command, run_task_command
    from .monitoring.cli import slow_requests
    from .seeding.cli import create_test_clients, create_test_orders, import_clients, import_orders, seed_demo
    from .webhooks.cli import deliver_webhooks
    from .worker.cli import worker

    for command in (
        create_admin,
        create_api_token,
        create_test_clients,
        create_test_orders,
        import_clients,
        import_orders,
        link_orders,
        refresh_client_stats,
        check_consistency,
        find_duplicate_clients,
        seed_demo,
        export_clients,
        worker,
        deliver_webhooks,
        cleanup_inactive_clients,
        run_task_command,
        run_due_tasks_command,
        slow_requests,
    ):
        app.cli.add_command(command)


def register_integrations(app: Flask) -> None:
    """Configure the worker queue and the outbox and notification session hooks."""
    from .notifications import hooks as _notification_hooks  # noqa: F401
    from .webhooks import outbox as _outbox  # noqa: F401
    from .worker import init_worker

    init_worker(app)


def register_template_helpers(app: Flask) -> None:
    """Expose the formatting filters the templates share."""
    from .formatting import init_formatting

    init_formatting(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Enforce foreign keys and wait for locks on SQLite, as PostgreSQL does by itself."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 2 MB page cache thrashes on the orders indexes once there are a million rows.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
