"""Products carry an EAN-13 barcode (unique; NULL when none) and a specification (规格).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inv_product") as batch:
        batch.add_column(sa.Column("barcode", sa.String(13), nullable=True))
        batch.add_column(sa.Column("spec", sa.String(100), nullable=False, server_default=""))
    op.create_index("ix_inv_product_barcode", "inv_product", ["barcode"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_inv_product_barcode", table_name="inv_product")
    with op.batch_alter_table("inv_product") as batch:
        batch.drop_column("spec")
        batch.drop_column("barcode")
