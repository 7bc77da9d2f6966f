"""Who and what caused each event: recorded by the application layer on every event it stores.

``actor`` (a user id or ``system:<component>``), ``requestId``, ``correlationId`` (one id for a
whole conversation across services) and ``causationId`` (the request, command or event that
caused it) travel in a context variable set at the edge (HTTP middleware, CLI, workers). The
mapper writes them into each stored event's state under ``_meta``; aggregates never see them
(the event methods only receive their own parameters).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

_current: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "tryon_event_metadata", default=None)

SYSTEM = {"actor": "system:unknown"}


def current() -> dict[str, str]:
    return dict(_current.get() or SYSTEM)


def bind(**values: str | None) -> contextvars.Token[dict[str, str] | None]:
    merged = {**(_current.get() or {}), **{k: v for k, v in values.items() if v is not None}}
    return _current.set(merged)


@contextmanager
def acting_as(**values: str | None) -> Iterator[None]:
    token = bind(**values)
    try:
        yield
    finally:
        _current.reset(token)


def metadata_of(event: Any) -> dict[str, str]:
    return dict(getattr(event, "_meta", None) or {})


class MetadataMapper(Mapper[Any]):
    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        if "_meta" not in vars(domain_event):
            # Events are frozen dataclasses; the metadata is bookkeeping, not a field.
            object.__setattr__(domain_event, "_meta", current())
        return super().to_stored_event(domain_event)
