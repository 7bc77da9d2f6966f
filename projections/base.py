"""A projection: a read model built from one or more event logs.

Subclasses declare their tables and register a handler per event class with ``@handles``.
The runner calls ``apply`` inside the same transaction that records the projection's tracking
position, so each event is applied exactly once even across crashes and restarts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from projections.store import Tx

Handler = Callable[[Any, Any, Tx], None]


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    def mark(fn: Handler) -> Handler:
        fn.__handles__ = event_classes  # type: ignore[attr-defined]
        return fn

    return mark


class Projection:
    name: ClassVar[str]
    logs: ClassVar[tuple[str, ...]]
    # Each table: (name, column definitions). Every table is dropped and recreated on rebuild.
    tables: ClassVar[tuple[tuple[str, str], ...]]
    indexes: ClassVar[tuple[str, ...]] = ()
    # False for evidence rather than views (the audit hash chain): ``rebuild()`` without
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

    def drop(self, tx: Tx) -> None:
        for table, _ in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, event: Any, tx: Tx) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(self, event, tx)

    def apply_batch(self, log: str, batch: Sequence[tuple[Any, Any]], tx: Tx) -> None:
        """Applies ``(notification, event)`` pairs of ``log``, oldest first, in one
        transaction. Projections that need the stored notification (its position, its raw
        state) or that write in bulk override this."""
        for _, event in batch:
            self.apply(event, tx)


# -- helpers every projection uses -----------------------------------------------------------
def iso(ts: datetime) -> str:
    """The spec's timestamp format: ISO 8601 UTC with Z, to the second."""
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_key(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dumps(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def load_doc(tx: Tx, table: str, key: str) -> dict[str, Any] | None:
    row = tx.one(f"SELECT doc FROM {table} WHERE id = ?", (key,))
    return None if row is None else json.loads(row[0])
