"""Rate limits on the auth endpoints (the ``limits`` library, moving windows in memory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from domain.errors import DomainError


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


class RateLimits:
    def __init__(self, failed_logins: str, registrations: str, auth_requests: str,
                 enabled: bool = True) -> None:
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.failed_logins = Limit("failed_logins", parse(failed_logins))
        self.registrations = Limit("registrations", parse(registrations))
        self.auth_requests = Limit("auth", parse(auth_requests))

    def _raise(self, limit: Limit, key: str) -> None:
        stats = self._limiter.get_window_stats(limit.item, limit.name, key)
        raise RateLimited(limit.item.amount, stats.reset_time, limit.item.get_expiry())

    def hit(self, limit: Limit, key: str) -> None:
        """Counts one request; raises once the limit is exceeded."""
        if self.enabled and not self._limiter.hit(limit.item, limit.name, key):
            self._raise(limit, key)

    def check(self, limit: Limit, key: str) -> None:
        """Raises if the limit is already exhausted, without counting."""
        if self.enabled and not self._limiter.test(limit.item, limit.name, key):
            self._raise(limit, key)

    def count(self, limit: Limit, key: str) -> None:
        if self.enabled:
            self._limiter.hit(limit.item, limit.name, key)

    def reset(self) -> None:
        self._limiter.storage.reset()
