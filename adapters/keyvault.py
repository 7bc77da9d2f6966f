"""Per-person data keys, outside the event log: a table of the read-model database (its own
SQLite file by default). Destroying a key is the erasure; nothing else needs to change."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from projections.store import ViewStore

TABLE = ("CREATE TABLE IF NOT EXISTS personal_data_keys (subject TEXT PRIMARY KEY, "
         "key_material TEXT NOT NULL)")
CACHE_TTL_S = 30.0
WARM_LIMIT = 1_000_000  # keys held at once by ``warm`` (32 bytes each, plus the dict's own)


class SqlKeyVault:
    def __init__(self, store: ViewStore) -> None:
        self.store = store
        with self.store.transaction() as tx:
            tx.execute(TABLE)
        self._cache: dict[str, tuple[float, bytes | None]] = {}
        self._lock = threading.Lock()
        self._warmed = -CACHE_TTL_S  # when ``warm`` last read every key
        self._destroyed: set[str] = set()

    def key(self, subject: str, create: bool = False) -> bytes | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(subject)
        if cached is not None and cached[1] is not None and now - cached[0] < CACHE_TTL_S:
            return cached[1]  # only keys are cached: a missing key is always asked again
        if not create:  # a look-up alone: one round trip on PostgreSQL, not three
            with self.store.read() as tx:
                row = tx.one("SELECT key_material FROM personal_data_keys WHERE subject = ?",
                             (subject,))
            return self._remember(subject, now, row)
        with self.store.transaction() as tx:
            row = tx.one("SELECT key_material FROM personal_data_keys WHERE subject = ?",
                         (subject,))
            if row is None:
                material = os.urandom(32).hex()
                tx.execute("INSERT INTO personal_data_keys (subject, key_material) VALUES (?, ?) "
                           "ON CONFLICT (subject) DO NOTHING", (subject, material))
                row = tx.one("SELECT key_material FROM personal_data_keys WHERE subject = ?",
                             (subject,))
        return self._remember(subject, now, row)

    def _remember(self, subject: str, now: float, row: tuple[Any, ...] | None) -> bytes | None:
        key = None if row is None else bytes.fromhex(str(row[0]))
        if key is not None:
            with self._lock:
                self._cache[subject] = (now, key)
        return key

    def warm(self) -> None:
        """Caches every key with one query, at most once per half a TTL: a replay opens the
        personal data of every person in the log, and asking for each key on its own cost
        one transaction per person. A key destroyed after this still opens old events until
        the TTL runs out, as for any cached key; an erasure records ``User.Erased`` before it
        destroys the key, so a replay applies the erasure anyway."""
        now = time.monotonic()
        if now - self._warmed < CACHE_TTL_S / 2:
            return
        with self.store.transaction() as tx:
            rows = tx.all("SELECT subject, key_material FROM personal_data_keys LIMIT ?",
                          (WARM_LIMIT,))
        keys = {str(subject): (now, bytes.fromhex(str(material))) for subject, material in rows}
        with self._lock:
            for subject in self._destroyed:  # destroyed here while the query ran
                keys.pop(subject, None)
            self._cache.update(keys)
        self._warmed = now

    def destroy(self, subject: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM personal_data_keys WHERE subject = ?", (subject,))
        with self._lock:
            self._cache.pop(subject, None)
            self._destroyed.add(subject)

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._warmed = -CACHE_TTL_S
