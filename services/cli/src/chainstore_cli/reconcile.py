"""`chainstore reconcile [--repair]`: inventory's ledger against its levels, and the holds
inventory keeps against the orders that own them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from chainstore.inventory.v1 import inventory_pb2 as inv
from chainstore.orders.v1 import reservation_audit_pb2 as audit
from chainstore_cli.connection import Services
from chainstore_cli.context import FOUND_PROBLEMS, JsonOpt, run
from chainstore_cli.render import as_dict, emit_json, facts, progress, table

# A reconciliation reads every level and every hold: far longer than a query.
RECONCILE_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Reports:
    inventory: inv.ReconcileResponse
    reservations: audit.AuditReservationsResponse

    @property
    def left(self) -> bool:
        """Drift found and not repaired."""
        drift_left = not self.inventory.clean and self.inventory.repaired == 0
        holds_left = any(not o.released for o in self.reservations.orphans)
        return drift_left or holds_left


def reconcile(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Write compensating movements for ledger drift and release orphaned holds.",
        ),
    ] = False,
    grace_s: Annotated[
        float | None,
        typer.Option(
            "--grace-s",
            min=0,
            help="Skip holds younger than this (default: orders' ORDERS_RESERVATION_GRACE_S).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Check (and with --repair, fix) stock against the ledger and holds against orders.

    Exit 1 when drift was found and left."""

    async def body(services: Services) -> Reports:
        with progress(not json) as bar:
            step = bar.add_task("inventory: levels against the ledger", total=2)
            async with services.calling("inventory"):
                levels = await services.inventory().Reconcile(
                    inv.ReconcileRequest(repair=repair, actor="chainstore-cli"),
                    timeout=RECONCILE_TIMEOUT_S,
                )
            bar.update(step, advance=1, description="orders: holds against orders")
            request = audit.AuditReservationsRequest(repair=repair)
            if grace_s is not None:
                request.grace_s = grace_s
            async with services.calling("orders"):
                holds = await services.reservation_audit().AuditReservations(
                    request, timeout=RECONCILE_TIMEOUT_S
                )
            bar.update(step, advance=1)
        return Reports(levels, holds)

    reports = run(ctx, body)
    if json:
        emit_json(
            {
                "clean": reports.inventory.clean and reports.reservations.clean,
                "inventory": as_dict(reports.inventory),
                "reservations": as_dict(reports.reservations),
            }
        )
    else:
        _show(reports)
    if reports.left:
        raise typer.Exit(FOUND_PROBLEMS)


def _show(reports: Reports) -> None:
    levels, holds = reports.inventory, reports.reservations
    facts(
        "Reconciliation",
        [
            ("inventory", "clean" if levels.clean else f"{len(levels.drifts)} drift(s)"),
            ("movements written", levels.repaired),
            ("holds checked", holds.checked),
            ("orphaned holds", len(holds.orphans)),
            ("holds released", holds.released),
        ],
    )
    if levels.drifts:
        table(
            "Inventory drift",
            ["kind", "location", "sku", "expected", "actual", "detail"],
            [[d.kind, d.location_id, d.sku, d.expected, d.actual, d.detail] for d in levels.drifts],
        )
    if holds.orphans:
        table(
            "Holds without a live order",
            ["reservation", "order status", "released", "error"],
            [
                [o.reservation_id, o.order_status, "yes" if o.released else "", o.error]
                for o in holds.orphans
            ],
        )
