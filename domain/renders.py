"""Try-on renders: a garment of the catalog on an avatar, as an image."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidStateTransition

RENDER_STAGES = ("queued", "asset_loading", "mesh_fitting", "texture_mapping", "lighting_setup",
                 "rendering", "optimization")
FINAL = ("completed", "failed", "cancelled")


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
                 product_id: uuid.UUID, variant_id: str, spec: dict[str, Any],
                 garment: dict[str, Any]) -> None:
        self.user_id = user_id
        self.avatar_id = avatar_id
        self.product_id = product_id
        self.variant_id = variant_id
        self.spec = spec
        self.garment = garment
        self.status = "queued"

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
        self.status = "processing"

    def report_progress(self, stage: str, progress: int) -> bool:
        if self.finished:
            return False
        self._progressed(stage=stage, progress=progress)
        return True

    @event("Progressed")
    def _progressed(self, stage: str, progress: int) -> None:
        self.status = "processing"

    def complete(self, result: dict[str, Any]) -> bool:
        if self.finished:
            return False
        self._completed(result=result)
        return True

    @event("Completed")
    def _completed(self, result: dict[str, Any]) -> None:
        self.status = "completed"

    def fail(self, code: str, message: str, details: dict[str, Any]) -> bool:
        if self.finished:
            return False
        self._failed(code=code, message=message, details=details)
        return True

    @event("Failed")
    def _failed(self, code: str, message: str, details: dict[str, Any]) -> None:
        self.status = "failed"

    def cancel(self) -> None:
        if self.status != "queued":
            raise InvalidStateTransition(f"A render that is {self.status} cannot be cancelled")
        self._cancelled()

    @event("Cancelled")
    def _cancelled(self) -> None:
        self.status = "cancelled"
