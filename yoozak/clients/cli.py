"""`flask refresh-client-stats` and `flask check-consistency`."""

from __future__ import annotations

import sys

import click

from ..extensions import db
from ..maintenance.consistency import ConsistencyReport, run_checks
from ..models.aggregates import refresh_aggregates, refresh_segments

MAX_LISTED = 20
# Exit codes of check-consistency, for schedulers: anything but 0 deserves an alert.
EXIT_CONSISTENT, EXIT_PROBLEMS_LEFT, EXIT_ALL_FIXED = 0, 1, 2


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


def print_report(report: ConsistencyReport) -> None:
    """Print what each check found, fixed and left, with advice for what is left."""
    for finding in report.findings:
        if not finding.found.count:
            continue
        click.echo(f"{finding.found.count} {finding.check.label}")
        for line in finding.found.details[:MAX_LISTED]:
            click.echo(f"  {line}")
        if report.fixing and finding.check.fix is not None:
            click.echo(f"  fixed: {finding.fixed}, left: {finding.remaining}")
        elif report.fixing:
            click.echo("  not fixable automatically.")
        if finding.remaining:
            click.echo(f"  {finding.check.advice}")


def exit_code(report: ConsistencyReport) -> int:
    """Return 0 when consistent, 1 when problems are left, 2 when every problem found was fixed."""
    if not report.problems:
        return EXIT_CONSISTENT
    return EXIT_PROBLEMS_LEFT if report.remaining else EXIT_ALL_FIXED


@click.command("check-consistency")
@click.option(
    "--fix", is_flag=True, help="Repair what is safe to repair (aggregates, scrubbing), report the rest."
)
def check_consistency(fix: bool) -> None:
    """Check clients' aggregates and the orders' link columns against each other.

    Exits 0 when consistent, 1 when problems are left, 2 when problems were found and all
    fixed (--fix): a scheduler alerts on any non-zero code, since drift means a bug somewhere.
    """
    report = run_checks(db.session, fix=fix)
    if fix:
        db.session.commit()
    else:
        db.session.rollback()
    if not report.problems:
        click.echo("Consistent: every client's aggregates match its orders.")
        return
    print_report(report)
    code = exit_code(report)
    if code == EXIT_ALL_FIXED:
        click.echo(f"All {report.problems} problem(s) found were fixed.")
    sys.exit(code)


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
