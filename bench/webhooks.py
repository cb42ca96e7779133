"""Webhook throughput: ``python -m bench webhooks [--events N --clients K --concurrency 1,8,16]``.

Writes N outbox events spread over K clients (through the same `write_events` the session
hooks and link runs use), then times `deliver_due` draining them to a real HTTP receiver
on 127.0.0.1 (a threaded http.server answering 204 with keep-alive), for each concurrency.
One more row puts every event on one client: delivery in order then means one at a time.
The receiver checks each signature with standardwebhooks and counts duplicates.
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import delete, func, select
from standardwebhooks import Webhook

from .common import MIGRATIONS, RESULTS, log, machine, make_app

PAYLOAD = {
    "first_name": "Amina",
    "last_name": "Bennani",
    "email": "amina.bennani@example.com",
    "phone": "+212612345678",
    "address": "12 rue Allal Ben Abdellah, Fès",
    "company_name": None,
    "is_active": True,
    "orders_count": 4,
    "total_spent": "1249.00",
}


class Counter:
    """What the receiver saw: ids, duplicates, bad signatures."""

    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)
        self.ids: set[str] = set()
        self.duplicates = 0
        self.bad = 0
        self.lock = threading.Lock()


def start_receiver(counter: Counter) -> ThreadingHTTPServer:
    """Serve on 127.0.0.1 and a free port until shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                counter.webhook.verify(body, dict(self.headers))
                ok = True
            except Exception:
                ok = False
            with counter.lock:
                message_id = self.headers.get("webhook-id")
                counter.bad += not ok
                counter.duplicates += message_id in counter.ids
                counter.ids.add(message_id)
            self.send_response(204 if ok else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def reset(db) -> None:
    from yoozak.models import OutboxEvent, WebhookAttempt, WebhookDelivery

    for model in (WebhookAttempt, WebhookDelivery, OutboxEvent):
        db.session.execute(delete(model))
    db.session.commit()


def scenario(app, db, endpoint_id: int, events: int, clients: int, concurrency: int, counter: Counter):
    """Write `events` events over `clients` clients, deliver them all, and time both."""
    from yoozak.models import WebhookDelivery
    from yoozak.webhooks.delivery import deliver_due
    from yoozak.webhooks.outbox import write_events

    reset(db)
    counter.ids.clear()
    counter.duplicates = counter.bad = 0
    app.config["WEBHOOKS_CONCURRENCY"] = concurrency
    owners = [n % clients + 1 for n in range(events)]
    items = (("client.updated", owner, None, {**PAYLOAD, "id": owner}) for owner in owners)
    started = time.perf_counter()
    write_events(db.session.connection(), items, {"client.updated": [endpoint_id]})
    db.session.commit()
    written = time.perf_counter() - started
    started = time.perf_counter()
    report = deliver_due(db.session)
    elapsed = time.perf_counter() - started
    delivered = db.session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "delivered")
    )
    assert delivered == events == report.delivered, (delivered, report.line())
    assert counter.bad == 0 and counter.duplicates == 0 and len(counter.ids) == events
    return {"written": events / written, "delivered": events / elapsed, "seconds": elapsed}


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench webhooks")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,8,16")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from yoozak.extensions import db
    from yoozak.models import WebhookEndpoint
    from yoozak.webhooks.signing import new_secret

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "work-webhooks.db"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    app = make_app(path)
    app.config.update(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_DELIVER_ON_COMMIT=False, WEBHOOKS_ALLOW_HTTP=True)
    secret = new_secret()
    counter = Counter(secret)
    server = start_receiver(counter)
    rows = []
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        endpoint = WebhookEndpoint(
            url=f"http://127.0.0.1:{server.server_port}/hooks", events=["client.updated"], secret=secret
        )
        db.session.add(endpoint)
        db.session.commit()
        plan = [(args.clients, int(c)) for c in args.concurrency.split(",")] + [(1, 8)]
        for clients, concurrency in plan:
            log(f"{args.events} events, {clients} client(s), concurrency {concurrency} …")
            result = scenario(app, db, endpoint.id, args.events, clients, concurrency, counter)
            rows.append((clients, concurrency, result))
        db.engine.dispose()
    server.shutdown()
    print(f"\nWebhook delivery to a local receiver — {machine()}\n")
    print(
        "| events | clients | parallel POSTs | outbox write (events/s) | delivery (events/s) | drain time |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for clients, concurrency, r in rows:
        print(
            f"| {args.events:,} | {clients:,} | {concurrency} | {r['written']:,.0f} | "
            f"{r['delivered']:,.0f} | {r['seconds']:.1f} s |"
        )
    return 0
