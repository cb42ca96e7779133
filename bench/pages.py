"""Page benchmark: ``python -m bench pages [--clients N --orders M --runs R --link runner|sql]``.

Seeds (once, cached in bench/results/) a SQLite database with N clients and M orders,
links the orders, then measures the server time of every client page, API and admin
list through `app.test_client()` (median of R runs after a warm-up), beside the module's
reference query: every client annotated with Count/Sum/Avg over its orders through an
outer join and GROUP BY, then paginated. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

RESULTS = Path(__file__).parent / "results"
ADMIN_EMAIL = "bench-admin@yoozak.ma"
ADMIN_PASSWORD = "bench-password-123"
MIGRATIONS = Path(__file__).parent.parent / "migrations"


# ----------------------------------------------------------------------------- data


def make_bench_app(db_path: Path):
    """Create an app on the benchmark's SQLite file (CSRF on, as in production)."""
    from yoozak import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "LOG_LEVEL": "WARNING",
        }
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def link_with_sql(session) -> None:
    """Link every order whose phone is a client's phone, then rebuild the aggregates.

    Only a fallback for very large benchmark data: the real runner (yoozak.linking.run)
    is the one the application uses.
    """
    from yoozak.models.aggregates import refresh_aggregates

    session.execute(
        text(
            "UPDATE orders SET client_id = (SELECT c.id FROM clients c WHERE c.phone = orders.phone_e164),"
            " link_method = 'phone', link_score = 1.0, linked_at = CURRENT_TIMESTAMP"
            " WHERE client_id IS NULL AND phone_e164 IN (SELECT phone FROM clients WHERE phone IS NOT NULL)"
        )
    )
    refresh_aggregates(session.connection())
    session.commit()


def upgrade_cached(db_path: Path) -> None:
    """Bring cached benchmark data to the current schema (a no-op when it is there already)."""
    from flask_migrate import upgrade

    from yoozak.extensions import db

    app = make_bench_app(db_path)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        db.engine.dispose()


def prepare(db_path: Path, clients: int, orders: int, seed: int, link: str) -> dict[str, float]:
    """Build the benchmark database unless it already exists; return the seeding timings."""
    from flask_migrate import upgrade

    from yoozak.extensions import db
    from yoozak.linking.run import LinkOptions, link_orders
    from yoozak.seeding.bulk import create_test_clients, create_test_orders

    timings: dict[str, float] = {}
    if db_path.exists():
        upgrade_cached(db_path)
        return timings
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_suffix(".partial.db")
    for stale in RESULTS.glob(partial.name + "*"):
        stale.unlink()
    app = make_bench_app(partial)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        start = time.perf_counter()
        create_test_clients(db.session, clients, seed)
        timings["seed clients"] = time.perf_counter() - start
        _log(f"  {clients} clients in {timings['seed clients']:.0f} s")
        start = time.perf_counter()
        create_test_orders(db.session, orders, seed)
        timings["seed orders"] = time.perf_counter() - start
        _log(f"  {orders} orders in {timings['seed orders']:.0f} s")
        start = time.perf_counter()
        if link == "runner":
            link_orders(db.session, LinkOptions())
        else:
            link_with_sql(db.session)
        timings[f"link ({link})"] = time.perf_counter() - start
        _log(f"  linked ({link}) in {timings[f'link ({link})']:.0f} s")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    partial.rename(db_path)
    return timings


# ----------------------------------------------------------------------------- timing


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 2) -> float:
    """Return the median wall time of `fn` in milliseconds, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def ensure_admin(session) -> None:
    """Create (or repair) the benchmark's admin account."""
    from yoozak.models import User

    admin = session.scalar(select(User).where(User.username == "bench-admin"))
    if admin is None:
        admin = User(username="bench-admin")
        session.add(admin)
    if admin.email != ADMIN_EMAIL or not admin.check_password(ADMIN_PASSWORD) or not admin.is_admin:
        admin.email, admin.is_admin, admin.is_active = ADMIN_EMAIL, True, True
        admin.set_password(ADMIN_PASSWORD)
        session.commit()


def _login(client) -> None:
    import re

    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/auth/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token, "next": ""},
    )
    assert response.status_code == 302, "bench admin login failed"


def _csrf(client) -> str:
    import re

    html = client.get("/client/?per_page=1").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def reference_query(session, page: int = 1, per_page: int = 25) -> list:
    """The module's suggested query: annotate every client over its orders, then paginate."""
    from yoozak.models import Client, Order, User

    stmt = (
        select(
            Client,
            func.count(Order.id).label("orders"),
            func.coalesce(func.sum(Order.price), 0).label("spent"),
            func.avg(Order.price).label("basket"),
        )
        .join(User, User.id == Client.user_id)
        .outerjoin(Order, Order.client_id == Client.id)
        .group_by(Client.id)
        .order_by(Client.created_at.desc())
    )
    total = session.scalar(select(func.count()).select_from(Client))
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return [total, rows]


def reference_query_sorted(session, per_page: int = 25) -> list:
    """The reference query sorted by its own aggregate (orders count), as a list sort needs."""
    from yoozak.models import Client, Order

    orders = func.count(Order.id).label("orders")
    stmt = (
        select(Client, orders, func.coalesce(func.sum(Order.price), 0), func.avg(Order.price))
        .outerjoin(Order, Order.client_id == Client.id)
        .group_by(Client.id)
        .order_by(orders.desc())
        .limit(per_page)
    )
    return session.execute(stmt).all()


def _sample_ids(session) -> dict[str, object]:
    from yoozak.models import Client

    busy = session.execute(
        select(Client.id, Client.phone).order_by(Client.orders_count.desc()).limit(1)
    ).one()
    median = (
        session.scalar(
            select(Client.id).where(Client.orders_count > 0).order_by(Client.id).offset(50_000 // 2).limit(1)
        )
        or busy.id
    )
    return {"busy": busy.id, "typical": median, "phone": busy.phone}


def cases(sample: dict[str, object]) -> list[tuple[str, str, str, float]]:
    """Return (label, method, URL, target ms) for every page measured."""
    typical, busy = sample["typical"], sample["busy"]
    phone = str(sample["phone"] or "+212612345678")
    spaced = f"0{phone[4]} {phone[5:7]} {phone[7:9]}"  # "06 12 34": a prefix, typed with spaces
    rows = [("List, default sort (first page)", "GET", "/client/", 50.0)]
    for key in ("orders", "spent", "last_order", "name"):
        rows.append((f"List, sort -{key}", "GET", f"/client/?sort=-{key}", 100.0))
        rows.append((f"List, sort {key}", "GET", f"/client/?sort={key}", 100.0))
    rows += [
        ("List, status=active", "GET", "/client/?status=active", 100.0),
        ("List, status=inactive", "GET", "/client/?status=inactive", 100.0),
        ("List, period=today", "GET", "/client/?period=today", 100.0),
        ("List, period=7d", "GET", "/client/?period=7d", 100.0),
        ("List, period=30d", "GET", "/client/?period=30d", 100.0),
        (
            "List, inactive + 30d + sort -spent",
            "GET",
            "/client/?status=inactive&period=30d&sort=-spent",
            100.0,
        ),
        ("List, text search q=alaoui (3.6 % match)", "GET", "/client/?q=alaoui", 100.0),
        ("List, text search q=mohamed bennani (2 words)", "GET", "/client/?q=mohamed+bennani", 100.0),
        ("List, text search q=fès (accent, 8 % match)", "GET", "/client/?q=f%C3%A8s", 100.0),
        ("List, text search q=zzqx (no match)", "GET", "/client/?q=zzqx", 100.0),
        ("List, text search q=a (matches nearly all)", "GET", "/client/?q=a", 100.0),
        ("List, text search q=zq (2 letters, rare)", "GET", "/client/?q=zq", 100.0),
        ("List, text search q=gmail (common word)", "GET", "/client/?q=gmail", 100.0),
        (f"List, phone search q={spaced}", "GET", "/client/?q=" + spaced.replace(" ", "+"), 100.0),
        ("List, page 2000 (deep offset)", "GET", "/client/?page=2000", 100.0),
        ("List, per_page=100", "GET", "/client/?per_page=100", 100.0),
        ("Detail, typical client", "GET", f"/client/{typical}/", 50.0),
        ("Detail, busiest client", "GET", f"/client/{busy}/", 50.0),
        ("API stats", "GET", "/client/api/stats/", 50.0),
        ("API orders, busiest client", "GET", f"/client/api/{busy}/orders/", 50.0),
        ("API toggle-status", "POST", f"/client/api/{typical}/toggle-status/", 50.0),
        ("Admin client list", "GET", "/admin/client_admin/", 150.0),
        ("Admin client list, search alaoui", "GET", "/admin/client_admin/?search=alaoui", 150.0),
        ("Admin client list, search a", "GET", "/admin/client_admin/?search=a", 150.0),
        ("Admin client list, search zq", "GET", "/admin/client_admin/?search=zq", 150.0),
        ("Admin order list", "GET", "/admin/order_admin/", 150.0),
    ]
    return rows


def machine() -> str:
    """Describe the machine: CPU model, cores, Python and SQLite versions."""
    import sqlite3

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cores = str(os.cpu_count())
    return f"{model}, nproc {cores}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def measure(app, runs: int) -> list[tuple[str, float, float, str]]:
    """Time every case; return (label, median ms, target ms, status) rows.

    The requests run outside any app context, as in production: each one pushes its own
    (so `g` and the database session start fresh, and teardown is part of the time).
    """
    from yoozak.extensions import db

    with app.app_context():
        ensure_admin(db.session)
        sample = _sample_ids(db.session)
        db.session.remove()
    client = app.test_client()
    _login(client)
    headers = {"X-CSRFToken": _csrf(client)}
    results = []
    for label, method, url, target in cases(sample):

        def call(method=method, url=url):
            response = client.open(url, method=method, headers=headers if method == "POST" else None)
            assert response.status_code == 200, f"{url}: {response.status_code} {response.get_data()[:300]}"
            return response

        ms = median_ms(call, runs)
        results.append((label, ms, target, "ok" if ms <= target else "MISSED"))
        _log(f"  {label}: {ms:.1f} ms")
    return results


def measure_reference(app, runs: int) -> list[tuple[str, float]]:
    """Time the module's reference query (first page, and sorted by its own aggregate)."""
    from yoozak.extensions import db

    out = []
    with app.app_context():
        out.append(
            (
                "Reference query, page 1 by creation date",
                median_ms(lambda: reference_query(db.session), max(3, runs // 4), 1),
            )
        )
        _log(f"  reference: {out[-1][1]:.0f} ms")
        out.append(
            (
                "Reference query, sorted by orders count",
                median_ms(lambda: reference_query_sorted(db.session), max(3, runs // 4), 1),
            )
        )
        _log(f"  reference sorted: {out[-1][1]:.0f} ms")
        db.session.remove()
    return out


def report(args, results, reference, timings) -> str:
    """Render the Markdown report."""
    lines = [
        f"## Client pages at {args.clients:,} clients / {args.orders:,} orders (SQLite)".replace(",", " "),
        "",
        f"Date: {date.today().isoformat()}. Machine: {machine()}.",
        f"Server time through `app.test_client()`, median of {args.runs} runs after 2 warm-up calls,"
        " logged in as an admin (the session, login check and template rendering included).",
        "",
        "| Page | Measured (ms) | Target (ms) | |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {label} | {ms:.1f} | ≤ {target:.0f} | {status} |" for label, ms, target, status in results]
    lines += [
        "",
        "Reference (the module's suggested query, *not used*: Count/Sum/Avg per client over an",
        "outer join + GROUP BY, then LIMIT 25):",
        "",
        "| Query | Measured (ms) |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {ms:.0f} |" for label, ms in reference]
    if timings:
        lines += ["", "Seeding: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Seed if needed, measure, print the Markdown table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--link",
        choices=("runner", "sql"),
        default="runner",
        help="link with the real runner (default) or a direct SQL UPDATE on phones",
    )
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default under bench/results/)")
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args(argv)
    db_path = args.db or RESULTS / f"pages-{args.clients}-{args.orders}-{args.seed}-{args.link}.db"
    _log(f"Database {db_path}")
    timings = prepare(db_path, args.clients, args.orders, args.seed, args.link)
    if args.prepare_only:
        return 0
    app = make_bench_app(db_path)
    reference = measure_reference(app, args.runs)
    results = measure(app, args.runs)
    print(report(args, results, reference, timings))
    return 1 if any(r[3] != "ok" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
