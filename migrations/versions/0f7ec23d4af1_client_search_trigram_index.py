"""client search: trigram index over clients.search_text (FTS5 on SQLite, pg_trgm on PostgreSQL)

Revision ID: 0f7ec23d4af1
Revises: c759654aefc6
Create Date: 2026-11-28 11:40:00.000000

Neither object is in the SQLAlchemy metadata: yoozak.clients.services.include_in_autogenerate
tells autogenerate to leave them alone.

SQLite: an external-content FTS5 table reads its text from clients, and three triggers keep
its index in step with every INSERT, UPDATE and DELETE, ORM or Core alike. A migration that
rebuilds `clients` through batch_alter_table drops those triggers with the old table: it must
create them again (and 'rebuild' the index).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0f7ec23d4af1"
down_revision = "c759654aefc6"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE client_search USING fts5("
    "search_text, tokenize='trigram', content='clients', content_rowid='id')",
    "CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN"
    " INSERT INTO client_search (rowid, search_text) VALUES (new.id, new.search_text);"
    " END",
    "CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN"
    " INSERT INTO client_search (client_search, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " END",
    "CREATE TRIGGER clients_search_update AFTER UPDATE OF id, search_text ON clients BEGIN"
    " INSERT INTO client_search (client_search, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO client_search (rowid, search_text) VALUES (new.id, new.search_text);"
    " END",
    "INSERT INTO client_search (client_search) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS clients_search_update",
    "DROP TRIGGER IF EXISTS clients_search_delete",
    "DROP TRIGGER IF EXISTS clients_search_insert",
    "DROP TABLE IF EXISTS client_search",
)
POSTGRESQL_UPGRADE = (
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_clients_search_text_trgm ON clients USING gin (search_text gin_trgm_ops)",
)
# The extension stays: other objects may have come to rely on it.
POSTGRESQL_DOWNGRADE = ("DROP INDEX IF EXISTS ix_clients_search_text_trgm",)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UPGRADE)
    elif dialect == "postgresql":
        _run(POSTGRESQL_UPGRADE)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWNGRADE)
    elif dialect == "postgresql":
        _run(POSTGRESQL_DOWNGRADE)
