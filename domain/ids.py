"""Public identifiers: the spec's prefixed ids over the event store's UUIDs.

The event store needs UUID aggregate ids; clients see ``prefix_`` + base62(uuid), always 22
characters after the prefix, and any id coming in is decoded back (or rejected) here.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import uuid

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_WIDTH = 22  # ceil(128 / log2(62))

PREFIXES = (
    "usr", "avatar", "scan", "prod", "var", "cart", "cart_item", "order", "render",
    "pay", "txn", "addr", "rev", "closet", "upl",
)
_PUBLIC_ID = re.compile(r"^([a-z_]+?)_([0-9A-Za-z]{22})$")

# Namespace for ids derived from other ids (a user's cart, an order from an idempotency key).
NAMESPACE = uuid.UUID("6d0b7d5e-8a3c-4d1e-9f3a-5c2b1e0f7a42")


# Two base-62 digits at a time (62 ** 2 = 3,844 pairs), on machine-sized chunks of the 128-bit
# integer: a replay encodes hundreds of thousands of distinct ids, most of them cache misses.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
_CHUNK = 62**8  # 22 digits = 6 + 8 + 8


def _digits8(n: int) -> str:
    """``n`` < 62 ** 8 as 8 base-62 digits."""
    n, d = divmod(n, 3844)
    n, c = divmod(n, 3844)
    a, b = divmod(n, 3844)
    return _PAIRS[a] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d]


@functools.lru_cache(maxsize=65_536)  # replays encode the same few ids again and again
def encode(prefix: str, value: uuid.UUID) -> str:
    high, low = divmod(value.int, _CHUNK)
    top, middle = divmod(high, _CHUNK)
    return f"{prefix}_{_digits8(top)[2:]}{_digits8(middle)}{_digits8(low)}"


def decode(prefix: str, public_id: str) -> uuid.UUID | None:
    """The UUID behind ``public_id``, or None when it is not a well-formed id of ``prefix``."""
    if not isinstance(public_id, str) or not public_id.startswith(prefix + "_"):
        return None
    body = public_id[len(prefix) + 1 :]
    if len(body) != _WIDTH or any(c not in _INDEX for c in body):
        return None
    n = 0
    for c in body:
        n = n * 62 + _INDEX[c]
    if n >= 1 << 128:
        return None
    return uuid.UUID(int=n)


def new(prefix: str) -> str:
    return encode(prefix, uuid.uuid4())


def derived(*parts: str) -> uuid.UUID:
    """A stable UUID for a name built from ``parts`` (same parts, same id)."""
    return uuid.uuid5(NAMESPACE, "\x1f".join(parts))


def keyed(key: bytes, *parts: str) -> uuid.UUID:
    """A stable UUID for ``parts`` that only holders of ``key`` can compute (HMAC-SHA256):
    unlike ``derived``, seeing the id tells nobody which name it was made from."""
    mac = hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=mac[:16])
