"""Files people upload (scan photos and videos, product images and models)."""

from __future__ import annotations

import enum
import uuid
from typing import ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import ids


class UploadPurpose(enum.StrEnum):
    SCAN_IMAGE = "scan_image"
    SCAN_VIDEO = "scan_video"
    PRODUCT_IMAGE = "product_image"
    PRODUCT_MODEL = "product_model"


PURPOSES = tuple(UploadPurpose)
SCAN_INPUTS = (UploadPurpose.SCAN_IMAGE, UploadPurpose.SCAN_VIDEO)
# Limits from the spec: images 10 MB, 3D models 50 MB, videos 100 MB.
MAX_BYTES = {"scan_image": 10 * 2**20, "product_image": 10 * 2**20,
             "product_model": 50 * 2**20, "scan_video": 100 * 2**20}
CONTENT_TYPES = {
    "scan_image": ("image/jpeg", "image/png", "image/webp"),
    "product_image": ("image/jpeg", "image/png", "image/webp"),
    "product_model": ("model/gltf-binary",),
    "scan_video": ("video/mp4", "video/quicktime", "video/webm"),
}


def uploads_folder(user_id: uuid.UUID) -> str:
    """The blob folder of one person's uploads: whose an upload is shows in its key, so a URL
    can be told as theirs without fetching it, and erasure removes the folder whole."""
    return f"uploads/{ids.encode('usr', user_id)}/"


class Upload(Aggregate):
    class_version = 1
    Received: ClassVar[type[DomainEvent]]

    @event("Received")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID, purpose: str, key: str,
                 content_type: str, size: int, sha256: str) -> None:
        self.user_id = user_id
        self.purpose = UploadPurpose(purpose)
        self.key = key
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256
