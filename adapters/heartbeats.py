"""Heartbeats of the long-running processes that use the database (projector, dispatcher):
each writes ``(process, kind, beat_at)`` every few seconds, and ``/readyz`` calls a kind
whose newest beat is older than ``stale_s`` stale. Render workers hold no database
credentials: they beat in a NATS key-value bucket instead (``adapters.bus.jetstream``)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from projections.store import ViewStore

TABLE = ("CREATE TABLE IF NOT EXISTS process_heartbeats (process TEXT PRIMARY KEY, "
         "kind TEXT NOT NULL, beat_at DOUBLE PRECISION NOT NULL)")
FORGET_S = 24 * 3600.0


class Heartbeats:
    def __init__(self, store: ViewStore, every_s: float = 2.0, stale_s: float = 15.0) -> None:
        self.store = store
        self.every_s = every_s
        self.stale_s = stale_s

    def setup(self) -> None:
        with self.store.transaction() as tx:
            tx.execute(TABLE)

    def beater(self, kind: str) -> Callable[[], None]:
        """A callable for a process's loop: records a beat at most every ``every_s``."""
        process = f"{kind}:{socket.gethostname()}:{os.getpid()}"
        last = 0.0

        def beat() -> None:
            nonlocal last
            now = time.time()
            if now - last < self.every_s:
                return
            with self.store.transaction() as tx:
                tx.execute("INSERT INTO process_heartbeats (process, kind, beat_at) "
                           "VALUES (?, ?, ?) ON CONFLICT (process) DO UPDATE "
                           "SET beat_at = excluded.beat_at", (process, kind, now))
                tx.execute("DELETE FROM process_heartbeats WHERE beat_at < ?",
                           (now - FORGET_S,))
            last = now

        return beat

    def newest(self) -> dict[str, float]:
        """Seconds since the newest beat of each kind."""
        with self.store.read() as tx:
            rows = tx.all("SELECT kind, MAX(beat_at) FROM process_heartbeats GROUP BY kind")
        now = time.time()
        return {str(kind): round(now - float(at), 1) for kind, at in rows}
