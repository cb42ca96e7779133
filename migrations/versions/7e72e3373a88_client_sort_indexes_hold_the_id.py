"""client sort indexes hold the id

The client list sorts on these columns with the id as tie-breaker and pages by walking the
index. With the id in the index, PostgreSQL answers a deep page from the index alone (an
index-only scan) instead of reading every row it skips; SQLite indexes held the rowid already.
Plain op calls, no batch: a batch rebuild of clients would drop the FTS5 triggers of 0f7ec23d4af1.

Revision ID: 7e72e3373a88
Revises: 882f029dd10b
Create Date: 2026-11-28 13:52:50.855458

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7e72e3373a88"
down_revision = "882f029dd10b"
branch_labels = None
depends_on = None

SORT_COLUMNS = ("created_at", "last_order_at", "orders_count", "sort_name", "total_spent")


def upgrade():
    for column in SORT_COLUMNS:
        op.drop_index(f"ix_clients_{column}", table_name="clients")
        op.create_index(f"ix_clients_{column}", "clients", [column, "id"], unique=False)


def downgrade():
    for column in SORT_COLUMNS:
        op.drop_index(f"ix_clients_{column}", table_name="clients")
        op.create_index(f"ix_clients_{column}", "clients", [column], unique=False)
