"""Orders: placement and the customer's view; fulfilment for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from adapters.http.deps import (
    AdminUser,
    Ctr,
    CurrentUser,
    IdempotencyKey,
    RequiredIdempotencyKey,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import CancelIn, OrderIn, RefundIn, ShipIn
from adapters.http.responses import Envelope, ListEnvelope, Order, OrderDetail, OrderStatus
from application.accounts import SavedAddresses
from application.ordering import order_id_for
from domain import ids
from domain.errors import NotFound

router = APIRouter(tags=["orders"])


def _detail(ctr: Ctr, owner: str | None, order_id: str, position: int = 0,
            status_code: int = 200) -> JSONResponse:
    ctr.wait("shop", position)
    order = ctr.read.order(owner, order_id)
    if order is None:
        raise NotFound("Order not found")
    return JSONResponse({"success": True, "data": order}, status_code=status_code)


@router.post("/v1/orders", status_code=201, response_model=Envelope[OrderDetail],
             responses=documented(400, 401, 404, 409, 422, 500))
def place_order(body: OrderIn, ctr: Ctr, user: CurrentUser,
                idempotency_key: RequiredIdempotencyKey) -> JSONResponse:
    order_id = order_id_for(user.id, idempotency_key)
    position = ctr.shop.ordering.place_from_address_book(
        user.id, order_id, body.shippingMethod, SavedAddresses(ctr.accounts),
        body.shippingAddressId,
        body.shippingAddress.model_dump(exclude_none=True) if body.shippingAddress else None,
        body.billingAddress.model_dump(exclude_none=True) if body.billingAddress else None,
        body.notes)
    return _detail(ctr, user.public_id, ids.encode("order", order_id), position, 201)


@router.get("/v1/orders", response_model=ListEnvelope[Order], responses=documented(400, 401, 500))
def list_orders(
    ctr: Ctr, user: CurrentUser, status: OrderStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    found = ctr.read.orders(user.public_id, status, page, limit)
    return JSONResponse({"success": True, "data": found.items, "pagination": found.pagination})


@router.get("/v1/orders/{orderId}", response_model=Envelope[OrderDetail],
            responses=documented(401, 404, 500))
def get_order(orderId: str, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    owner = None if user.has("auditor") or user.has("admin") else user.public_id
    return _detail(ctr, owner, orderId)


@router.post("/v1/orders/{orderId}/cancel", response_model=Envelope[OrderDetail],
             responses=documented(400, 401, 404, 409, 422, 500))
def cancel_order(orderId: str, ctr: Ctr, user: CurrentUser, body: CancelIn | None = None,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    order_id = decode_id("order", orderId, "Order")  # the body ({reason?}) may be left out
    position = ctr.shop.ordering.cancel(user.id, order_id, body.reason if body else None)
    return _detail(ctr, user.public_id, orderId, position)


# -- fulfilment -------------------------------------------------------------------------------
@router.post("/v1/admin/orders/{orderId}/confirm", response_model=Envelope[OrderDetail],
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def confirm_order(orderId: str, ctr: Ctr, admin: AdminUser,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    position = ctr.shop.ordering.confirm(decode_id("order", orderId, "Order"))
    return _detail(ctr, None, orderId, position)


@router.post("/v1/admin/orders/{orderId}/ship", response_model=Envelope[OrderDetail],
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def ship_order(orderId: str, body: ShipIn, ctr: Ctr, admin: AdminUser,
               idempotency_key: IdempotencyKey = None) -> JSONResponse:
    position = ctr.shop.ordering.ship(decode_id("order", orderId, "Order"), body.trackingNumber,
                                   body.carrier)
    return _detail(ctr, None, orderId, position)


@router.post("/v1/admin/orders/{orderId}/deliver", response_model=Envelope[OrderDetail],
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def deliver_order(orderId: str, ctr: Ctr, admin: AdminUser,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    position = ctr.shop.ordering.deliver(decode_id("order", orderId, "Order"))
    return _detail(ctr, None, orderId, position)


@router.post("/v1/admin/orders/{orderId}/refund", response_model=Envelope[OrderDetail],
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def refund_order(orderId: str, body: RefundIn, ctr: Ctr, admin: AdminUser,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    position = ctr.shop.ordering.refund(decode_id("order", orderId, "Order"), body.reason)
    return _detail(ctr, None, orderId, position)
