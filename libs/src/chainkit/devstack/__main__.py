"""`make run`: start the whole suite on SQLite with a seeded demo chain; Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from chainkit.devstack.seed import seed
from chainkit.devstack.stack import Ports, Stack


async def main(data_dir: Path) -> None:
    stack = Stack(
        data_dir=data_dir,
        ports=Ports.from_env(),
        nats_url=os.environ.get("NATS_URL") or None,
        hq_password=os.environ.get("CHAINSTORE_HQ_PASSWORD", "hq-dev-password"),
        carrier_pace_s=float(os.environ.get("CARRIER_SIM_PACE_S", "12")),
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
    asyncio.run(main(Path(os.environ.get("CHAINSTORE_DATA_DIR", ".data")).resolve()))
