"""specialist_search_terms: the values of the specialist-data fields plugins mark for
search (filled on intake and on each update; `motcua dossiers reindex` fills it for the
dossiers already there)

Revision ID: 0013_specialist_search
Revises: 0012_migration_checksums
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_specialist_search'
down_revision = '0012_migration_checksums'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'specialist_search_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_specialist_search_terms_dossier_id_dossiers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_specialist_search_terms')),
    )
    op.create_index(op.f('ix_specialist_search_terms_dossier_id'), 'specialist_search_terms',
                    ['dossier_id'], unique=False)
    op.create_index(op.f('ix_specialist_search_terms_value'), 'specialist_search_terms',
                    ['value'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_specialist_search_terms_value'),
                  table_name='specialist_search_terms')
    op.drop_index(op.f('ix_specialist_search_terms_dossier_id'),
                  table_name='specialist_search_terms')
    op.drop_table('specialist_search_terms')
