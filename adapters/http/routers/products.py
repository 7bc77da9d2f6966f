"""The catalog: browsing and reviews for everyone, editing for admins."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from adapters.http.deps import AdminUser, Ctr, CurrentUser, IdempotencyKey, decode_id
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
from domain import ids
from domain.errors import NotFound
from projections.queries import ProductFilter

router = APIRouter(tags=["products"])

Page = Annotated[int, Query(ge=1, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=100)]
# A number with at most two decimals, and the schema says so (not "number or any string").
Price = Annotated[Decimal | None, Query(ge=0, le=1_000_000, decimal_places=2, json_schema_extra={
    "anyOf": [{"type": "number", "minimum": 0, "maximum": 1_000_000, "multipleOf": 0.01},
              {"type": "null"}]})]


def _detail(ctr: Ctr, product_id: str, status_code: int = 200) -> JSONResponse:
    product = ctr.read.product(product_id)
    if product is None:
        raise NotFound("Product not found")
    return JSONResponse({"success": True, "data": product}, status_code=status_code)


@router.get("/v1/products", response_model=ListEnvelope[Product], responses=documented(400, 500))
def list_products(
    ctr: Ctr,
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
) -> JSONResponse:
    found = ctr.read.products(ProductFilter(
        q=q, category=category, subcategory=subcategory, brand=brand,
        min_price_cents=cents(minPrice), max_price_cents=cents(maxPrice),
        tryon_available=tryonAvailable, in_stock=inStock, sort=sort), page, limit)
    return JSONResponse({"success": True, "data": found.items, "pagination": found.pagination})


@router.get("/v1/products/{productId}", response_model=Envelope[ProductDetail],
            responses=documented(404, 500))
def get_product(productId: str, ctr: Ctr) -> JSONResponse:
    return _detail(ctr, productId)


@router.post("/v1/products/{productId}/reviews", status_code=201,
             response_model=Envelope[Review], responses=documented(400, 401, 404, 409, 422, 500))
def review_product(productId: str, body: ReviewIn, ctr: Ctr, user: CurrentUser,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    product_id = decode_id("prod", productId, "Product")
    profile = ctr.read.profile(user.public_id) or {}
    review_id, position = ctr.shop.catalog.review(
        product_id, user.public_id, profile.get("firstName", ""), profile.get("lastName", ""),
        ctr.read.has_bought(user.public_id, productId), body.rating, body.title, body.comment)
    ctr.wait("shop", position)
    detail = ctr.read.product(productId) or {"reviews": []}
    created = next(r for r in detail["reviews"] if r["id"] == review_id)
    return JSONResponse({"success": True, "data": created}, status_code=201)


# -- admin ------------------------------------------------------------------------------------
def _product_fields(body: ProductIn | ProductPatch) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, mode="json",
                           exclude={"price", "originalPrice", "variants"})


def _variant_fields(body: VariantIn | VariantPatch) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True, exclude={"price"})
    if body.price is not None:
        fields["price_cents"] = cents(body.price)
    return fields


@router.post("/v1/admin/products", status_code=201, response_model=Envelope[ProductDetail],
             responses=documented(400, 401, 403, 409, 422, 500))
def create_product(body: ProductIn, ctr: Ctr, admin: AdminUser,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    fields = _product_fields(body)
    threshold = body.shipping.freeShippingThreshold if body.shipping else None
    product_id, position = ctr.shop.catalog.list_product(
        fields, cents(body.price) or 0, cents(body.originalPrice), cents(threshold),
        [_variant_fields(v) for v in body.variants])
    ctr.wait("shop", position)
    return _detail(ctr, ids.encode("prod", product_id), 201)


@router.patch("/v1/admin/products/{productId}", response_model=Envelope[ProductDetail],
              responses=documented(400, 401, 403, 404, 500))
def revise_product(productId: str, body: ProductPatch, ctr: Ctr,
                   admin: AdminUser) -> JSONResponse:
    product_id = decode_id("prod", productId, "Product")
    threshold = body.shipping.freeShippingThreshold if body.shipping else None
    ctr.wait("shop", ctr.shop.catalog.revise_product(
        product_id, _product_fields(body), cents(body.price), cents(body.originalPrice),
        cents(threshold)))
    return _detail(ctr, productId)


@router.post("/v1/admin/products/{productId}/variants", status_code=201,
             response_model=Envelope[Variant],
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def add_variant(productId: str, body: VariantIn, ctr: Ctr, admin: AdminUser,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    product_id = decode_id("prod", productId, "Product")
    variant_id = ids.new("var")
    ctr.wait("shop", ctr.shop.catalog.add_variant(product_id, variant_id,
                                                  _variant_fields(body)))
    return _variant(ctr, productId, variant_id, 201)


@router.patch("/v1/admin/products/{productId}/variants/{variantId}",
              response_model=Envelope[Variant], responses=documented(400, 401, 403, 404, 500))
def revise_variant(productId: str, variantId: str, body: VariantPatch, ctr: Ctr,
                   admin: AdminUser) -> JSONResponse:
    product_id = decode_id("prod", productId, "Product")
    ctr.wait("shop", ctr.shop.catalog.revise_variant(product_id, variantId,
                                                     _variant_fields(body)))
    return _variant(ctr, productId, variantId)


def _variant(ctr: Ctr, product_id: str, variant_id: str, status_code: int = 200) -> JSONResponse:
    product = ctr.read.product(product_id)
    variant = next((v for v in (product or {}).get("variants", []) if v["id"] == variant_id),
                   None)
    if variant is None:
        raise NotFound("Variant not found")
    return JSONResponse({"success": True, "data": variant}, status_code=status_code)
