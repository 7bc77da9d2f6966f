"""Erasure of a person's files: their uploads (scan photos and videos), their scans' overlays
(their photos, drawn over), their avatars' models and previews, and their renders, in whichever
store holds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from domain.avatars import FEEDBACK_ROOT
from projections.queries import StudioReads

PAGE = 100


def _all(pages: Callable[[int], tuple[list[dict[str, Any]], dict[str, Any]]]
         ) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        items, _ = pages(page)
        yield from items
        if len(items) < PAGE:
            return
        page += 1


def forget_files(blobs: Any, reads: StudioReads) -> Callable[[str, str], int]:
    """A forgetter for application/erasure.py: (public user id, email) -> files removed."""

    def forget(user: str, _email: str) -> int:
        removed = blobs.delete_prefix(f"uploads/{user}/")
        removed += blobs.delete_prefix(f"{FEEDBACK_ROOT}{user}/")
        for avatar in _all(lambda page: reads.avatars(user, page, PAGE)):
            removed += blobs.delete_prefix(f"avatars/{avatar['id']}/")
        for render in _all(lambda page: reads.renders(user, None, None, None, page, PAGE)):
            if render.get("_resultKey"):
                blobs.delete(render["_resultKey"])
                removed += 1
        return int(removed)

    return forget
