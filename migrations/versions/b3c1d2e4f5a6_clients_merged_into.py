"""clients.merged_into_id and address_key: duplicate clients and their merge

Revision ID: b3c1d2e4f5a6
Revises: 7e72e3373a88
Create Date: 2026-11-28 13:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3c1d2e4f5a6"
down_revision = "7e72e3373a88"
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
    op.add_column("clients", sa.Column("address_key", sa.String(255), nullable=False, server_default=""))
    _fill_address_keys()
    op.create_index("ix_clients_name_address", "clients", ["name_key", "address_key"], unique=False)


def _fill_address_keys() -> None:
    """Compute the normalised address of the clients already there (the application keeps it after)."""
    from yoozak.linking.normalize import normalize_address

    conn = op.get_bind()
    clients = sa.table("clients", sa.column("id", sa.Integer), sa.column("address", sa.String))
    last_id = 0
    while True:
        rows = conn.execute(
            sa.select(clients.c.id, clients.c.address)
            .where(clients.c.id > last_id)
            .order_by(clients.c.id)
            .limit(5000)
        ).all()
        if not rows:
            return
        keys = [{"id": cid, "key": normalize_address(address)[:255]} for cid, address in rows if address]
        if keys:
            conn.execute(sa.text("UPDATE clients SET address_key = :key WHERE id = :id"), keys)
        last_id = rows[-1].id


def downgrade():
    op.drop_index("ix_clients_name_address", table_name="clients")
    op.drop_column("clients", "address_key")
    op.drop_index(op.f("ix_clients_merged_into_id"), table_name="clients")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_clients_merged_into_id_clients"), "clients", type_="foreignkey")
    # SQLite 3.35+ drops a column without a rebuild (the FTS5 triggers stay).
    op.drop_column("clients", "merged_into_id")
