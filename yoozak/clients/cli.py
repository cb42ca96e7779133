"""`flask refresh-client-stats` and `flask check-consistency`."""

from __future__ import annotations

import sys

import click
from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..models import Order
from ..models.aggregates import find_drift, refresh_aggregates, refresh_segments

MAX_LISTED = 20


@click.command("refresh-client-stats")
@click.option(
    "--segments-only",
    is_flag=True,
    help="Reclassify segments from the stored aggregates only (fast; run it daily: time moves segments).",
)
def refresh_client_stats(segments_only: bool) -> None:
    """Recompute every client's aggregates (orders, money, last order) and segment from the orders."""
    if segments_only:
        changed = refresh_segments(db.session.connection())
        db.session.commit()
        click.echo(f"Client segments recomputed: {changed} changed.")
        return
    refresh_aggregates(db.session.connection())
    db.session.commit()
    click.echo("Client aggregates and segments recomputed from the orders.")


def link_anomalies() -> dict[str, int]:
    """Count orders whose link columns contradict each other."""
    linked_without_method = select(func.count()).where(
        Order.client_id.is_not(None), Order.link_method.is_(None)
    )
    method_without_client = select(func.count()).where(
        Order.client_id.is_(None), Order.link_method.is_not(None), Order.link_method != "guest"
    )
    guest_with_client = select(func.count()).where(
        and_(Order.client_id.is_not(None), or_(Order.link_method == "guest"))
    )
    return {
        "linked orders without a link method": db.session.scalar(linked_without_method) or 0,
        "orders with a link method but no client": db.session.scalar(method_without_client) or 0,
        "guest orders attached to a client": db.session.scalar(guest_with_client) or 0,
    }


@click.command("check-consistency")
def check_consistency() -> None:
    """Report drift between clients' stored aggregates or segment and their orders; exit 1 if any."""
    drift = find_drift(db.session.connection())
    anomalies = {k: v for k, v in link_anomalies().items() if v}
    if not drift and not anomalies:
        click.echo("Consistent: every client's aggregates and segment match its orders.")
        return
    clients = sorted({d.client_id for d in drift})
    if drift:
        click.echo(f"{len(clients)} client(s) with drifted aggregates ({len(drift)} field(s)):")
        for d in drift[:MAX_LISTED]:
            click.echo(f"  client {d.client_id}: {d.field} stored {d.stored!r}, orders say {d.actual!r}")
        if len(drift) > MAX_LISTED:
            click.echo(f"  ... and {len(drift) - MAX_LISTED} more")
        click.echo("Run `flask refresh-client-stats` to rebuild them (segments move with time too).")
    for label, count in anomalies.items():
        click.echo(f"{count} {label}")
    sys.exit(1)


@click.command("find-duplicate-clients")
@click.option(
    "--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True, help="Groups printed."
)
def find_duplicate_clients(limit: int) -> None:
    """Print the groups of probable duplicate clients, strongest evidence first (nothing is merged)."""
    from .duplicates import find_duplicate_groups

    groups = find_duplicate_groups(db.session)
    click.echo(f"{len(groups)} group(s) of probable duplicates.")
    for number, group in enumerate(groups[:limit], 1):
        click.echo(f"Group {number}: clients {', '.join(f'#{i}' for i in group.client_ids)}")
        for item in group.evidence:
            members = ", ".join(f"#{i}" for i in item.client_ids)
            click.echo(f"  {item.kind}: {item.value} ({members})")
    if len(groups) > limit:
        click.echo(f"... and {len(groups) - limit} more (--limit).")
