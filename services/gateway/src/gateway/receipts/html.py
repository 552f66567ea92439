"""A receipt as a printable page: self-contained (no script, no external asset), sized for
an 80 mm receipt printer and readable on a screen."""

from __future__ import annotations

from html import escape

from gateway.receipts.text import method_name, money
from gateway.schemas.receipts import ReceiptPublic

STYLE = """
body{font-family:"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",monospace;margin:0;
background:#f4f4f4}
.receipt{width:72mm;margin:1rem auto;padding:4mm;background:#fff;color:#000;font-size:12px}
h1{font-size:15px;text-align:center;margin:0}.city{text-align:center;margin:0 0 2mm}
table{width:100%;border-collapse:collapse}td{padding:1px 0;vertical-align:top}
td.n{text-align:right;white-space:nowrap}hr{border:0;border-top:1px dashed #000}
.ref{word-break:break-all}.thanks{text-align:center;margin-top:3mm}
@media print{body{background:#fff}.receipt{margin:0;width:auto}@page{size:80mm auto;margin:2mm}}
"""


def _row(label: str, value: str, cls: str = "n") -> str:
    return f'<tr><td>{escape(label)}</td><td class="{cls}">{escape(value)}</td></tr>'


def _spec(spec: str) -> str:
    return f' <span class="spec">{escape(spec)}</span>' if spec else ""


def render_html(r: ReceiptPublic) -> str:
    lines = "".join(
        f"<tr><td>{escape(x.name)}{_spec(x.spec)}<br><small>{escape(x.sku)} · {x.qty} &times; "
        f'{money(x.unit_price)}</small></td><td class="n">{money(x.amount)}</td></tr>'
        for x in r.lines
    )
    paid = [
        _row("件数 Items", str(r.units)),
        _row("合计 Total", f"{r.currency} {money(r.total)}"),
        _row("支付 Paid", method_name(r.payment.method)),
        _row("金额 Amount", money(r.payment.amount)),
    ]
    if r.payment.reference:
        paid.append(_row("交易号 Transaction", r.payment.reference, "n ref"))
    if r.refunded_amount:
        paid.append(_row("已退款 Refunded", money(r.refunded_amount)))
    city = f'<p class="city">{escape(r.store_city)}</p>' if r.store_city else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>小票 Receipt {escape(r.order_no)}</title><style>{STYLE}</style></head>"
        f'<body><main class="receipt"><h1>{escape(r.store_name)}</h1>{city}<table>'
        + _row("单号 Order No", r.order_no)
        + _row("时间 Time", f"{r.local_time} ({r.time_zone})")
        + f"</table><hr><table>{lines}</table><hr><table>{''.join(paid)}</table>"
        '<p class="thanks">谢谢惠顾 Thank you</p></main></body></html>'
    )
