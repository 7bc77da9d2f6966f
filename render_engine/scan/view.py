"""Which side of the person a photo shows, read from BlazePose's landmarks.

- Side views: the shoulders nearly overlap. Their horizontal spread is under `SIDE_RATIO`
  of the trunk's length (shoulders to hips); a front or back view of any build shows
  shoulders about as wide as 0.6-0.9 of that length (biacromial width about 36-41 cm against
  a trunk of 45-55 cm), a side view near 0 (the shoulders' depth is hidden), a 45-degree
  turn about 0.5. The hips must agree: a side view shows them no wider than the shoulders'
  limit either, and BlazePose's depths put one shoulder nearer the camera than their spread
  across the photo (a front view's shoulders lie at one depth). The nose (ahead of the
  ears) says which way the person faces: towards the photo's left is `side_left` (the
  person's left side towards the camera), right `side_right`.
- Front or back, from two cues that fail independently: the face, turned towards the
  camera (BlazePose's depth of the nose is nearer than the shoulders' by `FACE_DEPTH` of the
  trunk's length or more: the nose stands about 10 cm ahead of the shoulders' line, a fifth
  of the trunk) or away from it; and the left/right order (in a front view the person's
  left shoulder and hip are on the photo's right). The face decides when it is clear; the
  order, when shoulders and hips agree, otherwise. Neither clear: not read.
"""

from __future__ import annotations

import numpy as np

from render_engine.scan import person as P

SIDE_RATIO = 0.35
#: Nose ahead of (or behind) the shoulders' midpoint, as a fraction of the trunk's length,
#: for the face to decide front or back (see the module; half the nose's usual lead).
FACE_DEPTH = 0.1


def facing(detection: P.Detection) -> str | None:
    """'front' (the face towards the camera), 'back' (away) or None (not clear or no depth)."""
    if detection.depth is None:
        return None
    trunk = detection.midpoint(P.LEFT_SHOULDER, P.RIGHT_SHOULDER) - detection.midpoint(
        P.LEFT_HIP, P.RIGHT_HIP
    )
    length = float(np.linalg.norm(trunk))
    lead = float(
        (detection.depth[P.LEFT_SHOULDER] + detection.depth[P.RIGHT_SHOULDER]) / 2
        - detection.depth[P.NOSE]
    )
    if length <= 0 or abs(lead) < FACE_DEPTH * length:
        return None
    return "front" if lead > 0 else "back"


def read_view(detection: P.Detection) -> str | None:
    """'front', 'back', 'side_left' or 'side_right'; None when the cues for front or back
    are unclear or disagree (see the module)."""
    lm = detection.landmarks
    shoulders = lm[P.LEFT_SHOULDER, :2] - lm[P.RIGHT_SHOULDER, :2]
    hips = float(lm[P.LEFT_HIP, 0] - lm[P.RIGHT_HIP, 0])
    trunk = detection.midpoint(P.LEFT_SHOULDER, P.RIGHT_SHOULDER) - detection.midpoint(
        P.LEFT_HIP, P.RIGHT_HIP
    )
    length = float(np.linalg.norm(trunk))
    # a side view also turns the shoulders' line towards the camera: their depth apart
    # exceeds their spread across the photo (when BlazePose's depth is known)
    towards = detection.depth is None or abs(
        float(detection.depth[P.LEFT_SHOULDER] - detection.depth[P.RIGHT_SHOULDER])
    ) > abs(float(shoulders[0]))
    if length > 0 and max(abs(float(shoulders[0])), abs(hips)) < SIDE_RATIO * length and towards:
        head = lm[P.NOSE, 0] - (lm[P.LEFT_EAR, 0] + lm[P.RIGHT_EAR, 0]) / 2
        return "side_left" if head < 0 else "side_right"
    face = facing(detection)
    if face is not None:
        return face
    if (shoulders[0] > 0) != (hips > 0):
        return None
    return "front" if shoulders[0] > 0 else "back"


def mismatch_message(label: str, view: str, detection: P.Detection) -> str:
    """Why a photo labelled `label` is read as `view`: the evidence, in words."""
    if view.startswith("side") or label.startswith("side"):
        return (
            f"labelled {label.replace('_', ' ')} but it shows the "
            f"{view.replace('_', ' ')}: the shoulders are "
            + ("nearly behind each other" if view.startswith("side") else "side by side")
        )
    face = facing(detection)
    cue = (
        "the face is turned away from the camera" if face == "back"
        else "the face is turned towards the camera" if face == "front"
        else "the left shoulder is on the photo's "
        + ("left" if view == "back" else "right")
    )
    return f"labelled {label} but it shows the {view}: {cue}"


def view_matches(label: str, view: str) -> bool:
    """A photo labelled `label` showing `view` is fitted as labelled; `custom` accepts any.
    Side photos are fitted as their label says only when the side agrees."""
    return label == "custom" or label == view
