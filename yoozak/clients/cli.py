"""`flask refresh-client-stats` and `flask check-consistency`."""

from __future__ import annotations

import sys

import click

from ..extensions import db
from ..maintenance.consistency import ConsistencyReport, run_checks
from ..models.aggregates import refresh_aggregates

MAX_LISTED = 20
# Exit codes of check-consistency, for schedulers: anything but 0 deserves an alert.
EXIT_CONSISTENT, EXIT_PROBLEMS_LEFT, EXIT_ALL_FIXED = 0, 1, 2


@click.command("refresh-client-stats")
def refresh_client_stats() -> None:
    """Recompute every client's aggregates (orders, money, last order) from the orders."""
    refresh_aggregates(db.session.connection())
    db.session.commit()
    click.echo("Client aggregates recomputed from the orders.")


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
