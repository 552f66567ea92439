"""Initial orders schema: stores, orders and their parts, counters, idempotency, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ord_store",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("payment_timeout_s", sa.Integer(), nullable=False),
        sa.Column("auto_confirm", sa.Boolean(), nullable=False),
        sa.Column("share_stock_online", sa.Boolean(), nullable=False),
        sa.Column("allocation_strategy", sa.String(32), nullable=False),
    )
    op.create_table(
        "ord_order",
        sa.Column("order_id", sa.String(36), primary_key=True),
        sa.Column("order_no", sa.String(100), nullable=False, unique=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("ship_name", sa.String(200)),
        sa.Column("ship_phone", sa.String(40)),
        sa.Column("ship_region", sa.String(64)),
        sa.Column("ship_city", sa.String(64)),
        sa.Column("ship_line1", sa.String(300)),
        sa.Column("ship_lat", sa.Float()),
        sa.Column("ship_lon", sa.Float()),
        sa.Column("payment_method", sa.String(20)),
        sa.Column("payment_amount", sa.BigInteger()),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("payment_due_at", TZ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("paid_at", TZ),
        sa.Column("confirmed_at", TZ),
        sa.Column("shipped_at", TZ),
        sa.Column("completed_at", TZ),
        sa.Column("cancelled_at", TZ),
        sa.Column("cancel_reason", sa.String(500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_ord_order_customer_created", "ord_order", ["customer_id", "created_at", "order_id"]
    )
    op.create_index(
        "ix_ord_order_store_created", "ord_order", ["store_id", "created_at", "order_id"]
    )
    op.create_index("ix_ord_order_status_created", "ord_order", ["status", "created_at"])
    op.create_index("ix_ord_order_created", "ord_order", ["created_at", "order_id"])
    op.create_index("ix_ord_order_status_due", "ord_order", ["status", "payment_due_at"])
    op.create_table(
        "ord_order_line",
        sa.Column(
            "order_id", sa.String(36), sa.ForeignKey("ord_order.order_id"), primary_key=True
        ),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("weight_g", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "ord_allocation",
        sa.Column(
            "order_id", sa.String(36), sa.ForeignKey("ord_order.order_id"), primary_key=True
        ),
        sa.Column("location_id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_table(
        "ord_shipment",
        sa.Column("shipment_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(36), sa.ForeignKey("ord_order.order_id"), nullable=False),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("waybill_no", sa.String(64), nullable=False),
        sa.Column("delivered_at", TZ),
    )
    op.create_index("ix_ord_shipment_order_id", "ord_shipment", ["order_id"])
    op.create_table(
        "ord_counter",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "ord_idempotency",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    # chainkit.outbox.OutboxMessage and chainkit.uow.InboxMessage, column for column.
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handled_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("ord_idempotency")
    op.drop_table("ord_counter")
    op.drop_index("ix_ord_shipment_order_id", table_name="ord_shipment")
    op.drop_table("ord_shipment")
    op.drop_table("ord_allocation")
    op.drop_table("ord_order_line")
    for name in (
        "ix_ord_order_status_due",
        "ix_ord_order_created",
        "ix_ord_order_status_created",
        "ix_ord_order_store_created",
        "ix_ord_order_customer_created",
    ):
        op.drop_index(name, table_name="ord_order")
    op.drop_table("ord_order")
    op.drop_table("ord_store")
