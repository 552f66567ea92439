"""A store's preferred carrier and default service level.

Existing stores get no preference ("") and the "standard" level, which is what logistics
assumed before: the cheapest carrier meeting a 3-day promise.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop columns in place (downgrade), harmless on PostgreSQL.
    with op.batch_alter_table("ord_store") as batch:
        batch.add_column(
            sa.Column("preferred_carrier", sa.String(32), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("service_level", sa.String(16), nullable=False, server_default="standard")
        )


def downgrade() -> None:
    with op.batch_alter_table("ord_store") as batch:
        batch.drop_column("service_level")
        batch.drop_column("preferred_carrier")
