"""accounts: the session generation that logout and a password change raise, so a
session cookie copied before either is refused afterwards

Revision ID: 0005_session_generation
Revises: 0004_dossier_search
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_session_generation'
down_revision = '0004_dossier_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('session_generation', sa.Integer(), server_default='0',
                                        nullable=False))


def downgrade() -> None:
    # A plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of ``accounts`` would
    # drop a table that others refer to, which SQLite refuses once it holds rows.
    op.drop_column('accounts', 'session_generation')
