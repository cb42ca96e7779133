"""`flask deliver-webhooks`: deliver what is due now, without the worker (cron, debugging)."""

from __future__ import annotations

import click

from .tasks import deliver_now


@click.command("deliver-webhooks")
def deliver_webhooks() -> None:
    """Deliver the webhook events that are due, in order per client, and say what happened."""
    report = deliver_now()
    if report is None:
        click.echo("Webhooks: another worker is delivering right now; nothing done.")
        return
    click.echo(f"Webhooks: {report.line()}")
