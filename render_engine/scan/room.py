"""The camera's pitch and roll from the room's vertical edges: door frames, the corners of
walls, furniture, striped wallpaper.

A phone tilted down by a pitch sees the room's verticals converge towards a point below the
photo (up: above), `focal_px / tan(pitch)` from the photo's centre, in the direction the
roll turns; a level phone sees them parallel, tilted by the roll. The person's own rows
hardly tell the pitch (a tilt and a lens height trade against each other: `camera`), the
room's verticals tell it directly wherever the photo shows some, which most photos taken in
a room do.

What they give, without the focal length: `tilt_per_px` = tan(pitch) / focal_px (the
vanishing point's distance from the centre is its inverse) and the roll. With the focal
length (EXIF, or each candidate of `camera.estimate_shared_focal`) that is the pitch.

How: OpenCV's line segment detector (LSD) on the photo, the segments away from the person
(the person's mask, grown) kept. The lines that meet inside the photo, on the horizon (a
floor's planks, a ceiling's or a rug's edges running away from the camera: near the middle
column some look upright) are found first and left out. Among the rest within
`MAX_LEAN_DEG` of the photo's vertical, a RANSAC over pairs of segments (their
intersection is a candidate vanishing point) picks the largest set that converges to one
point beyond a `MAX_PITCH_DEG` tilt's, and least squares on that set's angles (each
segment's end offset in pixels: long segments count most) refines it and says how well it
is known. A reading is given only when enough long segments, spread across the photo,
agree with it, and the person's own axis (ankles to shoulders) stands along it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from render_engine.scan import person as P

#: Segments leaning further from the photo's vertical are not taken for a room's verticals:
#: a vertical leans by atan(x * tan(pitch) / f) at x from the centre, under 20 degrees for
#: a pitch up to 20 degrees at the edge of a wide (75 degrees across) photo, plus the roll.
MAX_LEAN_DEG = 25.0
#: The pitch a reading may give at the phone prior's focal length (degrees): farther tilts
#: are another family of lines (the floor's planks converge on the horizon), not verticals.
MAX_PITCH_DEG = 25.0
#: Shortest segment kept, as a fraction of the photo's height: a short one's angle is
#: known to a degree or worse (LSD finds its ends to about a pixel).
MIN_SEGMENT = 0.04
#: An inlier's angle may stray from the vanishing point's direction by this many pixels
#: over its length at its ends (LSD's ends are good to about a pixel), or 0.25 degrees.
END_TOLERANCE_PX = 1.5
MIN_ANGLE_TOLERANCE_DEG = 0.25
#: Enough evidence: segments agreeing, their total length (photo heights) and their spread
#: across the photo (standard deviation of their columns over its width; the pitch shows
#: as the lean of verticals away from the centre column), and the pitch known to this much
#: (one standard deviation, degrees, at the prior's focal length).
MIN_INLIERS = 4
MIN_TOTAL_LENGTH = 0.6
MIN_SPREAD = 0.08
MAX_PITCH_SD_DEG = 1.0
#: The person's axis (ankles' midpoint to shoulders' midpoint) may lean from the room's
#: vertical through it by this much (degrees): a person stands upright within a few degrees;
#: more says the segments are not the room's verticals.
MAX_AXIS_DISAGREEMENT_DEG = 4.0
RANSAC_TRIALS = 300
#: Photos are read at most this many rows high (LSD's time grows with the pixels).
MAX_ROWS = 1280


def pitch_from_tilt(tilt_per_px: float, focal_px: float) -> float:
    """The pitch (degrees) that a tilt per pixel (tan(pitch) / focal_px) gives at a focal
    length."""
    return math.degrees(math.atan(focal_px * tilt_per_px))


@dataclass(frozen=True)
class RoomVerticals:
    """What a photo's room says of its camera: tan(pitch) / focal_px (1/px, positive looking
    down), its standard deviation, the roll (degrees, as `camera.PhotoCamera.roll_deg`) and
    the segments it rests on ((K, 4): x0, y0, x1, y1 in the photo's pixels)."""

    tilt_per_px: float
    tilt_sd_per_px: float
    roll_deg: float
    segments: np.ndarray = field(compare=False, repr=False)

    def pitch_deg(self, focal_px: float) -> float:
        return pitch_from_tilt(self.tilt_per_px, focal_px)

    def pitch_sd_deg(self, focal_px: float) -> float:
        tan = focal_px * self.tilt_per_px
        return math.degrees(focal_px * self.tilt_sd_per_px / (1 + tan * tan))


def predicted_directions(
    tilt_per_px: float, roll: float, points: np.ndarray
) -> np.ndarray:
    """(K, 2) unit image directions (pointing down the photo) of the verticals through
    `points` (K, 2: pixels from the photo's centre) for a camera of `tilt_per_px` and `roll`
    (radians). The vanishing point sits at (-sin roll, cos roll) / tilt_per_px."""
    d = np.stack([-math.sin(roll) - tilt_per_px * points[:, 0],
                  math.cos(roll) - tilt_per_px * points[:, 1]], axis=1)
    d *= np.sign(d[:, 1:2] + 1e-12)
    return np.asarray(d / np.linalg.norm(d, axis=1, keepdims=True))


def _angles(directions: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(K,) signed angles (radians) from each predicted direction to the segment's."""
    cross = predicted[:, 0] * directions[:, 1] - predicted[:, 1] * directions[:, 0]
    dot = (predicted * directions).sum(axis=1)
    return np.asarray(np.arctan2(cross, dot))


def _segments(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(K, 4) segments (x0, y0, x1, y1 in the photo's pixels, y0 < y1) away from the
    person, long enough and leaning under 80 degrees from the photo's vertical."""
    import cv2

    h, w = rgb.shape[:2]
    scale = min(1.0, MAX_ROWS / h)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    person: np.ndarray = mask.astype(np.uint8)
    if scale < 1.0:
        size = (int(round(w * scale)), int(round(h * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        person = cv2.resize(person, size, interpolation=cv2.INTER_NEAREST)
    # the person's outline, hair and shadow are not the room's: a margin of 3 % of the height
    grow = max(3, int(round(0.03 * gray.shape[0])))
    near = cv2.dilate(person, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)) > 0
    found = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(gray)[0]
    if found is None:
        return np.zeros((0, 4))
    seg = found.reshape(-1, 4).astype(np.float64)
    seg = np.where((seg[:, 1] > seg[:, 3])[:, None], seg[:, [2, 3, 0, 1]], seg)
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    length = np.hypot(dx, dy)
    lean = np.degrees(np.abs(np.arctan2(dx, dy)))
    keep = (length >= MIN_SEGMENT * gray.shape[0]) & (lean <= 80.0)
    seg = seg[keep]
    # away from the person: none of five points along the segment in the grown mask
    t = np.linspace(0.0, 1.0, 5)[None, :]
    xs = np.clip(np.round(seg[:, [0]] + t * (seg[:, [2]] - seg[:, [0]])), 0, gray.shape[1] - 1)
    ys = np.clip(np.round(seg[:, [1]] + t * (seg[:, [3]] - seg[:, [1]])), 0, gray.shape[0] - 1)
    clear = ~near[ys.astype(int), xs.astype(int)].any(axis=1)
    return np.asarray(seg[clear] / scale)


def _from_pair(a: np.ndarray, b: np.ndarray) -> tuple[float, float] | None:
    """The (tilt_per_px, roll) whose vanishing point both segments (centred pixels) point
    to, or None for parallel or crossing-in-the-photo segments."""
    la = np.cross(np.append(a[:2], 1.0), np.append(a[2:], 1.0))
    lb = np.cross(np.append(b[:2], 1.0), np.append(b[2:], 1.0))
    v = np.cross(la, lb)  # (x, y, w): the vanishing point is (x, y) / w
    norm = math.hypot(v[0], v[1])
    if norm < 1e-12:
        return None
    # the direction (x, y) of the vanishing point, pointing down; w / |(x, y)| is 1 / distance
    if v[1] < 0:
        v = -v
    roll = math.atan2(-v[0], v[1])
    return float(v[2] / norm), roll


def room_verticals(
    rgb: np.ndarray, detection: P.Detection, focal_px: float, seed: int = 0
) -> RoomVerticals | None:
    """The camera's tilt and roll from the room's verticals in `rgb` (H, W, 3 uint8), the
    person (`detection`) left out; None where the photo does not show enough of them.
    `focal_px`: the photo's focal length, or the phone prior's (only to judge the bounds
    and the precision in degrees)."""
    from scipy.optimize import least_squares

    h, w = rgb.shape[:2]
    seg = _segments(rgb, detection.mask)
    if len(seg) < MIN_INLIERS:
        return None
    centre = np.array([w / 2, h / 2, w / 2, h / 2])
    seg = seg - centre
    mids = (seg[:, :2] + seg[:, 2:]) / 2  # (K, 2)
    vec = seg[:, 2:] - seg[:, :2]
    length = np.linalg.norm(vec, axis=1)
    directions = vec / length[:, None]
    upright = np.degrees(np.abs(np.arctan2(vec[:, 0], vec[:, 1]))) <= MAX_LEAN_DEG
    tolerance = np.maximum(np.radians(MIN_ANGLE_TOLERANCE_DEG), 2 * END_TOLERANCE_PX / length)
    tan_max = math.tan(math.radians(MAX_PITCH_DEG))
    bound = tan_max / focal_px
    rng = np.random.default_rng(seed)

    def inliers(tilt: float, roll: float) -> np.ndarray:
        angles = _angles(directions, predicted_directions(tilt, roll, mids))
        return np.asarray(np.abs(angles) <= tolerance)

    def converging(among: np.ndarray, near: bool) -> np.ndarray | None:
        """The segments of `among` (K,) bool that meet at one point, the set of the longest
        total length (RANSAC over pairs, long segments drawn first): a point further from
        the centre than a vertical's at `MAX_PITCH_DEG` with `near` False, one nearer than
        the horizon at that pitch with `near` True."""
        index = np.flatnonzero(among)
        if len(index) < 2:
            return None
        weights = length[index] / length[index].sum()
        best: np.ndarray | None = None
        for _ in range(RANSAC_TRIALS):
            i, j = rng.choice(index, size=2, replace=False, p=weights)
            pair = _from_pair(seg[i], seg[j])
            if pair is None:
                continue
            # the meeting point's distance from the centre, over the focal length
            distance = 1.0 / max(abs(pair[0]) * focal_px, 1e-12)
            if (distance > tan_max) if near else (distance < 1.0 / tan_max):
                continue
            found = inliers(*pair) & among
            if best is None or length[found].sum() > length[best].sum():
                best = found
        return best

    # a floor's planks (and the lines of a ceiling, a rug, a table) run away from the camera
    # and meet on the horizon, inside the photo: near the middle column some look upright.
    # Their meeting point is found first and its lines left out of the verticals.
    receding = converging(np.ones(len(seg), bool), near=True)
    if receding is not None and receding.sum() >= 3:
        upright &= ~receding
    best = converging(upright, near=False)
    if best is None or best.sum() < MIN_INLIERS:
        return None

    def residuals(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
        # pixels: how far each segment's end strays from the line through its middle
        # towards the vanishing point (a segment's angle is known to about a pixel over
        # its length, so long ones count most)
        angles = _angles(directions[keep], predicted_directions(x[0] / focal_px, x[1],
                                                                mids[keep]))
        return np.asarray(angles * length[keep] / END_TOLERANCE_PX)

    x0 = np.array([0.0, 0.0])
    for _ in range(2):  # refine, then take the inliers of the refined point once more
        fit = least_squares(residuals, x0, args=(best,))
        x0 = fit.x
        best = inliers(x0[0] / focal_px, x0[1]) & upright
        if best.sum() < MIN_INLIERS:
            return None
    fit = least_squares(residuals, x0, args=(best,))
    tilt, roll = fit.x[0] / focal_px, float(fit.x[1])
    dof = max(1, int(best.sum()) - 2)
    # the residuals are in units of END_TOLERANCE_PX; fewer segments than it takes to see
    # their scatter are taken to scatter by a pixel at least (bent edges, a lens's distortion)
    sigma2 = max(2 * fit.cost / dof, (1.0 / END_TOLERANCE_PX) ** 2)
    try:
        covariance = np.linalg.inv(fit.jac.T @ fit.jac) * sigma2
    except np.linalg.LinAlgError:
        return None
    tilt_sd = math.sqrt(max(covariance[0, 0], 0.0)) / focal_px
    spread = float(np.std(mids[best, 0])) / w
    if (length[best].sum() < MIN_TOTAL_LENGTH * h or spread < MIN_SPREAD
            or abs(tilt) > bound
            or RoomVerticals(tilt, tilt_sd, 0.0, seg).pitch_sd_deg(focal_px)
            > MAX_PITCH_SD_DEG):
        return None
    # the person's axis stands along the room's vertical through it
    feet = detection.midpoint(P.LEFT_ANKLE, P.RIGHT_ANKLE) - centre[:2]
    shoulders = detection.midpoint(P.LEFT_SHOULDER, P.RIGHT_SHOULDER) - centre[:2]
    axis = feet - shoulders
    axis = axis / max(1e-9, float(np.linalg.norm(axis)))
    along = predicted_directions(tilt, roll, ((feet + shoulders) / 2)[None, :])
    if math.degrees(abs(_angles(axis[None, :], along)[0])) > MAX_AXIS_DISAGREEMENT_DEG:
        return None
    return RoomVerticals(tilt_per_px=tilt, tilt_sd_per_px=tilt_sd,
                         roll_deg=math.degrees(roll), segments=seg[best] + centre)
