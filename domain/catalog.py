"""The catalog: products with variants, stock, size guides and reviews."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InsufficientStock, InvalidInput, NotFound

CATEGORIES = (
    "tops", "bottoms", "dresses", "outerwear", "shoes", "accessories", "activewear", "formal",
)
DEFAULT_FREE_SHIPPING_CENTS = 75_00

# Fields a product carries as given (money fields are separate: integer cents).
DESCRIPTIVE_FIELDS = (
    "name", "description", "detailedDescription", "currency", "brand", "category", "subcategory",
    "images", "model3D", "specifications", "sizing", "relatedProducts", "tryonAvailable", "tags",
    "material", "careInstructions", "returnPolicy", "shipping",
)
VARIANT_FIELDS = ("size", "color", "colorHex", "stock", "sku", "price_cents")


class Product(Aggregate):
    class_version = 1
    Listed: ClassVar[type[DomainEvent]]
    Revised: ClassVar[type[DomainEvent]]
    VariantAdded: ClassVar[type[DomainEvent]]
    VariantRevised: ClassVar[type[DomainEvent]]
    StockReserved: ClassVar[type[DomainEvent]]
    StockReleased: ClassVar[type[DomainEvent]]
    Reviewed: ClassVar[type[DomainEvent]]

    @event("Listed")
    def __init__(
        self,
        id: uuid.UUID,
        fields: dict[str, Any],
        price_cents: int,
        original_price_cents: int | None,
        free_shipping_cents: int,
    ) -> None:
        self.fields = {k: v for k, v in fields.items() if k in DESCRIPTIVE_FIELDS}
        self.price_cents = price_cents
        self.original_price_cents = original_price_cents
        self.free_shipping_cents = free_shipping_cents
        self.variants: dict[str, dict[str, Any]] = {}
        self.reviews: dict[str, dict[str, Any]] = {}

    @event("Revised")
    def revise(
        self,
        fields: dict[str, Any],
        price_cents: int | None,
        original_price_cents: int | None,
        free_shipping_cents: int | None,
    ) -> None:
        changes = {k: v for k, v in fields.items() if k in DESCRIPTIVE_FIELDS}
        self.fields = {**self.fields, **changes}
        if price_cents is not None:
            self.price_cents = price_cents
        if original_price_cents is not None:
            self.original_price_cents = original_price_cents
        if free_shipping_cents is not None:
            self.free_shipping_cents = free_shipping_cents

    @property
    def name(self) -> str:
        return str(self.fields.get("name", ""))

    @property
    def tryon_available(self) -> bool:
        return bool(self.fields.get("tryonAvailable", False))

    # -- variants ------------------------------------------------------------------------------
    def add_variant(self, variant_id: str, variant: dict[str, Any]) -> None:
        sku = variant.get("sku")
        if sku and any(v.get("sku") == sku for v in self.variants.values()):
            raise InvalidInput("sku", "SKU already used by another variant of this product",
                               "DUPLICATE")
        self._variant_added(variant_id=variant_id,
                            variant={k: v for k, v in variant.items() if k in VARIANT_FIELDS})

    @event("VariantAdded")
    def _variant_added(self, variant_id: str, variant: dict[str, Any]) -> None:
        self.variants[variant_id] = dict(variant)

    def revise_variant(self, variant_id: str, changes: dict[str, Any]) -> None:
        self.check_variant(variant_id)
        self._variant_revised(variant_id=variant_id,
                              changes={k: v for k, v in changes.items() if k in VARIANT_FIELDS})

    @event("VariantRevised")
    def _variant_revised(self, variant_id: str, changes: dict[str, Any]) -> None:
        self.variants[variant_id] = {**self.variants[variant_id], **changes}

    def check_variant(self, variant_id: str) -> dict[str, Any]:
        try:
            return self.variants[variant_id]
        except KeyError:
            raise NotFound("Variant not found") from None

    def variant_price_cents(self, variant_id: str) -> int:
        price = self.check_variant(variant_id).get("price_cents")
        return self.price_cents if price is None else int(price)

    def stock_of(self, variant_id: str) -> int:
        return int(self.check_variant(variant_id).get("stock", 0))

    def check_stock(self, variant_id: str, quantity: int) -> None:
        available = self.stock_of(variant_id)
        if quantity > available:
            raise InsufficientStock(
                f"Only {available} left of this variant", variantId=variant_id,
                available=available, requested=quantity,
            )

    def reserve_stock(self, variant_id: str, quantity: int, order_id: uuid.UUID) -> None:
        self.check_stock(variant_id, quantity)
        self._stock_reserved(variant_id=variant_id, quantity=quantity, order_id=order_id)

    @event("StockReserved")
    def _stock_reserved(self, variant_id: str, quantity: int, order_id: uuid.UUID) -> None:
        self.variants[variant_id]["stock"] = int(self.variants[variant_id]["stock"]) - quantity

    @event("StockReleased")
    def release_stock(self, variant_id: str, quantity: int, order_id: uuid.UUID) -> None:
        self.variants[variant_id]["stock"] = int(self.variants[variant_id]["stock"]) + quantity

    # -- reviews: one per person and product, the latest replaces the earlier ---------------
    @event("Reviewed")
    def add_review(self, review_id: str, review: dict[str, Any]) -> None:
        # Applied the same way to events stored before the rule (a person's five reviews in
        # an old log count once, as the last of them). The aggregate keeps what its rules
        # need; the text and the reviewer's name live in the event (sealed) and the read
        # model, so snapshots hold no personal data.
        reviewer = review.get("userId")
        if reviewer is not None:
            for earlier in [k for k, r in self.reviews.items() if r.get("userId") == reviewer]:
                del self.reviews[earlier]
        self.reviews[review_id] = {"rating": int(review["rating"]), "userId": reviewer}

    def review_by(self, user_id: str) -> str | None:
        """The id of ``user_id``'s review of this product, if any."""
        return next((k for k, r in self.reviews.items() if r.get("userId") == user_id), None)

    @property
    def rating(self) -> tuple[float, int]:
        ratings = [int(r["rating"]) for r in self.reviews.values()]
        if not ratings:
            return 0.0, 0
        return round(sum(ratings) / len(ratings), 1), len(ratings)
