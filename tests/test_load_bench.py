"""The load benchmark's building blocks, at tiny scale, so that `python -m bench load` cannot rot.

Seeds and links 200 clients on the test PostgreSQL, serves them with gunicorn, and drives
them from a real locust process for a few seconds: every request kind must be sent, and
none may fail (a 4xx/5xx, a page that is not the one asked for, a refused login or toggle).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import load
from tests.conftest import migrate_to_head


@pytest.mark.postgresql_only
def test_load_run_at_tiny_scale(backend: str, database_url: str, tmp_path: Path) -> None:
    load.seed_and_link(database_url, clients=200, orders=2000, seed=5)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        linked = conn.scalar(sa.text("SELECT count(*) FROM orders WHERE client_id IS NOT NULL"))
        with_orders = conn.scalar(sa.text("SELECT count(*) FROM clients WHERE orders_count > 0"))
    engine.dispose()
    assert linked > 0 and with_orders > 0  # the link run ran and the aggregates followed

    admins = load.create_admins(database_url, 3)
    assert load.create_admins(database_url, 3) == admins  # a second run on this database (--database-url)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM users WHERE email LIKE 'load-admin-%'")) == 3
    engine.dispose()
    assert load.cpu_seconds(parent_id=load.postmaster_pid_of(database_url)) > 0
    sample_path = tmp_path / "sample.json"
    sample = load.write_sample(database_url, admins, sample_path)
    assert json.loads(sample_path.read_text(encoding="utf-8")) == sample
    assert sample["client_ids"] and sample["emails"] and sample["names"] and sample["phones"]

    with load.serve(database_url, workers=2, worker_class="gthread", threads=2) as server:
        result = load.run_locust(
            server.url, sample_path, tmp_path / "locust", users=6, spawn_rate=6, seconds=120, steady=4
        )
        served_cpu = load.cpu_seconds(session_id=server.pid)

    assert served_cpu > 0  # the workers are found in the master's session
    assert result.failures == [] and result.exceptions == []
    assert result.error_count == 0
    sent = {name for name, stats in result.whole.items() if stats.count > 0}
    assert sent == {*load.KINDS, load.ALL}
    assert result.whole["login"].count == 6  # every user logged in once, through the form
    assert not any("errors" in reason for reason in load.check_target(result))


@pytest.mark.postgresql_only
def test_copy_from_sqlite_brings_rows_links_and_sequences(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "source.db"
    migrate_to_head(f"sqlite:///{source}")
    load.seed_and_link(f"sqlite:///{source}", clients=40, orders=300, seed=9)
    query = (
        "SELECT count(*), sum(orders_count), sum(confirmed_count), max(last_order_at) IS NOT NULL,"
        " (SELECT count(*) FROM orders WHERE client_id IS NOT NULL) FROM clients"
    )
    lite = sa.create_engine(f"sqlite:///{source}")
    with lite.connect() as conn:
        expected = tuple(conn.execute(sa.text(query)).one())
    lite.dispose()

    lite = sa.create_engine(f"sqlite:///{source}")
    with lite.begin() as conn:  # one client's aggregates out of step with its orders
        conn.execute(
            sa.text("UPDATE clients SET orders_count = 999 WHERE id = (SELECT min(id) FROM clients)")
        )
    lite.dispose()

    counts = load.copy_from_sqlite(source, database_url)

    assert counts["clients"] == 40 and counts["orders"] == 300
    assert counts["aggregates recomputed"] == 1
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        assert tuple(conn.execute(sa.text(query)).one()) == expected
        assert expected[4] > 0  # links came along, and the aggregates agree with them
        next_id = conn.scalar(sa.text("SELECT nextval(pg_get_serial_sequence('clients', 'id'))"))
        assert next_id > conn.scalar(sa.text("SELECT max(id) FROM clients"))
    engine.dispose()


def test_summarise_splits_the_ramp_from_the_steady_phase() -> None:
    raw = {
        "requests": [
            (100.0, "login", 300.0, False),
            (101.0, "list", 20.0, False),
            (102.0, "list", 40.0, True),
            (103.0, "stats (JSON)", 10.0, False),
        ],
        "ready": [100.5, 101.5],
    }
    steady, whole, seconds = load.summarise(raw)
    assert whole[load.ALL].count == 4 and whole[load.ALL].failures == 1
    assert set(steady) == {load.ALL, "list", "stats (JSON)"}
    assert steady["list"].count == 1 and steady["list"].failures == 1
    assert steady[load.ALL].p50 == 10.0 and steady[load.ALL].max == 40.0
    assert seconds == pytest.approx(103.01 - 101.5)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 50) == 50.0
    assert load.percentile(values, 95) == 95.0
    assert load.percentile(values, 99) == 99.0
    assert load.percentile([7.0], 99) == 7.0
    assert load.percentile([], 95) == 0.0
