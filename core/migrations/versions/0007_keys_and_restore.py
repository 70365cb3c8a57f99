"""api: the stored answers of writes sent with an Idempotency-Key header; sync: when a
backup was restored into a node's database (its intake and sync wait for the hub)

Revision ID: 0007_keys_and_restore
Revises: 0006_unit_abbreviation
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007_keys_and_restore'
down_revision = '0006_unit_abbreviation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_api_idempotency_keys_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
        sa.UniqueConstraint('account_id', 'key',
                            name=op.f('uq_api_idempotency_keys_account_id_key')),
    )
    op.create_index(op.f('ix_api_idempotency_keys_created_at'), 'api_idempotency_keys',
                    ['created_at'], unique=False)
    with op.batch_alter_table('sync_node_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restored_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy would drop a table
    # that others refer to, which SQLite refuses once it holds rows.
    op.drop_column('sync_node_state', 'restored_at')
    op.drop_index(op.f('ix_api_idempotency_keys_created_at'),
                  table_name='api_idempotency_keys')
    op.drop_table('api_idempotency_keys')
