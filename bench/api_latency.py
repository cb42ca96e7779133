"""API list latency at scale: ``python -m bench api_latency [--clients N --orders M --runs R]``.

On the seeded SQLite file of bench/common.py (cached in bench/results/), with an API token:
the first and the last page of GET /api/v1/orders (1,000,000 orders, keyset pagination)
and of GET /api/v1/clients, through `app.test_client()` (token check, query, serialisation),
beside the same page read with LIMIT/OFFSET — the reference — measured in the same run.
"""

from __future__ import annotations

import argparse

from sqlalchemy import func, select

from bench.common import log, machine, make_app, median_of, seeded_database, working_copy

LIMIT = 25


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _last_cursor(session, model, column, sort: str, total: int) -> str:
    """Return the cursor whose next page is the last page of a descending listing."""
    from yoozak.api.pagination import encode_cursor

    # The last page holds the LIMIT oldest rows: the cursor is the row just before them.
    row = session.execute(
        select(column, model.id).order_by(column.asc(), model.id.asc()).offset(LIMIT).limit(1)
    ).one()
    assert total > LIMIT
    return encode_cursor(sort, [row[0], row[1]])


def _offset_page(session, model, column, offset: int):
    """The reference: the same page through ORDER BY ... LIMIT ... OFFSET."""
    return lambda: session.scalars(
        select(model).order_by(column.desc(), model.id.desc()).limit(LIMIT).offset(offset)
    ).all()


def run(clients: int, orders: int, runs: int) -> str:
    """Measure and return the Markdown table."""
    from yoozak.api.tokens import SCOPES, create_token
    from yoozak.extensions import db
    from yoozak.models import Client, Order

    source = seeded_database("linking", clients, orders)
    path = working_copy(source, "api-latency")
    app = make_app(path)
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    rows = []
    with app.app_context():
        secret = create_token(db.session, "bench", list(SCOPES)).secret
        db.session.commit()
        http = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        for label, model, column, url in (
            (f"orders ({orders:,})", Order, Order.created_at, "/api/v1/orders"),
            (f"clients ({clients:,})", Client, Client.created_at, "/api/v1/clients"),
        ):
            total = db.session.scalar(select(func.count()).select_from(model))
            with app.test_request_context():
                cursor = _last_cursor(db.session, model, column, "-created_at", total)
            db.session.rollback()

            def get(query: str, url=url) -> None:
                response = http.get(f"{url}?limit={LIMIT}{query}", headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)

            last = http.get(f"{url}?limit={LIMIT}&cursor={cursor}", headers=headers).get_json()
            assert len(last["items"]) == LIMIT and last["next"] is None, "not the last page"
            log(f"timing {label} …")
            first_api = median_of(lambda get=get: get(""), runs)
            last_api = median_of(lambda get=get, c=cursor: get(f"&cursor={c}"), runs)
            first_offset = median_of(_offset_page(db.session, model, column, 0), runs)
            last_offset = median_of(_offset_page(db.session, model, column, total - LIMIT), runs)
            db.session.rollback()
            rows.append((label, first_api, last_api, first_offset, last_offset))
        create_first, create_next = _order_creates(http, headers, runs)
        db.session.remove()
        db.engine.dispose()
    lines = [
        f"Machine: {machine()}",
        "",
        f"| list (limit {LIMIT}) | API first page (ms) | API last page (ms) | OFFSET first page (ms) "
        "| OFFSET last page (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, first_api, last_api, first_offset, last_offset in rows:
        lines.append(
            f"| {label} | {_ms(first_api)} | {_ms(last_api)} | {_ms(first_offset)} | {_ms(last_offset)} |"
        )
    lines += [
        "",
        f"POST /api/v1/orders, linked on arrival ({clients:,} clients): first {_ms(create_first)} ms "
        f"(builds the process's client index), then {_ms(create_next)} ms (median of {runs}).",
    ]
    return "\n".join(lines)


def _order_creates(http, headers: dict, runs: int) -> tuple[float, float]:
    """Time order creation through the API: the first (index built) and the median of the next."""
    import itertools
    import time

    counter = itertools.count()

    def create() -> None:
        body = {"reference": f"BENCH-{time.time_ns()}-{next(counter)}", "price": 100, "phone": "0661000000"}
        response = http.post("/api/v1/orders", json=body, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)

    log("timing order creation …")
    start = time.perf_counter()
    create()
    first = time.perf_counter() - start
    return first, median_of(create, runs, warmup=0)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench api_latency")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    print(run(args.clients, args.orders, args.runs))
    return 0
