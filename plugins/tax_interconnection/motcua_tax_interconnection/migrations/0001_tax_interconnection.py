"""tax_interconnection: the exchanges with the tax office (the plugin's Alembic branch).

Revision ID: 0001_tax_interconnection
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_tax_interconnection"
down_revision = "0001_core"
branch_labels = ("tax_interconnection",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tax_interconnection_exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("procedure_code", sa.String(20), nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("tax_office_code", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(160), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tax_interconnection_exchanges"),
        sa.UniqueConstraint("message_id", name="uq_tax_interconnection_exchanges_message_id"),
    )
    for column in ("dossier_code", "tax_office_code", "status", "next_attempt_at"):
        op.create_index(f"ix_tax_interconnection_exchanges_{column}",
                        "tax_interconnection_exchanges", [column])


def downgrade() -> None:
    op.drop_table("tax_interconnection_exchanges")
