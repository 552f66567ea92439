"""`make run`: start the whole suite on SQLite with a seeded demo chain; Ctrl-C stops it.

`make cluster` (`--cluster`): the same with two replicas of every service and of the
gateway, a three-node NATS JetStream cluster and a PostgreSQL database per service
(recreated at each start on the server named by CHAINSTORE_PG_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from chainstore_dev.devstack.seed import seed
from chainstore_dev.devstack.stack import REPLICATED, Ports, Stack
from chainstore_dev.testing.infra import DEFAULT_PG_URL


async def fresh_databases(admin_url: str) -> dict[str, str]:
    """A new PostgreSQL database per service (`chainstore_<service>`), dropped first."""
    import asyncpg

    admin = make_url(admin_url)
    conn = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(False))
    urls = {}
    try:
        for service in REPLICATED:
            name = f"chainstore_{service}"
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
            urls[service] = admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await conn.close()
    return urls


async def main(data_dir: Path, cluster: bool) -> None:
    databases = {}
    if cluster:
        databases = await fresh_databases(os.environ.get("CHAINSTORE_PG_URL", DEFAULT_PG_URL))
    stack = Stack(
        data_dir=data_dir,
        ports=Ports.from_env(),
        nats_url=os.environ.get("NATS_URL") or None,
        hq_password=os.environ.get("CHAINSTORE_HQ_PASSWORD", "hq-dev-password"),
        carrier_pace_s=float(os.environ.get("CARRIER_SIM_PACE_S", "12")),
        database_urls=databases,
        replicas=2 if cluster else 1,
        nats_nodes=3 if cluster else 1,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print("starting chainstore (logs in", stack.log_dir, ")", flush=True)
        await stack.start()
        users = await seed(stack.gateway_url, stack.hq_password)
        print(f"""
chainstore is running.
  console        {stack.gateway_url}/   (sign in with a demo account below)
  dashboard      {stack.gateway_url}/dashboard   (head office)
  gateway        {stack.gateway_url}   (API docs: {stack.gateway_url}/docs)
  live feed      {stack.gateway_url}/v1/events/stream   (Server-Sent Events)
  NATS           {stack.nats_url}
  replicas       {", ".join(stack.process_names)}
  gateways       {", ".join(stack.replica_urls("gateway"))}
  carrier sim    http://127.0.0.1:{stack.ports.carrier_sim}
  logs           {stack.log_dir}

demo accounts (console sign-in, or POST /v1/auth/token):
  hq             {stack.hq_password}   (head office)""")
        for user in users:
            scope = user.get("customer_id") or user.get("store_id")
            print(f"  {user['username']:<14} {user['password']:<18} ({user['role']} {scope})")
        print("\nCtrl-C stops everything.", flush=True)
        await stop.wait()
    finally:
        print("\nstopping chainstore ...", flush=True)
        with contextlib.suppress(Exception):
            stack.stop()


if __name__ == "__main__":
    data = Path(os.environ.get("CHAINSTORE_DATA_DIR", ".data")).resolve()
    asyncio.run(main(data, cluster="--cluster" in sys.argv[1:]))
