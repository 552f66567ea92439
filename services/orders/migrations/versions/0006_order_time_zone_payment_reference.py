"""An order's business time zone and its payment's transaction reference.

Orders placed before get "" (shown in the chain's zone) and no reference.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ord_order") as batch:
        batch.add_column(sa.Column("payment_reference", sa.String(64), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("ord_order") as batch:
        batch.drop_column("time_zone")
        batch.drop_column("payment_reference")
