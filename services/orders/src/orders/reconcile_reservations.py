"""`python -m orders.reconcile_reservations [--repair] [--grace-s N]`: find inventory holds
without a live order (reservation_id = order_id) and, with --repair, release them.

Prints a JSON report; exit 0 when clean (or everything found was released), 1 when drift
was found and left (or a release failed), 2 when inventory could not be read.
Reads ORDERS_DATABASE_URL, INVENTORY_ADDR and ORDERS_RESERVATION_GRACE_S.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from chainkit.clock import utcnow
from chainkit.config import ServiceSettings
from chainkit.db import create_engine, session_factory
from chainkit.errors import DomainError
from orders.adapters.inventory_client import GrpcInventory
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.service_layer.reservation_audit import (
    DEFAULT_GRACE_S,
    AuditReport,
    HeldReservations,
    audit_reservations,
)


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
    parser = argparse.ArgumentParser(prog="python -m orders.reconcile_reservations")
    parser.add_argument("--repair", action="store_true", help="release orphaned holds")
    parser.add_argument("--grace-s", type=float, default=None, help="skip younger holds")
    args = parser.parse_args(argv)
    if settings is None:
        try:
            settings = AuditSettings()
        except ValidationError as e:
            raise SystemExit(f"orders.reconcile_reservations: invalid settings: {e}") from None
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
        print(f"orders.reconcile_reservations: {e}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            await client.close()
        await engine.dispose()
    print(json.dumps(report_json(report), indent=2))
    return 1 if report.unresolved else 0


def run() -> None:
    sys.exit(asyncio.run(main()))


if __name__ == "__main__":
    run()
