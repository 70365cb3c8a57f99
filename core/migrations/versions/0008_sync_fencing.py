"""sync: the sender's fencing token, on the node (taken with the sender lock) and on the
hub (the highest one a node's applied batches carried)

Revision ID: 0008_sync_fencing
Revises: 0007_keys_and_restore
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_sync_fencing'
down_revision = '0007_keys_and_restore'
branch_labels = None
depends_on = None

TABLES = ('sync_node_state', 'sync_nodes')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sender_token', sa.Integer(), nullable=False,
                                          server_default=sa.text('0')))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('sender_token', server_default=None)


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy would drop a table
    # that others refer to, which SQLite refuses once it holds rows.
    for table in TABLES:
        op.drop_column(table, 'sender_token')
