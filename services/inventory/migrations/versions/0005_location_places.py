"""Stock locations placed by GB/T 2260 code: province, city and district codes and names.

A location whose free-text city names one prefecture-level city ("Shanghai", "上海",
"杭州市") gets that city's codes, when its province is in the location's sales region; any
other keeps empty codes (placed by region and city text, as before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chainkit.china.places import city_named, located

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE_COLUMNS = (
    ("province_code", 6),
    ("province", 64),
    ("city_code", 6),
    ("district_code", 6),
    ("district", 64),
)
location = sa.table(
    "inv_location",
    sa.column("location_id", sa.String),
    sa.column("region", sa.String),
    sa.column("city", sa.String),
    *(sa.column(name, sa.String) for name, _ in PLACE_COLUMNS),
)


def upgrade() -> None:
    with op.batch_alter_table("inv_location") as batch:
        for name, length in PLACE_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.select(location.c.location_id, location.c.region, location.c.city))
    for row in rows.all():
        place = city_named(row.city)
        if place is None or row.region not in ("", place.region):
            continue  # no single city by that name, or one outside the location's region
        where = located(place, row.city)
        values = {name: getattr(where, name) for name, _ in PLACE_COLUMNS}
        conn.execute(
            location.update()
            .where(location.c.location_id == row.location_id)
            .values(region=where.region, **values)
        )


def downgrade() -> None:
    with op.batch_alter_table("inv_location") as batch:
        for name, _ in reversed(PLACE_COLUMNS):
            batch.drop_column(name)
