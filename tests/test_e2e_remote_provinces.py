"""A parcel to 西藏 end to end: the address by GB/T 2260 code, the EMS-like carrier chosen
because only it serves the remote provinces, its scans arriving as a Kuaidi100-style
aggregator's form pushes through the gateway's webhook, the order completing."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

LHASA = {
    "name": "卓玛",
    "phone": "+86 139 0891 0000",
    "district_code": "540102",  # 西藏自治区 拉萨市 城关区
    "line1": "北京中路 1 号",
    "postcode": "850000",
}


def wait_for(client: httpx.Client, order_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        order = client.get(f"/v1/orders/{order_id}").json()
        if order["status"] == status:
            return dict(order)
        time.sleep(0.3)
    raise AssertionError(f"order {order_id} never reached {status}")


def test_remote_province_ships_with_ems_tracked_through_the_aggregator(
    hq: httpx.Client, alice: httpx.Client
) -> None:
    body = {
        "store_id": "S001",
        "customer_id": "C-ALICE",
        "channel": "online",
        "lines": [{"sku": "SNK-001", "qty": 1}],
        "shipping_address": LHASA,
    }
    created = alice.post("/v1/orders", json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    address = order["shipping_address"]
    assert (address["province"], address["city"], address["district"]) == (
        "西藏自治区",
        "拉萨市",
        "城关区",
    )
    assert (address["region"], address["phone"]) == ("西南", "13908910000")
    paid = alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "alipay", "amount": order["total"]}
    )
    assert paid.status_code == 200, paid.text
    hq.post(f"/v1/orders/{order['order_id']}/confirm")

    # sf serves 西南 but not 西藏: a staff override to it is refused, naming the province.
    refused = hq.post(f"/v1/orders/{order['order_id']}/ship", json={"carrier": "sf"})
    assert refused.status_code == 422, refused.text
    assert "province 540000" in refused.json()["detail"]

    carriers = {c["code"]: c for c in hq.get("/v1/carriers").json()["items"]}
    assert "540000" in carriers["sf"]["excluded_provinces"]
    assert carriers["ems"]["excluded_provinces"] == []
    shipped = hq.post(f"/v1/orders/{order['order_id']}/ship")
    assert shipped.status_code == 200, shipped.text
    assert [s["carrier"] for s in shipped.json()["shipments"]] == ["ems"]

    done = wait_for(alice, order["order_id"], "completed")
    assert done["completed_at"]
    tracking = alice.get(f"/v1/orders/{order['order_id']}/tracking").json()["shipments"]
    statuses = [e["status"] for e in tracking[0]["events"]]
    assert statuses[-1] == "delivered" and "picked_up" in statuses
    # An aggregator push signed with the salt we subscribed with is acknowledged in the
    # aggregator's own terms; an old scan does not move the delivered parcel back.
    waybill = tracking[0]["waybill_no"]
    item = {"time": "2020-01-01 08:00:00", "status": "在途", "statusCode": "1002"}
    trace = {"com": "ems", "nu": waybill, "state": "0", "data": [item]}
    param = json.dumps({"status": "polling", "lastResult": trace})
    sign = hashlib.md5((param + "dev-aggregator-salt").encode(), usedforsecurity=False)
    pushed = httpx.post(
        f"{alice.base_url}/v1/carriers/ems/events",
        content=urlencode({"param": param, "sign": sign.hexdigest().upper()}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() == {
        "accepted": 1,
        "duplicates": 0,
        "result": True,
        "returnCode": "200",
        "message": "成功",
    }
    assert httpx.get(f"{alice.base_url}/v1/tracking/{waybill}").json()["status"] == "delivered"
    # A forged aggregator push (a form with a wrong sign) is refused.
    forged = httpx.post(
        f"{alice.base_url}/v1/carriers/ems/events",
        content=b"param=%7B%7D&sign=00",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert forged.status_code == 401
