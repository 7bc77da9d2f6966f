"""Each photo's camera, estimated from the person in it, and the photo brought into the fit's
reference view.

No distance, lens height, field of view, aspect or framing is assumed. Per photo:

1. Focal length: from EXIF (`decode`), else chosen with the camera (`estimate_shared_focal`)
   about the prior of a phone's main lens (26 mm in 35 mm terms, the usual main camera of
   current phones).
2. Roll: the tilt of the person's axis (ankles' midpoint to shoulders' midpoint) from the
   photo's vertical, undone by a rotation about the principal point (the photo's centre).
3. Pitch, distance and lens height, jointly with the body: least squares of the photo's
   rows (roll undone) of the soles and the crown (the mask's bottom and top) and of the
   ankles, knees, hips and shoulders (BlazePose) against the same points of the body being
   fitted (its lowest and highest vertices, anny's joints), turned as in the photo and
   projected by the candidate camera. A level camera sees heights on the person at rows
   linear in height, a tilted one does not (its rows follow tan): that and the joints'
   spacing give the pitch, the soles-to-crown span the distance. Each row's error counts in
   metres at the person over its own tolerance (the outline's ends 1 cm, a landmark 3 cm:
   a landmark is not at anny's joint), and the pitch has a weak prior about level (10
   degrees): a tilt and a lens height trade against each other, and without the prior the
   landmarks' offsets tilted the estimate by 5-10 degrees, which with the lens height it
   drags along shrinks or widens the person's widths against their height by up to 10 %.
   The pipeline solves it with the start body, then again with the fitted one, and lets
   photos taken from one spot share the front photo's pitch and roll (`pipeline`; or, when
   the front photo lost part of the outline, another photo's).
4. Reference view: the levelled photo differs from the fit's reference camera
   (`protocol`: level, 2.5 m, lens at 1.0 m, 60 degrees vertical, 3:4) by a scale and a shift
   for every point at the person's depth, so the mask is resampled into that view (one
   `grid_sample` through the combined homography) with the person's axis on the centre
   column. What remains is the perspective of points off the person's axis plane (a few
   millimetres over a trunk's depth), small against the silhouette's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from render_engine.scan import person as P
from render_engine.scan.decode import FILM_DIAGONAL_MM
from render_engine.scan.room import pitch_from_tilt

PRIOR_FOCAL_35MM = 26.0
#: How far (m, at the person) each measured row may stray from the same point of the body:
#: the mask's top and bottom are the body's own outline, good to about a pixel of
#: BlazePose's segmentation (about 1 cm on a person filling its crop); a landmark's row
#: lies on the limb's visible middle, not at anny's joint (see `posing.KEYPOINT_TOLERANCE_M`).
OUTLINE_TOLERANCE_M = 0.01
JOINT_TOLERANCE_M = 0.03
#: Prior spread of the pitch (degrees) about level: a phone framing a standing person, held
#: or propped, is seldom tilted further; the rows of one person say little of the pitch
#: (a tilt and a lens height trade against each other), so without a prior a landmark's
#: offset from anny's joint alone can tilt the estimate by 10 degrees.
PITCH_SD_DEG = 10.0
MAX_PITCH_DEG = 20.0
MAX_ROLL_DEG = 10.0


@dataclass(frozen=True)
class PhotoCamera:
    """The camera of one photo (pixels of the decoded photo, metres, degrees)."""

    focal_px: float
    focal_source: str  # "exif_35mm", "exif_sensor", "room", "estimated" or "prior"
    width: int
    height: int
    pitch_deg: float  # positive: looking down
    roll_deg: float  # positive: the photo turned clockwise against the level horizon
    distance_m: float  # lens to the person's axis, horizontally
    lens_height_m: float
    residual_px: float  # rms of the rows' errors (soles, crown, joints) of the fit, pixels
    misfit: float = 0.0  # half the sum of squares of `estimate_camera`'s residuals
    #: where the pitch came from: "sensor" (the phone's reading), "room" (the room's
    #: verticals, `room`) or "estimated" (the person's rows)
    pitch_source: str = "estimated"

    @property
    def vertical_fov_deg(self) -> float:
        return math.degrees(2 * math.atan(self.height / 2 / self.focal_px))

    def as_report(self) -> dict[str, float | str]:
        return {
            "focalPx": round(self.focal_px, 1), "focalSource": self.focal_source,
            "verticalFovDeg": round(self.vertical_fov_deg, 1),
            "pitchDeg": round(self.pitch_deg, 2), "pitchSource": self.pitch_source,
            "rollDeg": round(self.roll_deg, 2),
            "distanceM": round(self.distance_m, 3), "lensHeightM": round(self.lens_height_m, 3),
        }


def prior_focal_px(width: int, height: int) -> float:
    return PRIOR_FOCAL_35MM * math.hypot(width, height) / FILM_DIAGONAL_MM


def _rotation(pitch: float, roll: float) -> np.ndarray:
    """(3, 3) rotation taking the photo camera's ray directions to a level, unrolled camera's
    (x right, y down, z forward; angles in radians)."""
    c, s = math.cos(roll), math.sin(roll)
    unroll = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    c, s = math.cos(pitch), math.sin(pitch)
    # a camera looking down by `pitch`: a ray along its axis points down (+y) in the level frame
    level = np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])
    return np.asarray(level @ unroll)


def _intrinsics(f: float, cx: float, cy: float) -> np.ndarray:
    return np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])


def levelling(camera_f: float, cx: float, cy: float, pitch: float, roll: float) -> np.ndarray:
    """(3, 3) homography from the photo's pixels to the level camera's (same f and centre)."""
    k = _intrinsics(camera_f, cx, cy)
    return np.asarray(k @ _rotation(pitch, roll) @ np.linalg.inv(k))


def _apply(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(3, 3) homography on (K, 2) points."""
    p = np.concatenate([points, np.ones((len(points), 1))], axis=1) @ h.T
    return np.asarray(p[:, :2] / p[:, 2:3])


#: BlazePose landmarks and the anny bones whose heads sit at the same joints.
JOINTS = (
    ((P.LEFT_ANKLE, P.RIGHT_ANKLE), ("foot.L", "foot.R")),
    ((P.LEFT_KNEE, P.RIGHT_KNEE), ("lowerleg01.L", "lowerleg01.R")),
    ((P.LEFT_HIP, P.RIGHT_HIP), ("upperleg01.L", "upperleg01.R")),
    ((P.LEFT_SHOULDER, P.RIGHT_SHOULDER), ("upperarm01.L", "upperarm01.R")),
)
#: The first of `JOINTS` below the hips (ankles, knees).
LOWER_JOINTS = 2


@dataclass(frozen=True)
class BodyPoints:
    """3-D points of a body standing on y = 0 (m), turned as in the photo: the bottoms of its
    feet (M, 3), the top of its head (M', 3) and `JOINTS` (K, 2, 3) left/right."""

    soles: np.ndarray
    crown: np.ndarray
    joints: np.ndarray


def body_points(verts: torch.Tensor, heads: torch.Tensor, labels: tuple[str, ...],
                yaw: torch.Tensor) -> BodyPoints:
    """(V, 3) vertices and (J, 3) bone heads of a body standing on y = 0, turned by the
    (3, 3) `yaw` -> its `BodyPoints`."""
    v = (verts.to(torch.float64) @ yaw.to(torch.float64).T).numpy()
    top = float(v[:, 1].max())
    joints = np.stack([
        np.stack([heads[labels.index(a)].to(torch.float64).numpy() for a in pair])
        for _, pair in JOINTS
    ]) @ yaw.to(torch.float64).numpy().T
    return BodyPoints(v[v[:, 1] < 0.02], v[v[:, 1] > top - 0.03], joints)


def _rows(
    points: np.ndarray, f: float, cy: float, pitch: float, d: float, h: float
) -> np.ndarray:
    """Image rows (edge-based) of (..., 3) world points seen by a camera `d` m in front of
    the person's axis, lens `h` m high, looking down by `pitch` (radians), unrolled."""
    y_l = h - points[..., 1]  # level camera: y down
    z_l = d - points[..., 2]
    c, s = math.cos(pitch), math.sin(pitch)
    y_c, z_c = c * y_l - s * z_l, s * y_l + c * z_l
    return cy + f * y_c / np.maximum(z_c, 1e-3)


def person_rows(
    detection: P.Detection, roll: float, f: float, cx: float, cy: float
) -> np.ndarray:
    """Rows (edge-based, roll undone) of the person's soles and crown (the mask's bottom and
    top) and of `JOINTS` (NaN where neither side is seen): (2 + K,)."""
    mask = detection.mask
    rows = np.nonzero(mask.any(axis=1))[0]
    axis_x = float(detection.midpoint(P.LEFT_HIP, P.RIGHT_HIP)[0])
    pts = [np.array([axis_x, rows[-1] + 1.0]), np.array([axis_x, float(rows[0])])]
    for (a, b), _ in JOINTS:
        seen = [i for i in (a, b) if detection.visible(i)]
        pts.append(np.mean([detection.point(i) for i in seen], axis=0) if seen
                   else np.array([np.nan, np.nan]))
    unrolled = _apply(levelling(f, cx, cy, 0.0, roll), np.stack(pts))
    return unrolled[:, 1]


def body_roll(detection: P.Detection) -> float:
    """Radians the person's axis leans from the photo's vertical (clockwise positive),
    clamped to +-`MAX_ROLL_DEG`."""
    feet = detection.midpoint(P.LEFT_ANKLE, P.RIGHT_ANKLE)
    shoulders = detection.midpoint(P.LEFT_SHOULDER, P.RIGHT_SHOULDER)
    dx, dy = shoulders - feet
    roll = math.atan2(dx, -dy)  # up the image is -y
    limit = math.radians(MAX_ROLL_DEG)
    return max(-limit, min(limit, roll))


def estimate_camera(
    detection: P.Detection,
    width: int,
    height: int,
    body: BodyPoints,
    focal_px: float | None = None,
    focal_source: str = "none",
    pitch_deg: float | None = None,
    roll_deg: float | None = None,
    pitch_source: str = "estimated",
    soles: bool = True,
) -> PhotoCamera:
    """The photo's camera (see the module): pitch, distance and lens height by least
    squares on the rows of the soles, the crown and the joints against `body` projected.
    `pitch_deg` / `roll_deg` given: held at that value (a camera shared by several photos,
    a phone's reading, the room's verticals: `pitch_source` says which). `soles` False:
    the soles', ankles' and knees' rows left out (a photo whose outline lost the feet)."""
    from scipy.optimize import least_squares

    if focal_px is None:
        focal_px, focal_source = prior_focal_px(width, height), "prior"
    f, cx, cy = float(focal_px), width / 2, height / 2
    roll = body_roll(detection) if roll_deg is None else math.radians(roll_deg)
    observed = person_rows(detection, roll, f, cx, cy)  # (2 + K,)
    seen = ~np.isnan(observed[2:])
    if not soles:
        # the lowest rows go with the soles: where the outline lost the feet, the ankles'
        # and knees' landmarks are often lost with them (drawn at a hem)
        seen[:LOWER_JOINTS] = False

    fixed = None if pitch_deg is None else math.radians(pitch_deg)

    def row_errors(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels: the soles' and crown's rows, the seen joints' rows, minus the photo's."""
        pitch, d, h = x
        if fixed is not None:
            pitch = fixed
        soles_row = _rows(body.soles, f, cy, pitch, d, h).max()
        crown = _rows(body.crown, f, cy, pitch, d, h).min()
        joints = _rows(body.joints, f, cy, pitch, d, h).mean(axis=1)[seen]
        ends = np.array([soles_row, crown], dtype=np.float64) - observed[:2]
        return (ends if soles else ends[1:]), joints - observed[2:][seen]

    def residuals(x: np.ndarray) -> np.ndarray:
        """Each row's error in metres at the person over its tolerance, and the pitch prior."""
        ends, joints = row_errors(x)
        metres = x[1] / f  # pixels -> metres at the person's distance
        prior = math.degrees(x[0]) / PITCH_SD_DEG if fixed is None else 0.0
        out: np.ndarray = np.concatenate([
            ends * metres / OUTLINE_TOLERANCE_M,
            joints * metres / JOINT_TOLERANCE_M,
            [prior],
        ])
        return out

    span = max(1.0, observed[0] - observed[1])
    tall = float(body.crown[:, 1].max())
    d0 = f * tall / span
    h0 = (observed[0] - cy) * d0 / f
    limit = math.radians(MAX_PITCH_DEG)
    fit = least_squares(
        residuals, np.array([0.0, d0, h0]),
        bounds=([-limit, 0.3, -1.0], [limit, 20.0, 4.0]), x_scale=[0.05, 0.3, 0.3],
    )
    rms = float(np.sqrt(np.mean(np.concatenate(row_errors(fit.x)) ** 2)))
    pitch, d, h = (float(v) for v in fit.x)
    # a pitch or roll given is kept as given: photos of one spot share it to the last bit
    # (degrees(radians(x)) can differ from x in its last bit)
    return PhotoCamera(
        focal_px=f, focal_source=focal_source, width=width, height=height,
        pitch_deg=math.degrees(pitch) if pitch_deg is None else pitch_deg,
        roll_deg=math.degrees(roll) if roll_deg is None else roll_deg, distance_m=d,
        lens_height_m=h, residual_px=rms, misfit=float(fit.cost),
        pitch_source="estimated" if pitch_deg is None else pitch_source,
    )


#: The focal lengths tried for photos without one in EXIF (`estimate_shared_focal`), as
#: multiples of the phone prior: from a 0.6x ultra-wide's side of the main lens to a 1.6x
#: portrait lens, in steps of about 5 %.
FOCAL_CANDIDATES = tuple(0.6 * 1.05**i for i in range(21))
#: Spread of the focal length about the prior (natural log): a phone's main lens is 24-28 mm
#: in 35 mm terms, but its ultra-wide and portrait lenses, and crops, are common.
FOCAL_LOG_SD = 0.3


def estimate_shared_focal(
    photos: list[tuple[P.Detection, int, int, BodyPoints]],
    pitch_deg: float | None = None,
    pitch_source: str = "sensor",
    room: tuple[float, float] | None = None,
    room_focal: tuple[float, float] | None = None,
) -> list[PhotoCamera]:
    """The cameras of photos taken from one spot with one lens of unknown focal length
    (`photos`: detection, width, height, body points; same size): the focal length that
    explains all their rows best. One focal length and the first photo's pitch and roll
    are shared (the pitch held at `pitch_deg` when the phone measured it; with `room`, the
    room's verticals' tan(pitch) / focal_px and roll in degrees, each candidate's pitch is the
    one they give at its focal length, and the roll theirs); each candidate of
    `FOCAL_CANDIDATES` is scored by the sum of the cameras' misfits (the rows against the
    body, the pitch prior) and a log-normal prior about the phone prior (`FOCAL_LOG_SD`),
    and the best is kept. `room_focal`: the focal length the room's vanishing points give
    (`room.focal_from_horizon`: pixels, standard deviation in log) is one more candidate
    and one more log-normal term; the cameras' focal source is then "room".

    Why it can tell: a focal length, a pitch and a lens height trade against each other for
    points on one plane, but the person is not on one plane (feet towards the camera, the
    crown's outline behind the axis, a side view's joints on its own plane): a wrong focal
    length leaves the rows of the soles, the crown and the joints of the photos unable to
    agree with one camera, by a centimetre or so."""
    width, height = photos[0][1], photos[0][2]
    prior = prior_focal_px(width, height)
    best: tuple[float, list[PhotoCamera]] | None = None
    focal_source = "estimated" if room_focal is None else "room"
    candidates = FOCAL_CANDIDATES if room_focal is None else (
        *FOCAL_CANDIDATES, room_focal[0] / prior)
    for k in candidates:
        f = prior * k
        # the room's roll wherever it was read; its pitch where no sensor measured one
        pitch, roll, source = pitch_deg, None if room is None else room[1], pitch_source
        if room is not None and pitch_deg is None:
            pitch, source = pitch_from_tilt(room[0], f), "room"
        first = estimate_camera(photos[0][0], width, height, photos[0][3], f, focal_source,
                                pitch_deg=pitch, roll_deg=roll, pitch_source=source)
        cameras = [first] + [
            estimate_camera(det, w, h, body, f, focal_source, pitch_deg=first.pitch_deg,
                            roll_deg=first.roll_deg, pitch_source=first.pitch_source)
            for det, w, h, body in photos[1:]
        ]
        score = sum(c.misfit for c in cameras) + 0.5 * (math.log(k) / FOCAL_LOG_SD) ** 2
        if room_focal is not None:
            score += 0.5 * (math.log(f / room_focal[0]) / room_focal[1]) ** 2
        if best is None or score < best[0]:
            best = (score, cameras)
    assert best is not None
    return best[1]


def reference_transform(
    detection: P.Detection, camera: PhotoCamera, size: tuple[int, int]
) -> tuple[np.ndarray, float]:
    """(3, 3) homography from a pixel of the fit's reference view (`protocol`; `size` = (H,
    W) of a 3:4 reference image) to the photo's pixel that shows the same point of the
    person's axis plane: the photo levelled (pitch and roll undone), scaled to the
    reference's metres per pixel at the person, its floor row onto the reference's floor
    row and the person's axis onto the centre column; and that scale (reference pixels
    per photo pixel)."""
    from render_engine.scan.protocol import (
        CAMERA_DISTANCE_M,
        CAMERA_HEIGHT_M,
        VERTICAL_FOV_DEG,
    )

    out_h, out_w = size
    f0 = (out_h / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    cx, cy = camera.width / 2, camera.height / 2
    level = levelling(
        camera.focal_px, cx, cy, math.radians(camera.pitch_deg), math.radians(camera.roll_deg)
    )
    axis = _apply(level, detection.midpoint(P.LEFT_HIP, P.RIGHT_HIP)[None])[0]
    k = (f0 / CAMERA_DISTANCE_M) / (camera.focal_px / camera.distance_m)
    floor_level = cy + camera.focal_px * camera.lens_height_m / camera.distance_m
    floor_ref = out_h / 2 - 0.5 + f0 * CAMERA_HEIGHT_M / CAMERA_DISTANCE_M
    affine = np.array(
        [[k, 0.0, (out_w / 2 - 0.5) - k * axis[0]], [0.0, k, floor_ref - k * floor_level],
         [0.0, 0.0, 1.0]]
    )
    inverse: np.ndarray = np.linalg.inv(affine @ level)
    return inverse, k


def reference_mask(
    detection: P.Detection, camera: PhotoCamera, size: tuple[int, int]
) -> torch.Tensor:
    """The person's mask as the fit's reference camera (`protocol`) would see it: (H, W)
    float coverage in [0, 1] for `size` = (H, W) of a 3:4 reference image."""
    import torch.nn.functional as F

    out_h, out_w = size
    to_photo, k = reference_transform(detection, camera, size)  # reference -> photo pixel
    # shrink the mask first (area) so that the resampling below is about 1:1
    mask = torch.from_numpy(detection.mask.astype(np.float32))[None, None]
    shrink = max(1, int(1 / max(k, 1e-6)) // 2)
    if shrink > 1:
        mask = F.avg_pool2d(mask, shrink, ceil_mode=True)
    ys, xs = torch.meshgrid(
        torch.arange(out_h, dtype=torch.float64), torch.arange(out_w, dtype=torch.float64),
        indexing="ij",
    )
    grid = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1) @ torch.from_numpy(to_photo).T
    px, py = grid[..., 0] / grid[..., 2], grid[..., 1] / grid[..., 2]  # photo pixels
    mh, mw = mask.shape[-2:]
    gx = px / shrink / mw * 2 - 1  # photo pixels are edge-based: 0 is the left edge
    gy = py / shrink / mh * 2 - 1
    sample = torch.stack([gx, gy], dim=-1).to(torch.float32)[None]
    return F.grid_sample(mask, sample, mode="bilinear", align_corners=False)[0, 0]
