"""Orders: placement and the customer's view; fulfilment for admins."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

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
from application.base import Position
from application.ordering import Ordering, order_id_for
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
@dataclass(frozen=True)
class Fulfilment:
    """An admin moving an order along its lifecycle, answered with the order as the read model
    shows it after the step."""

    ordering: Ordering
    projections: ProjectionRunner
    read: ReadModels

    def step(self, order_id: str, command: Callable[[uuid.UUID], Position]
             ) -> Envelope[OrderDetail]:
        position = command(decode_id("order", order_id, "Order"))
        return _detail(self.projections, self.read, None, order_id, position)


async def _fulfilment(ordering: OrderingService, projections: Projections, read: ShopReads,
                admin: AdminUser) -> Fulfilment:
    return Fulfilment(ordering, projections, read)


AdminFulfilment = Annotated[Fulfilment, Depends(_fulfilment)]
ADMIN_ANSWERS = documented(400, 401, 403, 404, 409, 422, 500)


@router.post("/v1/admin/orders/{orderId}/confirm", name="confirm", responses=ADMIN_ANSWERS)
def confirm_order(orderId: str, fulfilment: AdminFulfilment,
                  idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    return fulfilment.step(orderId, fulfilment.ordering.confirm)


@router.post("/v1/admin/orders/{orderId}/ship", name="ship", responses=ADMIN_ANSWERS)
def ship_order(orderId: str, body: ShipIn, fulfilment: AdminFulfilment,
               idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    return fulfilment.step(orderId, lambda order_id: fulfilment.ordering.ship(
        order_id, body.trackingNumber, body.carrier))


@router.post("/v1/admin/orders/{orderId}/deliver", name="deliver", responses=ADMIN_ANSWERS)
def deliver_order(orderId: str, fulfilment: AdminFulfilment,
                  idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    return fulfilment.step(orderId, fulfilment.ordering.deliver)


@router.post("/v1/admin/orders/{orderId}/refund", name="refund", responses=ADMIN_ANSWERS)
def refund_order(orderId: str, body: RefundIn, fulfilment: AdminFulfilment,
                 idempotency_key: IdempotencyKey = None) -> Envelope[OrderDetail]:
    return fulfilment.step(orderId, lambda order_id: fulfilment.ordering.refund(
        order_id, body.reason))
