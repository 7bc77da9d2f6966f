"""The stored form of events and snapshots, as the event store decodes them."""

from __future__ import annotations

from typing import Any

# What an upcaster receives: decoded JSON of a shape older than the class's. Untyped on
# purpose: it is reshaped here before any of the domain's types apply to it.
StoredState = dict[str, Any]
