"""deploy/components/monitoring: the scrape configs reach every service's metrics port, every
alert has its runbook entry, every PromQL expression parses, and every metric a dashboard
panel or an alert queries is one the running services export.

Rendering and schema validation of the component (PodMonitor, PrometheusRule against the
vendored CRD schemas) happen with every other kustomization in test_deploy_manifests.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing.infra import free_port

ROOT = Path(__file__).resolve().parents[1]
RUNBOOK = ROOT / "docs" / "runbook.md"
SERVICES = ["inventory", "orders", "logistics", "gateway"]
# The dashboard's Grafana variables, replaced by what they stand for before parsing.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$namespace": ".*"}

Objs = tuple[dict[str, Any], ...]


def of_kind(objs: Objs, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


@pytest.fixture(scope="module")
def prod(render: Any) -> Objs:
    return render("overlays/prod")  # type: ignore[no-any-return]


def alerts(objs: Objs) -> list[dict[str, Any]]:
    (rule,) = of_kind(objs, "PrometheusRule").values()
    return [r for group in rule["spec"]["groups"] for r in group["rules"] if "alert" in r]


def dashboard(objs: Objs) -> dict[str, Any]:
    (text,) = of_kind(objs, "ConfigMap")["chainstore-dashboard"]["data"].values()
    return json.loads(text)  # type: ignore[no-any-return]


def panel_queries(board: dict[str, Any]) -> dict[str, str]:
    """PromQL of every panel target, Grafana variables replaced, keyed by where it is."""
    queries = {}
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            queries[f"{panel['title']} / {target['refId']}"] = expr
    return queries


def all_queries(objs: Objs) -> dict[str, str]:
    rules = {f"alert {r['alert']}": r["expr"] for r in alerts(objs)}
    return rules | panel_queries(dashboard(objs))


def metric_names(expr: str | promql_parser.Expr) -> set[str]:
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    tree = promql_parser.parse(expr) if isinstance(expr, str) else expr
    promql_parser.walk(tree, pre_visit=visit)
    return names


def queried_metrics(objs: Objs) -> dict[str, set[str]]:
    """Metric name → the panels, alerts and dashboard variables that query it."""
    used: dict[str, set[str]] = {}
    for where, expr in all_queries(objs).items():
        for name in metric_names(expr):
            used.setdefault(name, set()).add(where)
    for variable in dashboard(objs)["templating"]["list"]:
        # Grafana's label_values(metric, label), not PromQL: its metric must exist too.
        found = re.fullmatch(r"label_values\((\w+), *\w+\)", variable.get("definition", ""))
        if variable["type"] == "query":
            assert found, f"variable {variable['name']}: unexpected query"
            used.setdefault(found.group(1), set()).add(f"variable {variable['name']}")
    return used


# ---------------------------------------------------------------- scrape configuration


def test_only_an_overlay_that_opts_in_needs_the_prometheus_operator(render: Any) -> None:
    for path in [*(f"base/{s}" for s in SERVICES), "overlays/dev"]:
        groups = {o["apiVersion"].split("/")[0] for o in render(path)}
        assert "monitoring.coreos.com" not in groups, path
    kinds = [o["kind"] for o in render("overlays/prod")]
    assert kinds.count("PodMonitor") == len(SERVICES)
    assert kinds.count("PrometheusRule") == 1


def test_each_service_is_scraped_on_its_named_metrics_port(prod: Objs) -> None:
    monitors = of_kind(prod, "PodMonitor")
    assert set(monitors) == set(SERVICES)
    for name, deployment in of_kind(prod, "Deployment").items():
        pod = deployment["spec"]["template"]
        (server,) = [c for c in pod["spec"]["containers"] if c["name"] == "server"]
        ports = {p["name"]: p["containerPort"] for p in server["ports"]}
        monitor = monitors[name]["spec"]
        assert monitor["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        others = [m for m, spec in monitors.items() if m != name]
        for other in others:  # a selector matching two services would scrape one twice
            selector = monitors[other]["spec"]["selector"]["matchLabels"]
            assert not selector.items() <= pod["metadata"]["labels"].items(), (name, other)
        (endpoint,) = monitor["podMetricsEndpoints"]
        assert endpoint["port"] in ports, f"{name}: no container port {endpoint['port']!r}"
        annotations = pod["metadata"]["annotations"]
        assert str(ports[endpoint["port"]]) == annotations["prometheus.io/port"], name
        assert endpoint["path"] == annotations["prometheus.io/path"], name
        assert monitor["jobLabel"] in pod["metadata"]["labels"], name


# Prometheus's namespace, as deploy/README.md documents: the only peer of the scrape rules.
MONITORING_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
}


def test_network_policies_let_prometheus_reach_every_scraped_port(render: Any) -> None:
    objs = render("tests/prod-network-policies")
    policies = of_kind(objs, "NetworkPolicy")
    for name, monitor in of_kind(objs, "PodMonitor").items():
        deployment = of_kind(objs, "Deployment")[name]
        (server,) = deployment["spec"]["template"]["spec"]["containers"]
        port = {p["name"]: p["containerPort"] for p in server["ports"]}[
            monitor["spec"]["podMetricsEndpoints"][0]["port"]
        ]
        rules = [
            rule
            for rule in policies[name]["spec"]["ingress"]
            if rule.get("from") == [MONITORING_PEER]
            and any(p["port"] == port for p in rule["ports"])
        ]
        assert rules, f"{name}: nothing lets Prometheus reach port {port}"


# ---------------------------------------------------------------- alerts and the runbook


def runbook_anchors() -> dict[str, str]:
    """Each `### Heading` of the runbook's alert section → its GitHub anchor."""
    text = RUNBOOK.read_text()
    section = text.split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^### (.+)$", section, re.M)
    return {h: re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_alert_has_severity_text_a_wait_and_its_runbook_entry(prod: Objs) -> None:
    anchors = runbook_anchors()
    names = [rule["alert"] for rule in alerts(prod)]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(anchors), "one runbook entry per alert, no stale entries"
    for rule in alerts(prod):
        name = rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert rule["annotations"]["runbook_url"] == f"docs/runbook.md#{anchors[name]}", name
        assert promql_parser.parse_duration(rule["for"]).total_seconds() > 0, name


def test_the_runbook_names_only_panels_the_dashboard_has(prod: Objs) -> None:
    titles = {p["title"] for p in dashboard(prod)["panels"] if p["type"] != "row"}
    named = [
        title
        for line in re.findall(r"\*\*Panels:\*\*(.+?)(?:\.\s|\.$)", RUNBOOK.read_text(), re.S)
        for title in (" ".join(t.split()) for t in re.findall(r"\*([^*]+)\*", line))
    ]
    assert len(named) >= len(alerts(prod)), "every entry names its panels"
    assert set(named) <= titles, set(named) - titles


def test_alerts_cover_what_operators_asked_for(prod: Objs) -> None:
    used = {m for r in alerts(prod) for m in metric_names(r["expr"])}
    asked = {
        "error rate": {"http_server_request_duration_seconds_count", "grpc_server_handled_total"},
        "latency": {
            "http_server_request_duration_seconds_bucket",
            "grpc_server_handling_seconds_bucket",
        },
        "outbox backlog": {"outbox_backlog_events", "outbox_oldest_unsent_age_seconds"},
        "consumer lag": {"nats_consumer_pending_messages"},
        "NATS unavailable": {"nats_connected"},
        "stalled-parcel surge": {"logistics_shipments_stalled_total"},
        "low-stock surge": {"inventory_low_stock_total"},
    }
    missing = {what: names - used for what, names in asked.items() if names - used}
    assert not missing, missing


def test_grpc_error_alert_counts_only_fault_codes(prod: Objs) -> None:
    (rule,) = [r for r in alerts(prod) if r["alert"] == "ChainstoreGRPCServerErrors"]
    codes = re.search(r'grpc_code=~"([A-Z_|]+)"', rule["expr"])
    assert codes is not None
    faults = {"UNKNOWN", "INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "DATA_LOSS"}
    assert set(codes.group(1).split("|")) == faults


# ---------------------------------------------------------------- the dashboard


def test_dashboard_is_a_configmap_the_grafana_sidecar_loads(prod: Objs) -> None:
    configmap = of_kind(prod, "ConfigMap")["chainstore-dashboard"]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = dashboard(prod)
    assert board["uid"] and board["title"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    variables = {v["name"] for v in board["templating"]["list"]}
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            left = set(re.findall(r"\$\{?(\w+)", target["expr"])) - {"__rate_interval"}
            assert left <= variables, f"{panel['title']}: unknown variables {left - variables}"


def test_dashboard_shows_what_operators_asked_for(prod: Objs) -> None:
    used = {m for expr in panel_queries(dashboard(prod)).values() for m in metric_names(expr)}
    asked = {
        "orders_placed_total",  # placement rate
        "http_server_request_duration_seconds_bucket",  # placement p50/p99, route latency
        "http_server_request_duration_seconds_count",  # error ratio by route
        "grpc_server_handled_total",
        "grpc_server_handling_seconds_bucket",
        "outbox_backlog_events",
        "outbox_oldest_unsent_age_seconds",
        "nats_consumer_pending_messages",
        "nats_consumer_redelivered_total",
        "inventory_reservations_refused_total",
        "orders_payment_deadline_cancellations_total",
        "logistics_stalled_shipments",
        "logistics_carrier_push_gap_open",
        "logistics_carrier_poll_rate_limited_total",
        "nats_connected",
        "feed_clients_connected",
    }
    assert not asked - used, asked - used


# ---------------------------------------------------------------- PromQL


def test_every_promql_expression_parses(prod: Objs) -> None:
    failures = {}
    for where, expr in all_queries(prod).items():
        try:
            promql_parser.parse(expr)
        except ValueError as e:
            failures[where] = str(e)
    assert not failures, failures
    assert len(all_queries(prod)) > 30  # the dashboard and the rules were both read


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("sum(rate(x[5m])", "unclosed left parenthesis"),
        ("rate(x)", "expected type matrix"),
        ("x{a=}", "invalid promql"),
        ("rate(x[5m]) by (a)", "invalid promql"),
    ],
)
def test_the_parser_rejects_what_prometheus_rejects(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        promql_parser.parse(bad)


# ---------------------------------------------------------------- against the running suite


# Labels Prometheus itself adds to every series it scrapes (target labels).
TARGET_LABELS = {"namespace", "job", "pod", "instance", "container", "endpoint"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Every metric name the services' /metrics show right after start-up → its labels."""
    metrics_ports = {svc: free_port() for svc in SERVICES}
    suite = Stack(
        data_dir=tmp_path_factory.mktemp("monitoring"),
        ports=Ports.free(),
        extra_env={f"{svc.upper()}_METRICS_PORT": str(p) for svc, p in metrics_ports.items()},
    )
    found: dict[str, set[str]] = {}
    with seeded_stack(suite):
        for port in metrics_ports.values():
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            for name, labels in exposition(text).items():
                found.setdefault(name, set()).update(labels)
    return found


def exposition(text: str) -> dict[str, set[str]]:
    """Names a query may use (a counter's `_total`, a histogram's `_bucket/_sum/_count`)
    with the labels their samples carry."""
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for suffix in suffixes.get(family.type, [""]):
            names.setdefault(family.name + suffix, set())
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


@pytest.mark.e2e
def test_every_queried_metric_is_one_the_services_export(
    prod: Objs, exported: dict[str, set[str]]
) -> None:
    unknown = {
        name: sorted(where) for name, where in queried_metrics(prod).items() if name not in exported
    }
    assert not unknown, "queried but exported by no service:\n" + json.dumps(unknown, indent=1)


def label_uses(expr: str) -> Iterator[tuple[str, set[str]]]:
    """(label, metrics it may come from) for every matcher and every `by (...)` label."""

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            uses.extend((m.name, {node.name}) for m in node.matchers.matchers)
        if isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            inner = metric_names(node.expr)
            uses.extend((label, inner) for label in node.modifier.labels)

    uses: list[tuple[str, set[str]]] = []
    promql_parser.walk(promql_parser.parse(expr), pre_visit=visit)
    yield from uses


@pytest.mark.e2e
def test_every_label_a_query_names_is_one_its_metrics_carry(
    prod: Objs, exported: dict[str, set[str]]
) -> None:
    wrong = set()
    for where, expr in all_queries(prod).items():
        for label, metrics in label_uses(expr):
            carried = set().union(*(exported.get(m, set()) for m in metrics))
            if label not in carried | TARGET_LABELS:
                wrong.add(f"{where}: {label!r} is on none of {sorted(metrics)}")
    assert not wrong, "\n".join(sorted(wrong))
