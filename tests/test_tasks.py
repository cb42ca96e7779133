"""Scheduled tasks: each run recorded, never two at once, admins told of failures; the schedule
is evaluated against a simulated clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from yoozak.extensions import db
from yoozak.linking.locks import run_lock
from yoozak.maintenance import tasks as tasks_module
from yoozak.maintenance.tasks import UnknownTaskError, due_tasks, run_due_tasks, run_task
from yoozak.models import Client, LinkRun, Notification, Order, TaskRun

T0 = datetime(2026, 3, 2, 2, 31)  # a Monday, 02:31 UTC


def runs(task: str | None = None) -> list[TaskRun]:
    db.session.rollback()
    stmt = select(TaskRun).order_by(TaskRun.id)
    if task:
        stmt = stmt.where(TaskRun.task == task)
    return db.session.scalars(stmt).all()


def notifications() -> list[Notification]:
    """Return the notifications the tasks sent (new clients' own notifications left aside)."""
    db.session.rollback()
    stmt = select(Notification).where(Notification.kind != "new_client").order_by(Notification.id)
    return db.session.scalars(stmt).all()


@pytest.fixture(autouse=True)
def _every_test_on_both_backends(app):
    return app


@pytest.fixture
def schedule(app):
    app.config["MAINTENANCE_SCHEDULE"] = {"link-orders": "*/15 * * * *", "refresh-stats": "30 2 * * *"}
    return app.config["MAINTENANCE_SCHEDULE"]


def test_a_run_is_recorded_with_its_outcome_and_counts(factories):
    factories.client("Amina", "Tazi")
    run = run_task("refresh-stats", now=T0)
    [saved] = runs()
    assert (saved.task, saved.outcome, saved.trigger, saved.counts) == (
        "refresh-stats",
        "ok",
        "cli",
        {"clients": 1},
    )
    assert saved.started_at == T0 and saved.finished_at >= saved.started_at and saved.error is None
    assert run.id == saved.id


def test_link_orders_task_links_new_orders_and_reports_counts(factories):
    amina = factories.client("Amina", "Tazi", email="amina.tazi@gmail.com")
    order = factories.order(None, client_name="Amina Tazi", email="Amina.Tazi@gmail.com")
    run = run_task("link-orders", now=T0)
    assert run.outcome == "ok", run.error
    assert run.counts["examined"] == 1 and run.counts["linked_email"] == 1
    assert db.session.get(Order, order.id).client_id == amina.id
    assert run.counts["link_run_id"] == db.session.scalar(select(func.max(LinkRun.id)))


def test_unknown_task_is_refused(runner):
    with pytest.raises(UnknownTaskError):
        run_task("vacuum")
    result = runner.invoke(args=["run-task", "vacuum"])
    assert result.exit_code == 2 and "refresh-stats" in result.output


def test_a_second_run_of_the_same_task_is_skipped_while_one_runs(monkeypatch):
    inner: list[TaskRun] = []

    def slow_refresh(now):
        inner.append(run_task("refresh-stats", now=now))  # the scheduler fires again meanwhile
        other = run_task("cleanup-inactive-clients", now=now)  # another task is not blocked
        return {"other": other.outcome}

    monkeypatch.setitem(tasks_module.TASKS, "refresh-stats", slow_refresh)
    outer = run_task("refresh-stats", now=T0)
    assert outer.outcome == "ok" and outer.counts == {"other": "ok"}
    assert inner[0].outcome == "skipped" and "in progress" in inner[0].error
    assert [r.outcome for r in runs("refresh-stats")] == ["ok", "skipped"]
    # The lock is released: the next run goes ahead.
    monkeypatch.undo()
    assert run_task("refresh-stats").outcome == "ok"


def test_a_run_holding_the_lock_elsewhere_makes_it_skip():
    with run_lock(db.engine, "task:check-consistency"):
        run = run_task("check-consistency", now=T0)
    assert run.outcome == "skipped" and run.finished_at == run.started_at
    assert notifications() == []


def test_link_orders_is_skipped_while_a_manual_link_run_holds_the_linker(factories):
    factories.order(None)
    with run_lock(db.engine, "link-orders"):
        run = run_task("link-orders", now=T0)
    assert run.outcome == "skipped" and "link run is in progress" in run.error


def test_a_failure_is_recorded_and_notifies_every_admin(monkeypatch, factories, admin_user, runner):
    factories.user(email="second.admin@yoozak.ma", is_admin=True)
    factories.user(email="retired@yoozak.ma", is_admin=True, is_active=False)

    def broken(now):
        db.session.add(Client())  # half-done work: must not be committed
        raise RuntimeError("disk full")

    monkeypatch.setitem(tasks_module.TASKS, "refresh-stats", broken)
    run = run_task("refresh-stats", now=T0)
    assert (run.outcome, run.error) == ("failed", "RuntimeError: disk full")
    notes = notifications()
    assert len(notes) == 2 and {n.kind for n in notes} == {"task_failed"}
    assert "refresh-stats" in notes[0].title and notes[0].body == "RuntimeError: disk full"
    assert notes[0].url == "/admin/surveillance/"
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0
    result = runner.invoke(args=["run-task", "refresh-stats"])
    assert result.exit_code == 1 and "failed" in result.output and "disk full" in result.output


def test_the_consistency_task_repairs_drift_and_still_alerts(factories, admin_user):
    amina = factories.client("Amina", "Tazi")
    factories.order(amina, price="100.00")
    db.session.execute(update(Client).values(orders_count=7))
    db.session.commit()
    run = run_task("check-consistency", now=T0)
    assert run.outcome == "failed" and "1 client(s) with drifted aggregates" in run.error
    assert run.counts["found"] == {"aggregates": 1} and run.counts["fixed"] == {"aggregates": 1}
    assert run.counts["remaining"] == 0
    assert db.session.get(Client, amina.id).orders_count == 1
    assert [n.kind for n in notifications()] == ["task_failed"]
    assert run_task("check-consistency", now=T0 + timedelta(days=1)).outcome == "ok"


def test_the_clean_up_task_uses_the_simulated_clock(factories, app):
    sleeper = factories.client("Old", "Sleeper", is_active=False)
    assert run_task("cleanup-inactive-clients").counts["clients"] == 0
    later = datetime.now() + timedelta(days=31 * 25)
    run = run_task("cleanup-inactive-clients", now=later)
    assert run.outcome == "ok" and run.counts["clients"] == 1
    assert db.session.get(Client, sleeper.id).anonymised_at is not None


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted():
    db.session.add(TaskRun(task="refresh-stats", started_at=T0, outcome="running"))
    db.session.commit()
    run_task("refresh-stats", now=T0 + timedelta(days=1))
    assert [r.outcome for r in runs("refresh-stats")] == ["interrupted", "ok"]


# --------------------------------------------------------------------------- the schedule


def test_what_is_due_follows_the_cron_expressions(schedule):
    assert due_tasks(T0) == ["link-orders", "refresh-stats"]  # never ran
    done = run_due_tasks(T0)
    assert [(r.task, r.outcome, r.trigger) for r in done] == [
        ("link-orders", "ok", "schedule"),
        ("refresh-stats", "ok", "schedule"),
    ]
    assert due_tasks(T0 + timedelta(minutes=5)) == []
    assert due_tasks(T0.replace(minute=45)) == ["link-orders"]
    assert due_tasks(T0.replace(minute=44, second=59)) == []
    assert due_tasks(T0 + timedelta(days=1)) == ["link-orders", "refresh-stats"]
    assert due_tasks(T0 + timedelta(hours=23, minutes=58)) == ["link-orders"]


def test_a_skipped_run_counts_as_a_run_of_its_slot(schedule):
    with run_lock(db.engine, "task:refresh-stats"):
        run_due_tasks(T0)
    assert [r.outcome for r in runs("refresh-stats")] == ["skipped"]
    assert "refresh-stats" not in due_tasks(T0 + timedelta(minutes=1))


def test_a_task_left_out_of_the_schedule_never_becomes_due(schedule):
    assert "cleanup-inactive-clients" not in due_tasks(T0 + timedelta(days=365))


@pytest.mark.parametrize("bad", [{"vacuum": "* * * * *"}, {"refresh-stats": "every night"}])
def test_a_bad_schedule_is_refused(app, bad, runner):
    app.config["MAINTENANCE_SCHEDULE"] = bad
    with pytest.raises((UnknownTaskError, ValueError)):
        due_tasks(T0)
    result = runner.invoke(args=["run-due-tasks"])
    assert result.exit_code == 1 and "MAINTENANCE_SCHEDULE is invalid" in result.output
    assert runs() == []


def test_run_due_tasks_command(schedule, runner):
    listed = runner.invoke(args=["run-due-tasks", "--list"])
    assert listed.exit_code == 0 and listed.output.split() == ["link-orders", "refresh-stats"]
    assert runs() == []
    first = runner.invoke(args=["run-due-tasks"])
    assert first.exit_code == 0, first.output
    assert "link-orders: ok" in first.output and "refresh-stats: ok" in first.output
    second = runner.invoke(args=["run-due-tasks"])
    assert second.exit_code == 0 and "Nothing due." in second.output


def test_the_default_schedule_is_valid(app):
    from yoozak.config import DEFAULTS

    assert set(DEFAULTS["MAINTENANCE_SCHEDULE"]) == set(tasks_module.TASKS)
    app.config["MAINTENANCE_SCHEDULE"] = DEFAULTS["MAINTENANCE_SCHEDULE"]
    assert sorted(due_tasks(T0)) == sorted(tasks_module.TASKS)
