"""A store's own business time zone.

Existing stores get "" (the chain's zone, ORDERS_BUSINESS_TZ). Sales already counted keep
the UTC day they were counted on; new sales count on business days.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ord_store") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("ord_store") as batch:
        batch.drop_column("time_zone")
