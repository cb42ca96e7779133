"""client segment column

Revision ID: 882f029dd10b
Revises: fead7119369c
Create Date: 2026-11-28 13:31:47.063166

Plain add_column, no batch: on SQLite a batch rebuild of clients would drop the FTS5
triggers of 0f7ec23d4af1. Existing clients start as "none"; `flask refresh-client-stats
--segments-only` classifies them (check-consistency reports them until then).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "882f029dd10b"
down_revision = "fead7119369c"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "clients", sa.Column("segment", sa.String(length=20), server_default="none", nullable=False)
    )
    op.create_index("ix_clients_segment_spent", "clients", ["segment", "total_spent"], unique=False)


def downgrade():
    op.drop_index("ix_clients_segment_spent", table_name="clients")
    op.drop_column("clients", "segment")
