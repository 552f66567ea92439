"""Carrier choice facts, cancellation, per-shipment poll schedule, stalled flag, push gaps.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _new_columns() -> list[sa.Column[object]]:
    # Fresh objects per call: a Column can belong to one Table only.
    return [
        sa.Column("service_level", sa.String(16), nullable=False, server_default="standard"),
        sa.Column("price", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("origin_region", sa.String(100), nullable=False, server_default=""),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_scan_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(200), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    for column in _new_columns():
        op.add_column("log_shipment", column)
    op.create_index("ix_log_shipment_next_poll", "log_shipment", ["next_poll_at"])
    op.create_index("ix_log_shipment_stalled", "log_shipment", ["stalled_at"])
    op.create_index("ix_log_shipment_carrier_scan", "log_shipment", ["carrier", "last_scan_at"])
    # Parcels already under way get polled at once (push carriers' rows are ignored by
    # the poller, which selects poll-mode carriers only).
    op.execute(
        "UPDATE log_shipment SET next_poll_at = created_at "
        "WHERE status NOT IN ('delivered', 'returned_to_sender')"
    )
    op.create_table(
        "log_carrier_state",
        sa.Column("carrier", sa.String(32), primary_key=True),
        sa.Column("push_gap_since", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("log_carrier_state")
    op.drop_index("ix_log_shipment_carrier_scan", table_name="log_shipment")
    op.drop_index("ix_log_shipment_stalled", table_name="log_shipment")
    op.drop_index("ix_log_shipment_next_poll", table_name="log_shipment")
    with op.batch_alter_table("log_shipment") as batch:
        for column in reversed(_new_columns()):
            batch.drop_column(column.name)
