"""Uploads in, signed files out. The server never fetches a URL it did not issue."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import File, Form, Query, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapters.blobs.local import BlobNotFound, LocalBlobStore
from adapters.blobs.s3 import S3BlobStore
from adapters.blobs.sniff import Refused, TooManyPixels, sniff, verify
from adapters.http.deps import (
    Blobs,
    CurrentUser,
    IdempotencyKey,
    MaybeUser,
    Principal,
    Projections,
    SettingsDep,
    StudioService,
)
from adapters.http.errors import ApiError, documented
from adapters.http.responses import Envelope, UploadOut
from adapters.http.routing import api_router
from application.studio import Studio
from domain import ids
from domain.avatars import feedback_owner
from domain.errors import Unauthenticated
from domain.uploads import CONTENT_TYPES, MAX_BYTES, uploads_folder
from projections.runner import ProjectionRunner

router = api_router("file", tags=["files"])
UPLOAD_URL_TTL_S = 24 * 3600


# Types a browser may show inline: decoded and verified before they were stored (uploads) or
# written by the render worker. Everything else is a download.
INLINE = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4",
                    "video/quicktime", "video/webm"})
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp",
              "image/gif": ".gif", "video/mp4": ".mp4", "video/quicktime": ".mov",
              "video/webm": ".webm", "model/gltf-binary": ".glb"}


def served_headers(key: str, content_type: str) -> dict[str, str]:
    """Headers that stop a stored file from ever acting as a page of this origin: no type
    sniffing, a sandbox with nothing allowed, and a plain ASCII file name."""
    stem = re.sub(r"[^A-Za-z0-9_\-]", "_", key.rsplit("/", 1)[-1].split(".", 1)[0])[:80]
    name = (stem or "file") + EXTENSIONS.get(content_type, ".bin")
    disposition = "inline" if content_type in INLINE else "attachment"
    return {"X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; "
                                       "media-src 'self'; sandbox"}


def upload_key(user_id: uuid.UUID, upload_id: str) -> str:
    return uploads_folder(user_id) + upload_id


Purpose = Literal["scan_image", "scan_video", "product_image", "product_model"]


async def _verified(file: UploadFile, purpose: Purpose, max_pixels: int) -> tuple[bytes, str]:
    """The upload's bytes, re-encoded where they are an image, and their sniffed type."""
    limit = MAX_BYTES[purpose]
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "PAYLOAD_TOO_LARGE",
                       f"Files for {purpose} may be at most {limit // 2**20} MB")
    if not data:
        raise ApiError(400, "VALIDATION_ERROR", "The file is empty", {"fields": [
            {"field": "file", "message": "The file is empty", "code": "REQUIRED"}]})
    content_type = sniff(data)
    if content_type not in CONTENT_TYPES[purpose]:
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                       f"{purpose} takes {', '.join(CONTENT_TYPES[purpose])}; "
                       "the content was not recognised as one of them")
    try:
        verified = await run_in_threadpool(verify, data, content_type, max_pixels)
    except TooManyPixels as exc:
        raise ApiError(400, "VALIDATION_ERROR", exc.message, {"fields": [
            {"field": "file", "message": exc.message, "code": "OUT_OF_RANGE"}]}) from None
    except Refused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return verified.data, content_type


def _store(blobs: LocalBlobStore | S3BlobStore, studio: Studio, projections: ProjectionRunner,
           user: CurrentUser, purpose: Purpose, data: bytes,
           content_type: str) -> dict[str, object]:
    """Keeps the verified upload and records it; the upload as the API shows it."""
    upload_uuid = uuid.uuid4()
    public_id = ids.encode("upl", upload_uuid)
    key = upload_key(user.id, public_id)
    blobs.put(key, data, content_type)
    projections.wait_for("studio", studio.receive_upload(
        user.id, upload_uuid, purpose, key, content_type, len(data),
        hashlib.sha256(data).hexdigest()))
    expires = datetime.now(UTC) + timedelta(seconds=UPLOAD_URL_TTL_S)
    return {"id": public_id, "url": blobs.signed_url(key, UPLOAD_URL_TTL_S),
            "contentType": content_type, "size": len(data),
            "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}


@router.post("/v1/uploads", name="upload", status_code=201,
             responses=documented(400, 401, 409, 413, 415, 422, 500))
async def upload(
    blobs: Blobs, studio: StudioService, projections: Projections, settings: SettingsDep,
    user: CurrentUser, file: Annotated[UploadFile, File(description="the file's bytes")],
    purpose: Annotated[Purpose, Form()], idempotency_key: IdempotencyKey = None,
) -> Envelope[UploadOut]:
    data, content_type = await _verified(file, purpose, settings.max_image_pixels)
    stored = await run_in_threadpool(_store, blobs, studio, projections, user, purpose, data,
                                     content_type)
    return Envelope[UploadOut].of(stored)


def check_owner(key: str, user: Principal | None) -> None:
    """A scan's overlays (the person's photo, drawn over) go to their owner's token alone:
    a signed link that reaches anyone else finds nothing."""
    owner = feedback_owner(key)
    if owner is None:
        return
    if user is None:
        raise Unauthenticated("Authentication required")
    if user.public_id != owner:
        raise ApiError(404, "NOT_FOUND", "Not found")


@router.get("/v1/files/{key:path}", name="download", response_class=Response,
            responses={200: {"description": "The file's bytes"},
                       **documented(401, 403, 404, 500)})
def file(key: str, blobs: Blobs, user: MaybeUser,
         expires: Annotated[int, Query(ge=0, le=2**40)],
         signature: Annotated[str, Query(max_length=128)]) -> Response:
    if not blobs.check_signature(key, expires, signature):
        raise ApiError(403, "FORBIDDEN", "The link is invalid or has expired")
    check_owner(key, user)
    try:
        data = blobs.get(key)
    except BlobNotFound:
        raise ApiError(404, "NOT_FOUND", "Not found") from None
    content_type = blobs.content_type(key)
    return Response(data, media_type=content_type, headers={
        "Cache-Control": "private, max-age=300", **served_headers(key, content_type)})
