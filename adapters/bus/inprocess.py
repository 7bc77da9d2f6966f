"""The embedded command bus: a queue and worker threads inside the API process.

Same contract as the NATS adapter: a command id is delivered to one worker; duplicates of an
id already queued or running are dropped; reports go back through ``report``.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger("tryon.bus")

Handler = Callable[[dict[str, Any], int], None]  # (command, attempt)


class InProcessBus:
    def __init__(self, handler: Handler, workers: int = 1, max_attempts: int = 3,
                 on_give_up: Callable[[dict[str, Any], Exception], None] | None = None) -> None:
        self.handler = handler
        self.max_attempts = max_attempts
        self.on_give_up = on_give_up
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, name=f"bus-worker-{n}", daemon=True)
                         for n in range(workers)]
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            for t in self._threads:
                t.start()

    def publish(self, command: dict[str, Any]) -> None:
        with self._lock:
            if command["commandId"] in self._pending:
                return  # the same command is already queued or running
            self._pending.add(command["commandId"])
        self._queue.put(command)

    def idle(self) -> bool:
        with self._lock:
            return not self._pending

    def _run(self) -> None:
        while True:
            command = self._queue.get()
            if command is None:
                return
            try:
                self._deliver(command)
            except Exception:  # noqa: BLE001 - nothing may stop this worker thread
                pass
            finally:
                with self._lock:
                    self._pending.discard(command["commandId"])

    def _deliver(self, command: dict[str, Any]) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                self.handler(command, attempt)
                return
            except Exception as exc:  # a failed attempt is retried, then reported
                with contextlib.suppress(Exception):
                    log.warning("bus.attempt_failed", command=command["commandId"],
                                attempt=attempt, error=type(exc).__name__)
                if attempt == self.max_attempts and self.on_give_up is not None:
                    self.on_give_up(command, exc)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            if t.is_alive():
                t.join(timeout=5)
