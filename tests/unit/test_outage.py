"""Telling an unreachable dependency from a bug, and the pause of a failing loop."""

from __future__ import annotations

import psycopg
import psycopg_pool
from eventsourcing import persistence

from adapters.outage import unavailable
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
