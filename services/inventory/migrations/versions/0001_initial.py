"""Initial inventory schema: item master, locations, stock, reservations, ledger, sales,
plus chainkit's outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inv_location",
        sa.Column("location_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("city", sa.String(200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("share_online", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        _ts("created_at"),
    )
    op.create_table(
        "inv_product",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("weight_g", sa.BigInteger(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "inv_stock_level",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("location_id", sa.String(64), primary_key=True),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("low_stock_threshold", sa.BigInteger(), nullable=False),
        _ts("updated_at"),
        # The invariant that matters most, held by the database under any concurrency.
        sa.CheckConstraint(
            "0 <= reserved AND reserved <= on_hand", name="ck_inv_stock_level_bounds"
        ),
    )
    op.create_index(
        "ix_inv_stock_level_location_sku", "inv_stock_level", ["location_id", "sku"]
    )
    op.create_table(
        "inv_reservation",
        sa.Column("reservation_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("home_location_id", sa.String(64), nullable=False),
        sa.Column("strategy", sa.String(32), nullable=False),
        _ts("expires_at", nullable=True),
        sa.Column("release_reason", sa.String(200), nullable=False),
        sa.Column("restocked", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    # For the (later) expiry sweep: held reservations past their deadline.
    op.create_index(
        "ix_inv_reservation_state_expires", "inv_reservation", ["state", "expires_at"]
    )
    op.create_table(
        "inv_reservation_line",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "reservation_id",
            sa.String(64),
            sa.ForeignKey("inv_reservation.reservation_id"),
            nullable=False,
        ),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
    )
    op.create_index(
        "ix_inv_reservation_line_reservation_id", "inv_reservation_line", ["reservation_id"]
    )
    op.create_table(
        "inv_movement",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("on_hand_delta", sa.BigInteger(), nullable=False),
        sa.Column("reserved_delta", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_inv_movement_sku_location", "inv_movement", ["sku", "location_id", "id"])
    op.create_index("ix_inv_movement_location", "inv_movement", ["location_id", "id"])
    op.create_index("ix_inv_movement_reference", "inv_movement", ["reference"])
    op.create_table(
        "inv_sale",
        sa.Column("sale_id", sa.String(64), primary_key=True),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        _ts("created_at"),
    )
    # chainkit.outbox.OutboxMessage and chainkit.uow.InboxMessage, column for column.
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
        _ts("sent_at", nullable=True),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        _ts("handled_at"),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inv_sale")
    op.drop_index("ix_inv_movement_reference", table_name="inv_movement")
    op.drop_index("ix_inv_movement_location", table_name="inv_movement")
    op.drop_index("ix_inv_movement_sku_location", table_name="inv_movement")
    op.drop_table("inv_movement")
    op.drop_index("ix_inv_reservation_line_reservation_id", table_name="inv_reservation_line")
    op.drop_table("inv_reservation_line")
    op.drop_index("ix_inv_reservation_state_expires", table_name="inv_reservation")
    op.drop_table("inv_reservation")
    op.drop_index("ix_inv_stock_level_location_sku", table_name="inv_stock_level")
    op.drop_table("inv_stock_level")
    op.drop_table("inv_product")
    op.drop_table("inv_location")
