"""sync: outbox rows the hub refused are set aside as dead letters (``refused_at``)
instead of blocking every later batch of the node

Revision ID: 0004_sync_dead_letters
Revises: 0003_sync_hub_reports
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_sync_dead_letters'
down_revision = '0003_sync_hub_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('refused_at')
