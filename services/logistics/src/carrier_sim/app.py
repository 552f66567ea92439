"""The simulator's HTTP API: create waybills, look up a waybill's scans, health."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, HTTPException, Path, Response, status
from pydantic import BaseModel, Field

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

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_s) as http:
            task = asyncio.create_task(Walker(settings, book, http).run(), name="walker")
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="chainstore carrier simulator", lifespan=lifespan)
    app.state.book = book

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
            first_step_at=time.monotonic() + settings.pace_s,
        )
        if not created:
            response.status_code = status.HTTP_200_OK
        return WaybillOut(carrier=code, reference=parcel.reference, waybill_no=parcel.waybill_no)

    @app.get("/carriers/{code}/tracking/{waybill_no}")
    async def tracking(code: CarrierCode, waybill_no: str) -> dict[str, Any]:
        """Every scan of a waybill so far, oldest first (how poll-mode carriers answer)."""
        profile = _profile(code)
        parcel = book.by_waybill(code, waybill_no)
        if parcel is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown waybill {waybill_no!r}")
        return {
            "carrier": code,
            "waybill_no": waybill_no,
            "events": [s.as_json(with_event_id=profile.gives_event_ids) for s in parcel.scans],
        }

    return app
