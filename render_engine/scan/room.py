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

The lines left out first say more: they meet on the horizon, at the vanishing point of a
horizontal direction, and any horizontal direction is square to the vertical. For two
square directions' vanishing points v1 and v2 (pixels from the centre, the lens's axis),
`v1 . v2 = -focal_px ** 2`: the room gives the focal length too (Hartley & Zisserman,
"Multiple View Geometry", 8.8), where no EXIF does. It is only as good as the tilt is
large: a level phone sees the verticals parallel and the horizon through the centre, and
their product tells nothing; a reading whose precision does not beat `MAX_FOCAL_LOG_SD`
is not given.
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
#: The focal length from the room counts when its standard deviation, in log, is at most
#: this (half the phone prior's spread, `camera.FOCAL_LOG_SD`: a reading that narrows it
#: less is not worth a model's error, lines taken for horizontal that are not), the
#: receding lines are at least `MIN_INLIERS`, and it lies within `FOCAL_RANGE` of the
#: focal length given (a phone's lenses: 13-77 mm in 35 mm terms about a 26 mm prior).
MAX_FOCAL_LOG_SD = 0.15
FOCAL_RANGE = (0.5, 3.0)
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
    the segments it rests on ((K, 4): x0, y0, x1, y1 in the photo's pixels); where the
    horizon's lines tell it, the focal length (pixels) and its standard deviation in log."""

    tilt_per_px: float
    tilt_sd_per_px: float
    roll_deg: float
    segments: np.ndarray = field(compare=False, repr=False)
    focal_px: float | None = None
    focal_log_sd: float | None = None

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
    # away from the person: a segment passing behind a hand or an arm (a door's frame) keeps
    # its longest piece clear of the grown mask, if still long enough (one piece: two
    # pieces of one edge are not two edges agreeing)
    shortest = MIN_SEGMENT * gray.shape[0]
    pieces: list[np.ndarray] = []
    for x0, y0, x1, y1 in seg:
        longest: np.ndarray | None = None
        t = np.linspace(0.0, 1.0, max(2, int(math.hypot(x1 - x0, y1 - y0) / 2) + 1))
        xs = np.clip(np.round(x0 + t * (x1 - x0)), 0, gray.shape[1] - 1).astype(int)
        ys = np.clip(np.round(y0 + t * (y1 - y0)), 0, gray.shape[0] - 1).astype(int)
        clear = np.concatenate([[False], ~near[ys, xs], [False]])
        edges = np.flatnonzero(np.diff(clear.astype(np.int8)))
        for start, stop in zip(edges[::2], edges[1::2] - 1, strict=True):
            a, b = t[start], t[stop]
            piece = np.array([x0 + a * (x1 - x0), y0 + a * (y1 - y0),
                              x0 + b * (x1 - x0), y0 + b * (y1 - y0)])
            extent = math.hypot(piece[2] - piece[0], piece[3] - piece[1])
            if extent >= shortest and (longest is None or extent > math.hypot(
                    longest[2] - longest[0], longest[3] - longest[1])):
                longest = piece
        if longest is not None:
            pieces.append(longest)
    if not pieces:
        return np.zeros((0, 4))
    return np.asarray(np.stack(pieces) / scale)


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


def _meeting_point(
    directions: np.ndarray, mids: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The point (2,) the segments (unit `directions` and middles (K, 2), centred pixels)
    meet at, least squares on their angles as `room_verticals` fits the verticals, and its
    (2, 2) covariance; None where they do not pin one down."""
    from scipy.optimize import least_squares

    # a start: the point nearest to every segment's line, long segments weighing most
    normals = np.stack([-directions[:, 1], directions[:, 0]], axis=1)
    w = length**2
    a = (normals * w[:, None]).T @ normals
    b = (normals * w[:, None]).T @ (normals * mids).sum(axis=1)
    try:
        start = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return None

    def residuals(p: np.ndarray) -> np.ndarray:
        towards = p[None, :] - mids
        towards = towards / np.maximum(np.linalg.norm(towards, axis=1, keepdims=True), 1e-9)
        towards *= np.sign((towards * directions).sum(axis=1, keepdims=True) + 1e-12)
        return np.asarray(_angles(directions, towards) * length / END_TOLERANCE_PX)

    fit = least_squares(residuals, start)
    dof = max(1, len(length) - 2)
    sigma2 = max(2 * fit.cost / dof, (1.0 / END_TOLERANCE_PX) ** 2)
    try:
        covariance = np.linalg.inv(fit.jac.T @ fit.jac) * sigma2
    except np.linalg.LinAlgError:
        return None
    return np.asarray(fit.x), np.asarray(covariance)


def focal_from_horizon(
    tilt_per_px: float, roll: float, tilt_roll_cov: np.ndarray,
    horizon: np.ndarray, horizon_cov: np.ndarray,
) -> tuple[float, float] | None:
    """The focal length (pixels) and its standard deviation in log that the vertical
    vanishing point (`tilt_per_px`, `roll` radians; their (2, 2) covariance) and the
    vanishing point of a horizontal direction (`horizon`: (2,) centred pixels, its (2, 2)
    covariance) give: `v1 . v2 = -focal ** 2` for square directions. None where their
    product does not say a positive square."""
    if tilt_per_px == 0:  # a level phone: the verticals meet nowhere
        return None
    s, c = math.sin(roll), math.cos(roll)
    x, y = float(horizon[0]), float(horizon[1])
    square = (x * s - y * c) / tilt_per_px  # -(horizon . vertical point)
    if not math.isfinite(square) or square <= 0:
        return None
    # first-order propagation of both points' uncertainties
    jac = np.array([-square / tilt_per_px, (x * c + y * s) / tilt_per_px,
                    s / tilt_per_px, -c / tilt_per_px])
    cov = np.zeros((4, 4))
    cov[:2, :2], cov[2:, 2:] = tilt_roll_cov, horizon_cov
    sd = math.sqrt(max(float(jac @ cov @ jac), 0.0))
    return math.sqrt(square), sd / (2 * square)


def room_verticals(
    rgb: np.ndarray, detection: P.Detection, focal_px: float, seed: int = 0,
    focal_known: bool = True,
) -> RoomVerticals | None:
    """The camera's tilt and roll from the room's verticals in `rgb` (H, W, 3 uint8), the
    person (`detection`) left out; None where the photo does not show enough of them; and
    the focal length where the horizon's lines tell it. `focal_px`: the photo's focal
    length (`focal_known`), or the phone prior's (then the room's own, where it reads one,
    judges the precision in degrees); it bounds the tilts looked for."""
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
    # the focal length, where the lines receding to the horizon are enough to place it
    focal: tuple[float, float] | None = None
    if receding is not None and receding.sum() >= MIN_INLIERS:
        met = _meeting_point(directions[receding], mids[receding], length[receding])
        if met is not None:
            scale = np.array([1.0 / focal_px, 1.0])  # x[0] is the tilt times focal_px
            focal = focal_from_horizon(tilt, roll, covariance * np.outer(scale, scale), *met)
        if focal is not None and (
                focal[1] > MAX_FOCAL_LOG_SD
                or not FOCAL_RANGE[0] <= focal[0] / focal_px <= FOCAL_RANGE[1]):
            focal = None
    judged = focal[0] if focal is not None and not focal_known else focal_px
    spread = float(np.std(mids[best, 0])) / w
    if (length[best].sum() < MIN_TOTAL_LENGTH * h or spread < MIN_SPREAD
            or abs(tilt) > bound
            or RoomVerticals(tilt, tilt_sd, 0.0, seg).pitch_sd_deg(judged)
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
                         roll_deg=math.degrees(roll), segments=seg[best] + centre,
                         focal_px=None if focal is None else focal[0],
                         focal_log_sd=None if focal is None else focal[1])
