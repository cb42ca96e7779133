"""The committed migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from yoozak.clients.search import include_in_autogenerate
from yoozak.extensions import db

EXPECTED_TABLES = {"users", "clients", "orders", "link_runs", "review_items", "run_locks", "alembic_version"}


def test_upgrade_builds_every_table(app):
    tables = set(sa.inspect(db.engine).get_table_names())
    assert tables >= EXPECTED_TABLES


def test_autogenerate_finds_no_difference(app):
    with db.engine.connect() as conn:
        # The search index (FTS5 tables, a pg_trgm index) lives in its migration only.
        opts = {"compare_type": True, "include_name": include_in_autogenerate}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_searched_and_sorted_columns_are_indexed(app):
    inspector = sa.inspect(db.engine)
    indexed = {
        table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
        | {tuple(uc["column_names"]) for uc in inspector.get_unique_constraints(table)}
        for table in ("clients", "orders", "users")
    }
    for column in ("is_active", "phone_digits", "user_id"):
        assert (column,) in indexed["clients"], column
    # The list's sort columns, with the id tie-breaker: PostgreSQL pages from the index alone.
    for column in ("created_at", "orders_count", "total_spent", "last_order_at", "sort_name"):
        assert (column, "id") in indexed["clients"], column
    for column in ("reference", "status", "created_at", "link_method", "email_norm", "phone_e164"):
        assert (column,) in indexed["orders"], column
    assert ("client_id", "created_at", "status", "price") in indexed["orders"]
    assert ("email",) in indexed["users"] and ("username",) in indexed["users"]
