"""The closet: products and renders kept for later."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from adapters.http.deps import (
    CatalogService,
    CurrentUser,
    IdempotencyKey,
    Projections,
    StudioReadsDep,
    StudioService,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import ClosetIn
from adapters.http.responses import ClosetItem, Envelope, ListEnvelope
from adapters.http.routing import api_router
from domain import ids

router = api_router("closet", prefix="/v1/closet")


@router.get("", name="list", responses=documented(400, 401, 500))
def list_closet(reads: StudioReadsDep, user: CurrentUser,
                page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> ListEnvelope[ClosetItem]:
    docs, pages = reads.closet(user.public_id, page, limit)
    return ListEnvelope[ClosetItem].of(docs, pages)


@router.post("", status_code=201, responses=documented(400, 401, 404, 409, 422, 500))
def keep(body: ClosetIn, catalog: CatalogService, studio: StudioService, projections: Projections,
         reads: StudioReadsDep, user: CurrentUser,
         idempotency_key: IdempotencyKey = None) -> Envelope[ClosetItem]:
    product = catalog.product(decode_id("prod", body.productId, "Product"))
    item_id = ids.new("closet")
    projections.wait_for("studio", studio.keep_in_closet(user.id, item_id, product,
                                                         body.variantId, body.renderId,
                                                         body.note))
    return Envelope[ClosetItem].of(reads.closet_item(user.public_id, item_id))


@router.delete("/{itemId}", status_code=204, response_class=Response,
               responses=documented(401, 404, 500))
def remove(itemId: str, studio: StudioService, projections: Projections,
           user: CurrentUser) -> Response:
    projections.wait_for("studio", studio.remove_from_closet(user.id, itemId))
    return Response(status_code=204)
