"""A pushing carrier's webhook body (`{"events": [...]}` JSON): its HMAC signature, its scans.

The signature covers the raw bytes as received (`sha256=<hex hmac-sha256(secret, body)>`),
so the body is verified before it is parsed, and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from chainkit.errors import FieldError, InvalidArgument, Unauthenticated
from logistics.domain.tracking import CarrierScan

SIGNATURE_SCHEME = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    return SIGNATURE_SCHEME + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, signature: str) -> None:
    if not signature:
        raise Unauthenticated("missing carrier signature")
    if not hmac.compare_digest(sign(secret, body).encode(), signature.strip().encode()):
        raise Unauthenticated("bad carrier signature")


def parse_scans(body: bytes) -> list[CarrierScan]:
    """`{"events": [{event_id, waybill_no, code, at, location, description}]}` → scans."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgument("body is not JSON", [FieldError("body", str(e))]) from e
    items = doc.get("events") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise InvalidArgument("body has no events list", [FieldError("events", "required")])
    return [_scan(item, f"events[{i}]") for i, item in enumerate(items)]


def _scan(item: Any, where: str) -> CarrierScan:
    if not isinstance(item, dict):
        raise InvalidArgument(f"{where} is not an object", [FieldError(where, "not an object")])
    errors = [
        FieldError(f"{where}.{name}", "required")
        for name in ("waybill_no", "code", "at")
        if not isinstance(item.get(name), str) or not item[name]
    ]
    at: datetime | None = None
    if not errors:
        try:
            at = datetime.fromisoformat(item["at"])
        except ValueError:
            errors.append(FieldError(f"{where}.at", "not an RFC 3339 time"))
    if errors or at is None:
        raise InvalidArgument("invalid carrier event", errors)
    return CarrierScan(
        waybill_no=item["waybill_no"],
        code=item["code"],
        at=at,
        location=str(item.get("location") or ""),
        description=str(item.get("description") or ""),
        event_id=str(item.get("event_id") or ""),
    )
