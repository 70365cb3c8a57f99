"""dossiers: the search columns of the find-a-dossier box (applicant name lower-case
without diacritics, phone as national digits), indexed and back-filled

Revision ID: 0004_dossier_search
Revises: 0003_sync_hub_reports
"""
import sqlalchemy as sa
from alembic import op

from motcua.core.text import name_words, phone_digits

revision = '0004_dossier_search'
down_revision = '0003_sync_hub_reports'
branch_labels = None
depends_on = None

CHUNK = 1000


def _backfill() -> None:
    dossiers = sa.table('dossiers', sa.column('id', sa.Integer()),
                        sa.column('applicant_name', sa.String()),
                        sa.column('applicant_phone', sa.String()),
                        sa.column('search_name', sa.String()),
                        sa.column('search_phone', sa.String()))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(dossiers.c.id, dossiers.c.applicant_name, dossiers.c.applicant_phone)
            .where(dossiers.c.id > last).order_by(dossiers.c.id).limit(CHUNK)).all()
        if not rows:
            return
        for row in rows:
            connection.execute(
                dossiers.update().where(dossiers.c.id == row.id).values(
                    search_name=" ".join(name_words(row.applicant_name))[:160],
                    search_phone=phone_digits(row.applicant_phone) or None))
        last = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=160), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('search_phone', sa.String(length=20), nullable=True))
    _backfill()
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_search_name'), ['search_name'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_search_phone'), ['search_phone'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # The name's words for the full-text prefix match of the search box.
        op.create_index('ix_dossiers_search_words', 'dossiers',
                        [sa.text("to_tsvector('simple', search_name)")],
                        unique=False, postgresql_using='gin')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_dossiers_search_words', table_name='dossiers')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_search_phone'))
        batch_op.drop_index(batch_op.f('ix_dossiers_search_name'))
    # Not batch mode: on SQLite that copies the table, which the foreign keys of a
    # database holding dossiers refuse; both backends drop a plain column in place.
    op.execute('ALTER TABLE dossiers DROP COLUMN search_phone')
    op.execute('ALTER TABLE dossiers DROP COLUMN search_name')
