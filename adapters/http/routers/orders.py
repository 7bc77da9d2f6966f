"""Orders: placement and the customer's view; fulfilment for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from adapters.http.deps import (
    AccountsService,
    AdminUser,
    CurrentUser,
    IdempotencyKey,
    OrderingService,
    Projections,
    RequiredIdempotencyKey,
    ShopReads,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import CancelIn, OrderIn, RefundIn, ShipIn, postal_address
from adapters.http.responses import Envelope, ListEnvelope, Order, OrderDetail, OrderStatus
from adapters.http.routing import api_router
from application.ordering import order_id_for
from domain import ids
from domain.errors import NotFound
from projections.queries import ReadModels
from projections.runner import ProjectionRunner

router = api_router("order", tags=["orders"])


def _detail(projections: ProjectionRunner, read: ReadModels, owner: str | None,
            order_id: str, position: int = 0) -> Envelope[OrderDetail]:
    projections.wait_for("shop", position)
    order = read.order(owner, order_id)
    if order is None:
        raise NotFound("Order not found")
    return Envelope[OrderDetail].of(order)


@router.post("/v1/orders", name="place", status_code=201,
             responses=documented(400, 401, 404, 409, 422, 500))
def place_order(body: OrderIn, ordering: OrderingService, accounts: AccountsService,
                projections: Projections, read: ShopReads, user: CurrentUser,
                idempotency_key: RequiredIdempotencyKey) -> Envelope[OrderDetail]:
    order_id = order_id_for(user.id, idempotency_key)
    position = ordering.place_from_address_book(
        user.id, order_id, body.shippingMethod, accounts, body.shippingAddressId,
        postal_address(body.shippingAddress) if body.shippingAddress else None,
        postal_address(body.billingAddress) if body.billingAddress else None, body.notes)
    return _detail(projections, read, user.public_id, ids.encode("order", order_id), position)


@router.get("/v1/orders", name="list", responses=documented(400, 401, 500))
def list_orders(
    read: ShopReads, user: CurrentUser, status: OrderStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ListEnvelope[Order]:
    found = read.orders(user.public_id, status, page, limit)
    return ListEnvelope[Order].of(found.items, found.pagination)


@router.get("/v1/orders/{orderId}", name="get", responses=documented(401, 404, 500))
def get_order(orderId: str, projections: Projections, read: ShopReads,
              user: CurrentUser) -> Envelope[OrderDetail]:
    owner = None if user.has("auditor") or user.has("admin") else user.public_id
    return _detail(projections, read, owner, orderId)


@router.post("/v1/orders/{orderId}/cancel", name="cancel",
             responses=documented(400, 401, 404, 409, 422, 500))
def cancel_order(orderId: str, ordering: OrderingService, projections: Projections, read: ShopReads,
                 user: CurrentUser, body: CancelIn | None = None,
                 idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    order_id = decode_id("order", orderId, "Order")  # the body ({reason?}) may be left out
    position = ordering.cancel(user.id, order_id, body.reason if body else None)
    return _detail(projections, read, user.public_id, orderId, position)


# -- fulfilment -------------------------------------------------------------------------------
@router.post("/v1/admin/orders/{orderId}/confirm", name="confirm",
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def confirm_order(orderId: str, ordering: OrderingService, projections: Projections,
                  read: ShopReads, admin: AdminUser,
                  idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    position = ordering.confirm(decode_id("order", orderId, "Order"))
    return _detail(projections, read, None, orderId, position)


@router.post("/v1/admin/orders/{orderId}/ship", name="ship",
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def ship_order(orderId: str, body: ShipIn, ordering: OrderingService, projections: Projections,
               read: ShopReads, admin: AdminUser,
               idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    position = ordering.ship(decode_id("order", orderId, "Order"), body.trackingNumber,
                                  body.carrier)
    return _detail(projections, read, None, orderId, position)


@router.post("/v1/admin/orders/{orderId}/deliver", name="deliver",
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def deliver_order(orderId: str, ordering: OrderingService, projections: Projections,
                  read: ShopReads, admin: AdminUser,
                  idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    position = ordering.deliver(decode_id("order", orderId, "Order"))
    return _detail(projections, read, None, orderId, position)


@router.post("/v1/admin/orders/{orderId}/refund", name="refund",
             responses=documented(400, 401, 403, 404, 409, 422, 500))
def refund_order(orderId: str, body: RefundIn, ordering: OrderingService, projections: Projections,
                 read: ShopReads, admin: AdminUser,
                 idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    position = ordering.refund(decode_id("order", orderId, "Order"), body.reason)
    return _detail(projections, read, None, orderId, position)
