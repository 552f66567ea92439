"""Shipments, tracking events, and chainkit's outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_shipment",
        sa.Column("shipment_id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("waybill_no", sa.String(64), nullable=False),
        sa.Column("carrier_reason", sa.String(300), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("estimated_delivery_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("order_id", "location_id", name="uq_log_shipment_order_location"),
        sa.UniqueConstraint("waybill_no", "carrier", name="uq_log_shipment_waybill_carrier"),
    )
    op.create_index(
        "ix_log_shipment_store_created", "log_shipment", ["store_id", "created_at", "shipment_id"]
    )
    op.create_index("ix_log_shipment_created", "log_shipment", ["created_at", "shipment_id"])
    op.create_index("ix_log_shipment_status_updated", "log_shipment", ["status", "last_update_at"])

    op.create_table(
        "log_tracking_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "shipment_id",
            sa.String(36),
            sa.ForeignKey("log_shipment.shipment_id"),
            nullable=False,
        ),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("raw_code", sa.String(32), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("shipment_id", "dedup_key", name="uq_log_tracking_event_dedup"),
    )

    # chainkit.outbox.OutboxMessage and chainkit.uow.InboxMessage, column for column.
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("log_tracking_event")
    op.drop_index("ix_log_shipment_status_updated", table_name="log_shipment")
    op.drop_index("ix_log_shipment_created", table_name="log_shipment")
    op.drop_index("ix_log_shipment_store_created", table_name="log_shipment")
    op.drop_table("log_shipment")
