"""A person's closet: products (and the renders of them) kept for later."""

from __future__ import annotations

import uuid
from typing import ClassVar, TypedDict

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import ids
from domain.catalog import Product
from domain.errors import NotFound

MAX_ITEMS = 500


class KeptProduct(TypedDict):
    """The product as it was when kept: the closet shows it so even after the catalog has
    changed it. (Every ItemKept event has stored it in this shape.)"""

    id: str
    name: str
    price: float
    image: str | None
    brand: str | None


def kept_product(product: Product, variant_id: str | None) -> KeptProduct:
    """What the closet remembers of ``product`` (at the variant's price, when one is kept)."""
    price = product.price if variant_id is None else product.variant_price(variant_id)
    return {"id": ids.encode("prod", product.id), "name": product.name,
            "price": price.as_json(), "image": product.first_image, "brand": product.brand}


class ClosetItem(TypedDict):
    """What the closet's state keeps of an item: ids only, so that a snapshot holds no copy of
    what a person wrote (notes stay in the events)."""

    product_id: str
    variant_id: str | None
    render_id: str | None


class Closet(Aggregate):
    # v2: the items of a snapshot name their ids in the domain's words (v1: productId ...).
    class_version = 2
    Opened: ClassVar[type[DomainEvent]]
    ItemKept: ClassVar[type[DomainEvent]]
    ItemRemoved: ClassVar[type[DomainEvent]]

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        """A snapshot taken by the first version."""
        items = state["items"]
        assert isinstance(items, dict)
        state["items"] = {
            item_id: {"product_id": item["productId"], "variant_id": item["variantId"],
                      "render_id": item["renderId"]} for item_id, item in items.items()}

    @event("Opened")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.user_id = user_id
        self.items: dict[str, ClosetItem] = {}

    @event("ItemKept")
    def keep(self, item_id: str, product: KeptProduct, variant_id: str | None,
             render_id: str | None, note: str | None) -> None:
        self.items[item_id] = {"product_id": product["id"], "variant_id": variant_id,
                               "render_id": render_id}

    def remove(self, item_id: str) -> None:
        if item_id not in self.items:
            raise NotFound("Closet item not found")
        self._removed(item_id=item_id)

    @event("ItemRemoved")
    def _removed(self, item_id: str) -> None:
        del self.items[item_id]
