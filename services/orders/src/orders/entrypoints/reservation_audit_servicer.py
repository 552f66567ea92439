"""ReservationAuditService: the reservations-against-orders audit (service_layer.
reservation_audit) as an RPC, so an operator's tool never opens orders' database."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from chainkit.clock import utcnow
from chainkit.errors import FieldError, InvalidArgument
from chainstore.orders.v1 import reservation_audit_pb2 as pb
from chainstore.orders.v1 import reservation_audit_pb2_grpc
from orders.service_layer.ports import UnitOfWork
from orders.service_layer.reservation_audit import HeldReservations, audit_reservations

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ReservationAuditService"].full_name


class ReservationAuditServicer(reservation_audit_pb2_grpc.ReservationAuditServiceServicer):
    def __init__(
        self, uows: Callable[[], UnitOfWork], inventory: HeldReservations, grace_s: float
    ) -> None:
        self._uows = uows
        self._inventory = inventory
        self._grace_s = grace_s

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
            now=utcnow(),
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
