"""`flask link-orders`: attach orders to clients by e-mail, then phone, then name."""

from __future__ import annotations

import click
from flask import current_app

from ..extensions import db
from ..progress import progress_bar
from .locks import RunLockedError
from .run import LinkOptions, count_candidates
from .run import link_orders as run_link


@click.command("link-orders")
@click.option("--dry-run", is_flag=True, help="Decide and report, write no link.")
@click.option("--force", is_flag=True, help="Re-examine every order except manual links and guests.")
@click.option(
    "--threshold",
    type=click.FloatRange(0.5, 1.0),
    default=None,
    help="Name similarity threshold (Jaro-Winkler), default from LINK_THRESHOLD (0.7).",
)
@click.option("--batch-size", type=click.IntRange(100, 100_000), default=None, help="Orders per transaction.")
def link_orders(dry_run: bool, force: bool, threshold: float | None, batch_size: int | None) -> None:
    """Link orders to clients: e-mail first, then phone, then a unique unopposed name."""
    config = current_app.config
    options = LinkOptions(
        dry_run=dry_run,
        force=force,
        threshold=threshold if threshold is not None else float(config["LINK_THRESHOLD"]),
        batch_size=batch_size or int(config["LINK_BATCH_SIZE"]),
        workers=int(config["LINK_WORKERS"]),
    )
    total = count_candidates(db.session, options)
    try:
        with progress_bar(total, "Linking") as advance:
            summary = run_link(db.session, options, progress=advance)
    except RunLockedError as error:
        raise click.ClickException(f"Not started: {error}. Try again when it has finished.") from error
    mode = "DRY RUN, nothing written" if dry_run else "written"
    click.echo(f"Link run #{summary.run_id} ({mode}{', force' if force else ''}):")
    click.echo(f"  examined   {summary.examined}")
    for method in ("email", "phone", "name"):
        click.echo(f"  by {method:<7} {summary.linked[method]}")
    queued = "not queued: dry run" if dry_run else "sent to the review queue"
    click.echo(f"  ambiguous  {summary.ambiguous} ({queued})")
    click.echo(f"  unmatched  {summary.unmatched}")
    if force:
        click.echo(f"  unlinked   {summary.unlinked} (links the rules no longer support)")
    click.echo(f"  changed    {summary.changed}")
    if dry_run:
        for key, lines in summary.samples.items():
            click.echo(f"  sample of {key}:")
            for line in lines:
                click.echo(f"    {line}")
