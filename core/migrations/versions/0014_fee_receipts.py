"""fee_receipts: the fees paid for a dossier, a receipt number unique per series; and
attachments a plugin adds (its drawings, its generated result) name the plugin and the
file's kind

Revision ID: 0014_fee_receipts
Revises: 0013_specialist_search
"""
import sqlalchemy as sa
from alembic import op


revision = '0014_fee_receipts'
down_revision = '0013_specialist_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fee_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('payer', sa.String(length=160), nullable=False),
        sa.Column('series', sa.String(length=20), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('paid_at', sa.DateTime(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('officer_name', sa.String(length=160), nullable=True),
        sa.Column('plugin', sa.String(length=80), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_fee_receipts_dossier_id_dossiers')),
        sa.ForeignKeyConstraint(['officer_id'], ['accounts.id'],
                                name=op.f('fk_fee_receipts_officer_id_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_receipts')),
        sa.UniqueConstraint('series', 'number', name=op.f('uq_fee_receipts_series_number')),
    )
    op.create_index(op.f('ix_fee_receipts_dossier_id'), 'fee_receipts', ['dossier_id'])
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as 0011 does: a batch copy would
    # drop a table that others refer to.
    op.add_column('attachments', sa.Column('plugin', sa.String(length=80), nullable=True))
    op.add_column('attachments', sa.Column('kind', sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column('attachments', 'kind')
    op.drop_column('attachments', 'plugin')
    op.drop_index(op.f('ix_fee_receipts_dossier_id'), table_name='fee_receipts')
    op.drop_table('fee_receipts')
