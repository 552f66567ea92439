"""Each console page explains the refusals it explained before one table read the status
for all of them; a status a page gives no text still reaches the error page."""

import grpc
import pytest

from gateway.console.pages import customer, dashboard, store
from gateway.console.refusals import refusal_text


class Refused(grpc.aio.AioRpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="refused")


S = grpc.StatusCode
EXPECTED = {
    "customer": (
        customer.REFUSALS,
        {
            S.FAILED_PRECONDITION: "customer.action.refused",
            S.ABORTED: "customer.action.refused",
            S.NOT_FOUND: "error.not_found",
            S.ALREADY_EXISTS: None,
            S.INVALID_ARGUMENT: None,
        },
    ),
    "store": (
        store.REFUSALS,
        {
            S.FAILED_PRECONDITION: "store.refused.state",
            S.ABORTED: "store.refused.state",
            S.ALREADY_EXISTS: "store.refused.state",
            S.INVALID_ARGUMENT: "store.refused.invalid",
            S.NOT_FOUND: None,
        },
    ),
    "dashboard": (
        dashboard.REFUSALS,
        {
            S.FAILED_PRECONDITION: "dashboard.stock.refused_short",
            S.NOT_FOUND: "dashboard.stock.refused_unknown",
            S.INVALID_ARGUMENT: "dashboard.stock.refused_invalid",
            S.ALREADY_EXISTS: "dashboard.stock.refused_invalid",
            S.ABORTED: None,
        },
    ),
}


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_each_page_explains_the_refusals_it_always_explained(page: str) -> None:
    texts, expected = EXPECTED[page]
    assert {code: refusal_text(Refused(code), texts) for code in expected} == expected
    assert refusal_text(Refused(S.INTERNAL), texts) is None
