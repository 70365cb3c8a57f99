"""plugin failures: hook and signal receiver failures kept for the ICT admin page

Revision ID: 0001_plugin_failures
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa


revision = '0001_plugin_failures'
down_revision = '0001_core'
branch_labels = ('plugin_failures',)
depends_on = None


def upgrade() -> None:
    op.create_table('plugin_failures',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('hook', sa.String(length=120), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_plugin_failures'))
    )
    op.create_index(op.f('ix_plugin_failures_last_at'), 'plugin_failures', ['last_at'],
                    unique=False)
    op.create_index(op.f('ix_plugin_failures_plugin'), 'plugin_failures', ['plugin'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_plugin_failures_plugin'), table_name='plugin_failures')
    op.drop_index(op.f('ix_plugin_failures_last_at'), table_name='plugin_failures')
    op.drop_table('plugin_failures')
