"""Sales read models for head office, fed by orders.* events (see service_layer/analytics).

Grains, all by business day of payment (the store's time zone; 0009 moved the days
counted by UTC date before) and net of refunds:
- `ord_sales_store_daily` (day, store, region): whole orders — for store/region/day views.
- `ord_sales_province_daily` (day, store, province): whole orders — for the province view.
- `ord_sales_daily` (day, store, region, category, sku): lines — for category/product views.
  `orders` counts orders containing the SKU; `category_orders` counts each order once per
  category (on its first line of that category), so summing it by category is exact.
- `ord_sales_monthly` (month, region, category, sku): the same lines chain-wide per month,
  so a year of chain-wide category/product figures reads ~12 months, not ~365 days of every store.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Table
from sqlmodel import Field, SQLModel


class SalesStoreDailyRow(SQLModel, table=True):
    __tablename__ = "ord_sales_store_daily"

    day: date = Field(primary_key=True, sa_type=Date)
    store_id: str = Field(primary_key=True, max_length=64)
    region: str = Field(primary_key=True, max_length=64)
    orders: int = Field(default=0, sa_type=BigInteger)
    units: int = Field(default=0, sa_type=BigInteger)
    revenue: int = Field(default=0, sa_type=BigInteger)


class SalesDailyRow(SQLModel, table=True):
    __tablename__ = "ord_sales_daily"
    __table_args__ = (
        Index("ix_ord_sales_daily_store_day", "store_id", "day"),
        Index("ix_ord_sales_daily_region_day", "region", "day"),
    )

    day: date = Field(primary_key=True, sa_type=Date)
    store_id: str = Field(primary_key=True, max_length=64)
    region: str = Field(primary_key=True, max_length=64)
    category: str = Field(primary_key=True, max_length=100)
    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    orders: int = Field(default=0, sa_type=BigInteger)
    category_orders: int = Field(default=0, sa_type=BigInteger)
    units: int = Field(default=0, sa_type=BigInteger)
    revenue: int = Field(default=0, sa_type=BigInteger)


class SalesMonthlyRow(SQLModel, table=True):
    """`ord_sales_daily` without the store, by first day of the month: chain-wide figures
    over long windows read months here and only the partial months' days from daily."""

    __tablename__ = "ord_sales_monthly"

    month: date = Field(primary_key=True, sa_type=Date)
    region: str = Field(primary_key=True, max_length=64)
    category: str = Field(primary_key=True, max_length=100)
    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    orders: int = Field(default=0, sa_type=BigInteger)
    category_orders: int = Field(default=0, sa_type=BigInteger)
    units: int = Field(default=0, sa_type=BigInteger)
    revenue: int = Field(default=0, sa_type=BigInteger)


class SalesProvinceDailyRow(SQLModel, table=True):
    """Whole orders by the province shipped to (0008), a till sale's store's; "" = unknown
    (an address or store without codes), so the provinces of a day add up to the chain's."""

    __tablename__ = "ord_sales_province_daily"

    day: date = Field(primary_key=True, sa_type=Date)
    store_id: str = Field(primary_key=True, max_length=64)
    province: str = Field(primary_key=True, max_length=64)
    orders: int = Field(default=0, sa_type=BigInteger)
    units: int = Field(default=0, sa_type=BigInteger)
    revenue: int = Field(default=0, sa_type=BigInteger)


class SalesAttributionRow(SQLModel, table=True):
    """Where a paid order was counted, so a refund is taken out of the same bucket."""

    __tablename__ = "ord_sales_attribution"

    order_id: str = Field(primary_key=True, max_length=36)
    day: date = Field(sa_type=Date)
    store_id: str = Field(max_length=64)
    region: str = Field(max_length=64)
    refunded: bool = False
    province: str = Field(default="", max_length=64)  # 0008


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


SALES_STORE_DAILY = _table(SalesStoreDailyRow)
SALES_DAILY = _table(SalesDailyRow)
SALES_MONTHLY = _table(SalesMonthlyRow)
SALES_ATTRIBUTION = _table(SalesAttributionRow)
SALES_PROVINCE_DAILY = _table(SalesProvinceDailyRow)
