"""Every event an order can record has its encoding: a new one without it would fail at the
first commit that records it, not here."""

from orders.adapters import event_codec
from orders.domain.events import OrderEvent


def test_every_order_event_has_its_encoding() -> None:
    assert set(event_codec._PAYLOADS) == set(OrderEvent.__subclasses__())
