"""Operator commands: the reconciliation of stock levels against the ledger, as the gRPC
method the `chainstore` CLI calls and as `python -m inventory.reconcile` on the database
directly. Translation only; the use case holds the rules."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from typing import TypeAlias

import grpc

from chainkit.db import create_engine, session_factory
from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.entrypoints import translate as tr
from inventory.entrypoints.config import Settings
from inventory.service_layer import ledger
from inventory.service_layer.deps import Deps

Ctx: TypeAlias = grpc.aio.ServicerContext


class Operations:
    _deps: Deps

    async def Reconcile(self, request: pb.ReconcileRequest, context: Ctx) -> pb.ReconcileResponse:
        result = await ledger.reconcile(self._deps, repair_mode=request.repair, actor=request.actor)
        return pb.ReconcileResponse(
            drifts=[tr.drift_to_pb(d) for d in result.drifts],
            clean=result.clean,
            repaired=result.repaired,
        )


async def reconcile_main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """Prints a JSON report; exit 0 when clean (or repaired), 1 when drift was found and left
    alone. Uses INVENTORY_DATABASE_URL like the service."""
    # Here, not at the top: bootstrap imports the servicer, which imports this module.
    from inventory.entrypoints.bootstrap import bootstrap

    parser = argparse.ArgumentParser(prog="python -m inventory.reconcile")
    parser.add_argument("--repair", action="store_true", help="write compensating movements")
    parser.add_argument("--actor", default="reconcile-cli")
    args = parser.parse_args(argv)
    settings = settings or Settings()
    engine = create_engine(settings.database_url)
    try:
        app = bootstrap(settings, session_factory(engine))
        result = await ledger.reconcile(app.deps, repair_mode=args.repair, actor=args.actor)
    finally:
        await engine.dispose()
    report = {
        "clean": result.clean,
        "repaired": result.repaired,
        "drifts": [asdict(d) for d in result.drifts],
    }
    print(json.dumps(report, indent=2))
    return 0 if result.clean or args.repair else 1


def run_reconcile() -> None:
    sys.exit(asyncio.run(reconcile_main()))
