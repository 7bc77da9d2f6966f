"""A projection: a read model built from one or more event logs.

Subclasses declare their tables and register a handler per event class with ``@handles``.
Handlers read and write rows through a ``ViewSession`` (cached rows, written back in bulk);
the runner applies a batch and writes it back inside the same transaction that records the
projection's tracking position, so each event is applied exactly once even across crashes and
restarts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import DomainEvent

from projections.session import TableShape, ViewSession
from projections.store import Tx

Handler = Callable[[Any, Any, ViewSession], None]


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    def mark(fn: Handler) -> Handler:
        fn.__handles__ = event_classes  # type: ignore[attr-defined]
        return fn

    return mark


class Projection:
    name: ClassVar[str]
    logs: ClassVar[tuple[str, ...]]
    # Each table: (name, column definitions). A rebuild builds them afresh beside the live ones.
    tables: ClassVar[tuple[tuple[str, str], ...]]
    indexes: ClassVar[tuple[str, ...]] = ()
    # False for evidence rather than views (the audit hash chain): ``rebuild_online`` without
    # names leaves such a projection alone; it is rebuilt only when named.
    rebuilt_with_all: ClassVar[bool] = True
    _handlers: ClassVar[dict[type, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for attr in vars(cls).values():
            for event_class in getattr(attr, "__handles__", ()):
                cls._handlers[event_class] = attr

    def create(self, tx: Tx) -> None:
        for table, columns in self.tables:
            tx.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        for index in self.indexes:
            tx.execute(index)

    def bind(self, tx: Tx) -> Tx:
        """The transaction as this projection's statements should see it (a rebuild's shadow
        sends them to its own tables)."""
        return tx

    def shapes(self) -> list[TableShape]:
        return [TableShape.parse(table, columns) for table, columns in self.tables]

    def event_classes(self) -> frozenset[type] | None:
        """The event classes the projection applies, so that the runner reads only those
        from the log; None when it needs every stored notification."""
        return frozenset(self._handlers)

    def wants(self, event_class: type) -> bool:
        """Whether the projection needs events of ``event_class`` decoded (the runner skips
        decoding events that no follower wants; ``apply_batch`` then sees ``None``)."""
        return event_class in self._handlers

    def apply(self, event: Any, view: ViewSession) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(self, event, view)

    def apply_batch(self, log: str, batch: Sequence[tuple[Any, Any]], view: ViewSession) -> None:
        """Applies ``(notification, event)`` pairs of ``log``, oldest first, in one
        transaction. Projections that need the stored notification (its position, its raw
        state) override this."""
        handlers = self._handlers  # ``apply``, inlined: a replay calls this a million times
        for _, event in batch:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(self, event, view)


# -- helpers every projection uses -----------------------------------------------------------
def events_of(*aggregates: type) -> frozenset[type]:
    """Every event class that the aggregate classes declare."""
    return frozenset(value for aggregate in aggregates for value in vars(aggregate).values()
                     if isinstance(value, type) and issubclass(value, DomainEvent))


@functools.lru_cache(maxsize=8192)  # several projections format each event's timestamp
def iso(ts: datetime) -> str:
    """The spec's timestamp format: ISO 8601 UTC with Z, to the second."""
    return ts.isoformat(timespec="seconds")[:19] + "Z"  # isoformat: C, unlike strftime


@functools.lru_cache(maxsize=8192)
def sort_key(ts: datetime) -> str:
    return ts.isoformat(timespec="microseconds")[:26] + "Z"

