"""Ledger reasons, low-stock flags, transfers in transit, idempotent stock commands.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    # Set by a conditional UPDATE when available first falls to or below the threshold, so
    # inventory.low_stock is published once per crossing whatever the concurrency.
    op.add_column(
        "inv_stock_level",
        sa.Column("low_stock", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "inv_movement",
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
    )
    op.create_table(
        "inv_transfer",
        sa.Column("transfer_id", sa.String(64), primary_key=True),
        sa.Column("from_location_id", sa.String(64), nullable=False),
        sa.Column("to_location_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_inv_transfer_to_state", "inv_transfer", ["to_location_id", "state"])
    op.create_table(
        "inv_transfer_line",
        sa.Column(
            "transfer_id",
            sa.String(64),
            sa.ForeignKey("inv_transfer.transfer_id"),
            primary_key=True,
        ),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("qty_shipped", sa.BigInteger(), nullable=False),
        sa.Column("qty_received", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "0 <= qty_received AND qty_received <= qty_shipped",
            name="ck_inv_transfer_line_received",
        ),
    )
    # Ids of stock commands already applied (adjustments, transfer receipts): a retry is a no-op.
    op.create_table(
        "inv_applied_command",
        sa.Column("command_id", sa.String(100), primary_key=True),
        _ts("created_at"),
    )


def downgrade() -> None:
    op.drop_table("inv_applied_command")
    op.drop_table("inv_transfer_line")
    op.drop_index("ix_inv_transfer_to_state", table_name="inv_transfer")
    op.drop_table("inv_transfer")
    with op.batch_alter_table("inv_movement") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("inv_stock_level") as batch:
        batch.drop_column("low_stock")
