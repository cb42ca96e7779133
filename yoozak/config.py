"""Configuration in layers: defaults here, then instance/config.py, then the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS: dict[str, object] = {
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,  # default: a SQLite file in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "CLIENTS_PER_PAGE": 25,
    "CLIENTS_MAX_PER_PAGE": 100,
    # Seconds the stats header reuses its order figures (total, linked, unlinked) per worker
    # process; 0 counts them on every request. Client figures are always live.
    "CLIENT_STATS_ORDERS_TTL": 10,
    # Seconds the list page and the stats JSON reuse the clients-per-segment figures, per worker
    # process; 0 groups the clients by segment on every request.
    "CLIENT_SEGMENTS_TTL": 10,
    "LINK_THRESHOLD": 0.7,
    "LINK_BATCH_SIZE": 50_000,  # orders per link-run transaction (see BENCHMARKS.md)
    "LINK_WORKERS": min(os.cpu_count() or 1, 4),  # processes deciding in parallel
    "PHONE_REGION": "MA",
    "LOG_LEVEL": "INFO",
    "PASSWORD_HASH_METHOD": "scrypt",
    # Failed logins allowed per account and per address before a 429 (Flask-Limiter syntax).
    "LOGIN_FAILURE_LIMIT": "5 per 15 minutes",
    "RATELIMIT_STORAGE_URI": "memory://",  # redis://host:6379 when several instances serve
    "RATELIMIT_HEADERS_ENABLED": True,
    # Client segments (models/segments.py; rules checked in the order the README gives).
    "SEGMENT_VIP_MIN_ORDERS": 5,  # VIP: at least this many confirmed orders …
    "SEGMENT_VIP_MIN_SPENT": 5000,  # … and this many MAD spent on confirmed orders
    "SEGMENT_LOYAL_MIN_ORDERS": 3,  # Fidèle: at least this many confirmed orders
    "SEGMENT_AT_RISK_MIN_CANCELLED": 2,  # À risque: at least this many cancelled orders …
    "SEGMENT_AT_RISK_MIN_SHARE": 50,  # … making at least this percent of its orders
    "SEGMENT_INACTIVE_DAYS": 180,  # Inactif: no order for this many days
    "SEGMENT_NEW_DAYS": 30,  # Nouveau: client created within this many days
    # Exports: above this many rows an XLSX is refused over HTTP (CSV or `flask export-clients`).
    "EXPORT_XLSX_MAX_ROWS": 20_000,
    "EXPORT_FILE_TTL": 24 * 3600,  # seconds a file prepared by the worker stays downloadable
    "EXPORT_BATCH_SIZE": 1000,  # rows fetched per round trip (yield_per)
    # --- Worker (huey): a SQLite queue file in the instance folder unless WORKER_REDIS_URL is set.
    # WORKER_IMMEDIATE runs tasks inline (None: inline under TESTING only).
    "WORKER_REDIS_URL": None,
    "WORKER_SQLITE_PATH": None,
    "WORKER_IMMEDIATE": None,
    # --- Webhooks: outbox deliveries, retries with exponential back-off for a day.
    "WEBHOOKS_ALLOW_PRIVATE": False,  # let endpoints resolve to loopback/private addresses
    "WEBHOOKS_ALLOW_HTTP": None,  # None: http allowed in development and tests only
    "WEBHOOKS_TIMEOUT": 10.0,  # seconds per POST
    "WEBHOOKS_RETRY_WINDOW": 24 * 3600,  # then the delivery fails and the endpoint is disabled
    "WEBHOOKS_BACKOFF_BASE": 10.0,  # seconds before the first retry, doubled each time
    "WEBHOOKS_BACKOFF_MAX": 2 * 3600,
    "WEBHOOKS_CONCURRENCY": 8,  # parallel POSTs (to different clients) per batch
    "WEBHOOKS_BATCH_SIZE": 100,
    "WEBHOOKS_DELIVER_ON_COMMIT": True,  # enqueue a delivery run after each commit that wrote events
    # --- Notifications: more new clients than this in one transaction make one summary.
    "NEW_CLIENT_SUMMARY_OVER": 10,
    # --- E-mail (SMTP): notifications by mail only when MAIL_SERVER is set.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "noreply@yoozak.ma",
    "MAIL_TIMEOUT": 10.0,
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # for links in e-mails
    # REST API v1 (yoozak/api): requests allowed per token (Flask-Limiter syntax),
    # how long an Idempotency-Key's answer is kept, the OpenAPI description's metadata.
    "API_RATE_LIMIT": "600 per minute",
    "API_IDEMPOTENCY_TTL": 24 * 3600,
    "API_TITLE": "Yoozak Clients API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    # --- Maintenance and monitoring (README, "Operations") ---
    # Cron expressions in UTC, read by `flask run-due-tasks` and the worker; a task left out
    # of the mapping is not scheduled (it still runs with `flask run-task NAME`).
    "MAINTENANCE_SCHEDULE": {
        "link-orders": "*/15 * * * *",  # new orders, every quarter of an hour
        "refresh-stats": "30 2 * * *",  # aggregates rebuilt nightly, 02:30 UTC
        "check-consistency": "0 3 * * *",  # 03:00 UTC, after the rebuild
        "cleanup-inactive-clients": "0 4 * * 0",  # Sundays 04:00 UTC
    },
    "CONSISTENCY_AUTOFIX": True,  # the scheduled check repairs what is safe (and still alerts)
    # Inactive clients without activity or order for this long are anonymised: Nd, Nw, Nm, Ny.
    "CLEANUP_RETENTION": "24m",
    "CLEANUP_BATCH_SIZE": 200,  # clients per transaction
    "SLOW_REQUEST_MS": 1000,  # requests at least this slow are recorded
    "SLOW_REQUEST_DETAIL_MS": 3000,  # ... and from this duration with their SQL statements
    "SLOW_REQUEST_KEEP": 1000,  # the table keeps the newest N
    "SLOW_REQUEST_MAX_STATEMENTS": 50,  # statements kept per request, each cut to 500 characters
    "LOG_FORMAT": "text",  # "json": one JSON object per line, with the request id
}

SQLITE_FILENAME = "yoozak.db"
MIN_SECRET_LENGTH = 16


def sqlite_uri(instance_path: str) -> str:
    """Return the URI of the embedded SQLite database in the instance folder."""
    return f"sqlite:///{Path(instance_path) / SQLITE_FILENAME}"


def normalise_database_url(url: str) -> str:
    """Point postgres:// and postgresql:// URLs at the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment() -> dict[str, object]:
    """Read the settings the environment may override."""
    values: dict[str, object] = {}
    if url := os.environ.get("DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if key := os.environ.get("SECRET_KEY"):
        values["SECRET_KEY"] = key
    if storage := os.environ.get("RATELIMIT_STORAGE_URI"):
        values["RATELIMIT_STORAGE_URI"] = storage
    for key in ("WORKER_REDIS_URL", "MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "PUBLIC_BASE_URL"):
        if value := os.environ.get(key):
            values[key] = value
    if level := os.environ.get("LOG_LEVEL"):
        values["LOG_LEVEL"] = level
    if log_format := os.environ.get("LOG_FORMAT"):
        values["LOG_FORMAT"] = log_format
    if os.environ.get("SESSION_COOKIE_SECURE") == "1":
        values["SESSION_COOKIE_SECURE"] = True
        values["REMEMBER_COOKIE_SECURE"] = True
    return values


class ConfigurationError(RuntimeError):
    """The application cannot start with this configuration."""


def check_secret_key(secret: object) -> None:
    """Refuse to start without a real secret key: sessions and CSRF depend on it."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            "SECRET_KEY is missing or shorter than 16 characters. Set the SECRET_KEY "
            "environment variable, or put SECRET_KEY = '...' in instance/config.py "
            "(`make instance/config.py` writes a random one for development)."
        )
