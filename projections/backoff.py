"""The pause of a long-running loop that failed (the database restarting, say)."""

from __future__ import annotations

import structlog

log = structlog.get_logger("tryon.backoff")


class Backoff:
    """Waits after failures: ``first`` seconds, doubling up to ``most``; ``reset`` after a
    success."""

    def __init__(self, first: float = 0.25, most: float = 2.0) -> None:
        self.first, self.most = first, most
        self.delay = first
        self.failures = 0

    def failed(self) -> float:
        """Records a failure; returns how long to wait before the next try."""
        self.failures += 1
        delay = self.delay
        self.delay = min(self.most, self.delay * 2)
        return delay

    def reset(self) -> None:
        if self.failures:
            log.info("outage.recovered", after_failures=self.failures)
        self.failures = 0
        self.delay = self.first
