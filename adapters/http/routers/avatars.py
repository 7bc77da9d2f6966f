"""Avatars and the scans that build them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from adapters.http.deps import Ctr, CurrentUser, IdempotencyKey, decode_id
from adapters.http.errors import documented
from adapters.http.requests import AvatarPatch, ScanRequestIn
from adapters.http.responses import Avatar, Envelope, ListEnvelope, ScanStatus
from domain import ids
from domain.avatars import ScanInputs, ScanPhoto
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1/avatars", tags=["avatars"])


def signed_avatar(ctr: Ctr, doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if doc.get("_modelKey") and out.get("model"):
        out["model"] = {**out["model"], "url": ctr.blobs.signed_url(doc["_modelKey"])}
    if doc.get("_thumbnailKey"):
        out["preview"] = {"thumbnail": ctr.blobs.signed_url(doc["_thumbnailKey"]),
                          "fullSize": ctr.blobs.signed_url(doc["_fullKey"])}
    return out


def _avatar(ctr: Ctr, user: CurrentUser, avatar_id: str) -> JSONResponse:
    doc = ctr.studio_reads.avatar(user.public_id, avatar_id)
    if doc is None:
        raise NotFound("Avatar not found")
    return JSONResponse({"success": True, "data": signed_avatar(ctr, doc)})


def _photo_inputs(ctr: Ctr, user: CurrentUser, body: ScanRequestIn) -> list[ScanPhoto]:
    """Each image must be an upload URL this API issued to this user: never fetched."""
    photos: list[ScanPhoto] = []
    for n, image in enumerate(body.images):
        key = ctr.blobs.key_of_url(image.url)
        prefix = f"uploads/{user.public_id}/"
        if key is None or not key.startswith(prefix):
            raise InvalidInput(f"images.{n}.url",
                               "Use the url of an upload you made with POST /v1/uploads",
                               "INVALID")
        pose = "side_left" if image.pose == "side" else image.pose
        photos.append({"uploadId": key[len(prefix):], "pose": pose, "quality": image.quality})
    return photos


@router.post("/scans", status_code=202, response_model=Envelope[ScanStatus],
             responses=documented(400, 401, 404, 409, 422, 500))
def request_scan(body: ScanRequestIn, ctr: Ctr, user: CurrentUser,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    prefs = body.userPreferences
    inputs: ScanInputs = {
        "photos": _photo_inputs(ctr, user, body), "height": prefs.height,
        "weight": prefs.weight, "bodyType": prefs.bodyType, "gender": prefs.gender,
        "measurements": body.measurements.model_dump(exclude_none=True)
        if body.measurements else {},
    }
    avatar_id = uuid.uuid4()
    position = ctr.studio.request_scan(user.id, avatar_id, body.name or "My Avatar",
                                       body.scanType, inputs)
    ctr.wait("studio", position)
    scan = ctr.studio_reads.scan(user.public_id, ids.encode("scan", avatar_id))
    return JSONResponse({"success": True, "data": scan}, status_code=202)


@router.get("/scans/{scanId}", response_model=Envelope[ScanStatus],
            responses=documented(401, 404, 500))
def get_scan(scanId: str, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    scan = ctr.studio_reads.scan(user.public_id, scanId)
    if scan is None:
        raise NotFound("Scan not found")
    return JSONResponse({"success": True, "data": scan})


@router.get("", response_model=ListEnvelope[Avatar], responses=documented(400, 401, 500))
def list_avatars(ctr: Ctr, user: CurrentUser,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> JSONResponse:
    docs, pages = ctr.studio_reads.avatars(user.public_id, page, limit)
    return JSONResponse({"success": True, "data": [signed_avatar(ctr, d) for d in docs],
                         "pagination": pages})


@router.get("/{avatarId}", response_model=Envelope[Avatar], responses=documented(401, 404, 500))
def get_avatar(avatarId: str, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return _avatar(ctr, user, avatarId)


@router.patch("/{avatarId}", response_model=Envelope[Avatar],
              responses=documented(400, 401, 404, 500))
def rename_avatar(avatarId: str, body: AvatarPatch, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    avatar_id = decode_id("avatar", avatarId, "Avatar")
    ctr.wait("studio", ctr.studio.rename_avatar(user.id, avatar_id, body.name))
    return _avatar(ctr, user, avatarId)


@router.delete("/{avatarId}", status_code=204, response_class=Response,
               responses=documented(401, 404, 500))
def archive_avatar(avatarId: str, ctr: Ctr, user: CurrentUser) -> Response:
    avatar_id = decode_id("avatar", avatarId, "Avatar")
    ctr.wait("studio", ctr.studio.archive_avatar(user.id, avatar_id))
    return Response(status_code=204)
