"""Rate limits on the auth endpoints: moving windows, shared by every API replica.

With a database (``TRYON_DATABASE_URL``, or the embedded SQLite read-model file otherwise)
the hits live in one table, ``rate_limit_hits``, so that every replica counts against the
same limit and a restart forgets nothing. The ``limits`` library has no SQL storage, so the
window is a few statements here: in one transaction, serialised per key (a PostgreSQL
advisory lock; SQLite's ``BEGIN IMMEDIATE``), count the key's unexpired hits and add one if
there is room. Keys are stored as keyed hashes: no email address or IP address in the table.
Without a store (unit tests) the ``limits`` library keeps the windows in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from domain.errors import DomainError
from projections.store import ViewStore

TABLE = "rate_limit_hits"
PURGE_EVERY_S = 60
# Any fixed number: the advisory lock that serialises creating the table across replicas.
_SETUP_LOCK = 0x7261746531


class RateLimited(DomainError):
    code = "RATE_LIMIT_EXCEEDED"

    def __init__(self, limit: int, reset_at: float, window_s: int) -> None:
        super().__init__("Too many requests. Please try again later.")
        self.limit = limit
        self.reset_at = reset_at
        self.window_s = window_s

    @property
    def reset_time(self) -> str:
        return datetime.fromtimestamp(self.reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Limit:
    name: str
    item: RateLimitItem


class SqlMovingWindow:
    """Moving windows kept in ``rate_limit_hits``: one row per counted hit until it expires."""

    def __init__(self, store: ViewStore, secret: bytes) -> None:
        self.store = store
        self.secret = secret
        self._purged = 0.0

    def setup(self) -> None:
        with self.store.transaction() as tx:
            if tx.dialect == "postgres":  # replicas starting together: one creates the table
                tx.one("SELECT pg_advisory_xact_lock(?)", (_SETUP_LOCK,))
            tx.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT NOT NULL, "
                       "expires DOUBLE PRECISION NOT NULL)")
            tx.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (key, expires)")

    def _key(self, name: str, key: str) -> str:
        return hmac.new(self.secret, f"{name}\x1f{key}".encode(), hashlib.sha256).hexdigest()

    def acquire(self, item: RateLimitItem, name: str, key: str, record: bool,
                now: float | None = None) -> tuple[bool, float]:
        """(allowed, when the window next has room). Records a hit only when allowed."""
        now = time.time() if now is None else now
        hashed = self._key(name, key)
        with self.store.transaction() as tx:
            if tx.dialect == "postgres":
                tx.one("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (hashed,))
            if now - self._purged > PURGE_EVERY_S:
                self._purged = now
                tx.execute(f"DELETE FROM {TABLE} WHERE expires <= ?", (now,))
            row = tx.one(f"SELECT COUNT(*), MIN(expires) FROM {TABLE} "
                         "WHERE key = ? AND expires > ?", (hashed, now))
            used, oldest = (int(row[0]), row[1]) if row else (0, None)
            if used >= item.amount:
                return False, float(oldest if oldest is not None else now)
            if record:
                tx.execute(f"INSERT INTO {TABLE} (key, expires) VALUES (?, ?)",
                           (hashed, now + item.get_expiry()))
            return True, float(oldest if oldest is not None else now + item.get_expiry())

    def reset(self) -> None:
        with self.store.transaction() as tx:
            tx.execute(f"DELETE FROM {TABLE}")


class RateLimits:
    def __init__(self, failed_logins: str, registrations: str, auth_requests: str,
                 enabled: bool = True, store: ViewStore | None = None,
                 secret: bytes = b"") -> None:
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._shared: SqlMovingWindow | None = None
        if store is not None:
            self._shared = SqlMovingWindow(store, secret)
            self._shared.setup()
        self.failed_logins = Limit("failed_logins", parse(failed_logins))
        self.registrations = Limit("registrations", parse(registrations))
        self.auth_requests = Limit("auth", parse(auth_requests))

    def _acquire(self, limit: Limit, key: str, record: bool) -> None:
        if not self.enabled:
            return
        if self._shared is not None:
            allowed, reset_at = self._shared.acquire(limit.item, limit.name, key, record)
        else:
            allowed = (self._limiter.hit if record else self._limiter.test)(
                limit.item, limit.name, key)
            if not allowed:
                reset_at = self._limiter.get_window_stats(limit.item, limit.name,
                                                          key).reset_time
        if not allowed:
            raise RateLimited(limit.item.amount, reset_at, limit.item.get_expiry())

    def hit(self, limit: Limit, key: str) -> None:
        """Counts one request; raises once the limit is exceeded."""
        self._acquire(limit, key, record=True)

    def check(self, limit: Limit, key: str) -> None:
        """Raises if the limit is already exhausted, without counting."""
        self._acquire(limit, key, record=False)

    def count(self, limit: Limit, key: str) -> None:
        """Counts one failure (none once the limit is reached: the window is already full)."""
        with contextlib.suppress(RateLimited):
            self._acquire(limit, key, record=True)

    def reset(self) -> None:
        if self._shared is not None:
            self._shared.reset()
        self._limiter.storage.reset()
