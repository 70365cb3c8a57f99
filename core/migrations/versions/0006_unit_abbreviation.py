"""units: an abbreviation for SMS replies (``UBND TP Tay Ninh``, ``P.TN&MT``)

Empty for the units already there: replies then use an abbreviation derived from the
name (``motcua.core.units.abbreviate``); ``motcua unit abbreviation`` sets one.

Revision ID: 0006_unit_abbreviation
Revises: 0005_session_generation
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_unit_abbreviation'
down_revision = '0005_session_generation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('units', sa.Column('abbreviation', sa.String(length=40), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of ``units`` would
    # drop the table that every other table refers to.
    op.drop_column('units', 'abbreviation')
