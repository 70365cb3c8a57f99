"""lookup_factor_guards: wrong second-factor guesses per dossier code, from any address,
so many addresses together cannot guess a dossier's last four phone digits

Revision ID: 0010_lookup_factor_guard
Revises: 0009_sync_dead_letters
"""
import sqlalchemy as sa
from alembic import op


revision = '0010_lookup_factor_guard'
down_revision = '0009_sync_dead_letters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lookup_factor_guards',
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('window_ends_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )


def downgrade() -> None:
    op.drop_table('lookup_factor_guards')
