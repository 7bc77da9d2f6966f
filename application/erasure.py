"""Erasing a person: the account closes, their key is destroyed (every past event's personal
data becomes unreadable), and the stores outside the log forget what they kept of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from application.accounts import Accounts
from application.base import Position
from domain import ids

# Called with (public user id, email) after the key is gone: stored idempotent responses,
# delivered mail, database pages that still hold old values.
Forgetter = Callable[[str, str], object]


class Erasure:
    def __init__(self, accounts: Accounts, forgetters: Sequence[Forgetter] = ()) -> None:
        self.accounts = accounts
        self.forgetters = list(forgetters)

    def erase(self, user_id: uuid.UUID, password: str) -> Position:
        email = self.accounts.get_user(user_id).email
        position = self.accounts.erase(user_id, password)
        for forget in self.forgetters:
            forget(ids.encode("usr", user_id), email)
        return position
