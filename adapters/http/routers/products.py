"""The catalog: browsing and reviews for everyone, editing for admins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from adapters.http.deps import (
    AdminUser,
    CatalogService,
    CurrentUser,
    IdempotencyKey,
    Projections,
    ShopReads,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import (
    Category,
    ProductIn,
    ProductPatch,
    ReviewIn,
    VariantIn,
    VariantPatch,
    cents,
)
from adapters.http.responses import Envelope, ListEnvelope, Product, ProductDetail, Review, Variant
from adapters.http.routing import api_router
from domain import ids
from domain.errors import NotFound
from projections.queries import ProductFilter, ReadModels

router = api_router("product", tags=["products"])

Page = Annotated[int, Query(ge=1, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=100)]
# A number with at most two decimals, and the schema says so (not "number or any string").
Price = Annotated[Decimal | None, Query(ge=0, le=1_000_000, decimal_places=2, json_schema_extra={
    "anyOf": [{"type": "number", "minimum": 0, "maximum": 1_000_000, "multipleOf": 0.01},
              {"type": "null"}]})]


def _detail(read: ReadModels, product_id: str) -> Envelope[ProductDetail]:
    product = read.product(product_id)
    if product is None:
        raise NotFound("Product not found")
    return Envelope[ProductDetail].of(product)


@dataclass(frozen=True)
class CatalogQuery:
    """A page of the catalog, filtered and sorted."""

    found_by: ProductFilter
    page: int
    limit: int


async def _catalog_query(
    q: Annotated[str | None, Query(max_length=100)] = None,
    category: Category | None = None,
    subcategory: Annotated[str | None, Query(max_length=64)] = None,
    brand: Annotated[str | None, Query(max_length=100)] = None,
    minPrice: Price = None,
    maxPrice: Price = None,
    tryonAvailable: bool | None = None,
    inStock: bool | None = None,
    sort: Literal["newest", "price_asc", "price_desc", "rating"] = "newest",
    page: Page = 1,
    limit: Limit = 20,
) -> CatalogQuery:
    """The catalog query, from its query parameters."""
    return CatalogQuery(ProductFilter(
        q=q, category=category, subcategory=subcategory, brand=brand,
        min_price_cents=cents(minPrice), max_price_cents=cents(maxPrice),
        tryon_available=tryonAvailable, in_stock=inStock, sort=sort), page, limit)


@router.get("/v1/products", name="list", responses=documented(400, 500))
def list_products(read: ShopReads,
                  query: Annotated[CatalogQuery, Depends(_catalog_query)]) -> ListEnvelope[Product]:
    found = read.products(query.found_by, query.page, query.limit)
    return ListEnvelope[Product].of(found.items, found.pagination)


@router.get("/v1/products/{productId}", name="get", responses=documented(404, 500))
def get_product(productId: str, read: ShopReads) -> Envelope[ProductDetail]:
    return _detail(read, productId)


@router.post("/v1/products/{productId}/reviews", name="review", status_code=201,
             responses=documented(400, 401, 404, 409, 422, 500))
def review_product(productId: str, body: ReviewIn, catalog: CatalogService,
                   projections: Projections, read: ShopReads, user: CurrentUser,
                   idempotency_key: IdempotencyKey = None) -> Envelope[Review]:
    product_id = decode_id("prod", productId, "Product")
    review_id, position = catalog.review(product_id, user.public_id, body.rating, body.title,
                                         body.comment, read)
    projections.wait_for("shop", position)
    detail = read.product(productId) or {"reviews": []}
    return Envelope[Review].of(next(r for r in detail["reviews"] if r["id"] == review_id))


# -- admin ------------------------------------------------------------------------------------
def _product_fields(body: ProductIn | ProductPatch) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, mode="json",
                           exclude={"price", "originalPrice", "variants"})


def _variant_fields(body: VariantIn | VariantPatch) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True, exclude={"price"})
    if body.price is not None:
        fields["price_cents"] = cents(body.price)
    return fields


@router.post("/v1/admin/products", name="create", status_code=201,
             responses=documented(400, 401, 403, 409, 422, 500))
def create_product(body: ProductIn, catalog: CatalogService, projections: Projections,
                   read: ShopReads, admin: AdminUser,
                   idempotency_key: IdempotencyKey = None) -> Envelope[ProductDetail]:
    threshold = body.shipping.freeShippingThreshold if body.shipping else None
    product_id, position = catalog.list_product(
        _product_fields(body), cents(body.price) or 0, cents(body.originalPrice),
        cents(threshold), [_variant_fields(v) for v in body.variants])
    projections.wait_for("shop", position)
    return _detail(read, ids.encode("prod", product_id))


@router.patch("/v1/admin/products/{productId}", name="revise",
              responses=documented(400, 401, 403, 404, 500))
def revise_product(productId: str, body: ProductPatch, catalog: CatalogService,
                   projections: Projections, read: ShopReads,
                   admin: AdminUser) -> Envelope[ProductDetail]:
    product_id = decode_id("prod", productId, "Product")
    threshold = body.shipping.freeShippingThreshold if body.shipping else None
    projections.wait_for("shop", catalog.revise_product(
        product_id, _product_fields(body), cents(body.price), cents(body.originalPrice),
        cents(threshold)))
    return _detail(read, productId)


@router.post("/v1/admin/products/{productId}/variants", status_code=201,
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def add_variant(productId: str, body: VariantIn, catalog: CatalogService, projections: Projections,
                read: ShopReads, admin: AdminUser,
                idempotency_key: IdempotencyKey = None) -> Envelope[Variant]:
    product_id = decode_id("prod", productId, "Product")
    variant_id = ids.new("var")
    projections.wait_for("shop", catalog.add_variant(product_id, variant_id,
                                                          _variant_fields(body)))
    return _variant(read, productId, variant_id)


@router.patch("/v1/admin/products/{productId}/variants/{variantId}",
              responses=documented(400, 401, 403, 404, 500))
def revise_variant(productId: str, variantId: str, body: VariantPatch, catalog: CatalogService,
                   projections: Projections, read: ShopReads,
                   admin: AdminUser) -> Envelope[Variant]:
    product_id = decode_id("prod", productId, "Product")
    projections.wait_for("shop", catalog.revise_variant(product_id, variantId,
                                                             _variant_fields(body)))
    return _variant(read, productId, variantId)


def _variant(read: ReadModels, product_id: str, variant_id: str) -> Envelope[Variant]:
    product = read.product(product_id)
    variant = next((v for v in (product or {}).get("variants", []) if v["id"] == variant_id),
                   None)
    if variant is None:
        raise NotFound("Variant not found")
    return Envelope[Variant].of(variant)
