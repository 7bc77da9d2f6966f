"""Sign-in sessions: one aggregate per refresh-token family.

A session used to be a few events on ``User``, so every sign-in and refresh made the user's
history longer and every later command on the user slower. Now a user's history grows only
with what the person changes; each family decides its own rotation and reuse detection
(RFC 9700) on its own version, and is snapshotted so that a long-lived family loads in
constant time.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import ids


class TokenState(enum.StrEnum):
    CURRENT = "current"
    REUSED = "reused"  # an older token of the family: stolen or replayed
    REVOKED = "revoked"
    UNKNOWN = "unknown"


def session_id_for(family: str) -> uuid.UUID:
    return ids.derived("session", family)


class SignInSession(Aggregate):
    """A refresh-token family. ``credentials`` is the user's credentials generation when the
    family began: a password change or an erasure moves the user's generation on, which
    revokes every family begun before it without touching each one."""

    Started: ClassVar[type[DomainEvent]]
    Rotated: ClassVar[type[DomainEvent]]
    Revoked: ClassVar[type[DomainEvent]]

    @event("Started")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID, token_id: str, expires_at: datetime,
                 credentials: int) -> None:
        self.user_id = user_id
        self.current = token_id
        self.expires_at = expires_at
        self.credentials = credentials
        self.revoked = False

    def state_of(self, token_id: str, user_credentials: int) -> TokenState:
        if self.revoked or user_credentials != self.credentials:
            return TokenState.REVOKED
        return TokenState.CURRENT if token_id == self.current else TokenState.REUSED

    @event("Rotated")
    def rotate(self, token_id: str, expires_at: datetime) -> None:
        self.current = token_id
        self.expires_at = expires_at

    @event("Revoked")
    def revoke(self, reason: str) -> None:
        self.revoked = True
