"""task runs, slow requests, anonymised clients

Revision ID: c4799d495f6f
Revises: 00c4b2e3ddca
Create Date: 2026-11-28 13:34:22.194324

Plain op.add_column / op.drop_column on clients (no batch): a batch rebuild of clients on
SQLite would drop the FTS5 triggers of migration 0f7ec23d4af1.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4799d495f6f"
down_revision = "00c4b2e3ddca"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "slow_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("query_keys", sa.String(length=255), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("sql_count", sa.Integer(), nullable=False),
        sa.Column("sql_ms", sa.Float(), nullable=False),
        sa.Column("statements", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slow_requests")),
    )
    op.create_index(op.f("ix_slow_requests_at"), "slow_requests", ["at"], unique=False)

    op.create_table(
        "task_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=50), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_runs")),
    )
    op.create_index(op.f("ix_task_runs_outcome"), "task_runs", ["outcome"], unique=False)
    op.create_index("ix_task_runs_task_started", "task_runs", ["task", "started_at"], unique=False)

    op.add_column("clients", sa.Column("anonymised_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("clients", "anonymised_at")
    op.drop_index("ix_task_runs_task_started", table_name="task_runs")
    op.drop_index(op.f("ix_task_runs_outcome"), table_name="task_runs")
    op.drop_table("task_runs")
    op.drop_index(op.f("ix_slow_requests_at"), table_name="slow_requests")
    op.drop_table("slow_requests")
