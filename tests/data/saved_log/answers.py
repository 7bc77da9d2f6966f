"""What the saved-log test reads back, and how an answer is made comparable across runs."""

from __future__ import annotations

import re
from typing import Any

# name: (who asks, path with {references} filled from refs.json)
READS: dict[str, tuple[str, str]] = {
    "ada_profile": ("ada", "/v1/users/me"),
    "ada_addresses": ("ada", "/v1/users/me/addresses"),
    "ada_cart": ("ada", "/v1/cart"),
    "ada_orders": ("ada", "/v1/orders"),
    "ada_order": ("ada", "/v1/orders/{order}"),
    "ada_cancelled_order": ("ada", "/v1/orders/{second}"),
    "ada_closet": ("ada", "/v1/closet"),
    "ada_avatars": ("ada", "/v1/avatars"),
    "ada_avatar": ("ada", "/v1/avatars/{avatar}"),
    "ada_renders": ("ada", "/v1/tryon/renders"),
    "ada_render": ("ada", "/v1/tryon/renders/{render}"),
    "bob_cart": ("bob", "/v1/cart"),
    "bob_profile": ("bob", "/v1/users/me"),
    "products": ("ada", "/v1/products"),
    "shirt": ("ada", "/v1/products/{shirt}"),
    "dress": ("ada", "/v1/products/{dress}"),
    "event_feed": ("admin", "/v1/events?limit=200"),
    "audit_order": ("admin", "/v1/audit/orders/{order}/events"),
}

#: Fields a read computes at the moment it answers, not from the log: a cart's delivery
#: estimate counts business days from today (`projections.queries` reprices a cart when it
#: is read). The test checks them against today's estimate instead of the saved answer.
LIVE_FIELDS: dict[str, str] = {"ada_cart": "estimatedDelivery", "bob_cart": "estimatedDelivery"}

_SIGNED = re.compile(r"([?&](expires|signature|X-Amz-[A-Za-z]+)=)[^&\"]*")


def normalise(response: Any) -> dict[str, Any]:
    """Status and body, with what a signed link carries for this moment (expiry, signature)
    blanked: the rest must replay identically."""
    body = response.json() if response.content else None
    return {"status": response.status_code, "body": _blank(body)}


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    if isinstance(value, str):
        return _SIGNED.sub(r"\1…", value)
    return value
