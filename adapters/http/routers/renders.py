"""Try-on renders: request, follow (polling or server-sent events), list, cancel."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from adapters.blobs.local import LocalBlobStore
from adapters.blobs.s3 import S3BlobStore
from adapters.http.deps import (
    Blobs,
    CatalogService,
    CurrentUser,
    IdempotencyKey,
    Projections,
    StudioReadsDep,
    StudioService,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import TryOnIn
from adapters.http.responses import Envelope, ListEnvelope, RenderStatus
from adapters.http.routing import api_router
from application.studio import Studio
from domain import ids
from domain.errors import InvalidInput, NotFound
from domain.renders import FINAL
from projections.queries import StudioReads
from projections.runner import ProjectionRunner

router = api_router("render", prefix="/v1/tryon/renders", tags=["try-on"])
BlobStore = LocalBlobStore | S3BlobStore
SSE_POLL_S = 0.2
SSE_MAX_S = 15 * 60


def signed_render(blobs: BlobStore, doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if doc.get("_resultKey"):
        out["resultUrl"] = blobs.signed_url(doc["_resultKey"])
        out["previewUrl"] = out["resultUrl"]
    if out.get("error") is None:
        out.pop("error", None)
    return out


def _render(reads: StudioReads, blobs: BlobStore, user: CurrentUser,
            render_id: str) -> Envelope[RenderStatus]:
    doc = reads.render(user.public_id, render_id)
    if doc is None:
        raise NotFound("Render not found")
    return Envelope[RenderStatus].of(signed_render(blobs, doc))


def _check_spec(body: TryOnIn) -> dict[str, Any]:
    """The render engine's own validation (presets and their adjustments), before queueing."""
    spec = body.model_dump(include={"pose", "lighting", "camera", "output"}, mode="json")
    try:
        from render_engine.request import RenderSpec
    except ImportError:  # a server without the render extras still validates the shape
        return spec
    from render_engine.errors import InvalidRequest

    try:
        RenderSpec.from_request(spec)
    except InvalidRequest as exc:
        field = str(exc.details.get("field", "body")) if exc.details else "body"
        raise InvalidInput(field, exc.message, "INVALID") from None
    return spec


@router.post("", name="request", status_code=202,
             responses=documented(400, 401, 404, 409, 422, 500))
def request_render(body: TryOnIn, studio: StudioService, catalog: CatalogService,
                   projections: Projections, reads: StudioReadsDep, blobs: Blobs,
                   user: CurrentUser,
                   idempotency_key: IdempotencyKey = None) -> Envelope[RenderStatus]:
    spec = _check_spec(body)
    avatar_id, render_id = decode_id("avatar", body.avatarId, "Avatar"), uuid.uuid4()
    garment = catalog.garment(decode_id("prod", body.productId, "Product"), body.variantId,
                              blobs.key_of_url)
    projections.wait_for("studio", studio.request_render(user.id, render_id, avatar_id,
                                                         garment, spec))
    return _render(reads, blobs, user, ids.encode("render", render_id))


@router.get("/{renderId}", name="get", responses=documented(401, 404, 500))
def get_render(renderId: str, reads: StudioReadsDep, blobs: Blobs,
               user: CurrentUser) -> Envelope[RenderStatus]:
    return _render(reads, blobs, user, renderId)


@router.get("", name="list", responses=documented(400, 401, 500))
def list_renders(
    reads: StudioReadsDep, blobs: Blobs, user: CurrentUser,
    avatarId: Annotated[str | None, Query(max_length=64)] = None,
    productId: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["queued", "processing", "completed", "failed", "cancelled"] | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ListEnvelope[RenderStatus]:
    docs, pages = reads.renders(user.public_id, avatarId, productId, status, page, limit)
    return ListEnvelope[RenderStatus].of([signed_render(blobs, d) for d in docs], pages)


@router.delete("/{renderId}", name="cancel", status_code=204, response_class=Response,
               responses=documented(401, 404, 409, 500))
def cancel_render(renderId: str, studio: StudioService, projections: Projections,
                  user: CurrentUser) -> Response:
    render_id = decode_id("render", renderId, "Render")
    projections.wait_for("studio", studio.cancel_render(user.id, render_id))
    return Response(status_code=204)


def _completed_view(studio: Studio, projections: ProjectionRunner, reads: StudioReads,
                    owner: str, render_id: str) -> dict[str, Any] | None:
    """The render's read model once it shows the completion the stream just reported: the
    projections may still be a few events behind the log the stream reads."""
    with contextlib.suppress(TimeoutError):  # projector down or behind: say what is known
        projections.wait_for("studio", studio.head())
    return reads.render(owner, render_id)


@dataclass(frozen=True)
class _Follow:
    """What following one render needs."""

    studio: Studio
    projections: ProjectionRunner
    reads: StudioReads
    blobs: BlobStore
    owner: str
    render_id: str
    render_uuid: uuid.UUID


async def _status_stream(follow: _Follow, request: Request) -> AsyncIterator[bytes]:
    """``status`` events as the render's events arrive (none skipped), then the ``result``
    of a completed render; ends at a final status, a disconnect or after SSE_MAX_S."""
    seen = 0
    waited = 0.0
    while waited < SSE_MAX_S:
        updates = await run_in_threadpool(follow.reads.render_status_changes,
                                          follow.render_uuid, seen)
        for version, update in updates:
            seen = version
            payload = {"renderId": follow.render_id, **update}
            yield (f"id: {version}\nevent: status\n"
                   f"data: {json.dumps(payload)}\n\n").encode()
            if update["status"] in FINAL:
                if update["status"] == "completed":
                    doc = await run_in_threadpool(_completed_view, follow.studio,
                                                  follow.projections, follow.reads,
                                                  follow.owner, follow.render_id)
                    if doc is not None:
                        final = signed_render(follow.blobs, doc)
                        yield (f"event: result\ndata: {json.dumps(final)}\n\n").encode()
                return
        if await request.is_disconnected():
            return
        await asyncio.sleep(SSE_POLL_S)
        waited += SSE_POLL_S


@router.get("/{renderId}/events", name="events", response_class=StreamingResponse,
            responses={200: {"description": "text/event-stream of status changes",
                             "content": {"text/event-stream": {}}},
                       **documented(401, 404, 500)})
async def render_events(renderId: str, request: Request, studio: StudioService,
                        projections: Projections, reads: StudioReadsDep, blobs: Blobs,
                        user: CurrentUser) -> StreamingResponse:
    render_uuid = decode_id("render", renderId, "Render")
    await run_in_threadpool(studio.render_of, user.id, render_uuid)  # 404 if not theirs
    follow = _Follow(studio, projections, reads, blobs, user.public_id, renderId, render_uuid)
    return StreamingResponse(_status_stream(follow, request), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
