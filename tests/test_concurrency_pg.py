"""Faults and concurrency on PostgreSQL, with real `flask` processes against the test database.

Two link runs at once, a status toggle while a run writes, a run killed with SIGKILL after
its first batch: in each case every order ends up linked once, the clients' aggregates are
exact, and `flask check-consistency` exits 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_SECRET
from yoozak.extensions import db
from yoozak.models import Client, LinkRun, Order, User
from yoozak.models.aggregates import find_drift

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 100
ORDERS_PER_CLIENT = 30  # 3,000 orders: 30 batches of 100
BATCH = "100"


@pytest.fixture
def shop(app):
    """100 clients, each with 30 unlinked orders that carry the client's phone."""
    clients = [
        Client(
            user=User(
                email=f"c{i}@example.com", username=f"c{i}", first_name="Client", last_name=f"N{i:03d}"
            ),
            phone=f"0661{i:06d}",
        )
        for i in range(CLIENTS)
    ]
    db.session.add_all(clients)
    db.session.commit()
    db.session.add_all(
        Order(reference=f"R{c.id}-{n}", client_name=c.full_name, phone=c.phone, price=10, status="confirmed")
        for c in clients
        for n in range(ORDERS_PER_CLIENT)
    )
    db.session.commit()
    return clients


def flask(database_url: str, *args: str) -> subprocess.Popen:
    """Start `flask <args>` on the test database, in its own process group."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the run and its decision workers form one group to kill
    )


def finish(proc: subprocess.Popen, timeout: int = 300) -> tuple[int, str]:
    output, _ = proc.communicate(timeout=timeout)
    return proc.returncode, output


def written(database_url: str) -> int:
    """Return how many orders committed link runs have examined so far."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM orders WHERE link_run_id IS NOT NULL")).scalar()
    engine.dispose()
    return n


@contextmanager
def order_locked(database_url: str, position: float) -> Iterator[None]:
    """Hold a row lock on one order (at `position` in id order), as an admin's edit would.

    A run reaching that order's batch waits for the lock: the run is certainly still going
    when the test acts, however fast the machine is.
    """
    engine = sa.create_engine(database_url)
    conn = engine.connect()
    ids = conn.execute(sa.text("SELECT id FROM orders ORDER BY id")).scalars().all()
    conn.execute(
        sa.text("SELECT id FROM orders WHERE id = :id FOR UPDATE"),
        {"id": ids[int(position * (len(ids) - 1))]},
    )
    try:
        yield
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


def wait_for_first_batch(database_url: str, proc: subprocess.Popen) -> int:
    """Wait until the run has committed at least one batch (and is still running)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        n = written(database_url)
        if n:
            return n
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.05)
    pytest.fail("the link run committed no batch within 120 s")


def assert_every_order_linked_once(database_url: str) -> None:
    """Every order linked to its client, counters and aggregates exact, check-consistency clean."""
    db.session.rollback()
    total = CLIENTS * ORDERS_PER_CLIENT
    orders = db.session.execute(sa.select(Order.client_id, Order.phone)).all()
    phones = {c.id: c.phone for c in db.session.scalars(sa.select(Client))}
    assert len(orders) == total
    assert all(o.client_id is not None and phones[o.client_id] == o.phone for o in orders)
    # Each run counts what it linked in the same transaction as the links: an order linked
    # twice (or a batch counted without its links) would show here.
    runs = db.session.scalars(sa.select(LinkRun)).all()
    assert sum(r.linked_phone + r.linked_email + r.linked_name for r in runs) == total
    assert all(c.orders_count == ORDERS_PER_CLIENT for c in db.session.scalars(sa.select(Client)))
    assert not find_drift(db.session.connection())
    code, output = finish(flask(database_url, "check-consistency"))
    assert code == 0, output
    assert "Consistent" in output


def test_two_link_runs_at_once_one_waits_its_turn(database_url, shop):
    with order_locked(database_url, 1.0):  # the first run cannot finish before the second starts
        first = flask(database_url, "link-orders", "--batch-size", BATCH)
        wait_for_first_batch(database_url, first)
        code2, out2 = finish(flask(database_url, "link-orders", "--batch-size", BATCH))
        assert first.poll() is None  # the first run was still going
    code1, out1 = finish(first)
    assert code2 == 1, out2
    assert "Not started: another link run is in progress" in out2
    assert code1 == 0, out1
    assert f"by phone   {CLIENTS * ORDERS_PER_CLIENT}" in out1
    assert_every_order_linked_once(database_url)
    # Once the first is done, a run finds nothing new.
    code, out = finish(flask(database_url, "link-orders", "--batch-size", BATCH))
    assert code == 0 and "examined   0" in out


def toggle(admin_client, token: str, client_id: int) -> None:
    response = admin_client.post(f"/client/api/{client_id}/toggle-status/", headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["is_active"] is False


def test_status_toggles_while_a_run_writes_both_land(database_url, shop, admin_client, auth):
    token = auth.csrf_token("/client/")
    toggled = [c.id for c in shop[::7]]
    with order_locked(database_url, 0.5):  # the run pauses half-way...
        run = flask(database_url, "link-orders", "--batch-size", BATCH)
        wait_for_first_batch(database_url, run)
        for client_id in toggled[:5]:  # ...while these toggles land
            toggle(admin_client, token, client_id)
        assert run.poll() is None
    for client_id in toggled[5:]:  # and these while it writes its second half
        toggle(admin_client, token, client_id)
    code, output = finish(run)
    assert code == 0, output
    db.session.rollback()
    active = dict(db.session.execute(sa.select(Client.id, Client.is_active)).all())
    assert sorted(cid for cid, on in active.items() if not on) == sorted(toggled)
    stats = admin_client.get("/client/api/stats/").get_json()
    assert stats["inactive_clients"] == len(toggled)
    assert stats["unlinked_orders"] == 0
    assert_every_order_linked_once(database_url)


def test_a_run_killed_half_way_is_run_again_to_a_consistent_end(database_url, shop):
    with order_locked(database_url, 0.5):
        run = flask(database_url, "link-orders", "--batch-size", BATCH)
        wait_for_first_batch(database_url, run)
        os.killpg(run.pid, signal.SIGKILL)  # the run and its decision workers
        run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL
    half = written(database_url)
    assert 0 < half < CLIENTS * ORDERS_PER_CLIENT
    assert half % int(BATCH) == 0  # whole batches only

    # Nothing is left locked: the advisory lock died with the connection.
    code, output = finish(flask(database_url, "link-orders", "--batch-size", BATCH))
    assert code == 0, output
    assert f"by phone   {CLIENTS * ORDERS_PER_CLIENT - half}" in output
    db.session.rollback()
    statuses = [r.status for r in db.session.scalars(sa.select(LinkRun).order_by(LinkRun.id))]
    assert statuses == ["interrupted", "finished"]
    assert_every_order_linked_once(database_url)
