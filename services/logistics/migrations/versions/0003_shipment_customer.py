"""Whose shipment: the order's customer and order number, so events can be scoped.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _new_columns() -> list[sa.Column[object]]:
    # Fresh objects per call: a Column can belong to one Table only. Rows made before
    # this revision keep empty strings: their orders' owners are not ours to look up.
    return [
        sa.Column("customer_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("order_no", sa.String(64), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    for column in _new_columns():
        op.add_column("log_shipment", column)


def downgrade() -> None:
    with op.batch_alter_table("log_shipment") as batch:
        for column in reversed(_new_columns()):
            batch.drop_column(column.name)
