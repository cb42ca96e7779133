"""Fixtures: the app on a real SQLite file and a real PostgreSQL server, clients, roles, factories.

Every test that uses `app` runs once per backend (`--db sqlite|postgresql|all`, default all).
The schema comes from the committed migrations (`flask db upgrade`), built once per session
into a template that each test copies, so every test starts from an empty, migrated database.
"""

from __future__ import annotations

import contextvars
import gc
import itertools
import logging
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient

from tests.support.factories import Factories
from tests.support.postgres import Cluster, PostgresUnavailable, start_cluster
from yoozak import create_app
from yoozak.extensions import db

# The REST API's fixtures (api, api_as) live beside their helpers.
pytest_plugins = ["tests.support.api"]

BACKENDS = ("sqlite", "postgresql")
TEST_SECRET = "test-secret-key-0123456789abcdef"
ADMIN_PASSWORD = "admin-password-123"
USER_PASSWORD = "user-password-123"
_db_counter = itertools.count()


# A pooled connection to a database a test has already dropped fails its reset when it is
# garbage-collected; SQLAlchemy logs that with a traceback, which CPython 3.11 formats with
# `ast` from inside whatever code the collector interrupted (see database_url). Those resets
# are expected at teardown: keep them out of the log.
logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("all", *BACKENDS), default="all", help="database backend(s) to run on")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = BACKENDS if chosen == "all" else (chosen,)
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = tuple(b for b in backends if b == "postgresql")
        if metafunc.definition.get_closest_marker("sqlite_only"):
            backends = tuple(b for b in backends if b == "sqlite")
        metafunc.parametrize("backend", backends, scope="function")


def make_app(database_url: str, instance_path: Path | None = None, **overrides) -> Flask:
    """Create an app for tests: CSRF stays on, as in production."""
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LOG_LEVEL": "WARNING",
        # A cheap hash keeps the suite fast; production keeps werkzeug's scrypt default.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Let an exception inside an admin view fail the test instead of a flash message.
        "FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION": True,
        # Recording a slow request adds statements to the request: tests that count statements
        # must not depend on the machine's load. The monitoring tests lower it themselves.
        "SLOW_REQUEST_MS": 10**9,
    } | overrides
    return create_app(config, instance_path=str(instance_path) if instance_path else None)


def migrate_to_head(database_url: str) -> None:
    """Build the schema from the committed migrations."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """Start a throwaway PostgreSQL cluster; a missing server fails the run, never skips it."""
    try:
        cluster = start_cluster()
    except PostgresUnavailable as error:
        pytest.fail(f"PostgreSQL is required: {error}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a migrated SQLite file that tests copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_cluster: Cluster) -> str:
    """Return the name of a migrated PostgreSQL database that tests clone."""
    admin = sa.create_engine(pg_cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE yoozak_template"))
    admin.dispose()
    migrate_to_head(pg_cluster.url_for("yoozak_template"))
    return "yoozak_template"


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a fresh, migrated, empty database of the requested backend."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "yoozak.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    template = request.getfixturevalue("pg_template")
    name = f"t_{next(_db_counter)}_{re.sub(r'[^a-z0-9]', '', request.node.name.lower())[:40]}"
    admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # FILE_COPY (PostgreSQL 15+) clones a small template ten times faster than WAL_LOG.
        version = int(conn.execute(sa.text("SHOW server_version_num")).scalar())
        strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE {template}{strategy}'))
    yield cluster.url_for(name)
    # Finalise now the engines a test left behind (extra apps, subprocess helpers), while their
    # database still answers. Left to a later garbage collection, each pooled connection that
    # DROP … WITH (FORCE) has cut would log a traceback from inside whatever runs then; on
    # CPython 3.11 formatting that traceback parses source with `ast`, and doing so inside
    # werkzeug's own `ast` compilation of a URL rule fails with "AST constructor recursion
    # depth mismatch" (seen once in 2,045 tests). A raw psycopg connection collected here warns
    # that it was still open: that is what this collection is for, not a finding of the test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    The test itself holds an app context (for factories and assertions); without this,
    every request would share it, and with it `g` and the database session.
    """

    def open(self, *args, **kwargs):
        # A streamed body (stream_with_context) pops its request context when it ends, which
        # must happen in the context that pushed it: read it here unless the test asks not to,
        # and then iterate it through `self.last_context.run(...)`.
        kwargs.setdefault("buffered", True)

        def run():
            _cv_app.set(None)  # only inside this copied context: the request pushes its own
            return super(IsolatedClient, self).open(*args, **kwargs)

        self.last_context = contextvars.copy_context()
        response = self.last_context.run(run)
        # End the test's own transaction, so that its next read sees what the request wrote.
        db.session.rollback()
        return response


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Return an app on a fresh database, with an app context pushed."""
    application = make_app(database_url, instance_path=tmp_path / "instance")
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Return a runner for the app's `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def factories(app: Flask) -> Factories:
    """Return helpers that create users, clients and orders in the test database."""
    return Factories(db.session)


@pytest.fixture
def admin_user(factories: Factories):
    """Return an active admin account."""
    return factories.user(email="admin@yoozak.ma", password=ADMIN_PASSWORD, is_admin=True)


@pytest.fixture
def plain_user(factories: Factories):
    """Return an active account without the admin role."""
    return factories.user(email="user@yoozak.ma", password=USER_PASSWORD, is_admin=False)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class AuthActions:
    """Log in and out through the real forms, CSRF token included."""

    def __init__(self, client: FlaskClient):
        self._client = client

    def csrf_token(self, path: str = "/auth/login") -> str:
        """Return the CSRF token of this client's session, read from a rendered page."""
        html = self._client.get(path).get_data(as_text=True)
        match = CSRF_META.search(html) or CSRF_INPUT.search(html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str = "admin@yoozak.ma", password: str = ADMIN_PASSWORD, next: str = ""):
        """Post the login form; returns the response (not followed)."""
        token = self.csrf_token("/auth/login")
        data = {"email": email, "password": password, "csrf_token": token, "next": next}
        return self._client.post("/auth/login", data=data)

    def logout(self):
        """Post the logout form with the session's CSRF token."""
        token = self.csrf_token("/client/")
        return self._client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Return the login helper bound to `client`."""
    return AuthActions(client)


@pytest.fixture
def admin_client(client: FlaskClient, auth: AuthActions, admin_user) -> FlaskClient:
    """Return a test client logged in as an admin."""
    response = auth.login()
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


class QueryCounter:
    """Count the SQL statements an engine runs inside a `with` block."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        """Return the number of statements, transaction control excluded."""
        return len(
            [s for s in self.statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
        )


@pytest.fixture
def count_queries(app: Flask):
    """Return a factory of QueryCounter on the app's engine."""
    return lambda: QueryCounter(db.engine)
