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
from eventsourcing.utils import get_topic

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
    """Adds ``_meta`` to every stored event and, given a cipher, seals personal data."""

    cipher_of_personal_data: Any = None

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        if "_meta" not in vars(domain_event):
            # Events are frozen dataclasses; the metadata is bookkeeping, not a field.
            object.__setattr__(domain_event, "_meta", current())
        personal = self.cipher_of_personal_data
        if personal is None:
            return super().to_stored_event(domain_event)
        topic = get_topic(type(domain_event))
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        state["originator_id"] = originator_id  # whose data it is may depend on it
        personal.seal_state(topic, state)  # replaces values; the event's own dicts stay as is
        del state["originator_id"]
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(originator_id=originator_id, originator_version=originator_version,
                           topic=topic, state=stored_state)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        event = super().to_domain_event(stored_event)
        personal = self.cipher_of_personal_data
        if personal is not None:
            # The decoded state is the event's own __dict__: open the sealed fields in place.
            personal.open_state(stored_event.topic, vars(event))
        return event
