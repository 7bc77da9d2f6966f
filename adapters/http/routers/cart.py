"""The signed-in user's cart."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.http.deps import CartsService, CurrentUser, IdempotencyKey, Projections, ShopReads
from adapters.http.errors import documented
from adapters.http.requests import CartItemIn, CouponIn, QuantityPatch
from adapters.http.responses import Cart, Envelope
from adapters.http.routing import api_router
from domain import ids
from projections.carts import empty_cart
from projections.queries import ReadModels
from projections.runner import ProjectionRunner

router = api_router("cart", prefix="/v1/cart")


def _cart(projections: ProjectionRunner, read: ReadModels, user: CurrentUser,
          position: int = 0) -> Envelope[Cart]:
    """The cart once the read models show what made ``position``."""
    projections.wait_for("shop", position)
    cart = read.cart(user.public_id)
    if cart is None:  # every user has a cart: an empty one until the first item arrives
        profile = read.profile(user.public_id) or {}
        cart = empty_cart(user.id, profile.get("createdAt")
                          or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return Envelope[Cart].of(cart)


@router.get("", name="get", responses=documented(401, 500))
def get_cart(projections: Projections, read: ShopReads, user: CurrentUser) -> Envelope[Cart]:
    return _cart(projections, read, user)


@router.post("/items", status_code=201, responses=documented(400, 401, 404, 409, 422, 500))
def add_item(body: CartItemIn, carts: CartsService, projections: Projections, read: ShopReads,
             user: CurrentUser, idempotency_key: IdempotencyKey = None) -> Envelope[Cart]:
    _, position = carts.add_item(user.id, ids.decode("prod", body.productId),
                                     body.variantId, body.quantity, body.metadata)
    return _cart(projections, read, user, position)


@router.patch("/items/{itemId}", responses=documented(400, 401, 404, 409, 500))
def change_quantity(itemId: str, body: QuantityPatch, carts: CartsService,
                    projections: Projections, read: ShopReads,
                    user: CurrentUser) -> Envelope[Cart]:
    position = carts.change_quantity(user.id, itemId, body.quantity)
    return _cart(projections, read, user, position)


@router.delete("/items/{itemId}", responses=documented(401, 404, 500))
def remove_item(itemId: str, carts: CartsService, projections: Projections, read: ShopReads,
                user: CurrentUser) -> Envelope[Cart]:
    return _cart(projections, read, user, carts.remove_item(user.id, itemId))


@router.put("/coupon", responses=documented(400, 401, 500))
def apply_coupon(body: CouponIn, carts: CartsService, projections: Projections, read: ShopReads,
                 user: CurrentUser) -> Envelope[Cart]:
    position = carts.apply_coupon(user.id, body.couponCode, datetime.now(UTC).date())
    return _cart(projections, read, user, position)


@router.delete("/coupon", responses=documented(401, 500))
def remove_coupon(carts: CartsService, projections: Projections, read: ShopReads,
                  user: CurrentUser) -> Envelope[Cart]:
    return _cart(projections, read, user, carts.remove_coupon(user.id))
