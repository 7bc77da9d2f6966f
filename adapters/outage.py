"""Outages of the database: telling them from bugs, answering fast while one lasts, and
backing off in long-running loops.

- ``unavailable(exc)``: the failure says that a dependency is unreachable (a refused or
  lost connection, a pool that found no connection in time, the server shutting down), not
  that the request or the code is wrong. Such a failure is a ``503``, never a ``500``.
- ``Breaker``: once such a failure is seen, the API answers ``503`` at once (instead of
  letting every request wait for a pool timeout) until a probe on a fresh connection gets
  through; then the pools drop the connections the outage broke.
- ``guard_pools``: a request's time on a failing database is bounded. eventsourcing's
  PostgreSQL recorders retry a failed operation 10 times, 0.2 s apart, each try waiting up
  to the pool's timeout for a connection: 12 s to a 503. Guarded, a request stops at once
  while the breaker is open, and retries for at most ``RETRY_BUDGET_S`` after its first
  lost connection (enough for a stale pooled connection to be replaced after a restart).
- ``Backoff``: the pause of a loop that failed, doubling up to a bound and reset by a
  success, so that a process keeps trying without hammering a server that is down.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog

from projections.backoff import Backoff

__all__ = ["Backoff", "Breaker", "DatabaseUnavailable", "guard_pools", "open_attempts",
           "unavailable"]
log = structlog.get_logger("tryon.outage")

RETRY_AFTER_S = 2


def unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a dependency being unreachable."""
    import psycopg
    from eventsourcing import persistence

    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError,
                            persistence.OperationalError, persistence.InterfaceError,
                            ConnectionError, DatabaseUnavailable)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class Breaker:
    """Open while the database is known to be down: requests are refused with ``503`` without
    touching it. A probe thread (one fresh connection every ``interval`` seconds, with a short
    connect timeout) closes it again, then has every pool check its idle connections, so that
    none broken by the outage is handed to a request."""

    def __init__(self, probe: Callable[[], None], pools: Callable[[], Iterable[Any]] = tuple,
                 interval: float = 0.25) -> None:
        self.probe = probe
        self.pools = pools
        self.interval = interval
        self._open = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def trip(self) -> None:
        with self._lock:
            if self._open.is_set():
                return
            self._open.set()
            self.opened_at = time.monotonic()
            log.warning("outage.database_unavailable")
            self._thread = threading.Thread(target=self._probe_until_up, daemon=True,
                                            name="database-probe")
            self._thread.start()

    def _probe_until_up(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.probe()
            except Exception:
                continue
            break
        check_pools(self.pools())
        with self._lock:
            self._open.clear()
            down = time.monotonic() - (self.opened_at or time.monotonic())
        log.warning("outage.database_back", down_s=round(down, 2))


class DatabaseUnavailable(Exception):
    """A request gives up on the database without another try. Deliberately not one of the
    errors eventsourcing's recorders retry, so it ends their retry loop at once."""


#: How long a request keeps retrying after its first lost connection. After a restart every
#: pooled connection is dead; one retry on a fresh connection is what it takes (0.2 s apart).
RETRY_BUDGET_S = 0.5


@dataclass
class _Attempts:
    first_failure: float | None = None


_attempts: contextvars.ContextVar[_Attempts | None] = contextvars.ContextVar(
    "tryon_database_attempts", default=None)


def open_attempts() -> None:
    """Start this request's count (the HTTP edge, per request; shared with the threads it
    hands work to). Outside a request nothing is bounded: loops have their own backoff."""
    _attempts.set(_Attempts())


def guard_pools(pools: Iterable[Any], breaker: Breaker,
                budget_s: float = RETRY_BUDGET_S) -> None:
    """Has each pool's ``connection()`` check the breaker and the request's retry budget."""
    for pool in pools:
        pool.connection = _guarded(pool, pool.connection, breaker, budget_s)


def _lost_connection(exc: BaseException) -> bool:
    """A failure of the connection itself (refused, broken, shut down, no pooled connection in
    time), not a statement's: a lock timeout or a serialization failure is worth its retry."""
    import psycopg

    if not isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return False
    sqlstate = getattr(exc, "sqlstate", None)
    return sqlstate is None or sqlstate[:2] in ("08", "57")


def _guarded(pool: Any, connection: Callable[..., Any], breaker: Breaker,
             budget_s: float) -> Callable[..., Any]:
    @contextmanager
    def guarded(timeout: float | None = None) -> Iterator[Any]:
        attempts = _attempts.get()
        if attempts is None:
            with connection(timeout=timeout) as conn:
                yield conn
            return
        if breaker.is_open:
            raise DatabaseUnavailable("the database is down")
        if attempts.first_failure is not None:
            left = budget_s - (time.monotonic() - attempts.first_failure)
            if left <= 0:
                raise DatabaseUnavailable("the database did not come back in time")
            timeout = min(timeout if timeout is not None else pool.timeout, left)
        try:
            with connection(timeout=timeout) as conn:
                yield conn
        except Exception as exc:
            if attempts.first_failure is None and _lost_connection(exc):
                attempts.first_failure = time.monotonic()
            raise

    return guarded


def postgres_probe(conninfo: str, timeout_s: float) -> Callable[[], None]:
    """One round trip on a fresh connection."""

    def probe() -> None:
        import psycopg

        with psycopg.connect(conninfo, connect_timeout=max(1, int(timeout_s)),
                             autocommit=True) as conn:
            conn.execute("SELECT 1")

    return probe


# A pool that cannot reconnect retries with a doubling pause (1, 2, 4 ... s) for up to
# ``reconnect_timeout``: after a minute's outage its next try could be a minute away. Giving
# up after a few seconds instead frees the slot, and the next request that needs a connection
# makes a fresh attempt at once; so the API serves again as soon as the database is back.
RECONNECT_GIVE_UP_S = 3.0


def tune_pools(pools: Iterable[Any], wait_s: float,
               give_up_s: float = RECONNECT_GIVE_UP_S) -> None:
    """Once set up: a request waits at most ``wait_s`` for a pooled connection (while the
    database is down, a bounded wait and then a 503, not half a minute), and a pool gives up a
    failing reconnection after ``give_up_s``."""
    for pool in pools:
        pool.timeout = wait_s
        pool.reconnect_timeout = give_up_s


def check_pools(pools: Iterable[Any]) -> None:
    """Has each pool test its idle connections and replace the broken ones: after a restart
    of the database every pooled connection is dead, and without this each would fail one
    more request (or one more pass of a loop) before being dropped."""
    for pool in pools:
        try:
            pool.check()
        except Exception:
            log.warning("outage.pool_check_failed", exc_info=True)


def after_failure(container: Any) -> Callable[[BaseException], None]:
    """What a long-running loop does after a failed pass: if the database was unreachable,
    drop the connections that the outage broke."""

    def recover(exc: BaseException) -> None:
        if unavailable(exc):
            check_pools(database_pools(container))

    return recover


def database_pools(container: Any) -> list[Any]:
    """The connection pools of the read-model store and of each event store."""
    pools = []
    store_pool = getattr(container.store, "pool", None)
    if store_pool is not None:
        pools.append(store_pool)
    for app in container.applications.values():
        datastore = getattr(app.recorder, "datastore", None)
        if datastore is not None:
            pools.append(datastore.pool)
    return pools
