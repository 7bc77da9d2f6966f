"""Typed errors of the photo scan."""

from __future__ import annotations

from collections.abc import Sequence

from render_engine.errors import RenderEngineError
from render_engine.scan.feedback import PhotoFeedback


class ScanRejected(RenderEngineError):
    """The photos cannot make a body. `code` says why; `reasons` maps a photo (its index and
    pose, e.g. ``"0:front"``) to that photo's reason code (``IMAGE_BLURRY``...); `feedback`
    is each photo's verdict and overlay, when the photos were looked at."""

    code = "SCAN_REJECTED"

    def __init__(
        self, message: str, code: str | None = None, reasons: dict[str, str] | None = None,
        feedback: Sequence[PhotoFeedback] = (),
    ) -> None:
        super().__init__(message, code)
        self.reasons = dict(reasons or {})
        self.feedback = list(feedback)


class ScanCancelled(RenderEngineError):
    """The caller's `is_cancelled` returned True between two stages."""

    code = "SCAN_CANCELLED"
