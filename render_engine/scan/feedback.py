"""What a scan tells the person about each photo (or chosen video frame): its pose, accepted
or refused with the reason's code and message, and what was detected drawn over the photo
(the outline and BlazePose's keypoints, and the room's verticals that told the camera's
tilt: `overlay.draw_overlay`), so that a client can show why a photo was refused and what
to change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from render_engine.scan.person import Detection
    from render_engine.scan.quality import PhotoQuality

# Long side of an overlay: enough to see the outline against the body on a phone, small
# enough (about 100 KB as JPEG) to store one per photo of every scan.
OVERLAY_SIDE = 800
OVERLAY_TYPE = "image/jpeg"
# A usable photo whose label is none of front, side or back: the fit cannot place it.
NOT_SCANNED = ("POSE_NOT_SCANNED",
               "the photo scan uses photos labelled front, side or back; this one is not")


@dataclass(frozen=True)
class PhotoFeedback:
    index: int  # the photo's place in the request (or the chosen frame's, for a video)
    pose: str
    accepted: bool  # the fit used it
    code: str | None = None  # why it was refused (`quality.REASONS`, `NOT_SCANNED`)
    message: str | None = None
    overlay: bytes | None = field(default=None, repr=False)  # JPEG; None: nobody was found

    def as_report(self, overlay_key: str | None) -> dict[str, object]:
        """The photo as the scan's events carry it: where its overlay lies, not the image."""
        return {"index": self.index, "pose": self.pose,
                "status": "accepted" if self.accepted else "refused",
                "code": self.code, "message": self.message, "overlayKey": overlay_key}


def photo_feedback(index: int, pose: str, quality: PhotoQuality, used: bool,
                   rgb: np.ndarray | None, detection: Detection | None,
                   verticals: np.ndarray | None = None) -> PhotoFeedback:
    """One photo's feedback; the overlay is drawn whenever a person was found in it (with
    `verticals`, the room's vertical edges read in it: (K, 4) segments)."""
    from render_engine.scan.overlay import draw_overlay

    if used:
        code, message = None, None
    elif quality.reason is not None:
        code, message = quality.reason, quality.message
    else:
        code, message = NOT_SCANNED
    verdict = f"{pose}: accepted" if used else f"{pose}: refused, {code}"
    overlay = None
    if rgb is not None and detection is not None:
        overlay = draw_overlay(rgb, detection, verdict, max_side=OVERLAY_SIDE,
                               image_format="JPEG", verticals=verticals)
    return PhotoFeedback(index, pose, used, code, message, overlay)
