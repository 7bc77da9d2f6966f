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
from domain.money import Money, Quantity


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


class RetiredValueAsDict(Transcoding):
    """A value object of an earlier snapshot version, decoded as the plain dict of its fields
    for the aggregate's upcaster (nothing is encoded under a retired name)."""

    class _Retired:
        pass

    def __init__(self, name: str) -> None:
        self.type = type(f"Retired_{name}", (self._Retired,), {})
        self.name = name

    def encode(self, obj: Any) -> dict[str, Any]:
        raise TypeError(f"{self.name} is only read from earlier snapshots")

    def decode(self, data: dict[str, Any]) -> dict[str, Any]:
        return data


class MoneyAsPair(Transcoding):
    type = Money
    name = "money"

    def encode(self, obj: Money) -> list[int | str]:
        return [obj.minor_units, obj.currency]

    def decode(self, data: list[int | str]) -> Money:
        minor_units, currency = data
        return Money(int(minor_units), str(currency))


class QuantityAsInt(Transcoding):
    type = Quantity
    name = "quantity"

    def encode(self, obj: Quantity) -> int:
        return obj.units

    def decode(self, data: int) -> Quantity:
        return Quantity(data)


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
        # Only snapshots hold these: events keep their plain JSON shapes. A value whose
        # fields changed takes a new name (its aggregate's version); its old name still
        # decodes, as a dict, for the aggregate's upcaster.
        for cls, name in ((CartLine, "cart_line_v3"), (ProductSnapshot, "cart_product_v3"),
                          (Variant, "variant_v3"), (Rating, "rating")):
            transcoder.register(ValueAsDict(cls, name))
        for retired in ("cart_line", "cart_product", "variant"):
            transcoder.register(RetiredValueAsDict(retired))
        transcoder.register(MoneyAsPair())
        transcoder.register(QuantityAsInt())
