"""Sales regions by their Chinese names: locations and reservations stored with the old
English values (east, north, ...) get the region those values stand for.

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

# Frozen here: a migration must not change when the application's code does.
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
BACK = {
    "华北": "north",
    "东北": "northeast",
    "华东": "east",
    "华中": "central",
    "华南": "south",
    "西南": "southwest",
    "西北": "northwest",
}
COLUMNS = (("inv_location", "region"), ("inv_reservation", "region"))


def _rewrite(mapping: dict[str, str]) -> None:
    for table, column in COLUMNS:
        for old, new in mapping.items():
            statement = f"UPDATE {table} SET {column} = :new WHERE {column} = :old"
            op.execute(sa.text(statement).bindparams(new=new, old=old))


def upgrade() -> None:
    _rewrite(LEGACY)


def downgrade() -> None:
    _rewrite(BACK)
