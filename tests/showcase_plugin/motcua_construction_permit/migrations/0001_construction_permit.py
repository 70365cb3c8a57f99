"""construction_permit: the permits register (the plugin's own Alembic branch).

Revision ID: 0001_construction_permit
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_construction_permit"
down_revision = "0001_core"
branch_labels = ("construction_permit",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "construction_permit_permits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_code", sa.String(60), nullable=False, unique=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False, index=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(160), nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False, index=True),
        sa.Column("ward", sa.String(120), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=False),
        sa.Column("issuing_agency", sa.String(200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(80), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("construction_permit_permits")
