"""Sales by province: whole orders per (day, store, province shipped to), and the province
each paid order was counted in (so a refund comes out of the same one).

Days counted before provinces existed go under province "" (unknown), so the provinces of
any day still add up to the chain's day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ord_sales_province_daily",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("province", sa.String(64), primary_key=True),
        sa.Column("orders", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("units", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("revenue", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute(
        "INSERT INTO ord_sales_province_daily (day, store_id, province, orders, units, revenue)"
        " SELECT day, store_id, '', SUM(orders), SUM(units), SUM(revenue)"
        " FROM ord_sales_store_daily GROUP BY day, store_id"
    )
    with op.batch_alter_table("ord_sales_attribution") as batch:
        batch.add_column(sa.Column("province", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("ord_sales_attribution") as batch:
        batch.drop_column("province")
    op.drop_table("ord_sales_province_daily")
