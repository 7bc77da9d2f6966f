"""Avatars and the scan that builds each one.

A scan is requested (queued), picked up by a worker (processing, through the spec's six stages)
and ends completed (the avatar becomes active) or failed. The scan's public id shares the
avatar's UUID (``scan_`` and ``avatar_`` prefixes), so one aggregate answers for both.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidStateTransition

SCAN_STAGES = ("image_analysis", "feature_detection", "mesh_generation", "texture_mapping",
               "optimization", "finalization")
SCAN_TYPES = ("photo_based", "video_based", "body_measurement")


class Avatar(Aggregate):
    class_version = 1
    ScanRequested: ClassVar[type[DomainEvent]]
    ScanStarted: ClassVar[type[DomainEvent]]
    ScanProgressed: ClassVar[type[DomainEvent]]
    ScanCompleted: ClassVar[type[DomainEvent]]
    ScanFailed: ClassVar[type[DomainEvent]]
    Renamed: ClassVar[type[DomainEvent]]
    Archived: ClassVar[type[DomainEvent]]

    @event("ScanRequested")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID, name: str, scan_type: str,
                 inputs: dict[str, Any]) -> None:
        self.user_id = user_id
        self.name = name
        self.scan_type = scan_type
        self.inputs = inputs
        self.scan_status = "queued"
        self.status = "processing"
        self.body: dict[str, Any] | None = None
        self.attempts = 0

    @property
    def finished(self) -> bool:
        return self.scan_status in ("completed", "failed")

    def start_scan(self, attempt: int) -> bool:
        """False when the scan already finished (a redelivered command): nothing to record."""
        if self.finished:
            return False
        self._scan_started(attempt=attempt)
        return True

    @event("ScanStarted")
    def _scan_started(self, attempt: int) -> None:
        self.scan_status = "processing"
        self.attempts = max(self.attempts, attempt)

    def report_progress(self, stage: str, progress: int, message: str) -> bool:
        if self.finished:
            return False
        self._scan_progressed(stage=stage, progress=progress, message=message)
        return True

    @event("ScanProgressed")
    def _scan_progressed(self, stage: str, progress: int, message: str) -> None:
        self.scan_status = "processing"

    def complete_scan(self, result: dict[str, Any]) -> bool:
        if self.finished:
            return False
        self._scan_completed(result=result)
        return True

    @event("ScanCompleted")
    def _scan_completed(self, result: dict[str, Any]) -> None:
        self.scan_status = "completed"
        self.status = "active"
        self.body = result.get("body")

    def fail_scan(self, code: str, message: str) -> bool:
        if self.finished:
            return False
        self._scan_failed(code=code, message=message)
        return True

    @event("ScanFailed")
    def _scan_failed(self, code: str, message: str) -> None:
        self.scan_status = "failed"
        self.status = "archived"

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name

    def archive(self) -> None:
        if self.status == "archived":
            return
        self._archived()

    @event("Archived")
    def _archived(self) -> None:
        self.status = "archived"

    def check_renderable(self) -> dict[str, Any]:
        if self.status != "active" or self.body is None:
            raise InvalidStateTransition(f"The avatar is {self.status}, not active")
        return self.body
