"""The import contracts in pyproject.toml hold the floor plan, and each one catches what it
forbids: one forbidden import added to the real import graph breaks its contract, with the
probe in the broken chain. The probes live only in an in-memory copy of the graph, so nothing
is written to the source tree and parallel runs cannot see each other's probes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter.application.use_cases import read_user_options
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract, ContractCheck

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
CONTRACT_TYPES: dict[str, type[Contract]] = {
    "forbidden": ForbiddenContract,
    "independence": IndependenceContract,
    "layers": LayersContract,
}
PROBE = "import_contract_probe"

# (contract name, the probe module, the one module it imports)
PROBES = [
    ("Services never import each other", f"inventory.{PROBE}", "orders"),
    ("The shared library imports no service", f"chainkit.{PROBE}", "gateway"),
    (
        "The operator CLI goes through the services' APIs, never their databases or NATS",
        f"chainstore_cli.{PROBE}",
        "sqlalchemy",
    ),
    # chainkit.db imports SQLAlchemy: caught although the domain never names it.
    (
        "Domains are pure: no I/O, protobuf, asyncio or telemetry, not even through chainkit",
        f"orders.domain.{PROBE}",
        "chainkit.db",
    ),
    (
        "Service layers reach no transport, database or protobuf, not even through chainkit",
        f"inventory.service_layer.{PROBE}",
        "google",
    ),
    (
        "Service layers reach no transport, database or protobuf, not even through chainkit",
        f"logistics.service_layer.{PROBE}",
        "chainkit.outbox",
    ),
    ("Layers inside each service", f"inventory.domain.{PROBE}", "inventory.adapters"),
    (
        "The gateway's layers: console over REST routes over adapters over core",
        f"gateway.core.{PROBE}",
        "gateway.api",
    ),
    (
        "The gateway's layers: console over REST routes over adapters over core",
        f"gateway.adapters.{PROBE}",
        "gateway.console",
    ),
    (
        "Production code never imports development tooling",
        f"orders.service_layer.{PROBE}",
        "chainstore_dev",
    ),
    (
        "Production code never imports development tooling",
        f"chainkit.{PROBE}",
        "chainstore_dev.testing",
    ),
]


def _options() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    configure()
    options = read_user_options(str(PYPROJECT))
    contracts = {c["name"]: c for c in options.contracts_options}
    return options.session_options, contracts


SESSION, CONTRACTS = _options()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(
        *SESSION["root_packages"],
        include_external_packages=bool(SESSION.get("include_external_packages")),
        cache_dir=None,
    )


def check(name: str, graph: grimp.ImportGraph) -> tuple[Contract, ContractCheck]:
    options = CONTRACTS[name]
    contract = CONTRACT_TYPES[options["type"]](
        name=name, session_options=SESSION, contract_options=options
    )
    # Contracts drop their ignored imports from the graph they are given.
    return contract, contract.check(copy.deepcopy(graph), verbose=False)


def test_every_contract_has_a_probe() -> None:
    assert set(CONTRACTS) == {name for name, _, _ in PROBES}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_the_tree_keeps_the_contract(name: str, graph: grimp.ImportGraph) -> None:
    contract, result = check(name, graph)
    if not result.kept:
        contract.render_broken_contract(result)  # the chains, in the captured output
    assert result.kept, f"{name}: broken (the chains are in the captured stdout)"


@pytest.mark.parametrize(
    ("name", "importer", "imported"), PROBES, ids=[f"{i} -> {m}" for _, i, m in PROBES]
)
def test_a_forbidden_import_breaks_the_contract(
    name: str, importer: str, imported: str, graph: grimp.ImportGraph
) -> None:
    probed = copy.deepcopy(graph)
    probed.add_import(
        importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}"
    )
    _, result = check(name, probed)
    assert not result.kept
    assert importer in repr(result.metadata), f"{name} did not name {importer} -> {imported}"
