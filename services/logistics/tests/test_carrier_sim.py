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
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from carrier_sim.app import create_app
from carrier_sim.config import SimSettings
from chainstore_dev.testing import free_port

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
        first = await c.post("/carriers/sf/shipments", json=body)
        again = await c.post("/carriers/sf/shipments", json=body)
        other = await c.post("/carriers/zto/shipments", json=body)
        assert (first.status_code, again.status_code) == (201, 200)
        waybill = first.json()["waybill_no"]
        assert waybill == again.json()["waybill_no"]
        assert waybill.startswith("SF") and len(waybill) == 14 and waybill[2:].isdigit()
        assert other.json()["waybill_no"].startswith("ZT")
        assert (await c.post("/carriers/pigeon/shipments", json=body)).status_code == 404
        bad = await c.post("/carriers/sf/shipments", json={**body, "weight_g": 0})
        assert bad.status_code == 422
        assert (await c.get("/carriers/zto/tracking/ST000000000000")).status_code == 404
        assert (await c.get("/healthz")).json()["parcels"] == 2


async def test_steady_is_walked_through_its_own_codes(serve_asgi: Any, wait_until: Any) -> None:
    port = free_port()
    app = create_app(SimSettings(port=port, pace_s=0.1, secret=SECRET))
    async with serve_asgi(app, port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        made = await c.post(
            "/carriers/zto/shipments",
            json={"reference": "r", "weight_g": 9000, "region": "east", "city": "Ningbo"},
        )
        url = f"/carriers/zto/tracking/{made.json()['waybill_no']}"

        async def walked() -> bool:
            return len((await c.get(url)).json()["events"]) == 4

        await wait_until(walked, 10)
        scans = (await c.get(url)).json()["events"]
        assert [s["code"] for s in scans] == ["20", "30", "40", "50"]
        assert all("event_id" not in s for s in scans)  # zto gives none
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
            "/carriers/sf/shipments",
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


@pytest.mark.infra  # a real service process on a real port
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
        SimSettings(port=port, pace_s=60, secret=SECRET, zto_rate_per_s=1, zto_burst=2)
    )
    async with serve_asgi(app, port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        body = {"reference": "r", "weight_g": 900, "region": "east", "city": "Ningbo"}
        waybill = (await c.post("/carriers/zto/shipments", json=body)).json()["waybill_no"]
        answers = [await c.get(f"/carriers/zto/tracking/{waybill}") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["Retry-After"]) >= 1
        # sf is not rate-limited.
        sf = (await c.post("/carriers/sf/shipments", json=body)).json()["waybill_no"]
        swift_answers = [await c.get(f"/carriers/sf/tracking/{sf}") for _ in range(5)]
        assert {a.status_code for a in swift_answers} == {200}
        cancelled = await c.post(f"/carriers/zto/shipments/{waybill}/cancel")
        again = await c.post(f"/carriers/zto/shipments/{waybill}/cancel")
        assert (cancelled.status_code, again.status_code) == (200, 200)
        unknown = await c.post("/carriers/zto/shipments/ST000000000000/cancel")
        assert unknown.status_code == 404
        parcel = app.state.book.by_waybill("sf", sf)
        parcel.take_step(0.0, 60)  # picked up
        refused = await c.post(f"/carriers/sf/shipments/{sf}/cancel")
        assert refused.status_code == 409


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


async def test_aggregator_pushes_traces_late_dropped_repeated_and_reordered_by_seed(
    serve_asgi: Any, wait_until: Any
) -> None:
    hook_port, port = free_port(), free_port()
    hook, calls = receiver(fail_first=0)
    settings = SimSettings(
        port=port,
        pace_s=0.05,
        secret=SECRET,
        seed=3,
        aggregator_drop_p=0.3,
        aggregator_repeat_p=0.4,
        aggregator_delay_paces=4,
    )
    callback = f"http://127.0.0.1:{hook_port}/v1/carriers/ems/events"
    async with (
        serve_asgi(hook, hook_port),
        serve_asgi(create_app(settings), port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c,
    ):

        async def subscribe(number: str, key: str = settings.aggregator_key) -> dict[str, Any]:
            parameters = {"callbackurl": callback, "salt": "s4lt", "resultv2": "1"}
            param = {"company": "ems", "number": number, "key": key, "parameters": parameters}
            form = {"schema": "json", "param": json.dumps(param)}
            answer: dict[str, Any] = (await c.post("/kuaidi100/poll", data=form)).json()
            return answer

        waybills = []
        for i in range(6):
            body = {"reference": f"r{i}", "weight_g": 500, "region": "西北", "city": "乌鲁木齐市"}
            number = (await c.post("/carriers/ems/shipments", json=body)).json()["waybill_no"]
            assert (await subscribe(number))["returnCode"] == "200"
            waybills.append(number)
        assert (await subscribe(waybills[0]))["returnCode"] == "501"  # already subscribed
        assert (await subscribe("EM1", key="wrong"))["returnCode"] == "600"

        def pushes() -> list[dict[str, Any]]:
            forms = [parse_qs(body.decode()) for body, _ in calls]
            for form in forms:  # every push is signed with our salt
                assert form["sign"][0] == md5(form["param"][0] + "s4lt")
            return [json.loads(form["param"][0])["lastResult"] for form in forms]

        async def all_signed_for() -> bool:
            done = {p["nu"] for p in pushes() if p["state"] == "3"}
            return done == set(waybills)

        await wait_until(all_signed_for, 15)
        traces = [(p["nu"], len(p["data"])) for p in pushes()]
        assert len(traces) > len(set(traces))  # some repeated
        assert len(set(traces)) < 6 * 5  # some dropped (the final trace never is)
        lengths = [[n for nu, n in traces if nu == w] for w in waybills]
        assert any(seen != sorted(seen) for seen in lengths)  # some out of order
        # The poll query gives the whole trace, newest first, in the aggregator's codes.
        param = json.dumps({"com": "ems", "num": waybills[0], "resultv2": "1"})
        customer, key = settings.aggregator_customer, settings.aggregator_key
        query = {"customer": customer, "sign": md5(param + key + customer), "param": param}
        full = (await c.post("/kuaidi100/poll/query.do", data=query)).json()
        assert (full["state"], full["ischeck"], full["nu"]) == ("3", "1", waybills[0])
        assert [d["statusCode"] for d in full["data"]] == ["301", "5", "1001", "1002", "103"]
        assert [d["status"] for d in full["data"]] == ["签收", "派件", "在途", "在途", "揽收"]
        forged = (await c.post("/kuaidi100/poll/query.do", data={**query, "sign": "X"})).json()
        assert forged["returnCode"] == "601"
