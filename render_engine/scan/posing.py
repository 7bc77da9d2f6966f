"""Each photo's pose: the arms and a slight turn, estimated from BlazePose's landmarks.

A scan photo need not show anny's rest A-pose: arms hang down, elbows are straight, the
person stands a little turned. Per photo a `PhotoPose` holds, per arm, how far the upper
arm is raised sideways and swung forwards from the rest pose and how far the elbow is
straightened from the rest's 45-degree bend, and the torso's turn beyond the label's
(front 0, sides 90, back 180 degrees). The body fit poses every candidate body so (`pose_vertices`)
before it measures its silhouettes, so an arm against the trunk in the photo is against
the trunk of the fitted body too.

Posing is anny's own forward kinematics reduced to the two arm joints (each rotation about
the bone's rest head, in world axes, carried along by the parent: the ``local-ref``
convention of `body.pose`) with linear blend skinning, where every bone but the upper and
lower arm chains stays at rest:

    posed(p) = p + w_upper(p) (T_upper p - p) + w_lower(p) (T_lower p - p)

(w: anny's skinning weights summed over the bones of each chain).

`estimate_pose` is the keypoint reprojection term: anny's shoulders, elbows, wrists, hips,
knees and ankles, posed, turned and projected by the photo's estimated camera, against
BlazePose's landmarks, each weighed by its visibility, by least squares over the pose and
the person's place across the photo. The arms stay at rest unless posing them lowers the
chi-square by more than Akaike's criterion (2 per parameter). A landmark's error is counted
in units of `KEYPOINT_TOLERANCE_M` at the person's distance: BlazePose's joints and anny's
are defined differently (a landmark lies on the limb's visible middle, anny's joint at the
bone's head), a few centimetres apart.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from render_engine.scan import person as P
from render_engine.scan.camera import PhotoCamera, _rotation
from render_engine.scan.protocol import POSE_YAW_DEG

#: Centimetres-scale disagreement of BlazePose's joints with anny's (see the module), m.
KEYPOINT_TOLERANCE_M = 0.03
#: Prior spread of the torso's turn beyond the label (degrees): people asked to face the
#: camera or to turn a quarter stand within a few degrees of it.
TURN_SD_DEG = 5.0
MAX_TURN_DEG = 20.0
#: The rest A-pose holds the arms 48 degrees below horizontal; lowering them by 45 brings
#: them against the trunk, raising them by 40 near horizontal.
RAISE_RANGE_DEG = (-48.0, 40.0)
FORWARD_RANGE_DEG = (-40.0, 40.0)
#: The rest bends the elbows 45 degrees forwards; 45 straightens them.
ELBOW_RANGE_DEG = (-20.0, 50.0)
#: Weak priors (degrees): the arms held alike, no swing.
SYMMETRY_SD_DEG = 15.0
SWING_SD_DEG = 30.0
ARM_PARAMETERS = 6  # raise, swing and elbow of each arm
#: Axis of the rest elbow's bend, left arm, world axes (see `body.pose`'s t-pose).
ELBOW_AXIS = (33.0, 30.0, -3.0)
#: Arms lowered further than this (degrees from the rest A-pose) count as hanging down.
ARMS_DOWN_BELOW_DEG = -30.0
#: A relaxed hanging arm's elbow bends 10-20 degrees; from the rest's 45, straightened by 30.
RELAXED_ELBOW_DEG = 30.0


@dataclass(frozen=True)
class PhotoPose:
    """The pose of the person in one photo, from anny's rest pose (degrees; left, right)."""

    turn_deg: float = 0.0  # torso turned beyond the label's yaw, about the vertical
    raise_deg: tuple[float, float] = (0.0, 0.0)  # upper arms raised sideways (< 0: lowered)
    forward_deg: tuple[float, float] = (0.0, 0.0)  # upper arms swung forwards
    elbow_deg: tuple[float, float] = (0.0, 0.0)  # elbows straightened
    lateral_m: float = 0.0  # the person's place right of the camera's axis (m)
    residual_px: float = 0.0  # rms of the weighed landmark residuals, pixels
    #: a side photo shows both arms over the trunk, within its outline (`arms_over_trunk`):
    #: the arms add nothing to its widths there, so the body's do not count either
    arms_over_trunk: bool = False

    def as_report(self) -> dict[str, float | bool]:
        return {
            "turnDeg": round(self.turn_deg, 1),
            "armForwardDeg": round((self.forward_deg[0] + self.forward_deg[1]) / 2, 1),
            "armRaiseDeg": round((self.raise_deg[0] + self.raise_deg[1]) / 2, 1),
            "elbowStraightenDeg": round((self.elbow_deg[0] + self.elbow_deg[1]) / 2, 1),
            "armsOverTrunk": self.arms_over_trunk,
        }


REST = PhotoPose()


@dataclass(frozen=True)
class _Arm:
    upper: int  # bone index of upperarm01
    lower: int  # lowerarm01
    wrist: int
    sign: float  # +1 left, -1 right (mirror across the sagittal plane)


@functools.lru_cache(maxsize=1)
def _arms() -> tuple[tuple[_Arm, _Arm], torch.Tensor]:
    """The two arms' bones and (2, 2, V) chain weights: [arm][upper chain, lower chain]."""
    from render_engine.body.fitted import _topology, skinning_weights

    _, _, labels, parents = _topology()

    def subtree(name: str) -> set[int]:
        out = {labels.index(name)}
        grown = True
        while grown:
            grown = False
            for j, p in enumerate(parents):
                if p in out and j not in out:
                    out.add(j)
                    grown = True
        return out

    weights = skinning_weights().to(torch.float64)  # (V, J)
    arms, chains = [], []
    for side, sign in ((".L", 1.0), (".R", -1.0)):
        upper, lower = subtree("upperarm01" + side), subtree("lowerarm01" + side)
        only_upper = sorted(upper - lower)
        chains.append(
            torch.stack([weights[:, only_upper].sum(1), weights[:, sorted(lower)].sum(1)])
        )
        arms.append(_Arm(labels.index("upperarm01" + side), labels.index("lowerarm01" + side),
                         labels.index("wrist" + side), sign))
    return (arms[0], arms[1]), torch.stack(chains)


def _rotvec_matrix(v: np.ndarray) -> torch.Tensor:
    """Rotation vector (radians) -> (3, 3) float64 (Rodrigues)."""
    angle = float(np.linalg.norm(v))
    if angle < 1e-12:
        return torch.eye(3, dtype=torch.float64)
    k = v / angle
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    m = np.eye(3) + math.sin(angle) * kx + (1 - math.cos(angle)) * (kx @ kx)
    return torch.from_numpy(m)


def _arm_rotations(pose: PhotoPose, side: int, sign: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(3, 3) rotations of the upper arm and the elbow of one arm (0 left, 1 right)."""
    raise_ = math.radians(pose.raise_deg[side])
    forward = math.radians(pose.forward_deg[side])
    # about +Z (forwards) a positive angle raises the left arm; about +X a negative one
    # swings a hanging arm forwards; mirrored for the right: (x, y, z) -> (x, -y, -z)
    upper = np.array([-forward, 0.0, sign * raise_])
    axis = np.array(ELBOW_AXIS) / np.linalg.norm(ELBOW_AXIS)
    elbow = math.radians(pose.elbow_deg[side]) * np.array([axis[0], sign * axis[1], sign * axis[2]])
    return _rotvec_matrix(upper), _rotvec_matrix(elbow)


def turn_matrix(pose: PhotoPose, label: str) -> torch.Tensor:
    """(3, 3) float64: the label's yaw plus the photo's turn (see `protocol.yaw_matrix`)."""
    from render_engine.scan.protocol import yaw_matrix

    return yaw_matrix(POSE_YAW_DEG[label] + pose.turn_deg, torch.float64)


def pose_vertices(verts: torch.Tensor, heads: torch.Tensor, pose: PhotoPose) -> torch.Tensor:
    """(B, V, 3) rest vertices and (B, J, 3) bone heads (same frame) -> (B, V, 3) posed
    (not turned). Differentiable in the vertices and heads."""
    if pose == REST or pose.raise_deg == pose.forward_deg == pose.elbow_deg == (0.0, 0.0):
        return verts
    arms, chains = _arms()
    chains = chains.to(verts)
    out = verts
    for side, arm in enumerate(arms):
        r_up, r_el = (m.to(verts) for m in _arm_rotations(pose, side, arm.sign))
        h_up, h_el = heads[:, arm.upper, None], heads[:, arm.lower, None]  # (B, 1, 3)
        upper = (verts - h_up) @ r_up.T + h_up
        lower = ((verts - h_el) @ r_el.T + h_el - h_up) @ r_up.T + h_up
        out = out + chains[side, 0, :, None] * (upper - verts) + chains[side, 1, :, None] * (
            lower - verts
        )
    return out


#: BlazePose landmarks and anny's bones at the same joints, per side (left, right).
KEYPOINTS = (
    ((P.LEFT_SHOULDER, P.RIGHT_SHOULDER), ("upperarm01.L", "upperarm01.R")),
    ((P.LEFT_ELBOW, P.RIGHT_ELBOW), ("lowerarm01.L", "lowerarm01.R")),
    ((P.LEFT_WRIST, P.RIGHT_WRIST), ("wrist.L", "wrist.R")),
    ((P.LEFT_HIP, P.RIGHT_HIP), ("upperleg01.L", "upperleg01.R")),
    ((P.LEFT_KNEE, P.RIGHT_KNEE), ("lowerleg01.L", "lowerleg01.R")),
    ((P.LEFT_ANKLE, P.RIGHT_ANKLE), ("foot.L", "foot.R")),
)
_ARM_ROWS = (1, 2)  # KEYPOINTS rows carried by the arm chains: elbow (upper), wrist (lower)


def posed_keypoints(heads: torch.Tensor, pose: PhotoPose, label: str) -> np.ndarray:
    """(J, 3) bone heads of a body on the floor -> (6, 2, 3) `KEYPOINTS` posed and turned."""
    from render_engine.body.fitted import _topology

    labels = _topology()[2]
    arms, _ = _arms()
    h = heads.to(torch.float64)
    points = torch.stack([torch.stack([h[labels.index(b)] for b in pair]) for _, pair in KEYPOINTS])
    for side, arm in enumerate(arms):
        r_up, r_el = _arm_rotations(pose, side, arm.sign)
        h_up, h_el = h[arm.upper], h[arm.lower]
        points[1, side] = (h_el - h_up) @ r_up.T + h_up
        points[2, side] = ((h[arm.wrist] - h_el) @ r_el.T + h_el - h_up) @ r_up.T + h_up
    return (points @ turn_matrix(pose, label).T).numpy()


def project(points: np.ndarray, camera: PhotoCamera, lateral_m: float) -> np.ndarray:
    """(..., 3) world points (person's axis at x = z = 0, floor y = 0, facing the camera
    at +Z) -> (..., 2) photo pixels (edge-based) by `camera`, the person `lateral_m` right
    of its axis."""
    level = np.stack([
        points[..., 0] + lateral_m,
        camera.lens_height_m - points[..., 1],
        camera.distance_m - points[..., 2],
    ], axis=-1)
    rotation = _rotation(math.radians(camera.pitch_deg), math.radians(camera.roll_deg))
    cam = level @ rotation  # rotation.T @ each point: level -> photo camera
    z = np.maximum(cam[..., 2], 1e-3)
    return np.stack([
        camera.width / 2 + camera.focal_px * cam[..., 0] / z,
        camera.height / 2 + camera.focal_px * cam[..., 1] / z,
    ], axis=-1)


def _observed(detection: P.Detection, label: str) -> tuple[np.ndarray, np.ndarray]:
    """(6, 2, 2) landmark pixels per `KEYPOINTS` row and side (left, right), and (6, 2)
    weights (visibility; 0 for what the photo cannot show).

    Sides are assigned by geometry, not by BlazePose's labels, which swap in back views:
    in a front view the person's left lies on the photo's right, in a back view on its
    left. In a side view only the near side counts (the far arm is behind the trunk), the
    nearer of each pair by BlazePose's depth."""
    pts = np.zeros((len(KEYPOINTS), 2, 2))
    weights = np.zeros((len(KEYPOINTS), 2))
    lm = detection.landmarks
    for row, ((a, b), _) in enumerate(KEYPOINTS):
        pair = [a, b]
        if label in ("front", "back"):
            # front: the left one has the larger x; back: the smaller
            pair.sort(key=lambda i: -lm[i, 0] if label == "front" else lm[i, 0])
            pts[row] = lm[pair, :2]
            weights[row] = lm[pair, 2]
        else:
            near_side = 0 if label == "side_left" else 1
            if detection.depth is not None:
                near = a if detection.depth[a] <= detection.depth[b] else b
            else:
                near = (a, b)[near_side]
            pts[row, near_side] = lm[near, :2]
            weights[row, near_side] = lm[near, 2]
    return pts, np.clip(weights, 0.0, 1.0)


def estimate_pose(
    detection: P.Detection, camera: PhotoCamera, heads: torch.Tensor, label: str
) -> PhotoPose:
    """The photo's `PhotoPose` by the keypoint reprojection term (see the module).
    heads: (J, 3) bone heads of the body being fitted, standing on y = 0."""
    from scipy.optimize import least_squares

    observed, weights = _observed(detection, label)
    seen = weights > 0
    tolerance_px = camera.focal_px * KEYPOINT_TOLERANCE_M / camera.distance_m
    scale = np.sqrt(weights[seen]) / tolerance_px

    def unpack(x: np.ndarray) -> PhotoPose:
        return PhotoPose(
            turn_deg=float(x[0]), raise_deg=(float(x[1]), float(x[2])),
            forward_deg=(float(x[3]), float(x[4])), elbow_deg=(float(x[5]), float(x[6])),
            lateral_m=float(x[7]),
        )

    def residuals(x: np.ndarray) -> np.ndarray:
        pose = unpack(x)
        pixels = project(posed_keypoints(heads, pose, label), camera, pose.lateral_m)
        keypoints = ((pixels - observed)[seen] * scale[:, None]).ravel()
        priors = [
            x[0] / TURN_SD_DEG,
            (x[1] - x[2]) / SYMMETRY_SD_DEG, (x[3] - x[4]) / SYMMETRY_SD_DEG,
            (x[5] - x[6]) / SYMMETRY_SD_DEG, x[3] / SWING_SD_DEG, x[4] / SWING_SD_DEG,
        ]
        return np.concatenate([keypoints, priors])

    # the person's place across the photo: the hips' midpoint, through the level camera
    hips = detection.midpoint(P.LEFT_HIP, P.RIGHT_HIP)
    lateral = (float(hips[0]) - camera.width / 2) * camera.distance_m / camera.focal_px
    lo = [-MAX_TURN_DEG, RAISE_RANGE_DEG[0], RAISE_RANGE_DEG[0], FORWARD_RANGE_DEG[0],
          FORWARD_RANGE_DEG[0], ELBOW_RANGE_DEG[0], ELBOW_RANGE_DEG[0], lateral - 1.0]
    hi = [MAX_TURN_DEG, RAISE_RANGE_DEG[1], RAISE_RANGE_DEG[1], FORWARD_RANGE_DEG[1],
          FORWARD_RANGE_DEG[1], ELBOW_RANGE_DEG[1], ELBOW_RANGE_DEG[1], lateral + 1.0]
    x0 = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, lateral])
    fit = least_squares(residuals, x0, bounds=(lo, hi), x_scale=[5, 10, 10, 10, 10, 10, 10, 0.05])
    x = fit.x
    # the arms stay at rest unless the landmarks show their pose beyond noise: the posed
    # arms must lower the chi-square by more than Akaike's 2 per arm parameter (a pose
    # inside the landmarks' tolerance only adds their noise to the silhouettes)
    at_rest = x.copy()
    at_rest[1:7] = 0.0
    rest_fit = least_squares(
        lambda y: residuals(np.concatenate([y[:1], at_rest[1:7], y[1:]])),
        np.array([x[0], x[7]]), bounds=([lo[0], lo[7]], [hi[0], hi[7]]), x_scale=[5, 0.05],
    )
    if float(np.sum(rest_fit.fun**2) - np.sum(fit.fun**2)) <= 2.0 * ARM_PARAMETERS:
        x = np.concatenate([rest_fit.x[:1], at_rest[1:7], rest_fit.x[1:]])
    final = residuals(x)
    n = int(seen.sum())
    rms = float(np.sqrt(np.mean(final[: 2 * n] ** 2))) * tolerance_px if n else 0.0
    pose = unpack(x)
    return PhotoPose(pose.turn_deg, pose.raise_deg, pose.forward_deg, pose.elbow_deg,
                     pose.lateral_m, rms)


#: Half the thickness of the arm (m) at the landmarks that must lie within a side photo's
#: outline for its arms to count as over the trunk: the forearm at the elbow, the wrist.
ARM_HALF_WIDTH_M = ((P.LEFT_ELBOW, 0.045), (P.RIGHT_ELBOW, 0.045), (P.LEFT_WRIST, 0.04),
                    (P.RIGHT_WRIST, 0.04))


#: A hanging arm's wrist is at about the hip joint's height (wrist and trochanter heights
#: are close in anthropometric tables), so the landmarks' errors put it either side: the
#: wrists may read this far (m) above the hips' landmarks and still hang. Arms in an A-pose
#: raise the wrists 10-20 cm above that.
WRIST_ABOVE_HIPS_M = 0.04


def arms_over_trunk(detection: P.Detection, camera: PhotoCamera) -> bool:
    """Whether a side photo shows both arms hanging over the trunk: the wrists down at the
    hips (`WRIST_ABOVE_HIPS_M`) and every elbow and wrist landmark within the person's
    outline along its row by the arm's half thickness there.

    Seen from the side, a hanging arm lies over the trunk and the thigh and adds nothing to
    the outline; but a side view hardly shows how far the arms are raised sideways (only by
    their foreshortening), and a misread raise puts the posed body's forearm and hand a few
    centimetres in front of or behind the hips, where they would widen the body's rows and
    not the photo's (the fit then picks another build to match them: chest errors of +3 to
    +5 cm, see docs/scan.md). Arms in the A-pose (wrists above the hips: a side view of
    them shows the elbows behind the back on many people), an elbow sticking out, or a
    hand in front of the belly fail the test, and the whole body is compared as before."""
    mask = detection.mask
    h, w = mask.shape
    px_per_m = camera.focal_px / max(camera.distance_m, 1e-6)
    hips_row = float(detection.midpoint(P.LEFT_HIP, P.RIGHT_HIP)[1])
    # the far arm, hidden behind the trunk, is over it by being hidden: its landmarks are
    # BlazePose's guesses and judge nothing (one that stuck out would be seen)
    wrists = [i for i in (P.LEFT_WRIST, P.RIGHT_WRIST) if detection.visible(i)]
    if not wrists or min(detection.landmarks[i, 1] for i in wrists) < (
            hips_row - WRIST_ABOVE_HIPS_M * px_per_m):
        return False
    for index, half_m in ARM_HALF_WIDTH_M:
        if not detection.visible(index):
            continue
        x, y = detection.landmarks[index, :2]
        r, c = int(round(float(y))), int(round(float(x)))
        if not (0 <= r < h and 0 <= c < w) or not mask[r, c]:
            return False
        line = mask[r]
        outside_left = np.flatnonzero(~line[:c])
        outside_right = np.flatnonzero(~line[c:])
        left = c - (int(outside_left[-1]) + 1 if outside_left.size else 0)
        right = (int(outside_right[0]) if outside_right.size else w - c) - 1
        if min(left, right) < half_m * px_per_m:
            return False
    return True


def arms_hang(pose: PhotoPose) -> bool:
    """Whether the pose's arms hang down (lowered past `ARMS_DOWN_BELOW_DEG` on average)."""
    return sum(pose.raise_deg) / 2 < ARMS_DOWN_BELOW_DEG


def hanging_elbows_as_in_side(labels: list[str], poses: list[PhotoPose]) -> list[PhotoPose]:
    """Each photo's pose, with the elbow bend of arms hanging in a front or back photo
    taken from the side photos.

    The elbow bends the forearm in the body's sagittal plane: a side photo shows the bend in
    its own plane, a front or back photo only end-on, as depth, where it moves the landmarks
    by the cosine of the angle alone (a forearm bent 30 degrees instead of 11 lifts the
    wrist by 3 cm, about as far as BlazePose's wrist lies off anny's), so its estimate there
    is noise. On the ten photo sets of grid seed 11 with the arms hanging in every photo
    (truly: elbows bent 11 degrees), the front and back photos read elbows bent -1 to 65
    degrees, the side photos 5 to 17. In a front or back photo the bend carries the forearm
    and the hand across the trunk's outline (the elbow's axis is not horizontal), on the hip
    and waist rows that the fit reads as the trunk: grid scan 18's back photo, read with the
    elbows bent 63 degrees (and swung back 18), widened the fitted hips by about 4 cm. The
    side photos' mean is used where a side photo has its arms posed (not left at rest for
    want of evidence, see `estimate_pose`): a person turning on the spot between photos
    keeps the arms' pose. The raise, which a front photo shows and a side photo does not,
    stays each photo's own, and so does the upper arm's forward swing, though a front photo
    sees it end-on too: taken from the side photos as well, it made the chests of the grid's
    arms-down scans worse (docs/scan.md), the arms' pose then offsetting less of the other
    errors (camera, the widths' ambiguity where arms cover the trunk's sides).
    """
    sides = [
        p for label, p in zip(labels, poses, strict=True)
        if label.startswith("side") and (p.forward_deg, p.elbow_deg) != ((0.0, 0.0), (0.0, 0.0))
    ]
    if not sides:
        return poses
    elbow = sum(sum(p.elbow_deg) for p in sides) / (2 * len(sides))
    return [
        replace(p, elbow_deg=(elbow, elbow))
        if label in ("front", "back") and arms_hang(p) else p
        for label, p in zip(labels, poses, strict=True)
    ]


def side_arms_as_in_front(labels: list[str], poses: list[PhotoPose]) -> list[PhotoPose]:
    """Each photo's pose, with arms hanging in the front and back photos given to a side
    photo whose own landmarks left its arms at rest (no evidence beyond noise, see
    `estimate_pose`): a person turning on the spot between photos keeps the arms' pose, and
    the rest A-pose's elbows, bent 45 degrees forwards, put the forearms in front of the
    belly in a side view, which the fit then reads as a shallower trunk (held-out grid seed
    16 scan 14, a small person at 3.5 m: waist -7, hips -9 cm). The side photo takes the
    front and back photos' mean raise and a relaxed elbow (`RELAXED_ELBOW_DEG`: a front
    photo sees the bend end-on, see `hanging_elbows_as_in_side`), no swing."""
    hanging = [
        p for label, p in zip(labels, poses, strict=True)
        if label in ("front", "back") and arms_hang(p)
    ]
    if not hanging:
        return poses
    raise_ = sum(sum(p.raise_deg) for p in hanging) / (2 * len(hanging))
    return [
        replace(p, raise_deg=(raise_, raise_), elbow_deg=(RELAXED_ELBOW_DEG, RELAXED_ELBOW_DEG))
        if label.startswith("side")
        and (p.raise_deg, p.forward_deg, p.elbow_deg) == ((0.0, 0.0),) * 3
        else p
        for label, p in zip(labels, poses, strict=True)
    ]
