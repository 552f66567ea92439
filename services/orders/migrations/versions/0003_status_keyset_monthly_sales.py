"""Chain-wide status lists seek on (status, created_at, order_id); monthly chain-wide sales.

- `ix_ord_order_status_created` gains `order_id`, so "all paid orders, newest first" pages
  with a row-value seek and no sort (it used to sort every tie on created_at).
- `ord_sales_monthly` (month, region, category, sku): the line read model without the store,
  one row per first-of-month. A year of chain-wide category/product/top-product figures sums
  ~12 months of it plus the partial months' days instead of a million daily line rows.
  Backfilled from `ord_sales_daily`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_ord_order_status_created", table_name="ord_order")
    op.create_index(
        "ix_ord_order_status_created", "ord_order", ["status", "created_at", "order_id"]
    )
    op.create_table(
        "ord_sales_monthly",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(100), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("category_orders", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        month = "strftime('%Y-%m-01', day)"
    else:
        month = "CAST(date_trunc('month', day) AS DATE)"
    op.execute(
        "INSERT INTO ord_sales_monthly "
        "(month, region, category, sku, name, orders, category_orders, units, revenue) "
        f"SELECT {month}, region, category, sku, MAX(name), SUM(orders), "
        "SUM(category_orders), SUM(units), SUM(revenue) FROM ord_sales_daily "
        f"GROUP BY {month}, region, category, sku"
    )


def downgrade() -> None:
    op.drop_table("ord_sales_monthly")
    op.drop_index("ix_ord_order_status_created", table_name="ord_order")
    op.create_index("ix_ord_order_status_created", "ord_order", ["status", "created_at"])
