"""migration_checksums: the SHA-256 of every applied migration file, so that
``motcua db upgrade`` notices a file changed under a revision already applied

Revision ID: 0012_migration_checksums
Revises: 0011_account_lifecycle
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_migration_checksums'
down_revision = '0011_account_lifecycle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'migration_checksums',
        sa.Column('revision', sa.String(length=120), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('revision', name=op.f('pk_migration_checksums')),
    )


def downgrade() -> None:
    op.drop_table('migration_checksums')
