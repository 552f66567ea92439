"""deploy/: every kustomization renders, every object passes Kubernetes' strict schemas, and
the manifests agree with what the services actually read (ports, health names, env vars).

Needs `kubectl` (for `kubectl kustomize`); in CI (CI=true) its absence fails the run.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from jsonschema.exceptions import best_match
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from sqlalchemy import inspect

from carrier_sim.config import SimSettings
from chainkit.db import create_engine
from chainstore.inventory.v1 import inventory_pb2
from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.core.config import Settings as GatewaySettings
from inventory.entrypoints.config import Settings as InventorySettings
from logistics.entrypoints.config import Settings as LogisticsSettings
from orders.entrypoints.config import Settings as OrdersSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# kubernetes-validate ships schemas up to its own version; we validate against a release
# production clusters run today.
K8S_VERSION = "1.34.0"

GRPC = {
    "inventory": (InventorySettings, inventory_pb2, "InventoryService"),
    "orders": (OrdersSettings, orders_pb2, "OrdersService"),
    "logistics": (LogisticsSettings, logistics_pb2, "LogisticsService"),
}
SETTINGS: dict[str, type[BaseSettings]] = {
    **{svc: cls for svc, (cls, _, _) in GRPC.items()},
    "gateway": GatewaySettings,
    "carrier-sim": SimSettings,
}
DB_SERVICES = ["inventory", "orders", "logistics", "gateway"]
# Custom resources kubernetes-validate does not know, checked against vendored schemas
# (tests/crd_schemas/PROVENANCE.md says where they come from).
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-v1.json",
}
KUSTOMIZATIONS = sorted(
    str(p.parent.relative_to(DEPLOY))
    for folder in ("base", "overlays", "tests")
    for p in (DEPLOY / folder).glob("*/kustomization.yaml")
)


# ---------------------------------------------------------------- rendering helpers
# (the `render` fixture, `kubectl kustomize` of a folder under deploy/, is in conftest.py)


def of_kind(objs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def configmap_for(objs: tuple[dict[str, Any], ...], deployment: dict[str, Any]) -> dict[str, str]:
    server = container(deployment, "server")
    names = [src["configMapRef"]["name"] for src in server.get("envFrom", [])]
    maps = of_kind(objs, "ConfigMap")
    data: dict[str, str] = {}
    for name in names:
        data.update(maps[name]["data"])
    return data


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    spec = deployment["spec"]["template"]["spec"]
    for c in [*spec.get("initContainers", []), *spec["containers"]]:
        if c["name"] == name:
            return c  # type: ignore[no-any-return]
    raise AssertionError(f"{deployment['metadata']['name']} has no container {name!r}")


def env_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a pydantic-settings class reads (case-insensitively)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add(f"{prefix}{field_name}".upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(c.upper() for c in alias.choices if isinstance(c, str))
    return names


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build a service's Settings from exactly the environment a manifest gives it."""

    def build(cls: type[BaseSettings], env: dict[str, str]) -> Any:
        for name in env_names(cls) | set(env):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return cls()

    return build


def manifest_env(objs: tuple[dict[str, Any], ...], deployment: dict[str, Any]) -> dict[str, str]:
    """ConfigMap values plus a stand-in for each Secret-backed variable."""
    env = configmap_for(objs, deployment)
    for var in container(deployment, "server").get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        else:
            env[var["name"]] = "x" * 40 if "secretKeyRef" in var["valueFrom"] else ""
    return env


# ---------------------------------------------------------------- render + strict schemas


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_renders_and_every_object_passes_strict_schema(render: Any, path: str) -> None:
    objs = render(path)
    assert objs, f"{path} rendered nothing"
    problems = [problem for obj in objs for problem in schema_problems(obj)]
    assert not problems, "\n".join(problems)


@functools.cache
def _crd_validator(file: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((Path(__file__).parent / "crd_schemas" / file).read_text())
    return jsonschema.Draft202012Validator(schema)


def schema_problems(obj: dict[str, Any]) -> list[str]:
    """What Kubernetes' strict schemas (or a known CRD's) find wrong with one object."""
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    crd = CRD_SCHEMAS.get((obj["apiVersion"], obj["kind"]))
    if crd is not None:
        # best_match descends into anyOf branches to the error that names the field.
        leaves = [best_match([e]) for e in _crd_validator(crd).iter_errors(obj)]
        return [f"{name} {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in leaves]
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{name} {'/'.join(str(p) for p in e.path)}: {e.message}"]
    return []


def test_crd_schemas_catch_a_misspelt_field(render: Any) -> None:
    objs = render("overlays/prod")
    rule = of_kind(objs, "PrometheusRule")["chainstore"]
    monitor = of_kind(objs, "PodMonitor")["orders"]
    assert schema_problems(rule) == schema_problems(monitor) == []
    for obj, path, value, named in [
        (rule, ["spec", "groups", 0, "rules", 0, "fro"], "5m", "'fro'"),
        (rule, ["spec", "groups", 0, "rules", 0, "for"], "five minutes", "'five minutes'"),
        (monitor, ["spec", "podMetricsEndpoints", 0, "portName"], "metrics", "'portName'"),
    ]:
        broken = json.loads(json.dumps(obj))
        parent = functools.reduce(lambda node, key: node[key], path[:-1], broken)
        parent[path[-1]] = value
        (problem,) = schema_problems(broken)
        assert named in problem, problem


def test_the_combinations_ci_renders_are_all_covered() -> None:
    assert {"overlays/dev", "overlays/prod"} <= set(KUSTOMIZATIONS)
    assert {f"base/{s}" for s in SETTINGS} <= set(KUSTOMIZATIONS)
    assert [p for p in KUSTOMIZATIONS if p.startswith("tests/")], "no deploy/tests combination"


@pytest.mark.parametrize("service", DB_SERVICES)
def test_each_base_applies_alone_with_the_full_set(render: Any, service: str) -> None:
    kinds = {o["kind"] for o in render(f"base/{service}")}
    assert kinds == {
        "Deployment",
        "Service",
        "ServiceAccount",
        "ConfigMap",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    }


# ---------------------------------------------------------------- manifests vs services


@pytest.mark.parametrize("service", sorted(GRPC))
def test_grpc_port_and_probes_match_the_service(
    render: Any, settings_from: Any, service: str
) -> None:
    cls, pb2, proto_service = GRPC[service]
    objs = render(f"base/{service}")
    deployment = of_kind(objs, "Deployment")[service]
    server = container(deployment, "server")
    settings = settings_from(cls, manifest_env(objs, deployment))

    ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    assert ports["grpc"] == settings.grpc_port
    assert ports["metrics"] == settings.metrics_port != 0
    assert settings.grpc_host == "0.0.0.0"
    assert settings.migrate_on_start is False, "the migrate init container owns migrations"

    full_name = pb2.DESCRIPTOR.services_by_name[proto_service].full_name
    assert full_name == f"chainstore.{service}.v1.{proto_service}"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert server[probe]["grpc"] == {"port": settings.grpc_port, "service": full_name}

    (svc_port,) = of_kind(objs, "Service")[service]["spec"]["ports"]
    assert svc_port == {
        "name": "grpc",
        "port": settings.grpc_port,
        "targetPort": "grpc",
        "protocol": "TCP",
    }


@pytest.mark.parametrize(("service", "port"), [("gateway", 8080), ("carrier-sim", 8090)])
def test_http_port_and_probes_match_the_service(
    render: Any, settings_from: Any, service: str, port: int
) -> None:
    objs = render(f"base/{service}")
    deployment = of_kind(objs, "Deployment")[service]
    server = container(deployment, "server")
    settings = settings_from(SETTINGS[service], manifest_env(objs, deployment))
    assert settings.port == port
    assert settings.host == "0.0.0.0"
    ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    if service == "gateway":  # /metrics on its own port, never the public one
        metrics = ports.pop("metrics")
        assert metrics == settings.metrics_port
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(metrics)
    assert ports == {"http": port}
    for probe in ("readinessProbe", "livenessProbe"):
        assert server[probe]["httpGet"]["port"] == "http"
    assert server["livenessProbe"]["httpGet"]["path"] == "/healthz"
    expected_ready = "/readyz" if service == "gateway" else "/healthz"
    assert server["readinessProbe"]["httpGet"]["path"] == expected_ready
    (svc_port,) = of_kind(objs, "Service")[service]["spec"]["ports"]
    assert (svc_port["name"], svc_port["port"], svc_port["targetPort"]) == ("http", port, "http")


@pytest.mark.parametrize("path", ["overlays/dev", "overlays/prod"])
def test_every_env_var_in_the_manifests_is_one_the_service_reads(render: Any, path: str) -> None:
    objs = render(path)
    typos = []
    for name, deployment in of_kind(objs, "Deployment").items():
        if name == "nats":  # dev's stand-in NATS server, not ours
            continue
        read = env_names(SETTINGS[name])
        server = container(deployment, "server")
        given = set(configmap_for(objs, deployment)) | {v["name"] for v in server.get("env", [])}
        typos += [f"{name}: {var}" for var in sorted(given - read)]
        if name in DB_SERVICES:
            init = {v["name"] for v in container(deployment, "migrate")["env"]}
            assert init == {f"{name.upper()}_DATABASE_URL"}, name
    assert not typos, "set in the manifests but read by no Settings field:\n" + "\n".join(typos)


@pytest.mark.parametrize("path", ["overlays/dev", "overlays/prod"])
def test_graceful_shutdown_fits_in_the_termination_grace(
    render: Any, settings_from: Any, path: str
) -> None:
    objs = render(path)
    for name in DB_SERVICES:
        deployment = of_kind(objs, "Deployment")[name]
        settings = settings_from(SETTINGS[name], manifest_env(objs, deployment))
        pre_stop = container(deployment, "server")["lifecycle"]["preStop"]["sleep"]["seconds"]
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        # 5 s left for closing NATS, the relay and the pool after in-flight work drains.
        assert grace >= pre_stop + settings.shutdown_grace_s + 5, name


def test_orders_and_gateway_balance_over_every_replica_of_their_peers(render: Any) -> None:
    """Peers are named through headless Services (one DNS record per ready pod), so each
    caller's gRPC channel round-robins over every replica instead of pinning one."""
    objs = render("overlays/prod")
    services = of_kind(objs, "Service")
    for name in ("orders", "gateway"):
        env = configmap_for(objs, of_kind(objs, "Deployment")[name])
        for var, value in env.items():
            if var.endswith("_ADDR"):
                assert value.startswith("dns:///"), f"{name}: {var}={value}"
                host, port = value.removeprefix("dns:///").split(":")
                peer = services.get(host)
                assert peer is not None, f"{name}: {var} names no Service"
                assert peer["spec"]["clusterIP"] == "None", f"{host} is not headless"
                assert peer["spec"]["ports"][0]["port"] == int(port), f"{name}: {var}={value}"
                target = var.removesuffix("_ADDR").lower()
                assert peer["spec"]["selector"] == {"app.kubernetes.io/name": target}


# ---------------------------------------------------------------- hardening and overlays


@pytest.mark.parametrize("path", ["overlays/dev", "overlays/prod"])
def test_pods_run_hardened(render: Any, path: str) -> None:
    for name, deployment in of_kind(render(path), "Deployment").items():
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec.get("automountServiceAccountToken") is False, name
        for c in [*spec.get("initContainers", []), *spec["containers"]]:
            sc = c["securityContext"]
            where = f"{name}/{c['name']}"
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert c["resources"]["requests"] and c["resources"]["limits"]["memory"], where
            if name != "nats":
                assert sc["runAsNonRoot"] is True, where
                assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, where
                mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
                assert "/tmp" in mounts, f"{where}: no writable /tmp"


def test_prod_scales_out_on_postgres_from_operator_secrets(render: Any) -> None:
    objs = render("overlays/prod")
    assert not of_kind(objs, "Secret"), "production Secrets are created by the operator"
    assert "sqlite" not in yaml.safe_dump_all(objs).lower()
    hpas = of_kind(objs, "HorizontalPodAutoscaler")
    pdbs = of_kind(objs, "PodDisruptionBudget")
    for name, deployment in of_kind(objs, "Deployment").items():
        assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns replicas"
        assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name
        assert hpas[name]["spec"]["minReplicas"] >= 2, name
        assert name in pdbs, name
        assert configmap_for(objs, deployment)["CHAINSTORE_ENV"] == "production"
        refs = [
            v["valueFrom"]["secretKeyRef"]["name"]
            for c in ("migrate", "server")
            for v in container(deployment, c)["env"]
            if "valueFrom" in v
        ]
        assert refs and set(refs) == {f"{name}-secrets"}, name
    assert "carrier-sim" not in of_kind(objs, "Deployment")


def test_dev_is_single_replica_sqlite_with_the_simulator(render: Any) -> None:
    objs = render("overlays/dev")
    deployments = of_kind(objs, "Deployment")
    assert not of_kind(objs, "HorizontalPodAutoscaler")
    assert "carrier-sim" in deployments
    secrets = of_kind(objs, "Secret")
    for name in DB_SERVICES:
        spec = deployments[name]["spec"]
        assert spec["replicas"] == 1, name
        (secret,) = [s for s in secrets if s.startswith(f"{name}-secrets-")]
        url = secrets[secret]["data"]["database-url"]
        assert base64.b64decode(url).decode().startswith("sqlite+aiosqlite:////data/"), name
        for c in ("migrate", "server"):
            mounts = {m["mountPath"] for m in container(deployments[name], c)["volumeMounts"]}
            assert "/data" in mounts, f"{name}/{c}: the SQLite file needs a writable /data"


# ---------------------------------------------------------------- network policies

Labels = dict[str, str]


def _matches(selector: dict[str, Any], labels: Labels) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _peer_matches(peer: dict[str, Any], labels: Labels) -> bool:
    # Peers with a namespaceSelector name other namespaces (kube-system, monitoring).
    return "namespaceSelector" not in peer and _matches(peer.get("podSelector", {}), labels)


def _port_ok(rule: dict[str, Any], port: int) -> bool:
    return "ports" not in rule or any(p["port"] == port for p in rule["ports"])


def _allows(policies: list[dict[str, Any]], src: Labels, dst: Labels, port: int) -> bool:
    def side(direction: str, me: Labels, other: Labels) -> bool:
        mine = [
            p
            for p in policies
            if _matches(p["spec"]["podSelector"], me) and direction in p["spec"]["policyTypes"]
        ]
        if not mine:
            return True  # not isolated in this direction
        key, peers = ("egress", "to") if direction == "Egress" else ("ingress", "from")
        return any(
            _port_ok(rule, port)
            and (peers not in rule or any(_peer_matches(q, other) for q in rule[peers]))
            for p in mine
            for rule in p["spec"].get(key, [])
        )

    return side("Egress", src, dst) and side("Ingress", dst, src)


@pytest.fixture
def pods(render: Any) -> tuple[list[dict[str, Any]], dict[str, Labels]]:
    objs = render("tests/dev-network-policies")
    labels = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in of_kind(objs, "Deployment").items()
    }
    for svc in DB_SERVICES:
        labels[f"{svc}-db"] = {"cnpg.io/cluster": f"{svc}-db"}
    return [o for o in objs if o["kind"] == "NetworkPolicy"], labels


EDGES = {
    ("gateway", "inventory", 50051),
    ("gateway", "orders", 50052),
    ("gateway", "logistics", 50053),
    ("orders", "inventory", 50051),
    ("orders", "logistics", 50053),
    ("logistics", "carrier-sim", 8090),
    ("carrier-sim", "gateway", 8080),
    *((svc, "nats", 4222) for svc in DB_SERVICES),
    *((svc, f"{svc}-db", 5432) for svc in DB_SERVICES),
}


def test_network_policies_allow_exactly_the_real_edges(
    pods: tuple[list[dict[str, Any]], dict[str, Labels]],
) -> None:
    policies, labels = pods
    ours = ["gateway", "inventory", "orders", "logistics", "carrier-sim"]
    ports = {"gateway": 8080, "inventory": 50051, "orders": 50052, "logistics": 50053}
    ports |= {"carrier-sim": 8090, "nats": 4222} | {f"{s}-db": 5432 for s in DB_SERVICES}
    allowed = {
        (src, dst, ports[dst])
        for src in ours
        for dst in labels
        if src != dst and _allows(policies, labels[src], labels[dst], ports[dst])
    }
    # The gateway is the public edge: anything may call it, so drop those from the diff.
    allowed = {e for e in allowed if e[1] != "gateway"} | {("carrier-sim", "gateway", 8080)}
    assert allowed == EDGES
    deny_all = [
        p
        for p in policies
        if not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ]
    assert deny_all, "no deny-all policy"


# ---------------------------------------------------------------- dependencies (CRs, values)


def test_postgres_clusters_are_cloudnativepg_one_per_service(render: Any) -> None:
    # Custom resources: checked for structure only (no CRD schemas offline).
    clusters = {o["metadata"]["name"]: o for o in render("../deploy/dependencies/postgres")}
    assert set(clusters) == {f"{s}-db" for s in DB_SERVICES}
    for svc in DB_SERVICES:
        c = clusters[f"{svc}-db"]
        assert (c["apiVersion"], c["kind"]) == ("postgresql.cnpg.io/v1", "Cluster")
        assert c["spec"]["instances"] >= 2
        assert c["spec"]["bootstrap"]["initdb"] == {"database": svc, "owner": svc}
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+", c["spec"]["imageName"]), "pin the image"
    for svc in ("inventory", "orders"):
        assert clusters[f"{svc}-db"]["spec"]["postgresql"]["synchronous"]["number"] >= 1
    kustomization = (DEPLOY / "dependencies/postgres/kustomization.yaml").read_text()
    assert re.search(r"releases/cnpg-\d+\.\d+\.\d+\.yaml", kustomization), "pin the operator"


def test_nats_values_make_a_three_node_jetstream_cluster() -> None:
    path = DEPLOY / "dependencies/nats/values.yaml"
    values = yaml.safe_load(path.read_text())
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    js = config["jetstream"]
    assert js["enabled"] and js["fileStore"]["enabled"] and js["fileStore"]["pvc"]["enabled"]
    assert js["merge"]["sync_interval"] == "always"
    assert re.search(r"nats/nats --version \d+\.\d+\.\d+", path.read_text()), "pin the chart"


# ---------------------------------------------------------------- images


@pytest.mark.parametrize("service", DB_SERVICES)
def test_dockerfile_is_pinned_multistage_non_root(render: Any, service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, re.M)
    assert text.count("FROM ${PYTHON_IMAGE}") == 2
    assert f"-c requirements.lock ./libs -e ./services/{service}" in text
    assert f"COPY services/{service}/migrations" in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert "HEALTHCHECK" in text
    assert f'CMD ["python", "-m", "{service}"]' in text
    deployment = of_kind(render(f"base/{service}"), "Deployment")[service]
    exposed = int(re.findall(r"^EXPOSE (\d+)$", text, re.M)[0])
    port = container(deployment, "server")["ports"][0]["containerPort"]
    assert exposed == port
    for c in ("migrate", "server"):
        assert container(deployment, c)["image"].startswith(f"chainstore/{service}:")
    if service in GRPC:
        assert GRPC[service][1].DESCRIPTOR.services_by_name[GRPC[service][2]].full_name in text


# Development tooling lives in libs/dev (package chainstore_dev), which no image copies;
# no module under what an image copies may carry one of these names.
DEV_TOOLING = {
    "chainstore_dev",
    *("devstack", "testing", "benchkit", "protogen"),  # chainkit's, before the move
    *("datagen", "loadgen", "bulkload"),  # orders', before the move
}


@pytest.mark.parametrize("service", DB_SERVICES)
def test_image_holds_no_development_tooling(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    copied = [
        ROOT / source
        for args in re.findall(r"^COPY (?!--from)(.+)$", text, re.M)
        for source in args.split()[:-1]
    ]
    assert ROOT / "libs" / "src" in copied
    assert (ROOT / "libs" / "dev" / "src" / "chainstore_dev" / "devstack").is_dir()
    modules = [f for c in copied for f in ([c] if c.is_file() else c.rglob("*.py"))]
    found = [
        str(f.relative_to(ROOT))
        for f in modules
        if "__pycache__" not in f.parts and DEV_TOOLING & {f.stem, *f.relative_to(ROOT).parts}
    ]
    assert not found, f"the {service} image would ship development tooling"


def test_readme_names_every_secret_key_the_manifests_need(render: Any) -> None:
    readme = (DEPLOY / "README.md").read_text()
    for deployment in of_kind(render("overlays/prod"), "Deployment").values():
        for var in container(deployment, "server")["env"]:
            ref = var["valueFrom"]["secretKeyRef"]
            assert ref["name"] in readme and ref["key"] in readme, ref


# ---------------------------------------------------------------- the migrate init step


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return set(names)


@pytest.mark.parametrize("service", DB_SERVICES)
async def test_migrate_script_brings_each_database_to_head(database_url: str, service: str) -> None:
    env = {
        **os.environ,
        f"{service.upper()}_DATABASE_URL": database_url,
        "CHAINSTORE_MIGRATIONS_DIR": str(ROOT / "services" / service / "migrations"),
    }
    script = str(DEPLOY / "docker" / "migrate.py")
    # Two pods starting at once: on PostgreSQL the advisory lock serialises them.
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, script, service, env=env, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
    tables = await _tables(database_url)
    assert "alembic_version" in tables
    if service != "gateway":
        assert {"outbox", "inbox"} <= tables
