"""Seeds the demo catalog on first start. Product ids are derived from the first SKU, so
seeding twice (or from two processes at once) lists each product once."""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError

from adapters.demo_catalog import DemoProduct, demo_catalog
from adapters.http.requests import cents
from application import metadata
from application.shop import Shop
from domain import ids


def seed_demo_catalog(shop: Shop) -> int:
    """Lists the demo products that are not there yet; returns how many it listed."""
    listed = 0
    with metadata.acting_as(actor="system:seed"):
        for product in demo_catalog():
            listed += _seed_product(shop, product)
    return listed


def _seed_product(shop: Shop, demo: DemoProduct) -> int:
    body = demo.body
    product_id = ids.derived("demo-product", body.variants[0].sku)
    if shop.exists(product_id):
        return 0
    fields = body.model_dump(mode="json", exclude_unset=True,
                             exclude={"price", "originalPrice", "variants"})
    variants = []
    for v in body.variants:
        variant = v.model_dump(exclude={"price"})
        if v.price is not None:
            variant["price_cents"] = cents(v.price)
        variants.append(variant)
    threshold = body.shipping.freeShippingThreshold if body.shipping else None
    try:
        shop.catalog.list_product(fields, cents(body.price) or 0, cents(body.originalPrice),
                          cents(threshold), variants, product_id=product_id)
    except IntegrityError:
        return 0  # another process seeded it first
    for n, review in enumerate(demo.reviews):
        reviewer = ids.encode("usr", ids.derived("demo-reviewer", review.userName))
        review_id = ids.encode("rev", ids.derived("demo-review", str(product_id), str(n)))
        shop.catalog.record_review(product_id, review_id, reviewer, review.userName, True,
                                   review.rating, review.title, review.comment)
    return 1
