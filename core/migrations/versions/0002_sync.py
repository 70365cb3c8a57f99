"""sync: hand-overs a node could not import; refusals not attributable to a node

Revision ID: 0002_sync
Revises: 0001_sync
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002_sync'
down_revision = '0001_sync'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('sync_node_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_errors', JSON, nullable=False,
                                      server_default=sa.text("'[]'")))
    with op.batch_alter_table('sync_node_state', schema=None) as batch_op:
        batch_op.alter_column('handoff_errors', server_default=None)
    op.create_table('sync_refusal_tallies',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=True),
    sa.Column('last_claimed_node', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_sync_refusal_tallies'))
    )


def downgrade() -> None:
    op.drop_table('sync_refusal_tallies')
    with op.batch_alter_table('sync_node_state', schema=None) as batch_op:
        batch_op.drop_column('handoff_errors')
