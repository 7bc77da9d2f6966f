"""What every bounded context's application shares: saving with positions, loading with
domain errors, and retrying commands that are safe to replay after a version conflict."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Transcoder

from application import receipts
from application.metadata import MetadataMapper
from application.transcoding import CachedUUIDAsHex, FastJSONTranscoder
from domain.errors import ConcurrencyConflict, NotFound

P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)

log = structlog.get_logger("tryon.events")
Position = int  # a notification id in the application's log; 0 when nothing was saved


class TryonApplication(Application[uuid.UUID]):
    """Command methods return the log position of their last event so that the caller can
    wait for the read models to reach it (read-your-writes)."""

    def __init__(self, env: dict[str, str] | None = None,
                 personal_data: Any = None) -> None:
        self.personal_data = personal_data  # read by construct_mapper, during super().__init__
        super().__init__(env=env)

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        transcoder.register(CachedUUIDAsHex())  # same name: replaces the uncached one
        return transcoder

    def construct_mapper(self) -> Mapper[uuid.UUID]:
        base = super().construct_mapper()
        mapper = MetadataMapper(transcoder=base.transcoder, compressor=base.compressor,
                                cipher=base.cipher)
        mapper.cipher_of_personal_data = getattr(self, "personal_data", None)
        return mapper

    def record(self, *aggregates: Aggregate | None) -> Position:
        recordings = self.save(*aggregates)
        position = max((r.notification.id for r in recordings), default=0)
        if recordings:
            receipts.note(receipts.Receipt(self.name, position, tuple(
                (type(a).__name__, a.id) for a in aggregates if a is not None)))
            log.info("events.recorded", log=self.name, position=position,
                     events=[type(r.domain_event).__qualname__ for r in recordings])
        return position

    def load(self, cls: type[A], aggregate_id: uuid.UUID | None, what: str) -> A:
        if aggregate_id is None:
            raise NotFound(f"{what} not found")
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{what} not found") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} not found")
        return aggregate

    def find(self, cls: type[A], aggregate_id: uuid.UUID, what: str) -> A | None:
        """The aggregate, or None if it was never saved: one load where ``exists`` followed by
        ``load`` would read (and replay) it twice."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} not found")
        return aggregate

    def exists(self, aggregate_id: uuid.UUID) -> bool:
        # The repository's own test replays the whole aggregate; its newest event is enough.
        return bool(self.recorder.select_events(aggregate_id, desc=True, limit=1))

    def head(self) -> Position:
        return self.recorder.max_notification_id() or 0


def retry_on_conflict(attempts: int = 60) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Replays a load-decide-save command when another writer saved first. Only for commands
    whose decision is re-made from fresh state on each attempt (stock checks, token rotation)."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(attempts):
                try:
                    return command(*args, **kwargs)
                except IntegrityError:
                    # Back off a little, randomly, so racing writers spread out.
                    time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
            raise ConcurrencyConflict("Too many concurrent changes; try again")

        run.__name__ = command.__name__
        run.__doc__ = command.__doc__
        return run

    return decorate


def clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
