"""Firefox: head office's dashboard draws its ECharts charts, and an order placed through the
API appears on the live feed without a reload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.console.test_console_dashboard import paid_order, wait_for_sales

from .bidi import Tab

pytestmark = pytest.mark.e2e

SignIn = Callable[[Tab, str], None]
Shot = Callable[[Tab, str], Path]

# Per chart: its name and how many pixels of its canvas are painted.
PAINTED = """() => Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return [el.dataset.chartName, 0];
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return [el.dataset.chartName, painted];
})"""


def test_the_charts_are_drawn_and_the_live_feed_shows_a_new_order(
    tab: Tab, sign_in: SignIn, alice: httpx.Client, hq: httpx.Client, screenshot: Shot
) -> None:
    paid_order(alice, "TEA-001", 2)
    paid_order(alice, "ELC-001", 1)
    wait_for_sales(hq, "ELC-001")

    sign_in(tab, "hq")

    assert tab.text("h1") == "总部看板"
    tab.wait_for(
        "() => document.querySelectorAll('[data-chart][data-drawn]').length >= 4",
        what="four charts drawn",
    )
    painted = dict(tab.evaluate(PAINTED))
    assert set(painted) >= {"day", "store", "region", "category"}, painted
    assert all(n > 500 for n in painted.values()), painted
    assert "Electric kettle 1.7L" in tab.text("table.dash-hot")
    tab.wait_for("() => !!document.querySelector('#live-feed[data-live=open]')", what="the feed")
    tab.evaluate("() => { window.sameDocument = true; }")

    no = paid_order(alice, "HOM-002")["order_no"]  # no reload from here on

    tab.wait_for_text("#live-feed", f"订单 {no} 已付款")  # after "新订单": both events come
    assert tab.count(f'#live-feed a[href="/dashboard/orders/{no}"]') >= 1
    assert tab.evaluate("() => window.sameDocument") is True
    screenshot(tab, "dashboard-home")
