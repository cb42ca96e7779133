"""The worker gives the maintenance schedule its clock: each minute it runs the tasks now due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from yoozak.extensions import db
from yoozak.maintenance.worker_tasks import maintenance_tick
from yoozak.models import TaskRun
from yoozak.worker import huey


def test_the_tick_is_registered_for_every_minute(app):
    for minute in (0, 1, 37):
        due = {task.name for task in huey.read_periodic(datetime(2026, 1, 1, 10, minute))}
        assert "maintenance-due-tasks" in due


def test_a_tick_runs_each_due_task_once_and_records_it(app):
    app.config["MAINTENANCE_SCHEDULE"] = {"refresh-stats": "30 2 * * *", "check-consistency": "0 3 * * *"}
    maintenance_tick()  # never ran: both are due
    maintenance_tick()  # ran a moment ago: neither is due again
    db.session.expire_all()
    runs = db.session.scalars(select(TaskRun).order_by(TaskRun.id)).all()
    assert [(run.task, run.trigger, run.outcome) for run in runs] == [
        ("refresh-stats", "schedule", "ok"),
        ("check-consistency", "schedule", "ok"),
    ]
