"""`flask cleanup-inactive-clients`, `flask run-task` and `flask run-due-tasks`."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app

from ..extensions import db
from ..history import change_source
from ..timeutil import utcnow
from .cleanup import RetentionError, count_due, cutoff_for, list_due, run_cleanup
from .tasks import TASKS, UnknownTaskError, due_tasks, run_task

DRY_RUN_LISTED = 50


def interactive() -> bool:
    """Tell whether a person sits at the terminal to answer a confirmation."""
    return sys.stdin.isatty()


def _cutoff(older_than: str | None) -> datetime:
    retention = older_than or str(current_app.config["CLEANUP_RETENTION"])
    try:
        return cutoff_for(retention)
    except RetentionError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from error


@click.command("cleanup-inactive-clients")
@click.option("--older-than", help="Retention: 24m, 2y, 90d, 12w (default CLEANUP_RETENTION).")
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; write nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=None, help="Clients per transaction.")
def cleanup_inactive_clients(
    older_than: str | None, dry_run: bool, yes: bool, batch_size: int | None
) -> None:
    """Anonymise inactive clients with no activity and no order within the retention period."""
    cutoff = _cutoff(older_than)
    total = count_due(db.session, cutoff)
    click.echo(f"{total} inactive client(s) without activity or order since {cutoff:%Y-%m-%d %H:%M} UTC.")
    if dry_run:
        for due in list_due(db.session, cutoff, DRY_RUN_LISTED):
            click.echo(
                f"  #{due.id} {due.name} — last activity {due.last_activity:%Y-%m-%d}, {due.orders} order(s)"
            )
        if total > DRY_RUN_LISTED:
            click.echo(f"  ... and {total - DRY_RUN_LISTED} more")
        click.echo("DRY RUN: nothing written.")
        db.session.rollback()
        return
    if not total:
        return
    if not yes:
        if not interactive():
            raise click.UsageError("not a terminal: pass --yes to confirm, or --dry-run to look first")
        click.confirm(f"Anonymise {total} client(s)? This cannot be undone", abort=True)
    size = batch_size or int(current_app.config["CLEANUP_BATCH_SIZE"])
    with change_source("cli"):
        summary = run_cleanup(db.session, cutoff, batch_size=size)
    click.echo(
        f"Anonymised {summary.clients} client(s) in {summary.batches} batch(es); "
        f"{summary.orders} order(s) scrubbed, amounts kept."
    )


@click.command("run-task")
@click.argument("name", type=click.Choice(sorted(TASKS)))
def run_task_command(name: str) -> None:
    """Run one maintenance task now, recorded like a scheduled run; exits 1 if it failed."""
    run = run_task(name, trigger="cli")
    _report(run)
    if run.outcome == "failed":
        sys.exit(1)


def _report(run) -> None:
    duration = f" in {run.duration:.1f} s" if run.duration is not None else ""
    click.echo(f"{run.task}: {run.outcome}{duration} {run.counts or ''}".rstrip())
    if run.error:
        click.echo(f"  {run.error}")


@click.command("run-due-tasks")
@click.option("--list", "list_only", is_flag=True, help="Print the due tasks; run nothing.")
def run_due_tasks_command(list_only: bool) -> None:
    """Run the tasks MAINTENANCE_SCHEDULE says are due (for cron); exits 1 if one failed."""
    now = utcnow()
    try:
        due = due_tasks(now)
    except (UnknownTaskError, ValueError) as error:
        raise click.ClickException(f"MAINTENANCE_SCHEDULE is invalid: {error}") from error
    if list_only:
        for name in due:
            click.echo(name)
        return
    runs = [run_task(name, now=now, trigger="schedule") for name in due]
    if not runs:
        click.echo("Nothing due.")
    for run in runs:
        _report(run)
    if any(run.outcome == "failed" for run in runs):
        sys.exit(1)
