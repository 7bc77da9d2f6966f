"""A person's closet: products (and the renders of them) kept for later."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import NotFound

MAX_ITEMS = 500


class Closet(Aggregate):
    class_version = 1
    Opened: ClassVar[type[DomainEvent]]
    ItemKept: ClassVar[type[DomainEvent]]
    ItemRemoved: ClassVar[type[DomainEvent]]

    @event("Opened")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.user_id = user_id
        self.items: dict[str, dict[str, Any]] = {}

    @event("ItemKept")
    def keep(self, item_id: str, product: dict[str, Any], variant_id: str | None,
             render_id: str | None, note: str | None) -> None:
        self.items[item_id] = {"productId": product["id"], "variantId": variant_id,
                               "renderId": render_id}

    def remove(self, item_id: str) -> None:
        if item_id not in self.items:
            raise NotFound("Closet item not found")
        self._removed(item_id=item_id)

    @event("ItemRemoved")
    def _removed(self, item_id: str) -> None:
        del self.items[item_id]
