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
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
