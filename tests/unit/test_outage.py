"""Telling an unreachable dependency from a bug, and the pause of a failing loop."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import psycopg_pool
import pytest
from eventsourcing import persistence
from eventsourcing.utils import retry

from adapters.outage import Breaker, DatabaseUnavailable, guard_pools, open_attempts, unavailable
from projections.backoff import Backoff


def _caused_by(cause: BaseException, outer: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise outer from exc
    except BaseException as raised:
        return raised


def test_lost_connections_and_pool_timeouts_are_outages() -> None:
    assert unavailable(psycopg.errors.AdminShutdown("terminating connection"))
    assert unavailable(psycopg_pool.PoolTimeout("couldn't get a connection after 1.00 sec"))
    assert unavailable(psycopg.InterfaceError("the connection is closed"))
    assert unavailable(persistence.OperationalError("terminating connection"))
    assert unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert unavailable(_caused_by(psycopg.OperationalError("gone"), RuntimeError("wrapped")))


def test_conflicts_and_bugs_are_not_outages() -> None:
    assert not unavailable(persistence.IntegrityError("duplicate key"))
    assert not unavailable(psycopg.errors.UniqueViolation("duplicate key"))
    assert not unavailable(ValueError("bad"))
    assert not unavailable(TimeoutError("projections did not reach shop@4 in 5.0s"))
    assert not unavailable(None)


def test_backoff_doubles_up_to_its_bound_and_starts_again_after_a_success() -> None:
    backoff = Backoff(0.25, 2.0)
    assert [backoff.failed() for _ in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    backoff.reset()
    assert backoff.failed() == 0.25 and backoff.failures == 1


class _DeadPool:
    """A pool whose every connection is refused, as a database that went away."""

    def __init__(self) -> None:
        self.timeout = 1.0
        self.asked: list[float | None] = []

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[object]:
        self.asked.append(timeout)
        raise psycopg.OperationalError("connection refused")
        yield  # pragma: no cover


class _LockedPool(_DeadPool):
    """A pool whose statements wait out a lock: the statement fails, not the connection."""

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[object]:
        self.asked.append(timeout)
        yield object()
        raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")


def _recorder(pool: _DeadPool) -> Callable[[], None]:
    """What eventsourcing's PostgreSQL recorders do: ten tries 0.2 s apart, psycopg's
    failures translated into its own (``postgres.PostgresDatastore.get_connection``)."""

    @retry((persistence.InterfaceError, persistence.OperationalError), max_attempts=10,
           wait=0.2)
    def insert_events() -> None:
        try:
            with pool.connection():
                pass
        except psycopg.OperationalError as exc:
            raise persistence.OperationalError(str(exc)) from exc

    recorder: Callable[[], None] = insert_events  # eventsourcing's retry is untyped
    return recorder


def _in_a_request(work: Callable[[], None]) -> tuple[BaseException | None, float]:
    def request() -> tuple[BaseException | None, float]:
        open_attempts()
        started = time.monotonic()
        try:
            work()
        except Exception as exc:
            return exc, time.monotonic() - started
        return None, time.monotonic() - started

    return contextvars.copy_context().run(request)


def test_a_request_stops_retrying_a_lost_database_after_its_budget() -> None:
    pool = _DeadPool()
    guard_pools([pool], Breaker(probe=lambda: None), budget_s=0.5)
    failure, seconds = _in_a_request(_recorder(pool))
    assert isinstance(failure, DatabaseUnavailable) and unavailable(failure)
    assert 2 <= len(pool.asked) <= 4  # one retry or two, not ten
    assert seconds < 1.0
    assert all(t is not None and t <= 0.5 for t in pool.asked[1:])  # waits within the budget


def test_a_request_stops_at_once_while_the_breaker_is_open() -> None:
    pool = _DeadPool()
    breaker = Breaker(probe=lambda: time.sleep(0.05), interval=60)
    breaker.trip()
    guard_pools([pool], breaker)
    failure, _ = _in_a_request(_recorder(pool))
    assert isinstance(failure, DatabaseUnavailable)
    assert pool.asked == []  # no pool was waited on


def test_outside_a_request_the_recorders_keep_their_own_retries() -> None:
    pool = _DeadPool()
    guard_pools([pool], Breaker(probe=lambda: None), budget_s=0.0)
    with pytest.raises(persistence.OperationalError):
        contextvars.Context().run(_recorder(pool))
    assert len(pool.asked) == 10


def test_a_statement_that_waited_out_a_lock_does_not_spend_the_budget() -> None:
    pool = _LockedPool()
    guard_pools([pool], Breaker(probe=lambda: None), budget_s=0.0)
    failure, _ = _in_a_request(_recorder(pool))
    assert isinstance(failure, persistence.OperationalError)  # retried ten times as before
    assert len(pool.asked) == 10
