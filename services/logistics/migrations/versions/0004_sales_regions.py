"""Sales regions by their Chinese names: shipments stored with the old English values
(east, north, ...) get the region those values stand for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a migration must not change when the application's table does.
LEGACY = {
    "north": "华北",
    "northeast": "东北",
    "east": "华东",
    "central": "华中",
    "south": "华南",
    "southwest": "西南",
    "west": "西南",
    "northwest": "西北",
}
BACK = {"华北": "north", "东北": "northeast", "华东": "east", "华中": "central",
        "华南": "south", "西南": "southwest", "西北": "northwest"}
COLUMNS = ("region", "origin_region")


def _rewrite(mapping: dict[str, str]) -> None:
    for column in COLUMNS:
        for old, new in mapping.items():
            op.execute(
                sa.text(f"UPDATE log_shipment SET {column} = :new WHERE {column} = :old").bindparams(
                    new=new, old=old
                )
            )


def upgrade() -> None:
    _rewrite(LEGACY)


def downgrade() -> None:
    _rewrite(BACK)
