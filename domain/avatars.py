"""Avatars and the scan that builds each one.

A scan is requested (queued), picked up by a worker (processing, through the spec's six stages)
and ends completed (the avatar becomes active) or failed. The scan's public id shares the
avatar's UUID (``scan_`` and ``avatar_`` prefixes), so one aggregate answers for both.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, NamedTuple, TypedDict

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import ids
from domain.errors import InvalidInput, InvalidStateTransition
from domain.uploads import uploads_folder

SCAN_STAGES = ("image_analysis", "feature_detection", "mesh_generation", "texture_mapping",
               "optimization", "finalization")


class ScanType(enum.StrEnum):
    PHOTO_BASED = "photo_based"
    VIDEO_BASED = "video_based"
    BODY_MEASUREMENT = "body_measurement"


SCAN_TYPES = tuple(ScanType)


class ScanStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class AvatarStatus(enum.StrEnum):
    PROCESSING = "processing"  # its scan has not finished
    ACTIVE = "active"  # ready to try garments on
    ARCHIVED = "archived"  # put away by its owner, or its scan failed


class ScanPhoto(TypedDict, total=False):
    uploadId: str
    pose: str
    quality: float | None
    key: str  # where the upload lies, added when the scan is requested
    contentType: str
    cameraPitchDeg: float  # as the phone's motion sensor read it, when the request said


class StatedBody(TypedDict):
    """What a person says of their body when asking for a scan."""

    height: float | None
    weight: float | None
    bodyType: str | None
    gender: str | None
    measurements: dict[str, float]


class ScanInputs(StatedBody):
    """What a scan is built from, as the scan command carries it to the workers (and as every
    ScanRequested event has stored it): the photos and the person's stated values."""

    photos: list[ScanPhoto]


class OfferedPhoto(NamedTuple):
    """A scan photo as a scan request names it: the URL of an upload, its pose, its quality
    and the camera's pitch when the phone measured it (degrees down from level)."""

    url: str
    pose: str
    quality: float | None = None
    camera_pitch_deg: float | None = None


# The blob key an upload URL points at, or None when the URL is none of this shop's.
UploadAt = Callable[[str], str | None]


def nothing_uploaded(_url: str) -> None:
    """Where no blob store answers, no URL is an upload."""


def scan_photos(user_id: uuid.UUID, offered: Sequence[OfferedPhoto],
                upload_at: UploadAt) -> list[ScanPhoto]:
    """Each photo must be an upload this person made (its URL is never fetched); a "side"
    pose is the left side."""
    folder = uploads_folder(user_id)
    photos: list[ScanPhoto] = []
    for n, photo in enumerate(offered):
        key = upload_at(photo.url)
        if key is None or not key.startswith(folder):
            raise InvalidInput(f"images.{n}.url",
                               "Use the url of an upload you made with POST /v1/uploads",
                               "INVALID")
        pose = "side_left" if photo.pose == "side" else photo.pose
        scan_photo: ScanPhoto = {"uploadId": key[len(folder):], "pose": pose,
                                 "quality": photo.quality}
        if photo.camera_pitch_deg is not None:
            scan_photo["cameraPitchDeg"] = photo.camera_pitch_deg
        photos.append(scan_photo)
    return photos


class PhotoVerdict(TypedDict, total=False):
    """What a scan says of one of its photos (or chosen video frames), as its ScanCompleted
    and ScanFailed events keep it: the photo's place and pose, ``accepted`` or ``refused``
    with the reason's code and message, and the blob key of the overlay (the photo with what
    was detected drawn over it; None when no person was found)."""

    index: int
    pose: str
    status: str
    code: str | None
    message: str | None
    overlayKey: str | None


PHOTO_STATUSES = ("accepted", "refused")
FEEDBACK_ROOT = "scans/"


def feedback_folder(user_id: uuid.UUID, avatar_id: uuid.UUID) -> str:
    """The blob folder of one scan's overlays. Whose they are shows in the key, as for
    uploads: the file route serves them to that person alone, and erasure removes the
    person's folder whole."""
    return f"{FEEDBACK_ROOT}{ids.encode('usr', user_id)}/{ids.encode('scan', avatar_id)}/"


def feedback_owner(key: str) -> str | None:
    """The public id of the person a scan overlay's key belongs to; None for keys outside
    `FEEDBACK_ROOT`, "" (nobody) for a key inside it that names no person."""
    if not key.startswith(FEEDBACK_ROOT):
        return None
    owner = key[len(FEEDBACK_ROOT):].split("/", 1)[0]
    return owner if ids.decode("usr", owner) is not None else ""


def _text(photo: Mapping[str, object], name: str) -> str | None:
    value = photo.get(name)
    return None if value is None else str(value)[:500]


def photo_verdicts(photos: object, folder: str) -> list[PhotoVerdict]:
    """A worker's photo reports, reduced to the fields and types a verdict has (anything else
    a report carries is not kept in the log). An overlay key outside the scan's own
    ``folder`` is dropped: the API signs these keys for the scan's owner, so no report may
    make it hand out a link to any other file."""
    verdicts: list[PhotoVerdict] = []
    for photo in photos if isinstance(photos, list) else []:
        if not isinstance(photo, dict) or photo.get("status") not in PHOTO_STATUSES:
            continue
        index = photo.get("index")
        key = _text(photo, "overlayKey")
        verdicts.append({"index": index if isinstance(index, int) else len(verdicts),
                         "pose": _text(photo, "pose") or "", "status": str(photo["status"]),
                         "code": _text(photo, "code"), "message": _text(photo, "message"),
                         "overlayKey": key if key and key.startswith(folder) else None})
    return verdicts


# The fitted body a scan produces: the render engine's parameters, opaque to the shop, kept to
# be handed to the engine with every render of the avatar.
BodyModel = dict[str, object]
# A worker's report of a finished scan (body, measurements, quality, file keys).
ScanResult = Mapping[str, object]


class Avatar(Aggregate):
    class_version = 1
    ScanRequested: ClassVar[type[DomainEvent]]
    ScanStarted: ClassVar[type[DomainEvent]]
    ScanProgressed: ClassVar[type[DomainEvent]]
    ScanCompleted: ClassVar[type[DomainEvent]]
    Renamed: ClassVar[type[DomainEvent]]
    Archived: ClassVar[type[DomainEvent]]

    @event("ScanRequested")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID, name: str, scan_type: str,
                 inputs: ScanInputs) -> None:
        self.user_id = user_id
        self.name = name
        self.scan_type = ScanType(scan_type)
        self.inputs = inputs
        self.scan_status = ScanStatus.QUEUED
        self.status = AvatarStatus.PROCESSING
        self.body: BodyModel | None = None
        self.attempts = 0

    @property
    def feedback_folder(self) -> str:
        return feedback_folder(self.user_id, self.id)

    @property
    def finished(self) -> bool:
        return self.scan_status in (ScanStatus.COMPLETED, ScanStatus.FAILED)

    def start_scan(self, attempt: int) -> bool:
        """False when the scan already finished (a redelivered command): nothing to record."""
        if self.finished:
            return False
        self._scan_started(attempt=attempt)
        return True

    @event("ScanStarted")
    def _scan_started(self, attempt: int) -> None:
        self.scan_status = ScanStatus.PROCESSING
        self.attempts = max(self.attempts, attempt)

    def report_progress(self, stage: str, progress: int, message: str) -> bool:
        if self.finished:
            return False
        self._scan_progressed(stage=stage, progress=progress, message=message)
        return True

    @event("ScanProgressed")
    def _scan_progressed(self, stage: str, progress: int, message: str) -> None:
        self.scan_status = ScanStatus.PROCESSING

    def complete_scan(self, result: ScanResult) -> bool:
        if self.finished:
            return False
        result = dict(result)
        if "photos" in result:
            result["photos"] = photo_verdicts(result["photos"], self.feedback_folder)
        self._scan_completed(result=result)
        return True

    @event("ScanCompleted")
    def _scan_completed(self, result: dict[str, object]) -> None:
        self.scan_status = ScanStatus.COMPLETED
        self.status = AvatarStatus.ACTIVE
        body = result.get("body")
        self.body = body if isinstance(body, dict) else None

    def fail_scan(self, code: str, message: str, photos: object = None) -> bool:
        """``photos``: the worker's report of each photo (see `photo_verdicts`)."""
        if self.finished:
            return False
        self._scan_failed(code=code, message=message,
                          photos=photo_verdicts(photos, self.feedback_folder))
        return True

    class ScanFailed(Aggregate.Event):
        """v2 keeps each photo's verdict (v1 had none: an empty list)."""

        class_version = 2
        code: str
        message: str
        photos: list[PhotoVerdict]

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["photos"] = []

    @event(ScanFailed)
    def _scan_failed(self, code: str, message: str, photos: list[PhotoVerdict]) -> None:
        self.scan_status = ScanStatus.FAILED
        self.status = AvatarStatus.ARCHIVED

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name

    def archive(self) -> None:
        if self.status == AvatarStatus.ARCHIVED:
            return
        self._archived()

    @event("Archived")
    def _archived(self) -> None:
        self.status = AvatarStatus.ARCHIVED

    def check_renderable(self) -> BodyModel:
        if self.status != AvatarStatus.ACTIVE or self.body is None:
            raise InvalidStateTransition(f"The avatar is {self.status}, not active")
        return self.body
