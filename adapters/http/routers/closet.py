"""The closet: products and renders kept for later."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from adapters.http.deps import Ctr, CurrentUser, IdempotencyKey, decode_id
from adapters.http.errors import documented
from adapters.http.requests import ClosetIn
from adapters.http.responses import ClosetItem, Envelope, ListEnvelope
from domain import ids

router = APIRouter(prefix="/v1/closet", tags=["closet"])


@router.get("", response_model=ListEnvelope[ClosetItem], responses=documented(400, 401, 500))
def list_closet(ctr: Ctr, user: CurrentUser,
                page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> JSONResponse:
    docs, pages = ctr.studio_reads.closet(user.public_id, page, limit)
    return JSONResponse({"success": True, "data": docs, "pagination": pages})


@router.post("", status_code=201, response_model=Envelope[ClosetItem],
             responses=documented(400, 401, 404, 409, 422, 500))
def keep(body: ClosetIn, ctr: Ctr, user: CurrentUser,
         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    product = ctr.shop.catalog.product(decode_id("prod", body.productId, "Product"))
    item_id = ids.new("closet")
    ctr.wait("studio", ctr.studio.keep_in_closet(user.id, item_id, product, body.variantId,
                                                 body.renderId, body.note))
    item = ctr.studio_reads.closet_item(user.public_id, item_id)
    return JSONResponse({"success": True, "data": item}, status_code=201)


@router.delete("/{itemId}", status_code=204, response_class=Response,
               responses=documented(401, 404, 500))
def remove(itemId: str, ctr: Ctr, user: CurrentUser) -> Response:
    ctr.wait("studio", ctr.studio.remove_from_closet(user.id, itemId))
    return Response(status_code=204)
