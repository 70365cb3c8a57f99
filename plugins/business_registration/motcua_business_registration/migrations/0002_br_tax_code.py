"""business_registration: the household's tax code, as the tax office returns it.

Revision ID: 0002_br_tax_code
Revises: 0001_business_registration
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_br_tax_code"
down_revision = "0001_business_registration"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("business_registration_households") as batch:
        batch.add_column(sa.Column("tax_code", sa.String(14), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("business_registration_households") as batch:
        batch.drop_column("tax_code")
