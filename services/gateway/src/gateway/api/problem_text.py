# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)
"""Problem texts in the client's language: zh-CN when `Accept-Language` asks for Chinese,
English otherwise. The `type` URI never changes with the language; only `title`, `detail`
and the validation messages do. Details written by a backend service stay as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Literal

Lang = Literal["en", "zh-CN"]

TITLE_ZH: dict[int, str] = {
    400: "请求有误",
    401: "未认证",
    403: "无权操作",
    404: "未找到",
    405: "不支持的方法",
    409: "冲突",
    413: "请求体过大",
    422: "请求内容无效",
    429: "请求过于频繁",
    500: "内部错误",
    502: "后端服务出错",
    503: "服务暂不可用",
    504: "后端服务超时",
}

# The gateway's own fixed details (English as written in the code) → Chinese.
DETAIL_ZH: dict[str, str] = {
    "the request is not valid": "请求内容无效",
    "the body is not valid JSON": "请求体不是有效的 JSON",
    "an internal error occurred; it has been logged": "发生内部错误，已记录",
    "a backend service failed to answer the request": "后端服务未能处理该请求",
    "a backend service is unavailable; try again shortly": "后端服务暂不可用，请稍后重试",
    "a backend service did not answer in time; try again shortly": "后端服务未及时响应，请稍后重试",
    "an Authorization: Bearer token is required": "需要 Authorization: Bearer 令牌",
    "the access token has expired": "访问令牌已过期",
    "the access token is invalid": "访问令牌无效",
    "the session has ended; sign in again": "会话已结束，请重新登录",
    "wrong username or password": "用户名或密码错误",
    "this account is disabled; ask head office": "该账户已停用，请联系总部",
    "your own account is changed at POST /v1/auth/password, and never disabled by you": (
        "自己的账户请在 POST /v1/auth/password 修改，且不能停用自己"
    ),
    "the hq account's password is CHAINSTORE_HQ_PASSWORD; change it there": (
        "hq 账户的密码由 CHAINSTORE_HQ_PASSWORD 设定，请在那里修改"
    ),
    "too many requests; try again later": "请求过于频繁，请稍后再试",
    "too many sign-in attempts; try again later": "登录尝试过于频繁，请稍后再试",
    "the request body is too large": "请求体过大",
    "the gateway is starting": "网关正在启动",
    "a change made with the session cookie needs its CSRF token": (
        "使用会话 Cookie 的修改需要 CSRF 令牌"
    ),
}

# pydantic error types → Chinese message templates (ctx values are filled in).
VALIDATION_ZH: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不允许此字段",
    "string_type": "应为字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "至多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合 {pattern}",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "list_type": "应为列表",
    "too_short": "至少 {min_length} 项",
    "too_long": "至多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "datetime_type": "应为 RFC 3339 时间",
    "datetime_parsing": "应为 RFC 3339 时间",
    "datetime_from_date_parsing": "应为 RFC 3339 时间",
    "date_type": "应为日期",
    "date_parsing": "应为日期 (YYYY-MM-DD)",
    "date_from_datetime_parsing": "应为日期 (YYYY-MM-DD)",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "value_error": "值无效",
    "json_invalid": "请求体不是有效的 JSON",
}


def language(accept_language: str | None) -> Lang:
    """zh-CN when the client's first choice is Chinese (`zh`, `zh-CN`, `zh-Hans`…)."""
    first = (accept_language or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"


def title(status: int, lang: Lang) -> str:
    if lang == "zh-CN" and status in TITLE_ZH:
        return TITLE_ZH[status]
    return HTTPStatus(status).phrase


def detail(text: str, lang: Lang) -> str:
    return DETAIL_ZH.get(text, text) if lang == "zh-CN" else text


def validation_message(error: Mapping[str, Any], lang: Lang) -> str:
    """One pydantic error's message; the input is never echoed (it may be a password)."""
    english = str(error.get("msg", "invalid"))
    if lang != "zh-CN":
        return english
    template = VALIDATION_ZH.get(str(error.get("type", "")))
    if template is None:
        return english
    ctx = error.get("ctx") or {}
    try:
        return template.format(**{k: v for k, v in ctx.items() if k != "error"})
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("：: ") or english
