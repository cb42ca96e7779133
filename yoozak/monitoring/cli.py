"""`flask slow-requests`: the slowest requests recorded lately."""

from __future__ import annotations

import click

from ..timeutil import utcnow
from .slow import parse_since, slow_requests_since


@click.command("slow-requests")
@click.option("--since", default="24h", show_default=True, help="How far back: 90m, 24h, 7d.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--statements", is_flag=True, help="Print the SQL statements kept for the slowest.")
def slow_requests(since: str, limit: int, statements: bool) -> None:
    """Print the slowest requests recorded (SLOW_REQUEST_MS), slowest first."""
    try:
        window = parse_since(since)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since") from error
    rows = slow_requests_since(utcnow() - window, limit)
    if not rows:
        click.echo(f"No slow request recorded in the last {since}.")
        return
    click.echo(f"{'when (UTC)':<19}  {'ms':>8}  {'SQL':>4}  {'status':>6}  request")
    for row in rows:
        click.echo(
            f"{row.at:%Y-%m-%d %H:%M:%S}  {row.duration_ms:>8.0f}  {row.sql_count:>4}  {row.status:>6}  "
            f"{row.method} {row.path} ({row.endpoint or '-'})"
        )
        if statements and row.statements:
            for statement in row.statements:
                click.echo(f"      {statement['ms']:>8} ms  {statement['sql']}")
