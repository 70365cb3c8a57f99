"""sync: outbox rows the hub refused are set aside as dead letters (``refused_at``)
instead of blocking every later batch of the node

Revision ID: 0009_sync_dead_letters
Revises: 0008_sync_fencing
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_sync_dead_letters'
down_revision = '0008_sync_fencing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy would drop a table
    # that others refer to, which SQLite refuses once it holds rows.
    op.drop_column('outbox', 'refused_at')
