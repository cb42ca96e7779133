"""Scheduled maintenance tasks: what each does, how a run is recorded, and what is due when.

`run_task(name)` is the one entry point, for `flask run-task`, `flask run-due-tasks` and the
worker alike: it records a TaskRun, holds a lock named after the task so that two runs of one
task never overlap (the second is recorded as skipped), and notifies the admins on failure.
`due_tasks(now)` reads MAINTENANCE_SCHEDULE (cron expressions, UTC) and the last runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from croniter import croniter
from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..history import change_source
from ..linking.locks import RunLockedError, run_lock
from ..models import TaskRun
from ..notifications import notify_admins
from ..timeutil import utcnow

log = logging.getLogger("yoozak.tasks")

OPERATIONS_URL = "/admin/surveillance/"
MAX_ERROR = 2000


class TaskProblem(RuntimeError):
    """A task that ran to its end but found something an admin must look at."""

    def __init__(self, message: str, counts: dict[str, object]):
        super().__init__(message)
        self.counts = counts


def _link_orders(now: datetime) -> dict[str, object]:
    from ..linking.run import LinkOptions, link_orders

    config = current_app.config
    options = LinkOptions(
        threshold=float(config["LINK_THRESHOLD"]),
        batch_size=int(config["LINK_BATCH_SIZE"]),
        workers=int(config["LINK_WORKERS"]),
    )
    summary = link_orders(db.session, options)
    return {
        "link_run_id": summary.run_id,
        "examined": summary.examined,
        **{f"linked_{method}": n for method, n in summary.linked.items()},
        "ambiguous": summary.ambiguous,
        "unmatched": summary.unmatched,
    }


def _refresh_stats(now: datetime) -> dict[str, object]:
    from ..models import Client
    from ..models.aggregates import refresh_aggregates

    refresh_aggregates(db.session.connection())
    db.session.commit()
    return {"clients": db.session.scalar(select(func.count()).select_from(Client)) or 0}


def _check_consistency(now: datetime) -> dict[str, object]:
    from .consistency import run_checks

    report = run_checks(db.session, fix=bool(current_app.config["CONSISTENCY_AUTOFIX"]))
    db.session.commit()
    counts = report.counts()
    if report.problems:
        labels = ", ".join(f"{f.found.count} {f.check.label}" for f in report.findings if f.found.count)
        raise TaskProblem(f"{report.problems} problem(s), {report.remaining} left: {labels}", counts)
    return counts


def _cleanup_inactive_clients(now: datetime) -> dict[str, object]:
    from .cleanup import cutoff_for, run_cleanup

    config = current_app.config
    cutoff = cutoff_for(str(config["CLEANUP_RETENTION"]), now)
    summary = run_cleanup(db.session, cutoff, batch_size=int(config["CLEANUP_BATCH_SIZE"]))
    return {"clients": summary.clients, "orders": summary.orders, "batches": summary.batches}


TASKS: dict[str, Callable[[datetime], dict[str, object]]] = {
    "link-orders": _link_orders,
    "refresh-stats": _refresh_stats,
    "check-consistency": _check_consistency,
    "cleanup-inactive-clients": _cleanup_inactive_clients,
}


class UnknownTaskError(KeyError):
    """No task has this name."""


def _save(run: TaskRun) -> TaskRun:
    db.session.add(run)
    db.session.commit()
    return run


def run_task(name: str, *, now: datetime | None = None, trigger: str = "cli") -> TaskRun:
    """Run one task now, recorded as a TaskRun; skipped when another run of it holds the lock."""
    if name not in TASKS:
        raise UnknownTaskError(name)
    started = now or utcnow()
    clock = time.monotonic()
    try:
        with run_lock(db.engine, f"task:{name}"):
            # A run still marked running was killed: we hold the lock, so none is alive.
            db.session.execute(
                update(TaskRun)
                .where(TaskRun.task == name, TaskRun.outcome == "running")
                .values(outcome="interrupted")
            )
            run = _save(TaskRun(task=name, trigger=trigger, started_at=started, outcome="running"))
            with change_source("worker" if trigger == "schedule" else "cli"):
                _execute(run, name, started, clock)
    except RunLockedError as error:
        run = _save(
            TaskRun(
                task=name,
                trigger=trigger,
                started_at=started,
                finished_at=started,
                outcome="skipped",
                error=str(error),
            )
        )
        log.warning("task %s skipped: %s", name, error)
    return run


def _execute(run: TaskRun, name: str, started: datetime, clock: float) -> None:
    run_id = run.id
    try:
        counts, outcome, error = TASKS[name](started), "ok", None
    except RunLockedError as locked:  # e.g. a manual `flask link-orders` holds the linker's lock
        db.session.rollback()
        counts, outcome, error = {}, "skipped", str(locked)
    except TaskProblem as problem:
        db.session.rollback()
        counts, outcome, error = problem.counts, "failed", str(problem)
    except Exception as exc:  # a task's failure is recorded, never lost
        db.session.rollback()
        log.exception("task %s failed", name)
        counts, outcome, error = {}, "failed", f"{type(exc).__name__}: {exc}"
    run = db.session.get(TaskRun, run_id)
    run.finished_at = started + timedelta(seconds=time.monotonic() - clock)
    run.outcome, run.counts = outcome, counts
    run.error = error[:MAX_ERROR] if error else None
    if outcome == "failed":
        notify_admins("task_failed", f"Tâche « {name} » en échec", body=run.error or "", url=OPERATIONS_URL)
    db.session.commit()
    log.info("task %s %s %s", name, outcome, counts)


def last_runs(names: list[str] | None = None) -> dict[str, TaskRun | None]:
    """Return the latest run of each task (None when it never ran)."""
    names = names or list(TASKS)
    latest = (
        select(TaskRun.task, func.max(TaskRun.id).label("id"))
        .where(TaskRun.task.in_(names))
        .group_by(TaskRun.task)
    ).subquery()
    rows = db.session.scalars(select(TaskRun).join(latest, latest.c.id == TaskRun.id)).all()
    found = {run.task: run for run in rows}
    return {name: found.get(name) for name in names}


def schedule() -> dict[str, str]:
    """Return the configured schedule, task name to cron expression; refuse unknown names."""
    configured = dict(current_app.config["MAINTENANCE_SCHEDULE"] or {})
    for name, expression in configured.items():
        if name not in TASKS:
            raise UnknownTaskError(name)
        if not croniter.is_valid(expression):
            raise ValueError(f"MAINTENANCE_SCHEDULE[{name!r}]: invalid cron expression {expression!r}")
    return configured


def last_fire(expression: str, now: datetime) -> datetime:
    """Return the latest instant at or before `now` the cron expression names."""
    base = now.replace(microsecond=0) + timedelta(seconds=1)
    return croniter(expression, base).get_prev(datetime)


def next_fire(expression: str, now: datetime) -> datetime:
    """Return the next instant after `now` the cron expression names."""
    return croniter(expression, now).get_next(datetime)


def due_tasks(now: datetime | None = None) -> list[str]:
    """Return the scheduled tasks due at `now`: a fire time passed since their last run started.

    A task that never ran is due. Skipped runs count as runs: the run that held the lock did
    the work. The worker calls this every minute and `run_task` on each name it returns.
    """
    now = now or utcnow()
    plan = schedule()
    latest = last_runs(list(plan))
    due = []
    for name, expression in plan.items():
        run = latest[name]
        if run is None or run.started_at < last_fire(expression, now):
            due.append(name)
    return due


def run_due_tasks(now: datetime | None = None, trigger: str = "schedule") -> list[TaskRun]:
    """Run every task due at `now`, one after the other, and return their records."""
    return [run_task(name, now=now, trigger=trigger) for name in due_tasks(now)]
