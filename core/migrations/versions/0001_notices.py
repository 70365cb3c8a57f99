"""notices: in-app notices to officers (a dossier arrived, nears its deadline)

Revision ID: 0001_notices
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0001_notices'
down_revision = '0001_core'
branch_labels = ('notices',)
depends_on = None


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_notices_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_notices_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['event_id'], ['dossier_events.id'], name=op.f('fk_notices_event_id_dossier_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('account_id', 'dedupe_key', name=op.f('uq_notices_account_id_dedupe_key')),
    sa.UniqueConstraint('account_id', 'event_id', name=op.f('uq_notices_account_id_event_id'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_account_id_read_at', ['account_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_dossier_id'), ['dossier_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_dossier_id'))
        batch_op.drop_index('ix_notices_account_id_read_at')

    op.drop_table('notices')
