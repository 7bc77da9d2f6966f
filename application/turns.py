"""Writers of one hot aggregate, within a process, take turns and share one save.

Optimistic concurrency keeps every decision correct, but when 32 buyers of one product decide
against the same version, 31 of them lose, reload and decide again: a retry storm in exactly
the flash sale a shop most needs its speed for. Taking turns removes the storm, yet still
leaves one save (one commit) per buyer in a line. So the buyer whose turn it is decides for
everyone waiting behind it too, each request on its own merits, and saves them all at once
(group commit). Across processes the aggregates' versions still decide.
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


@dataclass
class _Waiting(Generic[Request, Result]):
    request: Request
    done: bool = False
    result: Result | None = None
    error: BaseException | None = None


@dataclass
class _Lane:
    turn: threading.Lock = field(default_factory=threading.Lock)
    queue_lock: threading.Lock = field(default_factory=threading.Lock)
    queue: list[_Waiting] = field(default_factory=list)  # type: ignore[type-arg]


class Turns(Generic[Request, Result]):
    """Requests on the same key run one batch at a time through ``decide_all``, which gets
    every request waiting on that key and answers each one (a result or an exception).
    Keys map onto a fixed set of lanes; a request on several keys takes their lanes in one
    order and runs alone, so no two writers of overlapping sets can deadlock."""

    def __init__(self, decide_all: Callable[[Sequence[Request]], list[Result | BaseException]],
                 lanes: int = 64) -> None:
        self._decide_all = decide_all
        self._lanes = [_Lane() for _ in range(lanes)]

    def _lane(self, key: uuid.UUID) -> _Lane:
        return self._lanes[zlib.crc32(key.bytes) % len(self._lanes)]

    @contextmanager
    def holding(self, keys: Iterable[uuid.UUID]) -> Iterator[None]:
        lanes = sorted({id(lane): lane for lane in map(self._lane, keys)}.items())
        with ExitStack() as stack:
            for _, lane in lanes:
                stack.enter_context(lane.turn)
            yield

    def run(self, keys: Iterable[uuid.UUID], request: Request) -> Result:
        lanes = {id(lane): lane for lane in map(self._lane, keys)}
        if len(lanes) != 1:
            with self.holding(keys):
                return self._answer(self._decide_all([request])[0])
        lane = next(iter(lanes.values()))
        waiting: _Waiting[Request, Result] = _Waiting(request)
        with lane.queue_lock:
            lane.queue.append(waiting)
        with lane.turn:
            if not waiting.done:  # nobody decided for us while we waited: our turn
                with lane.queue_lock:
                    batch, lane.queue = lane.queue, []
                try:
                    outcomes = self._decide_all([w.request for w in batch])
                except BaseException as error:  # the whole batch failed: tell everyone
                    outcomes = [error] * len(batch)
                for each, outcome in zip(batch, outcomes, strict=True):
                    if isinstance(outcome, BaseException):
                        each.error = outcome
                    else:
                        each.result = outcome
                    each.done = True
        if waiting.error is not None:
            raise waiting.error
        return waiting.result  # type: ignore[return-value]

    @staticmethod
    def _answer(outcome: Result | BaseException) -> Result:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
