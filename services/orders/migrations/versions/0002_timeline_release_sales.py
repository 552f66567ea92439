"""Order timeline, pending stock releases, sales read models.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ord_order_event",
        sa.Column(
            "order_id", sa.String(36), sa.ForeignKey("ord_order.order_id"), primary_key=True
        ),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    # Orders created before the timeline existed get their creation step.
    op.execute(
        "INSERT INTO ord_order_event "
        "(order_id, seq, at, action, from_status, to_status, actor, reason) "
        "SELECT order_id, 0, created_at, 'created', '', "
        "CASE WHEN channel = 'pos' THEN 'completed' ELSE 'pending_payment' END, '', "
        "'recorded before the timeline existed' FROM ord_order"
    )
    # A store's orders in one status (the "to ship" list), newest first.
    op.create_index(
        "ix_ord_order_store_status_created",
        "ord_order",
        ["store_id", "status", "created_at", "order_id"],
    )
    with op.batch_alter_table("ord_order") as batch:
        batch.add_column(
            sa.Column("release_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_ord_order_release_pending",
        "ord_order",
        ["cancelled_at"],
        sqlite_where=sa.text("release_pending"),
        postgresql_where=sa.text("release_pending"),
    )
    op.create_table(
        "ord_sales_store_daily",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "ord_sales_daily",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(100), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("category_orders", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_ord_sales_daily_store_day", "ord_sales_daily", ["store_id", "day"])
    op.create_index("ix_ord_sales_daily_region_day", "ord_sales_daily", ["region", "day"])
    op.create_table(
        "ord_sales_attribution",
        sa.Column("order_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ord_sales_attribution")
    op.drop_index("ix_ord_sales_daily_region_day", table_name="ord_sales_daily")
    op.drop_index("ix_ord_sales_daily_store_day", table_name="ord_sales_daily")
    op.drop_table("ord_sales_daily")
    op.drop_table("ord_sales_store_daily")
    op.drop_index("ix_ord_order_release_pending", table_name="ord_order")
    op.drop_index("ix_ord_order_store_status_created", table_name="ord_order")
    with op.batch_alter_table("ord_order") as batch:
        batch.drop_column("release_pending")
    op.drop_table("ord_order_event")
