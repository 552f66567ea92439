"""The carrier simulator over real HTTP: waybills, its own codes, signed pushes with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from carrier_sim.app import create_app
from carrier_sim.config import SimSettings
from chainkit.testing import free_port

SECRET = "sim-test-secret"


def receiver(fail_first: int) -> tuple[FastAPI, list[tuple[bytes, str]]]:
    """A webhook endpoint that refuses its first `fail_first` calls, then records bodies."""
    app = FastAPI()
    calls: list[tuple[bytes, str]] = []
    refused = [0]

    @app.post("/v1/carriers/{code}/events")
    async def events(code: str, request: Request) -> Response:
        if refused[0] < fail_first:
            refused[0] += 1
            return Response(status_code=503)
        calls.append((await request.body(), request.headers.get("X-Chainstore-Signature", "")))
        return Response(status_code=200)

    return app, calls


async def test_waybills_are_idempotent_by_reference_and_carrier_shaped(
    serve_asgi: Any,
) -> None:
    port = free_port()
    app = create_app(SimSettings(port=port, pace_s=60, secret=SECRET))
    async with serve_asgi(app, port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        body = {"reference": "ref-1", "weight_g": 500, "region": "east", "city": "Hangzhou"}
        first = await c.post("/carriers/swift/shipments", json=body)
        again = await c.post("/carriers/swift/shipments", json=body)
        other = await c.post("/carriers/steady/shipments", json=body)
        assert (first.status_code, again.status_code) == (201, 200)
        waybill = first.json()["waybill_no"]
        assert waybill == again.json()["waybill_no"]
        assert waybill.startswith("SW") and len(waybill) == 14 and waybill[2:].isdigit()
        assert other.json()["waybill_no"].startswith("ST")
        assert (await c.post("/carriers/pigeon/shipments", json=body)).status_code == 404
        bad = await c.post("/carriers/swift/shipments", json={**body, "weight_g": 0})
        assert bad.status_code == 422
        assert (await c.get("/carriers/steady/tracking/ST000000000000")).status_code == 404
        assert (await c.get("/healthz")).json()["parcels"] == 2


async def test_steady_is_walked_through_its_own_codes(serve_asgi: Any, wait_until: Any) -> None:
    port = free_port()
    app = create_app(SimSettings(port=port, pace_s=0.1, secret=SECRET))
    async with serve_asgi(app, port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        made = await c.post(
            "/carriers/steady/shipments",
            json={"reference": "r", "weight_g": 9000, "region": "east", "city": "Ningbo"},
        )
        url = f"/carriers/steady/tracking/{made.json()['waybill_no']}"

        async def walked() -> bool:
            return len((await c.get(url)).json()["events"]) == 4

        await wait_until(walked, 10)
        scans = (await c.get(url)).json()["events"]
        assert [s["code"] for s in scans] == ["20", "30", "40", "50"]
        assert all("event_id" not in s for s in scans)  # steady gives none
        assert scans == sorted(scans, key=lambda s: s["at"])


async def test_swift_pushes_signed_scans_and_retries(serve_asgi: Any, wait_until: Any) -> None:
    hook_port, port = free_port(), free_port()
    hook, calls = receiver(fail_first=2)
    settings = SimSettings(
        port=port, pace_s=0.1, secret=SECRET, webhook_base=f"http://127.0.0.1:{hook_port}"
    )
    async with (
        serve_asgi(hook, hook_port),
        serve_asgi(create_app(settings), port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c,
    ):
        made = await c.post(
            "/carriers/swift/shipments",
            json={"reference": "r", "weight_g": 500, "region": "east", "city": "Ningbo"},
        )
        waybill = made.json()["waybill_no"]

        async def all_pushed() -> bool:
            codes = [e["code"] for body, _ in calls for e in json.loads(body)["events"]]
            return codes == ["PKP", "DEP", "OFD", "DLV"]

        await wait_until(all_pushed, 15)
    for body, signature in calls:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        for event in json.loads(body)["events"]:
            assert event["waybill_no"] == waybill and event["event_id"]


def test_python_m_carrier_sim_starts_and_stops() -> None:
    port = free_port()
    env = {**os.environ, "CARRIER_SIM_PORT": str(port), "CARRIER_SIM_PACE_S": "0.5"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "carrier_sim"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        else:
            raise AssertionError("carrier_sim did not answer /healthz")
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
        # uvicorn shuts down gracefully, then re-raises SIGTERM so supervisors see it.
        assert proc.returncode in (0, -15)
        assert b"Application shutdown complete" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_steady_rate_limits_with_retry_after_and_cancel_before_pickup(
    serve_asgi: Any,
) -> None:
    port = free_port()
    app = create_app(
        SimSettings(port=port, pace_s=60, secret=SECRET, steady_rate_per_s=1, steady_burst=2)
    )
    async with serve_asgi(app, port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        body = {"reference": "r", "weight_g": 900, "region": "east", "city": "Ningbo"}
        waybill = (await c.post("/carriers/steady/shipments", json=body)).json()["waybill_no"]
        answers = [await c.get(f"/carriers/steady/tracking/{waybill}") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["Retry-After"]) >= 1
        # swift is not rate-limited.
        swift = (await c.post("/carriers/swift/shipments", json=body)).json()["waybill_no"]
        swift_answers = [await c.get(f"/carriers/swift/tracking/{swift}") for _ in range(5)]
        assert {a.status_code for a in swift_answers} == {200}
        cancelled = await c.post(f"/carriers/steady/shipments/{waybill}/cancel")
        again = await c.post(f"/carriers/steady/shipments/{waybill}/cancel")
        assert (cancelled.status_code, again.status_code) == (200, 200)
        unknown = await c.post("/carriers/steady/shipments/ST000000000000/cancel")
        assert unknown.status_code == 404
        parcel = app.state.book.by_waybill("swift", swift)
        parcel.take_step(0.0, 60)  # picked up
        refused = await c.post(f"/carriers/swift/shipments/{swift}/cancel")
        assert refused.status_code == 409


async def test_lazy_pushes_late_dropped_repeated_and_reordered_by_seed(
    serve_asgi: Any, wait_until: Any
) -> None:
    hook_port, port = free_port(), free_port()
    hook, calls = receiver(fail_first=0)
    settings = SimSettings(
        port=port,
        pace_s=0.05,
        secret=SECRET,
        webhook_base=f"http://127.0.0.1:{hook_port}",
        seed=3,
        lazy_drop_p=0.3,
        lazy_repeat_p=0.4,
        lazy_delay_paces=4,
    )
    async with (
        serve_asgi(hook, hook_port),
        serve_asgi(create_app(settings), port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c,
    ):
        waybills = [
            (
                await c.post(
                    "/carriers/lazy/shipments",
                    json={"reference": f"r{i}", "weight_g": 500, "region": "east"},
                )
            ).json()["waybill_no"]
            for i in range(6)
        ]

        def updates() -> list[dict[str, Any]]:
            return [u for body, _ in calls for u in json.loads(body)["updates"]]

        async def all_delivered() -> bool:
            done = {u["tracking_number"] for u in updates() if u["status"] == "HANDED_OVER"}
            return done == set(waybills)

        await wait_until(all_delivered, 15)
        for body, signature in calls:
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(signature, expected)
        ids = [u["id"] for u in updates()]
        assert len(ids) > len(set(ids))  # some repeated
        assert len(set(ids)) < 6 * 5  # some dropped (the final scan never is)
        by_parcel = [
            [u["timestamp"] for u in updates() if u["tracking_number"] == w] for w in waybills
        ]
        assert any(ts != sorted(ts) for ts in by_parcel)  # some out of order
        # Polling lazy still gives the whole truth, in order.
        full = (await c.get(f"/carriers/lazy/tracking/{waybills[0]}")).json()["events"]
        assert [e["code"] for e in full] == [
            "COLLECTED",
            "MOVING",
            "AT_DEPOT",
            "WITH_DRIVER",
            "HANDED_OVER",
        ]
