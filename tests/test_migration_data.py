"""Migrations that add derived columns fill them for the rows already there."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import make_app
from yoozak.extensions import db
from yoozak.models.aggregates import refresh_segments
from yoozak.timeutil import utcnow

MIGRATIONS = str(Path(__file__).parent.parent / "migrations")
BEFORE_SEGMENTS = "fead7119369c"


def insert_client(conn, n: int, *, orders: int, confirmed: int, cancelled: int, spent: str, days_ago: int):
    now = utcnow()
    user_id = conn.execute(
        sa.text(
            "INSERT INTO users (email, username, first_name, last_name, is_admin, is_active, date_joined, "
            "session_version) VALUES (:e, :u, 'Client', :l, false, true, :d, 0) RETURNING id"
        ),
        {"e": f"c{n}@example.com", "u": f"c{n}", "l": f"N{n}", "d": now},
    ).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO clients (user_id, address, created_at, updated_at, is_active, search_text, "
            "name_key, sort_name, orders_count, confirmed_count, pending_count, cancelled_count, "
            "total_spent, last_order_at) "
            "VALUES (:uid, '', :created, :created, true, '', '', '', :o, :c, 0, :x, :s, :last)"
        ),
        {
            "uid": user_id,
            "created": now - timedelta(days=400),
            "o": orders,
            "c": confirmed,
            "x": cancelled,
            "s": spent,
            "last": now - timedelta(days=days_ago) if orders else None,
        },
    )


def test_existing_clients_get_their_segment_when_the_column_arrives(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'old.db'}", instance_path=tmp_path / "instance")
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE_SEGMENTS)
        with db.engine.begin() as conn:
            insert_client(conn, 1, orders=0, confirmed=0, cancelled=0, spent="0", days_ago=0)
            insert_client(conn, 2, orders=12, confirmed=12, cancelled=0, spent="9000", days_ago=5)
            insert_client(conn, 3, orders=6, confirmed=1, cancelled=5, spent="300", days_ago=5)
            insert_client(conn, 4, orders=2, confirmed=2, cancelled=0, spent="500", days_ago=900)
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            segments = conn.execute(sa.text("SELECT segment FROM clients ORDER BY id")).scalars().all()
            assert len(set(segments)) == 4 and segments[0] == "none"  # four different kinds of client
            assert refresh_segments(conn) == 0  # exactly what the application computes
        db.engine.dispose()
