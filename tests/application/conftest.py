"""The applications alone, on eventsourcing's in-memory persistence: no HTTP, no database."""

from __future__ import annotations

import pytest

from application.accounts import Accounts
from application.studio import Studio

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class PlainHasher:
    """Cheap stand-in for argon2: these tests are about decisions, not hashing."""

    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password


@pytest.fixture
def accounts() -> Accounts:
    return Accounts(hasher=PlainHasher(), env=IN_MEMORY)


@pytest.fixture
def studio() -> Studio:
    return Studio(env=IN_MEMORY)
