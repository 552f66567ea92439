"""An order's address as the protobuf value type, the one shape every caller sees."""

from __future__ import annotations

from chainstore.common.v1 import common_pb2
from orders.domain.values import Address


def address_pb(a: Address) -> common_pb2.Address:
    msg = common_pb2.Address(
        name=a.name,
        phone=a.phone,
        region=a.region,
        city=a.city,
        line1=a.line1,
        province_code=a.province_code,
        province=a.province,
        city_code=a.city_code,
        district_code=a.district_code,
        district=a.district,
        postcode=a.postcode,
    )
    if a.lat is not None and a.lon is not None:
        msg.point.lat = a.lat
        msg.point.lon = a.lon
    return msg
