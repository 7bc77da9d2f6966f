"""Writers of one key take turns, and whoever's turn it is decides for everyone waiting."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from application.turns import Turns

HOT = uuid.uuid4()


class Counter:
    """Sells ``stock`` units; a request is the number wanted. Records the batches it saw."""

    def __init__(self, stock: int) -> None:
        self.stock = stock
        self.batches: list[list[int]] = []
        self.busy = threading.Lock()

    def decide_all(self, requests: Sequence[int]) -> list[int | BaseException]:
        assert self.busy.acquire(blocking=False), "two batches ran at once"
        try:
            time.sleep(0.01)  # a save: long enough for others to queue up
            self.batches.append(list(requests))
            outcomes: list[int | BaseException] = []
            for wanted in requests:
                if wanted > self.stock:
                    outcomes.append(ValueError(f"only {self.stock} left"))
                else:
                    self.stock -= wanted
                    outcomes.append(self.stock)
            return outcomes
        finally:
            self.busy.release()


def test_waiting_buyers_are_decided_together_each_with_their_own_answer() -> None:
    counter = Counter(stock=30)
    turns: Turns[int, int] = Turns(counter.decide_all)

    def buy(_: int) -> int | str:
        try:
            return turns.run([HOT], 1)
        except ValueError as refused:
            return str(refused)

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(buy, range(40)))

    assert sum(isinstance(a, int) for a in answers) == 30  # never oversold
    assert answers.count("only 0 left") == 10
    assert counter.stock == 0
    assert len(counter.batches) < 40  # saves were shared
    assert sorted(a for a in answers if isinstance(a, int)) == list(range(30))


def test_a_request_on_several_keys_runs_alone() -> None:
    counter = Counter(stock=5)
    turns: Turns[int, int] = Turns(counter.decide_all, lanes=8)
    assert turns.run([uuid.uuid4(), uuid.uuid4(), uuid.uuid4()], 2) == 3
    assert turns.run([], 1) == 2
    assert counter.batches == [[2], [1]]


def test_a_failed_batch_fails_every_request_in_it() -> None:
    def broken(requests: Sequence[int]) -> list[int | BaseException]:
        time.sleep(0.01)
        raise ConnectionError("database went away")

    turns: Turns[int, int] = Turns(broken)

    def buy(_: int) -> str:
        with pytest.raises(ConnectionError):
            turns.run([HOT], 1)
        return "failed"

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(buy, range(8))) == ["failed"] * 8
