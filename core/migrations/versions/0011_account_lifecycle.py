"""accounts: a password reset by an administrator must be changed at the next login

Revision ID: 0011_account_lifecycle
Revises: 0010_lookup_factor_guard
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_account_lifecycle'
down_revision = '0010_lookup_factor_guard'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('must_change_password', sa.Boolean(),
                                        server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy would drop a table
    # that others refer to, which SQLite refuses once it holds rows.
    op.drop_column('accounts', 'must_change_password')
