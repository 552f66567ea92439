"""the audit trail of staff and head-office changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gw_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
    )
    op.create_index("ix_gw_audit_at", "gw_audit", ["at"])
    op.create_index("ix_gw_audit_username", "gw_audit", ["username"])


def downgrade() -> None:
    op.drop_index("ix_gw_audit_username", table_name="gw_audit")
    op.drop_index("ix_gw_audit_at", table_name="gw_audit")
    op.drop_table("gw_audit")
