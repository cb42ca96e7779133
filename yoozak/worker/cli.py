"""`flask worker`: run the huey consumer, with an application context for every task."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from . import huey


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker threads.")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic tasks (another worker does).")
@with_appcontext
def worker(workers: int, no_periodic: bool) -> None:
    """Run the background worker: webhook deliveries, e-mails, periodic tasks."""
    if huey.immediate:
        raise click.ClickException(
            "The worker queue is in immediate mode (WORKER_IMMEDIATE): nothing to consume."
        )
    where = current_app.config.get("WORKER_REDIS_URL") or huey.storage_kwargs.get("filename")
    click.echo(f"Worker: {workers} thread(s) on {where}")
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=not no_periodic,
        flush_locks=True,
        check_worker_health=True,
    )
    consumer.run()
