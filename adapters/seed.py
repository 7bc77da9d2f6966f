"""Seeds the demo catalog on first start. Product ids are derived from the first SKU, so
seeding twice (or from two processes at once) lists each product once."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import IntegrityError

from adapters.demo_catalog import DEMO_PRODUCTS
from adapters.http.requests import ProductIn, cents
from application import metadata
from application.shop import Shop
from domain import ids


def seed_demo_catalog(shop: Shop) -> int:
    """Lists the demo products that are not there yet; returns how many it listed."""
    listed = 0
    with metadata.acting_as(actor="system:seed"):
        for raw in DEMO_PRODUCTS:
            listed += _seed_product(shop, raw)
    return listed


def _seed_product(shop: Shop, raw: dict[str, Any]) -> int:
    body = ProductIn.model_validate({k: v for k, v in raw.items() if k != "reviews"})
    product_id = ids.derived("demo-product", body.variants[0].sku)
    if shop.exists(product_id):
        return 0
    fields: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True,
                                             exclude={"price", "originalPrice", "variants"})
    variants = []
    for v in body.variants:
        variant = v.model_dump(exclude={"price"})
        if v.price is not None:
            variant["price_cents"] = cents(v.price)
        variants.append(variant)
    threshold = body.shipping.freeShippingThreshold if body.shipping else None
    try:
        shop.list_product(fields, cents(body.price) or 0, cents(body.originalPrice),
                          cents(threshold), variants, product_id=product_id)
    except IntegrityError:
        return 0  # another process seeded it first
    for n, review in enumerate(raw.get("reviews", [])):
        reviewer = ids.encode("usr", ids.derived("demo-reviewer", review["userName"]))
        review_id = ids.encode("rev", ids.derived("demo-review", str(product_id), str(n)))
        shop.review_product(product_id, review_id, {
            "userId": reviewer, "userName": review["userName"], "rating": int(review["rating"]),
            "title": review["title"], "comment": review["comment"], "helpful": 0,
            "verified": True})
    return 1
