"""Stored responses for ``Idempotency-Key`` retries (kept at least 24 h).

A key is claimed before the request runs (status ``processing``), then completed with the
response. A retry with the same body replays it; another body is rejected; a retry while the
first is still running is told so. A key whose request committed anything keeps its answer,
even a failed one (the HTTP middleware answers 202 from the request's receipts); a key is
released only when nothing was committed. A claim older than the lease (an API process that
died mid-request) may be taken over; an order's id is derived from its key, so an order cannot
be placed twice that way, but a cart add that had committed would run again
(docs/resilience.md, known limits).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

from domain import ids
from projections.store import ViewStore

RETENTION_S = 24 * 3600
LEASE_S = 60
PURGE_EVERY_S = 60

TABLE = (
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    "owner TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
    "status INTEGER, headers TEXT, body BYTEA, created DOUBLE PRECISION NOT NULL, "
    "person TEXT, PRIMARY KEY (owner, key))"
)


@dataclass(frozen=True)
class Stored:
    status: int
    headers: dict[str, str]
    body: bytes


class KeyInUse(Exception):
    pass


class KeyReused(Exception):
    pass


class IdempotencyStore:
    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self._purged = 0.0

    def setup(self) -> None:
        table = TABLE if self.store.dialect == "postgres" else TABLE.replace("BYTEA", "BLOB")
        with self.store.transaction() as tx:
            tx.execute(table)
            columns = ({r[0] for r in tx.all(
                "SELECT column_name FROM information_schema.columns WHERE table_name = "
                "'idempotency_keys' AND table_schema = current_schema()")}
                if tx.dialect == "postgres"
                else {r[1] for r in tx.all("PRAGMA table_info(idempotency_keys)")})
            if "person" not in columns:  # stores made before erasure looked at it
                tx.execute("ALTER TABLE idempotency_keys ADD COLUMN person TEXT")
                for owner, key, body in tx.all("SELECT owner, key, body FROM idempotency_keys "
                                               "WHERE body IS NOT NULL"):
                    person = person_in(bytes(body))
                    if person is not None:
                        tx.execute("UPDATE idempotency_keys SET person = ? "
                                   "WHERE owner = ? AND key = ?", (person, owner, key))
            tx.execute("CREATE INDEX IF NOT EXISTS idempotency_keys_created "
                       "ON idempotency_keys (created)")
            tx.execute("CREATE INDEX IF NOT EXISTS idempotency_keys_person "
                       "ON idempotency_keys (person)")

    def claim(self, owner: str, key: str, fingerprint: str) -> Stored | None:
        """None: go ahead and run the request. A ``Stored``: replay it."""
        now = time.time()
        self._purge(now)
        with self.store.autocommit() as tx:  # a new key, the common case: one round trip
            if tx.execute("INSERT INTO idempotency_keys (owner, key, fingerprint, created) "
                          "VALUES (?, ?, ?, ?) ON CONFLICT (owner, key) DO NOTHING",
                          (owner, key, fingerprint, now)):
                return None
        with self.store.transaction() as tx:
            lock = " FOR UPDATE" if tx.dialect == "postgres" else ""
            row = tx.one("SELECT fingerprint, status, headers, body, created FROM "
                         f"idempotency_keys WHERE owner = ? AND key = ?{lock}", (owner, key))
            if row is None:  # released since the insert above found it
                inserted = tx.execute(
                    "INSERT INTO idempotency_keys (owner, key, fingerprint, created) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (owner, key) DO NOTHING",
                    (owner, key, fingerprint, now))
                if inserted == 0:
                    raise KeyInUse(key)
                return None
            stored_fingerprint, status, headers, body, created = row
            if stored_fingerprint != fingerprint:
                raise KeyReused(key)
            if status is None:
                if now - float(created) < LEASE_S:
                    raise KeyInUse(key)
                tx.execute("UPDATE idempotency_keys SET created = ? WHERE owner = ? AND key = ?",
                           (now, owner, key))
                return None
            return Stored(int(status), json.loads(headers), bytes(body))

    def _purge(self, now: float) -> None:
        """Expired keys go once a minute, not on every claim."""
        if now - self._purged <= PURGE_EVERY_S:
            return
        self._purged = now
        with self.store.autocommit() as tx:
            tx.execute("DELETE FROM idempotency_keys WHERE created < ?", (now - RETENTION_S,))

    def complete(self, owner: str, key: str, response: Stored, person: str | None = None) -> None:
        """Stores the response; ``person``: the user it is about when the owner does not say
        it (a registration keyed by client address), so that erasure finds it."""
        with self.store.autocommit() as tx:
            tx.execute("UPDATE idempotency_keys SET status = ?, headers = ?, body = ?, "
                       "person = ? WHERE owner = ? AND key = ?",
                       (response.status, json.dumps(response.headers), response.body, person,
                        owner, key))

    def forget_owner(self, owner: str) -> None:
        """Erasure: stored responses may hold the person's data; ``owner`` is
        ``user:<public user id>``. Removes the person's own keys and every response stored
        about them under another owner (register or login before they held a token)."""
        person = owner.removeprefix("user:")
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM idempotency_keys WHERE owner = ? OR person = ?",
                       (owner, person))

    def release(self, owner: str, key: str) -> None:
        """The request was refused or failed before it committed anything: a retry may run
        it (never called for a request that committed, see the HTTP middleware)."""
        with self.store.autocommit() as tx:
            tx.execute("DELETE FROM idempotency_keys WHERE owner = ? AND key = ? "
                       "AND status IS NULL", (owner, key))


def person_in(body: bytes) -> str | None:
    """The public id of the user a stored answer names or hands a token to, if any."""
    if b'"usr_' not in body and b'"accessToken"' not in body:
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return None
    user = data["user"] if isinstance(data.get("user"), dict) else data
    public_id = user.get("id")
    if isinstance(public_id, str) and ids.decode("usr", public_id) is not None:
        return public_id
    tokens = data["tokens"] if isinstance(data.get("tokens"), dict) else data
    token = tokens.get("accessToken")
    if isinstance(token, str) and token.count(".") == 2:
        # Our own token, just issued: its subject is read, not verified.
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            subject = str(claims["sub"])
            return subject if ids.decode("usr", subject) is not None else None
        except (ValueError, KeyError, TypeError):
            return None
    return None
