"""Operator commands: the reservations-against-orders audit (service_layer.
reservation_audit), as the ReservationAuditService RPC the `chainstore reconcile` CLI calls
(so an operator's tool never opens orders' database), and as a standalone command:

`python -m orders.reconcile_reservations [--repair] [--grace-s N]` finds inventory holds
without a live order (reservation_id = order_id) and, with --repair, releases them. It
prints a JSON report; exit 0 when clean (or everything found was released), 1 when drift
was found and left (or a release failed), 2 when inventory could not be read.
Reads ORDERS_DATABASE_URL, INVENTORY_ADDR and ORDERS_RESERVATION_GRACE_S.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import asdict

import grpc
from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from chainkit.clock import Clock, utcnow
from chainkit.config import ServiceSettings
from chainkit.db import create_engine, session_factory
from chainkit.errors import DomainError, FieldError, InvalidArgument
from chainstore.orders.v1 import reservation_audit_pb2 as pb
from chainstore.orders.v1 import reservation_audit_pb2_grpc
from orders.adapters.inventory_client import GrpcInventory
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.service_layer.ports import UnitOfWork
from orders.service_layer.reservation_audit import (
    DEFAULT_GRACE_S,
    AuditReport,
    HeldReservations,
    audit_reservations,
)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ReservationAuditService"].full_name


class ReservationAuditServicer(reservation_audit_pb2_grpc.ReservationAuditServiceServicer):
    def __init__(
        self,
        uows: Callable[[], UnitOfWork],
        inventory: HeldReservations,
        grace_s: float,
        clock: Clock = utcnow,
    ) -> None:
        self._uows = uows
        self._inventory = inventory
        self._grace_s = grace_s
        self._clock = clock

    def register(self, server: grpc.aio.Server) -> None:
        reservation_audit_pb2_grpc.add_ReservationAuditServiceServicer_to_server(self, server)

    async def AuditReservations(
        self, req: pb.AuditReservationsRequest, _ctx: object
    ) -> pb.AuditReservationsResponse:
        grace_s = req.grace_s if req.HasField("grace_s") else self._grace_s
        if grace_s < 0:  # as the audit itself and the CLI refuse it
            raise InvalidArgument(
                "invalid audit request", [FieldError("grace_s", "must not be negative")]
            )
        report = await audit_reservations(
            self._uows,
            self._inventory,
            now=self._clock(),
            grace_s=grace_s,
            repair=req.repair,
        )
        return pb.AuditReservationsResponse(
            checked=report.checked,
            orphans=[
                pb.OrphanHold(
                    reservation_id=o.reservation_id,
                    order_status=o.order_status,
                    released=o.released,
                    error=o.error,
                )
                for o in report.orphans
            ],
            clean=report.clean,
            repair=report.repair,
            released=report.released,
        )


# --- the standalone command ---------------------------------------------------------

COMMAND = "python -m orders.reconcile_reservations"


class AuditSettings(ServiceSettings):
    """Only what this command needs (no LOGISTICS_ADDR, unlike the service)."""

    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/orders.db"
    inventory_addr: str = Field(validation_alias="INVENTORY_ADDR", min_length=1)
    peer_timeout_s: float = 5.0
    # ORDERS_RESERVATION_GRACE_S: holds younger than this are skipped (order mid-creation).
    reservation_grace_s: float = Field(default=DEFAULT_GRACE_S, ge=0)


def report_json(report: AuditReport) -> dict[str, object]:
    return {
        "clean": report.clean,
        "repair": report.repair,
        "checked": report.checked,
        "orphans": [asdict(o) for o in report.orphans],
        "released": report.released,
    }


async def main(
    argv: list[str] | None = None,
    settings: AuditSettings | None = None,
    inventory: HeldReservations | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND)
    parser.add_argument("--repair", action="store_true", help="release orphaned holds")
    parser.add_argument("--grace-s", type=float, default=None, help="skip younger holds")
    args = parser.parse_args(argv)
    if settings is None:
        try:
            settings = AuditSettings()
        except ValidationError as e:
            raise SystemExit(f"{COMMAND}: invalid settings: {e}") from None
    grace_s = settings.reservation_grace_s if args.grace_s is None else args.grace_s
    if grace_s < 0:
        parser.error("--grace-s must not be negative")
    engine = create_engine(settings.database_url)
    client = None
    if inventory is None:
        inventory = client = GrpcInventory.connect(settings.inventory_addr, settings.peer_timeout_s)
    sessions = session_factory(engine, read_only=True)  # the audit only reads orders
    try:
        report = await audit_reservations(
            lambda: SqlOrdersUnitOfWork(sessions),
            inventory,
            now=utcnow(),
            grace_s=grace_s,
            repair=args.repair,
        )
    except DomainError as e:  # inventory unreachable or refusing: say so, no traceback
        print(f"{COMMAND}: {e}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            await client.close()
        await engine.dispose()
    print(json.dumps(report_json(report), indent=2))
    return 1 if report.unresolved else 0


def run() -> None:
    sys.exit(asyncio.run(main()))
