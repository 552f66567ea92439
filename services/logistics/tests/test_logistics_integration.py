"""The real thing: carrier simulator (HTTP), logistics gRPC server, NATS, SQLite/PostgreSQL.

A small receiver stands in for the gateway: it takes the simulator's signed pushes (and
the aggregator's form pushes) and forwards raw body + signature to IngestCarrierPush, as
the gateway does.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import grpc
import nats
import nats.errors
import pytest
from fastapi import FastAPI, Request, Response

from carrier_sim.app import create_app
from carrier_sim.config import SimSettings
from chainkit import events, grpc_server
from chainkit.db import session_factory
from chainkit.grpc_client import open_channel
from chainkit.runtime import ServiceRuntime
from chainstore.common.v1 import common_pb2
from chainstore.logistics.v1 import events_pb2, logistics_pb2, logistics_pb2_grpc
from chainstore_dev.testing import NatsServer, free_port
from logistics.entrypoints.bootstrap import bootstrap
from logistics.entrypoints.config import Settings
from logistics.entrypoints.poller import run_poller

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SECRET = "integration-secret"
DELIVERED = logistics_pb2.TRACKING_STATUS_DELIVERED


def gateway_stand_in(
    stub: list[logistics_pb2_grpc.LogisticsServiceStub], pushes: list[tuple[bytes, str]]
) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/carriers/{code}/events")
    async def carrier_events(code: str, request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get("X-Chainstore-Signature", "")
        pushes.append((body, signature))
        try:
            await stub[0].IngestCarrierPush(
                logistics_pb2.IngestCarrierPushRequest(
                    carrier=code, body=body, signature=signature
                ),
                timeout=5,
            )
        except grpc.aio.AioRpcError as e:
            return Response(status_code=401 if e.code() == grpc.StatusCode.UNAUTHENTICATED else 503)
        return Response(status_code=204)

    return app


def create_request(order_id: str, location_id: str, carrier: str) -> Any:
    return logistics_pb2.CreateShipmentsRequest(
        order_id=order_id,
        store_id="store-7",
        destination=common_pb2.Address(
            name="李雷", phone="13812345678", region="east", city="杭州市"
        ),
        packages=[logistics_pb2.Package(location_id=location_id, weight_g=1200)],
        carrier=carrier,
        customer_id=f"cust-{order_id}",
        order_no=f"NO-{order_id}",
    )


async def test_carriers_polled_pushed_and_through_the_aggregator_all_end_delivered(
    database_url: str, nats_server: NatsServer, serve_asgi: Any, wait_until: Any
) -> None:
    sim_port, hook_port = free_port(), free_port()
    settings = Settings.model_validate(
        {
            "database_url": database_url,
            "NATS_URL": nats_server.url,
            "CARRIER_SIM_URL": f"http://127.0.0.1:{sim_port}",
            "grpc_port": 0,
            "carrier_secret": SECRET,
            "poll_interval_s": 0.2,
            "outbox_poll_s": 0.1,
            "LOGISTICS_AGGREGATOR_CALLBACK_BASE": f"http://127.0.0.1:{hook_port}",
        }
    )
    sim = create_app(
        SimSettings(
            pace_s=0.2,
            secret=SECRET,
            webhook_base=f"http://127.0.0.1:{hook_port}",
            # zto answers 429 past 3 queries a second: the poller must back off.
            zto_rate_per_s=3,
            zto_burst=1,
            # The aggregator (ems) drops, repeats and reorders a lot, reproducibly.
            seed=7,
            aggregator_drop_p=0.3,
            aggregator_repeat_p=0.5,
            aggregator_delay_paces=3,
        )
    )
    stub_box: list[logistics_pb2_grpc.LogisticsServiceStub] = []
    pushes: list[tuple[bytes, str]] = []

    runtime = await ServiceRuntime.start(
        "logistics", settings, stream="LOGISTICS", migrations=MIGRATIONS
    )
    app = bootstrap(
        settings,
        runtime.sessions,
        read_sessions=session_factory(runtime.engine, read_only=True),
        on_events_committed=runtime.relay.committed,
    )
    runtime.spawn(run_poller(app.deps, settings.poll_interval_s), "carrier-poller")
    server, port, _ = await grpc_server.create_server([app.register], app.service_names)
    channel = open_channel(f"127.0.0.1:{port}")
    stub = logistics_pb2_grpc.LogisticsServiceStub(channel)
    stub_box.append(stub)
    nc = await nats.connect(nats_server.url)
    try:
        async with (
            serve_asgi(sim, sim_port),
            serve_asgi(gateway_stand_in(stub_box, pushes), hook_port),
        ):
            carriers = await stub.ListCarriers(logistics_pb2.ListCarriersRequest(), timeout=5)
            assert {c.code for c in carriers.items} == {"sf", "zto", "yto", "jd", "ems"}

            zto = (
                await stub.CreateShipments(create_request("o-1", "wh-1", "zto"), timeout=10)
            ).shipments[0]
            sf = (
                await stub.CreateShipments(create_request("o-2", "wh-1", "sf"), timeout=10)
            ).shipments[0]
            ems = (
                await stub.CreateShipments(create_request("o-3", "wh-1", "ems"), timeout=10)
            ).shipments[0]
            extra = [
                (await stub.CreateShipments(create_request(f"o-s{i}", "wh-1", "zto"), timeout=10))
                .shipments[0]
                .waybill_no
                for i in range(3)
            ]
            assert zto.waybill_no.startswith("ZT") and sf.waybill_no.startswith("SF")
            assert (sf.customer_id, sf.order_no) == ("cust-o-2", "NO-o-2")
            assert ems.waybill_no.startswith("EM") and "staff override" in ems.carrier_reason
            again = await stub.CreateShipments(create_request("o-1", "wh-1", "zto"), timeout=10)
            assert again.shipments[0].waybill_no == zto.waybill_no

            async def both_delivered() -> bool:
                for waybill in (zto.waybill_no, sf.waybill_no, ems.waybill_no, *extra):
                    found = await stub.GetTracking(
                        logistics_pb2.GetTrackingRequest(waybill_no=waybill), timeout=5
                    )
                    if found.status != DELIVERED:
                        return False
                return True

            await wait_until(both_delivered, 40)
            assert sim.state.limits["zto"].refused > 0  # we were rate-limited, and coped

        for waybill in (zto.waybill_no, sf.waybill_no):
            found = await stub.GetTracking(
                logistics_pb2.GetTrackingRequest(waybill_no=waybill), timeout=5
            )
            assert [e.status for e in found.events] == [
                logistics_pb2.TRACKING_STATUS_PICKED_UP,
                logistics_pb2.TRACKING_STATUS_IN_TRANSIT,
                logistics_pb2.TRACKING_STATUS_OUT_FOR_DELIVERY,
                DELIVERED,
            ]
            assert found.store_id == "store-7"
            assert found.customer_id == f"cust-{found.order_id}"
            assert found.order_no == f"NO-{found.order_id}"

        # ems (through the aggregator): whatever traces it dropped, repeated or reordered,
        # the timeline has every scan once, in order, ending delivered.
        found = await stub.GetTracking(
            logistics_pb2.GetTrackingRequest(waybill_no=ems.waybill_no), timeout=5
        )
        assert [e.status for e in found.events] == [
            logistics_pb2.TRACKING_STATUS_PICKED_UP,
            logistics_pb2.TRACKING_STATUS_IN_TRANSIT,
            logistics_pb2.TRACKING_STATUS_ARRIVED_AT_HUB,
            logistics_pb2.TRACKING_STATUS_OUT_FOR_DELIVERY,
            DELIVERED,
        ]
        traces = [
            json.loads(parse_qs(b.decode())["param"][0])["lastResult"]
            for b, _ in pushes
            if b.startswith(b"param=")
        ]
        lengths = [len(t["data"]) for t in traces]
        assert {t["nu"] for t in traces} == {ems.waybill_no}
        assert len(lengths) > len(set(lengths))  # the seed makes it repeat some

        # Cancelling a delivered parcel is refused.
        with pytest.raises(grpc.aio.AioRpcError) as late:
            await stub.CancelShipment(
                logistics_pb2.CancelShipmentRequest(shipment_id=sf.shipment_id), timeout=5
            )
        assert late.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        # Every direct push was signed with the shared secret; sf pushed, zto never.
        assert pushes
        for body, signature in pushes:
            if body.startswith(b"param="):
                continue  # the aggregator signs inside the form (checked by ingest)
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(signature, expected)
            doc = json.loads(body)
            assert {e["waybill_no"] for e in doc["events"]} == {sf.waybill_no}

        # A tampered push is refused.
        body, signature = pushes[0]
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.IngestCarrierPush(
                logistics_pb2.IngestCarrierPushRequest(
                    carrier="sf", body=body + b" ", signature=signature
                ),
                timeout=5,
            )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

        # The outbox relay published one shipment_delivered per parcel, store id on the envelope.
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            "chainstore.logistics.shipment_delivered", durable="it-check", stream="LOGISTICS"
        )
        delivered: list[Any] = []

        async def all_published() -> bool:
            with contextlib.suppress(nats.errors.TimeoutError):
                delivered.extend(events.parse(m.data) for m in await sub.fetch(10, timeout=0.5))
            return len(delivered) >= 6

        await wait_until(all_published, 10)
        assert {
            events.unpack(e, events_pb2.ShipmentDelivered).shipment.waybill_no for e in delivered
        } == {zto.waybill_no, sf.waybill_no, ems.waybill_no, *extra}
        assert len(delivered) == 6 and {e.store_id for e in delivered} == {"store-7"}
        # Whose parcel and which order: enough for a customer-scoped live feed to link it.
        for env in delivered:
            shipment = events.unpack(env, events_pb2.ShipmentDelivered).shipment
            assert (shipment.customer_id, shipment.order_no) == (
                f"cust-{shipment.order_id}",
                f"NO-{shipment.order_id}",
            )

        listed = await stub.ListShipments(
            logistics_pb2.ListShipmentsRequest(store_id="store-7", status="delivered"), timeout=5
        )
        assert {s.waybill_no for s in listed.items} == {
            zto.waybill_no,
            sf.waybill_no,
            ems.waybill_no,
            *extra,
        }
    finally:
        await nc.close()
        await channel.close()
        await server.stop(1)
        await runtime.close()
        await app.aclose()
