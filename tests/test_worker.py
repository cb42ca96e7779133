"""The worker: tasks with an app context, periodic registration, jobs that notify, `flask worker`."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.receiver import Receiver
from yoozak.extensions import db
from yoozak.models import Client, Notification, WebhookEndpoint
from yoozak.models.webhooks import EVENT_TYPES
from yoozak.webhooks.signing import new_secret
from yoozak.worker import app_task, configure_huey, huey, register_periodic
from yoozak.worker.jobs import run_and_notify

ROOT = Path(__file__).resolve().parents[1]


def count_clients() -> int:
    """A job body: count the clients (needs an app context and the database)."""
    return len(db.session.scalars(select(Client.id)).all())


def build_report(name: str) -> str:
    """A job body standing for an export: returns the URL of its file."""
    return f"/exports/{name}.xlsx"


def broken_job() -> str:
    raise RuntimeError("disk full")


counting_task = app_task()(count_clients)
periodic_runs: list[int] = []
every_five_minutes = register_periodic(
    "test-every-five-minutes", {"minute": "*/5"}, lambda: periodic_runs.append(count_clients())
)


def test_tasks_run_in_immediate_mode_with_an_app_context(app, factories):
    factories.client("Amina", "Bennani")
    assert huey.immediate
    assert counting_task()() == 1  # the call returns huey's result handle


def test_periodic_tasks_are_registered_with_their_schedule(app, factories):
    def due(*when: int) -> set[str]:
        return {t.name for t in huey.read_periodic(datetime(2026, 1, 1, *when))}

    assert {"test-every-five-minutes", "webhooks-deliver-due"} <= due(10, 5)
    assert "test-every-five-minutes" not in due(10, 6)
    assert "notifications-daily-digest" in due(7, 0) and "notifications-daily-digest" not in due(8, 0)
    factories.client("Amina", "Bennani")
    periodic_runs.clear()
    every_five_minutes()  # huey keeps no result of periodic tasks: look at the side effect
    assert periodic_runs == [1]


def test_a_job_notifies_the_admin_with_its_download_link(app, admin_user):
    run_and_notify("tests.test_worker:build_report", {"name": "clients"}, admin_user.id, "Export des clients")
    note = db.session.scalars(select(Notification)).one()
    assert (note.user_id, note.kind, note.url) == (admin_user.id, "export_ready", "/exports/clients.xlsx")
    assert note.title == "Prêt : Export des clients"


def test_a_failed_job_tells_the_admin(app, admin_user):
    run_and_notify("tests.test_worker:broken_job", {}, admin_user.id, "Export des clients")
    note = db.session.scalars(select(Notification)).one()
    assert (note.kind, note.title, note.body) == ("task_failed", "Échec : Export des clients", "disk full")


def test_the_worker_command_refuses_immediate_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0 and "immediate" in result.output


@pytest.fixture
def queued(app, tmp_path):
    """Point the queue at a SQLite file, as in production; back to immediate mode afterwards."""
    path = tmp_path / "queue.db"
    app.config.update(WORKER_IMMEDIATE=False, WORKER_SQLITE_PATH=str(path), WEBHOOKS_ALLOW_PRIVATE=True)
    configure_huey(app)
    yield path
    app.config["WORKER_IMMEDIATE"] = None
    configure_huey(app)
    assert huey.immediate


WORKER_SCRIPT = """
import sys
from tests.conftest import make_app
queue = {"WORKER_IMMEDIATE": False, "WORKER_SQLITE_PATH": sys.argv[2], "WEBHOOKS_ALLOW_PRIVATE": True}
app = make_app(sys.argv[1], **queue)
result = app.test_cli_runner().invoke(args=["worker", "--workers", "2"], catch_exceptions=False)
print(result.output)
"""


def test_flask_worker_consumes_the_queue_and_delivers_webhooks(app, queued, database_url, factories):
    receiver = Receiver()
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, database_url, str(queued)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        db.session.add(WebhookEndpoint(url=receiver.url, events=list(EVENT_TYPES), secret=new_secret()))
        db.session.commit()
        assert not huey.immediate
        amina = factories.client("Amina", "Bennani")  # the commit enqueues a delivery run
        deadline = time.monotonic() + 60
        while not receiver.acknowledged and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        delivered = [r.payload["data"]["id"] for r in receiver.acknowledged]
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        receiver.stop()
    assert delivered == [amina.id], output
    assert "Worker: 2 thread(s)" in output
