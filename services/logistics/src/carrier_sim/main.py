"""`python -m carrier_sim`: serve the simulated carrier APIs until SIGTERM."""

from __future__ import annotations

import logging

import uvicorn

from carrier_sim.app import create_app
from carrier_sim.config import SimSettings
from chainkit.logging import configure_logging


def run() -> None:
    settings = SimSettings()
    configure_logging("carrier_sim", settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per carrier call
    # log_config=None keeps our JSON logging; uvicorn handles SIGTERM gracefully.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
