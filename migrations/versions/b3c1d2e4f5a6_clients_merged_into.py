"""clients.merged_into_id: a client merged into another by an admin

Revision ID: b3c1d2e4f5a6
Revises: fead7119369c
Create Date: 2026-11-28 13:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3c1d2e4f5a6"
down_revision = "fead7119369c"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not batch_alter_table: a batch rebuild of clients on SQLite would
    # drop the FTS5 triggers of the client search (migration 0f7ec23d4af1). SQLite cannot
    # add a constraint to a table, but takes a named REFERENCES clause on the new column.
    # No ON DELETE: SQLite would not reflect it from a column clause, and autogenerate
    # would then see a difference; the application clears the link itself.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE clients ADD COLUMN merged_into_id INTEGER "
            "CONSTRAINT fk_clients_merged_into_id_clients REFERENCES clients (id)"
        )
    else:
        op.add_column("clients", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_clients_merged_into_id_clients"),
            "clients",
            "clients",
            ["merged_into_id"],
            ["id"],
        )
    op.create_index(op.f("ix_clients_merged_into_id"), "clients", ["merged_into_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_clients_merged_into_id"), table_name="clients")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_clients_merged_into_id_clients"), "clients", type_="foreignkey")
    # SQLite 3.35+ drops a column without a rebuild (the FTS5 triggers stay).
    op.drop_column("clients", "merged_into_id")
