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
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[str, tuple[type[Any], int, bool]] = {}

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
        """What eventsourcing's ``Mapper.to_domain_event`` (9.5.6) does, with what depends
        only on the topic worked out once per topic (a replay decodes a million events of a
        few dozen topics), and the sealed personal fields opened in the decoded state, before
        any upcaster sees it."""
        topic = stored_event.topic
        plan = self._plans.get(topic)
        if plan is None:
            plan = self._plans[topic] = self._plan(topic)
        cls, class_version, has_personal_data = plan
        stored_state = stored_event.state
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            state: dict[str, Any] = self.transcoder.decode(stored_state)
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{topic}', "
                f"originator_id '{stored_event.originator_id}' and originator_version "
                f"{stored_event.originator_version}: {e}") from e
        originator_id = stored_event.originator_id
        convert = find_id_convertor(cls, type(originator_id))  # type: ignore[arg-type]
        state["originator_id"] = convert(originator_id)
        state["originator_version"] = stored_event.originator_version
        if has_personal_data:
            # Before upcasting: an upcaster reshapes personal fields, which it can only do
            # once they are open (or read back as erased placeholders of the same shape).
            self.cipher_of_personal_data.open_state(topic, state)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event: DomainEventProtocol[Any] = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _plan(self, topic: str) -> tuple[type[Any], int, bool]:
        cls = resolve_topic(topic)
        personal = self.cipher_of_personal_data
        return (cls, getattr(cls, "class_version", 1),
                personal is not None and personal.covers(topic))
