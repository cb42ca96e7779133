"""Link-run speed at scale: ``python -m bench linking_speed [--clients N --orders M --new K]``.

On a seeded SQLite file (cached in bench/results/): `--force` over every order, then a
plain run over K new orders; beside them, the literal cascade of the module's spec (one
ORM query per rule per order, then a name scan over every client) timed on a sample of
orders in the same run and extrapolated, as the reference.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from jellyfish import jaro_winkler_similarity
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from bench.common import log, machine, make_app, seeded_database, timed, working_copy

REFERENCE_THRESHOLD = 0.7


def literal_cascade_one(session, order) -> int | None:
    """Link one order the way the module's spec reads literally; return the client id."""
    from yoozak.models import Client, User

    if order.email:
        client = session.scalar(select(Client).join(User).where(User.email == order.email.strip().lower()))
        if client:
            return client.id
    if order.phone:
        client = session.scalar(select(Client).where(Client.phone == order.phone))
        if client is None:
            tail = "".join(ch for ch in order.phone if ch.isdigit())[-9:]
            client = session.scalar(select(Client).where(Client.phone.contains(tail)).limit(1))
        if client:
            return client.id
    name = (order.client_name or "").lower()
    for client in session.scalars(select(Client).options(joinedload(Client.user))):
        if jaro_winkler_similarity(client.full_name.lower(), name) >= REFERENCE_THRESHOLD:
            return client.id
    return None


def reference_seconds_per_order(session, sample: int) -> float:
    """Time the literal cascade on `sample` orders that have no e-mail (the common case)."""
    from yoozak.models import Order

    orders = session.scalars(
        select(Order).where(Order.email.is_(None)).order_by(Order.id).limit(sample)
    ).all()
    start = time.perf_counter()
    for order in orders:
        literal_cascade_one(session, order)
        session.expunge_all()
    return (time.perf_counter() - start) / max(len(orders), 1)


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process (writer thread included) and of its reaped workers."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, workers.ru_utime + workers.ru_stime


def _measured(fn) -> tuple[float, float, float]:
    """Wall seconds, parent CPU seconds and worker CPU seconds of one call.

    The machine is shared: CPU seconds say what the run costs whatever the load, wall
    seconds what it took at the load of the moment (printed beside it).
    """
    cpu0 = _cpu()
    wall = timed(fn)
    cpu1 = _cpu()
    return wall, cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run(clients: int, orders: int, new: int, sample: int) -> str:
    """Run the benchmark and return its Markdown table."""
    from yoozak.extensions import db
    from yoozak.linking.run import LinkOptions, link_orders
    from yoozak.models import Order
    from yoozak.seeding.bulk import create_test_orders

    source = seeded_database("linking", clients, orders)
    app = make_app(working_copy(source, "linking"))
    with app.app_context():
        log(f"link-orders --force over {orders} orders …")
        summary = {}
        # As `flask link-orders` runs: the configured workers and batch size.
        config = {
            "workers": int(app.config["LINK_WORKERS"]),
            "batch_size": int(app.config["LINK_BATCH_SIZE"]),
        }
        loads = [_load()]
        force_s, force_cpu, force_workers = _measured(
            lambda: summary.setdefault("force", link_orders(db.session, LinkOptions(force=True, **config)))
        )
        loads.append(_load())
        log("link-orders --force again (nothing changes) …")
        again_s, again_cpu, again_workers = _measured(
            lambda: summary.setdefault("force2", link_orders(db.session, LinkOptions(force=True, **config)))
        )
        create_test_orders(db.session, new, seed=4242)
        log(f"plain link-orders over {new} new orders …")
        loads.append(_load())
        plain_s, plain_cpu, plain_workers = _measured(
            lambda: summary.setdefault("plain", link_orders(db.session, LinkOptions(**config)))
        )
        second_s = timed(lambda: summary.setdefault("again", link_orders(db.session, LinkOptions(**config))))
        loads.append(_load())
        linked = db.session.scalar(select(func.count()).where(Order.client_id.is_not(None)))
        log(f"literal cascade on {sample} orders …")
        per_order = reference_seconds_per_order(db.session, sample)
        db.engine.dispose()
    force, plain = summary["force"], summary["plain"]
    lines = [
        f"Machine: {machine()}",
        "",
        f"Data: {clients:,} clients, {orders:,} orders (seeded, SQLite file); then {new:,} new orders.",
        "",
        "| run | wall | CPU s: parent / workers | target | literal cascade (extrapolated) |",
        "|---|---:|---:|---:|---:|",
        f"| `link-orders --force`, {orders:,} orders | {force_s:.1f} s | "
        f"{force_cpu:.1f} / {force_workers:.1f} | ≤ 60 s | "
        f"{per_order * orders / 3600:,.0f} h ({per_order:.2f} s/order × {orders:,}) |",
        f"| `link-orders --force` again (nothing changes) | {again_s:.1f} s | {again_cpu:.1f} / "
        f"{again_workers:.1f} | — | — |",
        f"| plain `link-orders`, {new:,} new orders | {plain_s:.2f} s | "
        f"{plain_cpu:.1f} / {plain_workers:.1f} | ≤ 3 s | {per_order * new / 60:,.0f} min |",
        f"| plain run again (nothing new) | {second_s:.2f} s | — | — | — |",
        "",
        f"Load average (1/5/15 min) before the force run, after it, before and after the plain runs: "
        f"{' → '.join(loads)}. Workers {config['workers']}, batch size {config['batch_size']:,}.",
        "",
        f"Force run: {force.line()}; orders linked in the end: {linked:,}.",
        f"Force run again: {summary['force2'].line()}.",
        f"Plain run: {plain.line()}.",
        f"Reference: the literal cascade measured on {sample} orders without e-mail in the same run.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench linking_speed")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=5, help="orders timed with the literal cascade")
    args = parser.parse_args(argv)
    print(run(args.clients, args.orders, args.new, args.sample))
    return 0
