"""Monitoring: slow requests and their threshold, /healthz with the database down, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import make_app
from yoozak.extensions import db
from yoozak.models import Notification, SlowRequest
from yoozak.monitoring.logs import REQUEST_ID_HEADER


def slow_rows() -> list[SlowRequest]:
    db.session.rollback()
    return db.session.scalars(select(SlowRequest).order_by(SlowRequest.id)).all()


@pytest.fixture
def record_all(app: Flask) -> Flask:
    """Every request counts as slow, and the slowest keep their statements."""
    app.config.update(SLOW_REQUEST_MS=0, SLOW_REQUEST_DETAIL_MS=0)
    return app


# --------------------------------------------------------------------------- slow requests


def test_a_high_threshold_records_nothing(app, admin_client):
    app.config["SLOW_REQUEST_MS"] = 10**9
    assert admin_client.get("/client/").status_code == 200
    assert slow_rows() == []


def test_every_request_over_the_threshold_is_recorded(record_all, admin_client, factories, count_queries):
    factories.client("Khadija", "Benjelloun")
    with count_queries() as counter:
        response = admin_client.get("/client/?q=Benjelloun&page=1")
    assert response.status_code == 200
    row = slow_rows()[-1]
    assert (row.endpoint, row.method, row.path, row.status) == ("clients.client_list", "GET", "/client/", 200)
    assert row.query_keys == "page,q"  # the keys, never the values
    assert row.request_id == response.headers[REQUEST_ID_HEADER]
    # Every statement the request ran, and none of those the recording itself ran.
    recording = ("PRAGMA busy_timeout", "INSERT INTO slow_requests", "SELECT slow_requests.id")
    ran = [s for s in counter.statements if not s.lstrip().startswith(recording)]
    assert len(counter.statements) > len(ran) and row.sql_count == len(ran) > 0
    assert len(row.statements) == row.sql_count
    assert all(s["sql"] and len(s["sql"]) <= 500 for s in row.statements)
    stored = json.dumps([row.path, row.query_keys, row.statements]).lower()
    assert "benjelloun" not in stored  # statement text only, parameters never stored


def test_statements_are_kept_only_for_the_slowest(record_all, admin_client):
    record_all.config["SLOW_REQUEST_DETAIL_MS"] = 10**9
    admin_client.get("/client/")
    row = slow_rows()[-1]
    assert row.sql_count > 0 and row.statements is None


def test_the_table_keeps_the_newest_n(record_all, admin_client):
    record_all.config["SLOW_REQUEST_KEEP"] = 3
    for page in range(1, 7):
        admin_client.get(f"/client/?page={page}")
    rows = slow_rows()
    assert len(rows) == 3
    assert [r.path for r in rows] == ["/client/"] * 3
    assert rows[-1].id == db.session.scalar(select(func.max(SlowRequest.id)))


@pytest.fixture
def failing_route(record_all, client, auth, admin_user):
    """A page that writes, then fails: its transaction is rolled back, the slow record is not."""

    def boom():
        db.session.add(Notification(user_id=admin_user.id, kind="test", title="never committed"))
        db.session.flush()
        raise RuntimeError("boom")

    record_all.add_url_rule("/boom", "boom", boom)
    record_all.config["SHOW_ERROR_PAGES"] = True
    auth.login()
    return client


def test_a_failing_request_is_recorded_despite_its_rollback(failing_route):
    assert failing_route.get("/boom").status_code == 500
    row = slow_rows()[-1]
    assert (row.endpoint, row.status) == ("boom", 500)
    assert any("INSERT INTO notifications" in s["sql"] for s in row.statements)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_slow_requests_command(record_all, admin_client, runner):
    admin_client.get("/client/")
    admin_client.get("/healthz")
    result = runner.invoke(args=["slow-requests", "--since", "1h", "--statements"])
    assert result.exit_code == 0, result.output
    assert "GET /client/ (clients.client_list)" in result.output and "GET /healthz (healthz)" in result.output
    assert " ms  SELECT" in result.output
    assert runner.invoke(args=["slow-requests", "--since", "soon"]).exit_code == 2


def test_slow_requests_command_with_nothing_recorded(app, runner):
    result = runner.invoke(args=["slow-requests"])
    assert result.exit_code == 0 and "No slow request recorded in the last 24h." in result.output


# --------------------------------------------------------------------------- /healthz


def test_healthz_answers_without_login(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def unreachable_url(backend, request, tmp_path) -> str:
    """A database that does not answer: a file in a missing folder, or a database that is not there."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'missing-folder' / 'yoozak.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.url_for("no_such_database")


@pytest.fixture
def down_app(unreachable_url) -> Iterator[Flask]:
    application = make_app(unreachable_url, SLOW_REQUEST_MS=0)
    with application.app_context():
        yield application
        db.engine.dispose()


def test_healthz_is_503_when_the_database_is_down(down_app):
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


# --------------------------------------------------------------------------- logs


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    handler = next(h for h in logging.getLogger("yoozak").handlers if getattr(h, "yoozak", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def json_app(database_url, log_stream) -> Iterator[Flask]:
    application = make_app(database_url, LOG_FORMAT="json", SLOW_REQUEST_MS=0)
    with application.app_context():
        yield application
        db.engine.dispose()
    make_app(database_url)  # back to plain text for the tests that follow


def test_json_logs_carry_the_callers_request_id(json_app, log_stream):
    response = json_app.test_client().get("/healthz", headers={REQUEST_ID_HEADER: "lb-7f3a.42"})
    assert response.headers[REQUEST_ID_HEADER] == "lb-7f3a.42"
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    assert lines, "one JSON object per line"
    slow = next(line for line in lines if line["message"].startswith("slow request"))
    assert (
        slow["request_id"] == "lb-7f3a.42" and slow["level"] == "WARNING" and slow["logger"] == "yoozak.slow"
    )
    assert "time" in slow


@pytest.mark.parametrize("given", ["", "has spaces", "x" * 65, "<script>", "a\u00e9"])
def test_an_insane_request_id_is_replaced(json_app, log_stream, given):
    response = json_app.test_client().get("/healthz", headers={REQUEST_ID_HEADER: given})
    generated = response.headers[REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert json.loads(log_stream.getvalue().splitlines()[-1])["request_id"] == generated


def test_plain_text_logs_in_development(app, client, log_stream):
    app.config["SLOW_REQUEST_MS"] = 0
    response = client.get("/healthz")
    line = log_stream.getvalue().splitlines()[-1]
    assert f"[{response.headers[REQUEST_ID_HEADER]}]" in line and "WARNING yoozak.slow" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_an_unknown_log_format_is_refused(database_url):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        make_app(database_url, LOG_FORMAT="xml")


@pytest.mark.sqlite_only
def test_a_locked_sqlite_database_drops_the_record_not_the_answer(
    record_all, admin_client, monkeypatch, log_stream
):
    import yoozak.monitoring.slow as slow

    monkeypatch.setattr(slow, "SQLITE_RECORD_WAIT_MS", 50)
    admin_client.get("/client/")  # warm up: the pool's connections exist
    before = len(slow_rows())
    with db.engine.connect() as writer:
        writer.exec_driver_sql("BEGIN IMMEDIATE")  # another process writing for a long time
        response = admin_client.get("/healthz")
        writer.rollback()
    assert response.status_code == 200
    assert len(slow_rows()) == before
    assert "could not record a slow request: OperationalError" in log_stream.getvalue()
    with db.engine.connect() as conn:  # the pool's connection got its usual patience back
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
