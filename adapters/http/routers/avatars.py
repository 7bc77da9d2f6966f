"""Avatars and the scans that build them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query, Response

from adapters.blobs.local import LocalBlobStore
from adapters.blobs.s3 import S3BlobStore
from adapters.http.deps import (
    Blobs,
    CurrentUser,
    IdempotencyKey,
    Projections,
    StudioReadsDep,
    StudioService,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import AvatarPatch, ScanRequestIn
from adapters.http.responses import Avatar, Envelope, ListEnvelope, ScanStatus
from adapters.http.routing import api_router
from domain import ids
from domain.avatars import OfferedPhoto, StatedBody
from domain.errors import NotFound
from projections.queries import StudioReads

router = api_router("avatar", prefix="/v1/avatars", tags=["avatars"])


def signed_avatar(blobs: LocalBlobStore | S3BlobStore, doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if doc.get("_modelKey") and out.get("model"):
        out["model"] = {**out["model"], "url": blobs.signed_url(doc["_modelKey"])}
    if doc.get("_thumbnailKey"):
        out["preview"] = {"thumbnail": blobs.signed_url(doc["_thumbnailKey"]),
                          "fullSize": blobs.signed_url(doc["_fullKey"])}
    return out


def signed_scan(blobs: LocalBlobStore | S3BlobStore, doc: dict[str, Any] | None
                ) -> dict[str, Any]:
    """The scan with each photo's overlay as a signed link (served to the owner alone)."""
    if doc is None:
        raise NotFound("Scan not found")
    photos = [{k: v for k, v in photo.items() if k != "overlayKey"}
              | {"overlayUrl": blobs.signed_url(photo["overlayKey"])
                 if photo.get("overlayKey") else None}
              for photo in doc.get("photos") or []]
    return {**doc, "photos": photos}


def _avatar(reads: StudioReads, blobs: LocalBlobStore | S3BlobStore, user: CurrentUser,
            avatar_id: str) -> Envelope[Avatar]:
    doc = reads.avatar(user.public_id, avatar_id)
    if doc is None:
        raise NotFound("Avatar not found")
    return Envelope[Avatar].of(signed_avatar(blobs, doc))


def _stated(body: ScanRequestIn) -> StatedBody:
    prefs = body.userPreferences
    return {"height": prefs.height, "weight": prefs.weight, "bodyType": prefs.bodyType,
            "gender": prefs.gender,
            "measurements": body.measurements.model_dump(exclude_none=True)
            if body.measurements else {}}


@router.post("/scans", name="request_scan", status_code=202,
             responses=documented(400, 401, 404, 409, 422, 500))
def request_scan(body: ScanRequestIn, studio: StudioService, projections: Projections,
                 reads: StudioReadsDep, blobs: Blobs, user: CurrentUser,
                 idempotency_key: IdempotencyKey = None) -> Envelope[ScanStatus]:
    avatar_id = uuid.uuid4()
    offered = [OfferedPhoto(image.url, image.pose, image.quality, image.cameraPitchDeg)
               for image in body.images]
    position = studio.request_scan(user.id, avatar_id, body.name or "My Avatar", body.scanType,
                                   _stated(body), offered, blobs.key_of_url)
    projections.wait_for("studio", position)
    return Envelope[ScanStatus].of(signed_scan(
        blobs, reads.scan(user.public_id, ids.encode("scan", avatar_id))))


@router.get("/scans/{scanId}", name="get_scan", responses=documented(401, 404, 500))
def get_scan(scanId: str, reads: StudioReadsDep, blobs: Blobs,
             user: CurrentUser) -> Envelope[ScanStatus]:
    return Envelope[ScanStatus].of(signed_scan(blobs, reads.scan(user.public_id, scanId)))


@router.get("", name="list", responses=documented(400, 401, 500))
def list_avatars(reads: StudioReadsDep, blobs: Blobs, user: CurrentUser,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> ListEnvelope[Avatar]:
    docs, pages = reads.avatars(user.public_id, page, limit)
    return ListEnvelope[Avatar].of([signed_avatar(blobs, d) for d in docs], pages)


@router.get("/{avatarId}", name="get", responses=documented(401, 404, 500))
def get_avatar(avatarId: str, reads: StudioReadsDep, blobs: Blobs,
               user: CurrentUser) -> Envelope[Avatar]:
    return _avatar(reads, blobs, user, avatarId)


@router.patch("/{avatarId}", name="rename", responses=documented(400, 401, 404, 500))
def rename_avatar(avatarId: str, body: AvatarPatch, studio: StudioService,
                  projections: Projections, reads: StudioReadsDep, blobs: Blobs,
                  user: CurrentUser) -> Envelope[Avatar]:
    avatar_id = decode_id("avatar", avatarId, "Avatar")
    projections.wait_for("studio", studio.rename_avatar(user.id, avatar_id, body.name))
    return _avatar(reads, blobs, user, avatarId)


@router.delete("/{avatarId}", name="archive", status_code=204, response_class=Response,
               responses=documented(401, 404, 500))
def archive_avatar(avatarId: str, studio: StudioService, projections: Projections,
                   user: CurrentUser) -> Response:
    avatar_id = decode_id("avatar", avatarId, "Avatar")
    projections.wait_for("studio", studio.archive_avatar(user.id, avatar_id))
    return Response(status_code=204)
