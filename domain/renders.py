"""Try-on renders: a garment of the catalog on an avatar, as an image."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from typing import ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidStateTransition

RENDER_STAGES = ("queued", "asset_loading", "mesh_fitting", "texture_mapping", "lighting_setup",
                 "rendering", "optimization")


class RenderStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = (RenderStatus.COMPLETED, RenderStatus.FAILED, RenderStatus.CANCELLED)

# What the render engine is handed and hands back. The shop keeps them as they are: the pose,
# lighting, camera and output (validated by ``render_engine.request.RenderSpec`` before a
# render is requested), the garment (``domain.catalog.Garment`` in the engine's words) with
# the avatar's body, and the engine's result and failure details.
RenderRequest = dict[str, object]
GarmentOnBody = dict[str, object]
EngineReport = Mapping[str, object]


class Render(Aggregate):
    class_version = 1
    Requested: ClassVar[type[DomainEvent]]
    Started: ClassVar[type[DomainEvent]]
    Progressed: ClassVar[type[DomainEvent]]
    Completed: ClassVar[type[DomainEvent]]
    Failed: ClassVar[type[DomainEvent]]
    Cancelled: ClassVar[type[DomainEvent]]

    @event("Requested")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID, avatar_id: uuid.UUID,
                 product_id: uuid.UUID, variant_id: str, spec: RenderRequest,
                 garment: GarmentOnBody) -> None:
        self.user_id = user_id
        self.avatar_id = avatar_id
        self.product_id = product_id
        self.variant_id = variant_id
        self.spec = spec
        self.garment = garment
        self.status = RenderStatus.QUEUED

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def start(self, attempt: int) -> bool:
        if self.finished:
            return False
        self._started(attempt=attempt)
        return True

    @event("Started")
    def _started(self, attempt: int) -> None:
        self.status = RenderStatus.PROCESSING

    def report_progress(self, stage: str, progress: int) -> bool:
        if self.finished:
            return False
        self._progressed(stage=stage, progress=progress)
        return True

    @event("Progressed")
    def _progressed(self, stage: str, progress: int) -> None:
        self.status = RenderStatus.PROCESSING

    def complete(self, result: EngineReport) -> bool:
        if self.finished:
            return False
        self._completed(result=dict(result))
        return True

    @event("Completed")
    def _completed(self, result: dict[str, object]) -> None:
        self.status = RenderStatus.COMPLETED

    def fail(self, code: str, message: str, details: EngineReport) -> bool:
        if self.finished:
            return False
        self._failed(code=code, message=message, details=dict(details))
        return True

    @event("Failed")
    def _failed(self, code: str, message: str, details: dict[str, object]) -> None:
        self.status = RenderStatus.FAILED

    def cancel(self) -> None:
        if self.status != RenderStatus.QUEUED:
            raise InvalidStateTransition(f"A render that is {self.status} cannot be cancelled")
        self._cancelled()

    @event("Cancelled")
    def _cancelled(self) -> None:
        self.status = RenderStatus.CANCELLED
