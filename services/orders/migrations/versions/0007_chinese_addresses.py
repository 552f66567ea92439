"""Chinese addresses: GB/T 2260 codes and names and a postcode on the shipping address,
and sales regions by their Chinese names everywhere a region is stored (the old English
values east, north, ... become the regions they stand for).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
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
REGION_COLUMNS = (
    ("ord_order", "ship_region"),
    ("ord_store", "region"),
    ("ord_sales_store_daily", "region"),
    ("ord_sales_daily", "region"),
    ("ord_sales_monthly", "region"),
    ("ord_sales_attribution", "region"),
)
ADDRESS_COLUMNS = (
    ("ship_province_code", 6),
    ("ship_province", 64),
    ("ship_city_code", 6),
    ("ship_district_code", 6),
    ("ship_district", 64),
    ("ship_postcode", 6),
)


# Read models keyed by region: two old values that become one region (west and southwest
# are both 西南) would collide on the key, so their figures are added together instead.
KEYED = {
    "ord_sales_store_daily": (("day", "store_id"), ("orders", "units", "revenue")),
    "ord_sales_daily": (
        ("day", "store_id", "category", "sku"),
        ("orders", "category_orders", "units", "revenue"),
    ),
    "ord_sales_monthly": (
        ("month", "category", "sku"),
        ("orders", "category_orders", "units", "revenue"),
    ),
}


def _merge(table: str, old: str, new: str) -> None:
    """Rows of region `old` whose twin under `new` exists are added into it and dropped."""
    keys, sums = KEYED[table]
    same = " AND ".join(f"o.{k} = {table}.{k}" for k in keys)
    twin = f"FROM {table} o WHERE o.region = :old AND {same}"
    added = ", ".join(f"{c} = {c} + (SELECT o.{c} {twin})" for c in sums)
    op.execute(
        sa.text(
            f"UPDATE {table} SET {added} WHERE region = :new AND EXISTS (SELECT 1 {twin})"
        ).bindparams(old=old, new=new)
    )
    kept = " AND ".join(f"n.{k} = {table}.{k}" for k in keys)
    op.execute(
        sa.text(
            f"DELETE FROM {table} WHERE region = :old AND EXISTS "
            f"(SELECT 1 FROM {table} n WHERE n.region = :new AND {kept})"
        ).bindparams(old=old, new=new)
    )


def _rewrite(mapping: dict[str, str]) -> None:
    for table, column in REGION_COLUMNS:
        for old, new in mapping.items():
            if table in KEYED:
                _merge(table, old, new)
            statement = f"UPDATE {table} SET {column} = :new WHERE {column} = :old"
            op.execute(sa.text(statement).bindparams(new=new, old=old))


def upgrade() -> None:
    with op.batch_alter_table("ord_order") as batch:
        for name, length in ADDRESS_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))
    _rewrite(LEGACY)


def downgrade() -> None:
    _rewrite(BACK)
    with op.batch_alter_table("ord_order") as batch:
        for name, _ in reversed(ADDRESS_COLUMNS):
            batch.drop_column(name)
