"""Catalog commands: listing and revising products and their variants, reviews."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from application.base import Position, TryonApplication, retry_on_conflict
from domain import ids
from domain.catalog import (
    DEFAULT_FREE_SHIPPING_CENTS,
    Garment,
    PhotoKey,
    Product,
    ProductContent,
    reviewer_name,
)


class Reviewers(Protocol):
    """What the read side knows of a reviewer, by public ids: their profile (the name a review
    shows) and whether they bought the product (a "verified" review)."""

    def profile(self, user_id: str) -> Mapping[str, Any] | None: ...

    def has_bought(self, user_id: str, product_id: str) -> bool: ...


class Catalog:
    def __init__(self, store: TryonApplication) -> None:
        self.store = store

    def product(self, product_id: uuid.UUID | None) -> Product:
        return self.store.load(Product, product_id, "Product")

    def garment(self, product_id: uuid.UUID | None, variant_id: str,
                photo_key: PhotoKey) -> Garment:
        """A variant of the product to try on; ``photo_key`` finds its photos in the shop's
        blob store."""
        return self.product(product_id).garment(variant_id, photo_key)

    def list_product(
        self, fields: ProductContent, price_cents: int, original_price_cents: int | None,
        free_shipping_cents: int | None, variants: Sequence[Mapping[str, Any]],
        product_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, Position]:
        product = Product(
            id=product_id or uuid.uuid4(), fields=fields, price_cents=price_cents,
            original_price_cents=original_price_cents,
            free_shipping_cents=(DEFAULT_FREE_SHIPPING_CENTS if free_shipping_cents is None
                                 else free_shipping_cents),
        )
        for variant in variants:
            product.add_variant(ids.new("var"), variant)
        return product.id, self.store.record(product)

    @retry_on_conflict()
    def revise_product(
        self, product_id: uuid.UUID, fields: ProductContent, price_cents: int | None,
        original_price_cents: int | None, free_shipping_cents: int | None,
    ) -> Position:
        product = self.product(product_id)
        product.revise(fields=fields, price_cents=price_cents,
                       original_price_cents=original_price_cents,
                       free_shipping_cents=free_shipping_cents)
        return self.store.record(product)

    @retry_on_conflict()
    def add_variant(
        self, product_id: uuid.UUID, variant_id: str, variant: Mapping[str, Any]
    ) -> Position:
        product = self.product(product_id)
        product.add_variant(variant_id, variant)
        return self.store.record(product)

    @retry_on_conflict()
    def revise_variant(
        self, product_id: uuid.UUID, variant_id: str, changes: Mapping[str, Any]
    ) -> Position:
        product = self.product(product_id)
        product.revise_variant(variant_id, changes)
        return self.store.record(product)

    def review(self, product_id: uuid.UUID, reviewer_id: str, stars: int, title: str,
               comment: str, reviewers: Reviewers) -> tuple[str, Position]:
        """A person's review, shown under their first name and last initial; "verified" when
        they bought the product. It replaces their earlier review of the same product."""
        review_id = ids.new("rev")
        profile = reviewers.profile(reviewer_id) or {}
        bought = reviewers.has_bought(reviewer_id, ids.encode("prod", product_id))
        name = reviewer_name(profile.get("firstName", ""), profile.get("lastName", ""))
        return review_id, self.record_review(product_id, review_id, reviewer_id, name, bought,
                                             stars, title, comment)

    @retry_on_conflict()
    def record_review(self, product_id: uuid.UUID, review_id: str, reviewer_id: str,
                      name: str, bought: bool, stars: int, title: str, comment: str
                      ) -> Position:
        product = self.product(product_id)
        product.review(review_id, reviewer_id, name, bought, stars, title, comment)
        return self.store.record(product)
