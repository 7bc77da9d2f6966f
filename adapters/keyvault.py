"""Per-person data keys, outside the event log: a table of the read-model database (its own
SQLite file by default). Destroying a key is the erasure; nothing else needs to change."""

from __future__ import annotations

import os
import threading
import time

from projections.store import ViewStore

TABLE = ("CREATE TABLE IF NOT EXISTS personal_data_keys (subject TEXT PRIMARY KEY, "
         "key_material TEXT NOT NULL)")
CACHE_TTL_S = 30.0


class SqlKeyVault:
    def __init__(self, store: ViewStore) -> None:
        self.store = store
        with self.store.transaction() as tx:
            tx.execute(TABLE)
        self._cache: dict[str, tuple[float, bytes | None]] = {}
        self._lock = threading.Lock()

    def key(self, subject: str, create: bool = False) -> bytes | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(subject)
        if cached is not None and cached[1] is not None and now - cached[0] < CACHE_TTL_S:
            return cached[1]  # only keys are cached: a missing key is always asked again
        with self.store.transaction() as tx:
            row = tx.one("SELECT key_material FROM personal_data_keys WHERE subject = ?",
                         (subject,))
            if row is None and create:
                material = os.urandom(32).hex()
                tx.execute("INSERT INTO personal_data_keys (subject, key_material) VALUES (?, ?) "
                           "ON CONFLICT (subject) DO NOTHING", (subject, material))
                row = tx.one("SELECT key_material FROM personal_data_keys WHERE subject = ?",
                             (subject,))
        key = None if row is None else bytes.fromhex(str(row[0]))
        if key is not None:
            with self._lock:
                self._cache[subject] = (now, key)
        return key

    def destroy(self, subject: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM personal_data_keys WHERE subject = ?", (subject,))
        with self._lock:
            self._cache.pop(subject, None)

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()
