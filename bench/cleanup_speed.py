"""Clean-up speed at scale: ``python -m bench cleanup_speed [--clients N --orders M --due-share S]``.

On a seeded SQLite file: every order is given to a client, a share S of the clients is made
inactive with its last activity and orders three years old, then the due clients are counted
(what the dry run does) and anonymised in batches of 200, as `flask cleanup-inactive-clients`
does; the consistency check after it must find nothing.
"""

from __future__ import annotations

import argparse

from sqlalchemy import func, select, text

from bench.common import log, machine, make_app, seeded_database, timed, working_copy


def prepare(db, share: float) -> None:
    """Link every order to a client and age a share of the clients past the retention."""
    from yoozak.models.aggregates import refresh_aggregates

    clients = db.session.scalar(text("SELECT max(id) FROM clients"))
    db.session.execute(
        text("UPDATE orders SET client_id = (id % :n) + 1, link_method = 'manual'"), {"n": clients}
    )
    every = max(round(1 / share), 1)
    old = "datetime('now', '-3 years')"
    db.session.execute(
        text(f"UPDATE clients SET is_active = 0, updated_at = {old} WHERE id % :every = 0"), {"every": every}
    )
    db.session.execute(
        text(f"UPDATE orders SET created_at = {old} WHERE client_id % :every = 0"), {"every": every}
    )
    refresh_aggregates(db.session.connection())
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    """Time the dry-run count and the batched anonymisation."""
    parser = argparse.ArgumentParser(prog="python -m bench cleanup_speed")
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, default=0.1)
    args = parser.parse_args(argv)

    from yoozak.extensions import db
    from yoozak.maintenance.cleanup import count_due, cutoff_for, run_cleanup
    from yoozak.maintenance.consistency import run_checks
    from yoozak.models import Order

    source = seeded_database("cleanup", args.clients, args.orders)
    app = make_app(working_copy(source, "cleanup"))
    with app.app_context():
        prepare(db, args.due_share)
        cutoff = cutoff_for("24m")
        due = count_due(db.session, cutoff)
        count_s = timed(lambda: count_due(db.session, cutoff))
        orders = db.session.scalar(
            select(func.count()).select_from(Order).where(Order.client_id % round(1 / args.due_share) == 0)
        )
        summary = {}
        run_s = timed(lambda: summary.setdefault("s", run_cleanup(db.session, cutoff, batch_size=200)))
        problems = run_checks(db.session).problems
        db.engine.dispose()
    log("done")
    print(f"\nMachine: {machine()}")
    print(f"{args.clients:,} clients, {args.orders:,} orders, {due:,} due ({orders:,} orders), SQLite\n")
    print("| step | time | rate |")
    print("|---|---|---|")
    print(f"| count the due clients (dry run) | {count_s * 1000:.0f} ms | |")
    s = summary["s"]
    print(
        f"| anonymise {s.clients:,} clients, {s.orders:,} orders, {s.batches} batches | {run_s:.1f} s | "
        f"{s.clients / run_s:,.0f} clients/s |"
    )
    print(f"| consistency problems after | {problems} | |")
    return 0 if problems == 0 and s.clients == due else 1
