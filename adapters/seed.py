"""Seeds the demo catalog on first start. Product ids are derived from the first SKU, so
seeding twice (or from two processes at once) lists each product once.

With a blob store, each demo product's front and back photos (adapters/demo_images/) are put
in it as product images and the product's front and back images point at them (links this
store signed, so the try-on request finds their keys): a fresh install tries on the
products' own prints, not only their colours."""

from __future__ import annotations

from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from adapters.demo_catalog import DemoProduct, demo_catalog, demo_photo_name, demo_photos
from adapters.http.requests import cents
from application import metadata
from application.shop import Shop
from domain import ids

# The demo photos' links are part of the stored product: they must outlive any install.
PHOTO_LINK_TTL_S = 50 * 365 * 24 * 3600


class PhotoStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def signed_url(self, key: str, ttl_s: int = 3600) -> str: ...


def seed_demo_catalog(shop: Shop, blobs: PhotoStore | None = None) -> int:
    """Lists the demo products that are not there yet; returns how many it listed. With
    ``blobs``, their demo photos become their front and back images."""
    listed = 0
    with metadata.acting_as(actor="system:seed"):
        for product in demo_catalog():
            listed += _seed_product(shop, product, blobs)
    return listed


def _photo_images(blobs: PhotoStore, demo: DemoProduct, images: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    """The product's images with its front and back pointing at its demo photos in ``blobs``."""
    raw = demo.body.model_dump(mode="json")
    links = {}
    for side, photo in zip(("front", "back"), demo_photos(raw), strict=True):
        key = f"products/demo/{demo_photo_name(raw, side)}"
        blobs.put(key, photo, "image/png")
        links[side] = blobs.signed_url(key, PHOTO_LINK_TTL_S)
    kept = [image for image in images if image.get("type") not in links]
    return [{"url": links[side], "type": side, "resolution": "high"} for side in links] + kept


def _seed_product(shop: Shop, demo: DemoProduct, blobs: PhotoStore | None) -> int:
    body = demo.body
    product_id = ids.derived("demo-product", body.variants[0].sku)
    if shop.exists(product_id):
        return 0
    fields = body.model_dump(mode="json", exclude_unset=True,
                             exclude={"price", "originalPrice", "variants"})
    if blobs is not None:
        fields["images"] = _photo_images(blobs, demo, list(fields.get("images") or []))
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
