"""link backlog index leading with the plain run's other conditions

The partial index of the orders no run has examined was on (id) alone: SQLite's planner
took `client_id IS NULL` as an equality on ix_orders_client_history instead and read every
unlinked order (a quarter of the table) to find the new ones. Leading with client_id and
link_method, the conditions of a plain run, it is the index of choice on both backends.

Revision ID: 0f5ea6e016cc
Revises: c4799d495f6f
Create Date: 2026-11-28 17:08:29.051395

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0f5ea6e016cc"
down_revision = "c4799d495f6f"
branch_labels = None
depends_on = None

UNEXAMINED = sa.text("link_run_id IS NULL")


def upgrade():
    # Plain op (no batch): index operations need no table rebuild on SQLite.
    op.create_index(
        "ix_orders_link_backlog",
        "orders",
        ["client_id", "link_method", "id"],
        unique=False,
        sqlite_where=UNEXAMINED,
        postgresql_where=UNEXAMINED,
    )
    op.drop_index("ix_orders_unexamined", table_name="orders")


def downgrade():
    op.create_index(
        "ix_orders_unexamined",
        "orders",
        ["id"],
        unique=False,
        sqlite_where=UNEXAMINED,
        postgresql_where=UNEXAMINED,
    )
    op.drop_index("ix_orders_link_backlog", table_name="orders")
