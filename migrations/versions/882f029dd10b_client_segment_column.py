"""client segment column

Revision ID: 882f029dd10b
Revises: fead7119369c
Create Date: 2026-11-28 13:31:47.063166

Plain add_column, no batch: on SQLite a batch rebuild of clients would drop the FTS5
triggers of 0f7ec23d4af1. Existing clients are classified with the default thresholds;
`flask refresh-client-stats` applies configured ones.
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
    classify_existing_clients()


def classify_existing_clients():
    """Give the clients already there their segment (default thresholds), not "none" until a refresh."""
    from yoozak.models.segments import SegmentRules, segment_case

    clients = sa.table(
        "clients",
        *(
            sa.column(name)
            for name in (
                "segment",
                "orders_count",
                "confirmed_count",
                "cancelled_count",
                "total_spent",
                "last_order_at",
                "created_at",
            )
        ),
    )
    computed = segment_case(
        SegmentRules.from_config({}),
        orders_count=clients.c.orders_count,
        confirmed_count=clients.c.confirmed_count,
        cancelled_count=clients.c.cancelled_count,
        total_spent=clients.c.total_spent,
        last_order_at=clients.c.last_order_at,
        created_at=clients.c.created_at,
    )
    op.execute(clients.update().where(clients.c.segment != computed).values(segment=computed))


def downgrade():
    op.drop_index("ix_clients_segment_spent", table_name="clients")
    op.drop_column("clients", "segment")
