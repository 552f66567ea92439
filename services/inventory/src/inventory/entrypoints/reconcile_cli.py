"""The reconciliation command line: prints a JSON report; exit 0 when clean (or repaired),
1 when drift was found and left alone. Uses INVENTORY_DATABASE_URL like the service."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime

from chainkit.db import create_engine, session_factory
from inventory.entrypoints.bootstrap import unit_of_work_factory
from inventory.entrypoints.config import Settings
from inventory.service_layer.ledger import reconcile


async def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inventory.reconcile")
    parser.add_argument("--repair", action="store_true", help="write compensating movements")
    parser.add_argument("--actor", default="reconcile-cli")
    args = parser.parse_args(argv)
    settings = settings or Settings()
    engine = create_engine(settings.database_url)
    try:
        uows = unit_of_work_factory(session_factory(engine))
        result = await reconcile(
            uows, now=datetime.now(UTC), repair_mode=args.repair, actor=args.actor
        )
    finally:
        await engine.dispose()
    report = {
        "clean": result.clean,
        "repaired": result.repaired,
        "drifts": [asdict(d) for d in result.drifts],
    }
    print(json.dumps(report, indent=2))
    return 0 if result.clean or args.repair else 1


def run() -> None:
    sys.exit(asyncio.run(main()))
