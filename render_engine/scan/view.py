"""Which side of the person a photo shows, read from BlazePose's landmarks.

- Side views: the shoulders nearly overlap. Their horizontal spread is under `SIDE_RATIO`
  of the trunk's length (shoulders to hips); a front or back view of any build shows
  shoulders about as wide as 0.6-0.9 of that length, a side view near 0, a 45-degree turn
  about 0.5. The nose (ahead of the ears) says which way the person faces: towards the
  photo's left is `side_left` (the person's left side towards the camera), right `side_right`.
- Front or back: in a front view the person's left shoulder (and hip) is on the photo's right;
  when shoulders and hips disagree the view is not read.
"""

from __future__ import annotations

import numpy as np

from render_engine.scan import person as P

SIDE_RATIO = 0.35


def read_view(detection: P.Detection) -> str | None:
    """'front', 'back', 'side_left' or 'side_right'; None when the shoulders and the hips
    disagree on front or back (the landmarks are not sure)."""
    lm = detection.landmarks
    shoulders = lm[P.LEFT_SHOULDER, :2] - lm[P.RIGHT_SHOULDER, :2]
    trunk = detection.midpoint(P.LEFT_SHOULDER, P.RIGHT_SHOULDER) - detection.midpoint(
        P.LEFT_HIP, P.RIGHT_HIP
    )
    length = float(np.linalg.norm(trunk))
    if length > 0 and abs(float(shoulders[0])) < SIDE_RATIO * length:
        head = lm[P.NOSE, 0] - (lm[P.LEFT_EAR, 0] + lm[P.RIGHT_EAR, 0]) / 2
        return "side_left" if head < 0 else "side_right"
    hips = lm[P.LEFT_HIP, 0] - lm[P.RIGHT_HIP, 0]
    if (shoulders[0] > 0) != (hips > 0):
        return None
    return "front" if shoulders[0] > 0 else "back"


def view_matches(label: str, view: str) -> bool:
    """A photo labelled `label` showing `view` is fitted as labelled; `custom` accepts any.
    Side photos are fitted as their label says only when the side agrees."""
    return label == "custom" or label == view


#: Least angle (degrees) between an arm (shoulder to wrist) and the trunk (shoulder to hip)
#: of a front or back photo: an arm held closer covers the trunk's outline, whose width the
#: fit measures there (the A-pose holds the arms about 45 degrees out).
MIN_ARM_ANGLE_DEG = 20.0


def arm_angles(detection: P.Detection) -> tuple[float, float]:
    """Degrees between each arm (shoulder to wrist) and the trunk's side (shoulder to hip),
    left and right."""
    out = []
    for shoulder, wrist, hip in (
        (P.LEFT_SHOULDER, P.LEFT_WRIST, P.LEFT_HIP), (P.RIGHT_SHOULDER, P.RIGHT_WRIST, P.RIGHT_HIP)
    ):
        arm = detection.point(wrist) - detection.point(shoulder)
        side = detection.point(hip) - detection.point(shoulder)
        cos = float(arm @ side) / max(1e-9, float(np.linalg.norm(arm) * np.linalg.norm(side)))
        out.append(float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))))
    return out[0], out[1]


def arms_cover_trunk(detection: P.Detection, view: str) -> bool:
    """A front or back photo whose arms hang against the trunk (see `MIN_ARM_ANGLE_DEG`);
    side photos may hold the arms down."""
    if view not in ("front", "back"):
        return False
    return min(arm_angles(detection)) < MIN_ARM_ANGLE_DEG
