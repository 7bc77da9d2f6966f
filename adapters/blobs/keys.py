"""Blob keys: one strict pattern for every store, so no key can name a path outside it."""

from __future__ import annotations

import re

KEY = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\.[A-Za-z0-9]{1,5})?$")
PREFIX = re.compile(r"^([A-Za-z0-9_\-]+/)+$")
MAX_KEY = 300


class BlobNotFound(Exception):
    pass


class BlobCorrupt(Exception):
    """The stored bytes are not the bytes that were written (checked on every read)."""


def checked_key(key: str) -> str:
    if len(key) > MAX_KEY or not KEY.match(key):
        raise BlobNotFound(key)
    return key


def checked_prefix(prefix: str) -> str:
    """A folder of keys ("uploads/usr_x/"): never empty, so no erasure can empty the store."""
    if len(prefix) > MAX_KEY or not PREFIX.match(prefix):
        raise ValueError(f"not a key prefix: {prefix!r}")
    return prefix
