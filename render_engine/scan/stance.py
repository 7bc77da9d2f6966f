"""Is the person standing as a scan needs: upright, knees straight, feet under the hips?

The fit poses the arms and the turn (`posing.py`) but reads the legs as a standing body's, so
a lunge, a squat or a stride makes wrong hips, thighs and height. Two angles from BlazePose's
landmarks in the image plane tell it, whatever the camera:

* each knee's bend, the angle between thigh (hip -> knee) and shin (knee -> ankle): a person
  standing upright bends the knees a few degrees; a projection only makes a bend look
  smaller, so a large one in the photo is a large one on the person;
* the straddle, the angle at the hips' midpoint between the two ankles: feet hip-width apart
  make 10-25 degrees for an adult's legs; a stride or a wide stance more.

The bounds are the scan's own instructions with room for how people stand, not fitted to any
set of photos: `MAX_KNEE_BEND_DEG` is three times the few degrees of a relaxed stance,
`MAX_STRADDLE_DEG` lets the feet be about as far apart as the legs are long / 1.3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from render_engine.scan.person import Detection

MAX_KNEE_BEND_DEG = 30.0
MAX_STRADDLE_DEG = 45.0


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    """Degrees between two (2,) vectors; 0 when either is too short to tell."""
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu < 1e-6 or nv < 1e-6:
        return 0.0
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


def stance_problem(detection: Detection) -> str | None:
    """Why the person is not standing as a scan needs, in words, or None when they are.
    Only legs whose hip, knee and ankle are all visible are judged."""
    from render_engine.scan import person as P

    legs = {"left": (P.LEFT_HIP, P.LEFT_KNEE, P.LEFT_ANKLE),
            "right": (P.RIGHT_HIP, P.RIGHT_KNEE, P.RIGHT_ANKLE)}
    bends = {}
    for side, (hip, knee, ankle) in legs.items():
        if all(detection.visible(i) for i in (hip, knee, ankle)):
            thigh = detection.point(knee) - detection.point(hip)
            shin = detection.point(ankle) - detection.point(knee)
            bends[side] = _angle(thigh, shin)
    bent = {side: bend for side, bend in bends.items() if bend > MAX_KNEE_BEND_DEG}
    if bent:
        side, bend = max(bent.items(), key=lambda item: item[1])
        return (f"the {side} knee is bent by about {bend:.0f} degrees: stand upright with "
                "straight legs")
    if all(detection.visible(i) for i in (P.LEFT_HIP, P.RIGHT_HIP, P.LEFT_ANKLE,
                                          P.RIGHT_ANKLE)):
        hips = detection.midpoint(P.LEFT_HIP, P.RIGHT_HIP)
        straddle = _angle(detection.point(P.LEFT_ANKLE) - hips,
                          detection.point(P.RIGHT_ANKLE) - hips)
        if straddle > MAX_STRADDLE_DEG:
            return (f"the legs are spread {straddle:.0f} degrees apart: stand with the feet "
                    "about hip-width apart")
    return None
