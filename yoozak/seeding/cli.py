"""`flask create-test-clients`, `create-test-orders`, `import-clients`, `import-orders`, `seed-demo`."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..history import change_source
from ..linking.locks import RunLockedError
from ..linking.run import LinkOptions, link_orders
from ..models import Client, User
from ..notifications.hooks import new_clients_summary
from ..progress import progress_bar
from .bulk import create_test_clients as seed_clients
from .bulk import create_test_orders as seed_orders
from .bulk import plant_duplicates
from .csvfile import CsvFileError
from .importers import import_clients as run_import_clients
from .importers import import_orders as run_import_orders

MAX_LISTED_ERRORS = 50
DEMO_ADMIN = "admin@yoozak.ma"


@click.command("create-test-clients")
@click.option("--count", type=click.IntRange(1, 5_000_000), default=10, show_default=True)
@click.option("--seed", type=int, default=None, help="Random seed, for reproducible data.")
@click.option(
    "--duplicates",
    type=click.IntRange(0, 1_000_000),
    default=0,
    show_default=True,
    help="Also plant this many second accounts of existing clients (same phone, mailbox, name+address).",
)
def create_test_clients(count: int, seed: int | None, duplicates: int) -> None:
    """Create realistic Moroccan test clients over the past year."""
    with new_clients_summary("créés") as batch, progress_bar(count, "Clients") as advance:
        result = seed_clients(db.session, count, seed, advance)
        batch.add(result.created)
    click.echo(f"Created {result.created} test clients.")
    if duplicates:
        planted = plant_duplicates(db.session, duplicates, seed)
        click.echo(f"Planted {planted.created} probable duplicates (see `flask find-duplicate-clients`).")


@click.command("create-test-orders")
@click.option("--count", type=click.IntRange(1, 20_000_000), default=50, show_default=True)
@click.option("--seed", type=int, default=None, help="Random seed, for reproducible data.")
def create_test_orders(count: int, seed: int | None) -> None:
    """Create test orders over the past year: most from clients, with real-world noise; some guests."""
    with progress_bar(count, "Orders") as advance:
        result = seed_orders(db.session, count, seed, advance)
    click.echo(f"Created {result.created} test orders (not linked yet: run `flask link-orders`).")


def _report_errors(report) -> None:
    for error in report.errors[:MAX_LISTED_ERRORS]:
        click.echo(f"  rejected {error}", err=True)
    if report.rejected > MAX_LISTED_ERRORS:
        click.echo(f"  ... and {report.rejected - MAX_LISTED_ERRORS} more rejected rows", err=True)


def _import(importer, file: Path, noun: str, event_type: str):
    """Run one importer in one transaction, report rejected rows, and print the summary.

    The webhook events of the new rows are written in the same transaction; the admins get
    one summary notification for the whole file.
    """
    from ..webhooks import emit_for_ids

    try:
        with change_source("import"), new_clients_summary("importés") as batch:
            report = importer(db.session, file)
            emit_for_ids(db.session, event_type, report.new_ids)
            db.session.commit()
            if event_type == "client.created":
                batch.add(report.created)
    except CsvFileError as error:
        db.session.rollback()  # chunks already inserted go too: the file is imported whole or not at all
        raise click.ClickException(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise
    _report_errors(report)
    click.echo(report.summary(noun))
    return report


@click.command("import-clients")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def import_clients(file: Path) -> None:
    """Import clients from a UTF-8 CSV (email, username, first_name, last_name, phone, ...)."""
    _import(run_import_clients, file, "clients", "client.created")


@click.command("import-orders")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def import_orders(file: Path) -> None:
    """Import orders from a UTF-8 CSV (reference, client_name, email, phone, ...) and link them."""
    report = _import(run_import_orders, file, "orders", "order.created")
    if report.new_ids:
        _link_new(report.new_ids)


def _link_new(order_ids: list[int]) -> None:
    options = LinkOptions(threshold=float(current_app.config["LINK_THRESHOLD"]), order_ids=order_ids)
    try:
        summary = link_orders(db.session, options)
    except RunLockedError as error:
        click.echo(f"Imported orders not linked yet ({error}); run `flask link-orders` later.", err=True)
        return
    click.echo(f"Linked on arrival: {summary.line()}")


@click.command("seed-demo")
@click.option("--clients", type=click.IntRange(0, 100_000), default=500, show_default=True)
@click.option("--orders", type=click.IntRange(0, 1_000_000), default=3000, show_default=True)
def seed_demo(clients: int, orders: int) -> None:
    """Fill an empty database with demo data, link it, and print a fresh admin login."""
    if (db.session.scalar(select(func.count()).select_from(Client)) or 0) == 0:
        with new_clients_summary("de démonstration créés") as batch:
            batch.add(seed_clients(db.session, clients, seed=2026).created)
        seed_orders(db.session, orders, seed=2026)
        summary = link_orders(db.session, LinkOptions(threshold=float(current_app.config["LINK_THRESHOLD"])))
        click.echo(f"Demo data: {clients} clients, {orders} orders; {summary.line()}")
    else:
        click.echo("Demo data already present: nothing seeded.")
    password = secrets.token_urlsafe(12)
    admin = db.session.scalar(select(User).where(User.email == DEMO_ADMIN))
    if admin is None:
        admin = User(email=DEMO_ADMIN, username="admin", first_name="Admin", last_name="Yoozak")
        db.session.add(admin)
    admin.is_admin, admin.is_active = True, True
    admin.set_password(password)
    db.session.commit()
    click.echo("=" * 60)
    click.echo("  Admin login for http://127.0.0.1:5000/auth/login")
    click.echo(f"  e-mail:   {DEMO_ADMIN}")
    click.echo(f"  password: {password}")
    click.echo("=" * 60)
