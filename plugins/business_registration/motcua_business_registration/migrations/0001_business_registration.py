"""business_registration: the household business register (the plugin's own branch).

No foreign key into the core's tables (entries name their dossier by code), so the
branch only needs the core to exist first, as every plugin branch does.

Revision ID: 0001_business_registration
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_business_registration"
down_revision = "0001_core"
branch_labels = ("business_registration",)
depends_on = None

HOUSEHOLDS = "business_registration_households"
CHANGES = "business_registration_changes"
COUNTERS = "business_registration_counters"


def upgrade() -> None:
    op.create_table(
        HOUSEHOLDS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_number", sa.String(12), nullable=False),
        sa.Column("area_code", sa.String(40), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=True),
        sa.Column("search_text", sa.String(800), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("business_lines", sa.JSON(), nullable=False),
        sa.Column("capital", sa.BigInteger(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("owner_name", sa.String(160), nullable=False),
        sa.Column("owner_citizen_id", sa.String(12), nullable=False),
        sa.Column("owner", sa.JSON(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("suspended_until", sa.Date(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("first_dossier_code", sa.String(60), nullable=False),
        sa.Column("change_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{HOUSEHOLDS}"),
        sa.UniqueConstraint("registration_number",
                            name=f"uq_{HOUSEHOLDS}_registration_number"),
        sa.UniqueConstraint("area_code", "name_key", name=f"uq_{HOUSEHOLDS}_name"),
    )
    op.create_index(f"ix_{HOUSEHOLDS}_area_code", HOUSEHOLDS, ["area_code"])
    op.create_index(f"ix_{HOUSEHOLDS}_owner_citizen_id", HOUSEHOLDS, ["owner_citizen_id"])
    op.create_index(f"ix_{HOUSEHOLDS}_status", HOUSEHOLDS, ["status"])
    op.create_index(f"ix_{HOUSEHOLDS}_registered_on", HOUSEHOLDS, ["registered_on"])
    op.create_table(
        CHANGES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("procedure_code", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(80), nullable=False),
        sa.Column("issuer_unit_code", sa.String(40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{CHANGES}"),
        sa.ForeignKeyConstraint(["household_id"], [f"{HOUSEHOLDS}.id"],
                                name=f"fk_{CHANGES}_household"),
        sa.UniqueConstraint("dossier_code", name=f"uq_{CHANGES}_dossier_code"),
    )
    op.create_index(f"ix_{CHANGES}_household_id", CHANGES, ["household_id"])
    op.create_index(f"ix_{CHANGES}_at", CHANGES, ["at"])
    op.create_table(
        COUNTERS,
        sa.Column("area_code", sa.String(40), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("results_issued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", name=f"pk_{COUNTERS}"),
    )


def downgrade() -> None:
    op.drop_table(COUNTERS)
    op.drop_index(f"ix_{CHANGES}_at", CHANGES)
    op.drop_index(f"ix_{CHANGES}_household_id", CHANGES)
    op.drop_table(CHANGES)
    for column in ("registered_on", "status", "owner_citizen_id", "area_code"):
        op.drop_index(f"ix_{HOUSEHOLDS}_{column}", HOUSEHOLDS)
    op.drop_table(HOUSEHOLDS)
