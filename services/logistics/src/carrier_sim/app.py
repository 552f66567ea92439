"""The simulator's HTTP API: create waybills, look up a waybill's scans, health."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Form, HTTPException, Path, Response, status
from pydantic import BaseModel, Field

from carrier_sim.aggregator import Aggregator
from carrier_sim.carriers import PROFILES, CarrierProfile
from carrier_sim.config import SimSettings
from carrier_sim.parcels import ParcelBook
from carrier_sim.walker import Walker

CarrierCode = Annotated[str, Path(max_length=32)]


class NewParcel(BaseModel):
    reference: str = Field(min_length=1, max_length=100)
    weight_g: int = Field(gt=0, le=1_000_000)
    region: str = Field(min_length=1, max_length=100)
    city: str = Field(default="", max_length=100)
    service_level: str = Field(default="standard", max_length=16)


class TokenBucket:
    """A carrier's rate limit on its API: `rate` requests a second, bursts of `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()
        self.refused = 0

    def take(self) -> float:
        """0 if allowed, else the seconds until a token is free."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        self.refused += 1
        return (1 - self.tokens) / self.rate


class WaybillOut(BaseModel):
    carrier: str
    reference: str
    waybill_no: str


def _profile(code: str) -> CarrierProfile:
    profile = PROFILES.get(code)
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown carrier {code!r}")
    return profile


def create_app(settings: SimSettings) -> FastAPI:
    book = ParcelBook()
    aggregator = Aggregator(settings, book)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_s) as http:
            walker = Walker(settings, book, http, aggregator)
            task = asyncio.create_task(walker.run(), name="walker")
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="chainstore carrier simulator", lifespan=lifespan)
    app.state.book = book
    app.state.aggregator = aggregator
    limits = {
        code: TokenBucket(settings.zto_rate_per_s, settings.zto_burst)
        for code, profile in PROFILES.items()
        if profile.rate_limited
    }
    app.state.limits = limits

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "parcels": len(book)}

    @app.post("/carriers/{code}/shipments", status_code=status.HTTP_201_CREATED)
    async def create_shipment(code: CarrierCode, body: NewParcel, response: Response) -> WaybillOut:
        """A waybill for a parcel; the same one again for the same reference."""
        profile = _profile(code)
        parcel, created = book.open(
            profile,
            reference=body.reference,
            weight_g=body.weight_g,
            region=body.region,
            city=body.city,
            first_step_at=time.monotonic() + settings.pace_s * profile.pace_factor,
        )
        if not created:
            response.status_code = status.HTTP_200_OK
        return WaybillOut(carrier=code, reference=parcel.reference, waybill_no=parcel.waybill_no)

    @app.post("/carriers/{code}/shipments/{waybill_no}/cancel")
    async def cancel(code: CarrierCode, waybill_no: str) -> dict[str, Any]:
        """Do not collect: refused (409) once the parcel was picked up."""
        _profile(code)
        parcel = book.by_waybill(code, waybill_no)
        if parcel is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown waybill {waybill_no!r}")
        if parcel.scans and not parcel.cancelled:
            raise HTTPException(status.HTTP_409_CONFLICT, "already picked up")
        parcel.cancelled = True
        return {"carrier": code, "waybill_no": waybill_no, "cancelled": True}

    @app.get("/carriers/{code}/tracking/{waybill_no}")
    async def tracking(code: CarrierCode, waybill_no: str) -> dict[str, Any]:
        """Every scan of a waybill so far, oldest first (how poll-mode carriers answer)."""
        profile = _profile(code)
        limit = limits.get(code)
        wait = limit.take() if limit is not None else 0.0
        if wait:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "slow down",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        parcel = book.by_waybill(code, waybill_no)
        if parcel is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown waybill {waybill_no!r}")
        return {
            "carrier": code,
            "waybill_no": waybill_no,
            "events": [s.as_json(with_event_id=profile.gives_event_ids) for s in parcel.scans],
        }

    @app.post("/kuaidi100/poll")
    async def aggregator_subscribe(
        schema_: Annotated[str, Form(alias="schema", max_length=16)],
        param: Annotated[str, Form(max_length=4000)],
    ) -> dict[str, Any]:
        """Subscribe a waybill: its trace is pushed to the callback URL as it changes."""
        return aggregator.subscribe(schema_, param)

    @app.post("/kuaidi100/poll/query.do")
    async def aggregator_query(
        customer: Annotated[str, Form(max_length=64)],
        sign: Annotated[str, Form(max_length=64)],
        param: Annotated[str, Form(max_length=4000)],
    ) -> dict[str, Any]:
        """A waybill's trace as it stands (newest first)."""
        return aggregator.query(customer, sign, param)

    return app
