"""Development tooling: start the whole suite as local processes (`make run`, e2e tests)."""

from chainstore_dev.devstack.stack import Ports, Stack

__all__ = ["Ports", "Stack"]
