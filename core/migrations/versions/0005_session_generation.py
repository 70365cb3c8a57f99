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
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
