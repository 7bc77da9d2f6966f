"""What the current request has committed: each save's log, position and aggregates.

The HTTP edge opens a receipt book per request (``open_book``); ``TryonApplication.record``
writes into it. Whatever fails after a commit (the read models lagging, the database going
away) must not be answered as if nothing happened: the edge answers from the receipts
(``202`` with what was recorded) and keeps the request's Idempotency-Key, so that a retry
never runs a committed command again.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Receipt:
    log: str
    position: int
    aggregates: tuple[tuple[str, uuid.UUID], ...]  # (class name, id) of each saved aggregate


_book: contextvars.ContextVar[list[Receipt] | None] = contextvars.ContextVar(
    "tryon_receipts", default=None)


def open_book() -> list[Receipt]:
    """A fresh book for this context (and the threads it hands work to)."""
    book: list[Receipt] = []
    _book.set(book)
    return book


def current() -> list[Receipt] | None:
    return _book.get()


def note(receipt: Receipt) -> None:
    book = _book.get()
    if book is not None:
        book.append(receipt)
