"""docs/rest-contract.md lists exactly the API routes the gateway serves (not the console's)."""

import re
from pathlib import Path

from gateway.main import create_app, load_settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "rest-contract.md"
DOCUMENTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`")
API = ("/v1/", "/healthz", "/readyz", "/metrics")


def test_the_rest_contract_page_lists_every_api_route_and_no_other() -> None:
    served = {
        (method.upper(), path)
        for path, operations in create_app(load_settings()).openapi()["paths"].items()
        if path.startswith(API)
        for method in operations
    }
    documented = set(DOCUMENTED.findall(DOC.read_text(encoding="utf-8")))
    assert served - documented == set(), "served but not in docs/rest-contract.md"
    assert documented - served == set(), "in docs/rest-contract.md but not served"
