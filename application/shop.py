"""The shop's log: catalog, carts, ordering and payments, four bounded contexts that share one
event log (application name "shop"), because placing an order must reserve stock on the
products, create the order and empty the cart in one atomic save.

``Shop`` is only that shared store; each context's commands live in its own module
(``application.catalog``, ``.carts``, ``.ordering``, ``.payments``) and are reached as
``shop.catalog``, ``shop.carts``, ``shop.ordering`` and ``shop.payments``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from application.base import TryonApplication
from application.carts import Carts
from application.catalog import Catalog
from application.ordering import Ordering
from application.payments import CardProvider, Payments
from domain.cart import Cart, CartLine, ProductSnapshot
from domain.catalog import Product, Rating, Variant


class ValueAsDict(Transcoding):
    """A frozen dataclass value object in a snapshot, as the dict of its fields (nested
    values are transcoded on their own, and decoded first)."""

    def __init__(self, cls: type[Any], name: str) -> None:
        self.type = cls
        self.name = name

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class Shop(TryonApplication):
    name = "shop"
    # Popular products collect many stock events, and a customer's cart collects every add,
    # change and checkout of their life: snapshots (every 50 and 20 events) keep loading either
    # cheap. (Neither holds personal data, so their snapshots need no sealing.)
    snapshotting_intervals = {Product: 50, Cart: 20}

    def __init__(self, env: dict[str, str] | None = None, personal_data: Any = None,
                 provider: CardProvider | None = None) -> None:
        super().__init__(env=env, personal_data=personal_data)
        self.catalog = Catalog(self)
        self.carts = Carts(self, self.catalog)
        self.payments = Payments(self, provider)
        self.ordering = Ordering(self, self.catalog, self.carts, self.payments, provider)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        # Only snapshots hold these: events keep their plain JSON shapes.
        for cls, name in ((CartLine, "cart_line"), (ProductSnapshot, "cart_product"),
                          (Variant, "variant"), (Rating, "rating")):
            transcoder.register(ValueAsDict(cls, name))
