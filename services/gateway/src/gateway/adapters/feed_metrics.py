"""Prometheus figures of the live feed, read from the hubs of this process at scrape time."""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import prometheus_client
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.feed.hub import FeedHub

_hubs: weakref.WeakSet[FeedHub] = weakref.WeakSet()


class _FeedCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        hubs = list(_hubs)
        yield GaugeMetricFamily(
            "feed_clients_connected",
            "Clients following the live feed on this process",
            value=sum(h.connected for h in hubs),
        )
        yield CounterMetricFamily(
            "feed_clients_dropped",
            "Clients cut off for falling behind (they resume by cursor)",
            value=sum(h.dropped_total for h in hubs),
        )
        yield GaugeMetricFamily(
            "feed_position",
            "Sequence of the last FEED stream event handed to clients",
            value=max((h.position for h in hubs), default=0),
        )


prometheus_client.REGISTRY.register(_FeedCollector())


def watch(hub: FeedHub) -> None:
    _hubs.add(hub)
