"""A receipt as a till prints it: fixed width, CJK characters counted as two columns."""

from __future__ import annotations

import unicodedata

from gateway.schemas.receipts import ReceiptPublic

WIDTH = 32  # columns of a 58 mm receipt printer
METHODS = {
    "cash": "现金 Cash",
    "card": "银行卡 Card",
    "wechat_pay": "微信支付 WeChat Pay",
    "alipay": "支付宝 Alipay",
}


def money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def spread(left: str, right: str, width: int = WIDTH) -> str:
    """`left` and `right` on one line, right-aligned; on two when they do not fit."""
    gap = width - columns(left) - columns(right)
    if gap < 1:
        return f"{left}\n{' ' * max(width - columns(right), 0)}{right}"
    return f"{left}{' ' * gap}{right}"


def centred(text: str, width: int = WIDTH) -> str:
    pad = max(width - columns(text), 0) // 2
    return " " * pad + text


def method_name(method: str) -> str:
    return METHODS.get(method, method)


def render_text(r: ReceiptPublic) -> str:
    rule = "-" * WIDTH
    out = [centred(r.store_name)]
    if r.store_city:
        out.append(centred(r.store_city))
    out += [
        rule,
        "单号 Order No",
        f"  {r.order_no}",
        spread("时间 Time", r.local_time),
        spread("", r.time_zone),
        rule,
    ]
    for line in r.lines:
        out.append(f"{line.name} {line.spec}" if line.spec else line.name)
        out.append(
            spread(f"  {line.sku}  {line.qty} x {money(line.unit_price)}", money(line.amount))
        )
    out += [
        rule,
        spread("件数 Items", str(r.units)),
        spread("合计 Total", f"{r.currency} {money(r.total)}"),
        spread("支付 Paid", method_name(r.payment.method)),
        spread("金额 Amount", money(r.payment.amount)),
    ]
    if r.payment.reference:
        out += ["交易号 Transaction", f"  {r.payment.reference}"]
    if r.refunded_amount:
        out.append(spread("已退款 Refunded", money(r.refunded_amount)))
    out += [rule, centred("谢谢惠顾 Thank you"), ""]
    return "\n".join(out)
