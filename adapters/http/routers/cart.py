"""The signed-in user's cart."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from adapters.http.deps import Ctr, CurrentUser, IdempotencyKey
from adapters.http.errors import documented
from adapters.http.requests import CartItemIn, CouponIn, QuantityPatch
from adapters.http.responses import Cart, Envelope
from domain import ids
from projections.carts import empty_cart

router = APIRouter(prefix="/v1/cart", tags=["cart"])


def _cart(ctr: Ctr, user: CurrentUser, position: int = 0, status_code: int = 200) -> JSONResponse:
    ctr.wait("shop", position)
    cart = ctr.read.cart(user.public_id)
    if cart is None:  # every user has a cart: an empty one until the first item arrives
        profile = ctr.read.profile(user.public_id) or {}
        cart = empty_cart(user.id, profile.get("createdAt")
                          or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return JSONResponse({"success": True, "data": cart}, status_code=status_code)


@router.get("", response_model=Envelope[Cart], responses=documented(401, 500))
def get_cart(ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return _cart(ctr, user)


@router.post("/items", status_code=201, response_model=Envelope[Cart],
             responses=documented(400, 401, 404, 409, 422, 500))
def add_item(body: CartItemIn, ctr: Ctr, user: CurrentUser,
             idempotency_key: IdempotencyKey = None) -> JSONResponse:
    _, position = ctr.shop.carts.add_item(user.id, ids.decode("prod", body.productId),
                                       body.variantId, body.quantity, body.metadata)
    return _cart(ctr, user, position, 201)


@router.patch("/items/{itemId}", response_model=Envelope[Cart],
              responses=documented(400, 401, 404, 409, 500))
def change_quantity(itemId: str, body: QuantityPatch, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return _cart(ctr, user, ctr.shop.carts.change_quantity(user.id, itemId, body.quantity))


@router.delete("/items/{itemId}", response_model=Envelope[Cart],
               responses=documented(401, 404, 500))
def remove_item(itemId: str, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return _cart(ctr, user, ctr.shop.carts.remove_item(user.id, itemId))


@router.put("/coupon", response_model=Envelope[Cart], responses=documented(400, 401, 500))
def apply_coupon(body: CouponIn, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    today = datetime.now(UTC).date()
    return _cart(ctr, user, ctr.shop.carts.apply_coupon(user.id, body.couponCode, today))


@router.delete("/coupon", response_model=Envelope[Cart], responses=documented(401, 500))
def remove_coupon(ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return _cart(ctr, user, ctr.shop.carts.remove_coupon(user.id))
