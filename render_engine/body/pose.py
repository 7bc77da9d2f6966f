"""Posing a body: pose presets and custom adjustments applied through anny's skeleton.

A pose is a set of joint rotations (degrees, about the axes of the render-engine frame:
+X the figure's left, +Y up, +Z forward), given for the figure's left side and mirrored to
the right. anny turns them into one rigid transform per bone (forward kinematics, its
``local-ref`` parameterisation: each rotation is about the bone's head, in world-aligned
axes, and carried along by the parent bones), and the vertices follow by linear blend
skinning with anny's weights:

    posed(p) = sum_j w_j(p) * T_j @ p          (T_j: (4, 4), w: (V, J), rows sum to 1)

`pose_transforms` returns the T_j in the render-engine frame, feet on the floor, so that any
point set with skinning weights (a garment built from body vertices, with
`transfer_weights` for points not on the body) follows the body with `pose_points`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from render_engine.body.fitted import FittedBody
from render_engine.body.model import ANNY_TO_WORLD, anny_model, phenotype_tensor
from render_engine.errors import InvalidRequest
from render_engine.mesh import TriMesh

Rotation = tuple[float, float, float]  # rotation vector in degrees, render-engine axes

#: Rotations from the rest A-pose (arms 48 degrees below horizontal, elbows bent 45 degrees
#: forwards; (33, 30, -3) on the forearm straightens it), per bone, for the figure's LEFT
#: side (".L" bones) and the centre line; ".L" entries are mirrored onto ".R" unless the
#: preset gives ".R" itself.
_PRESETS: dict[str, dict[str, Rotation]] = {
    # arms hanging close to the body, elbows nearly straight, legs straight, looking ahead
    "standing_neutral": {
        "upperarm01.L": (0.0, 0.0, -40.0),
        "lowerarm01.L": (25.0, 23.0, -2.0),
    },
    # weight on the right leg, arms loose, slight elbow bend, head a little tilted
    "standing_relaxed": {
        "upperarm01.L": (0.0, 0.0, -37.0),
        "lowerarm01.L": (20.0, 18.0, -2.0),
        "upperleg01.L": (0.0, 0.0, 4.0),
        "upperleg01.R": (0.0, 0.0, 2.0),
        "lowerleg01.L": (10.0, 0.0, 0.0),
        "spine04": (0.0, 0.0, -3.0),
        "neck01": (0.0, 0.0, 3.0),
    },
    # hands resting on the hips, elbows out
    "hands_on_hips": {
        "upperarm01.L": (0.0, -15.0, -10.0),
        "lowerarm01.L": (20.0, -70.0, 30.0),
    },
    # mid stride: left leg forward, right leg back, arms swinging the other way
    "walking": {
        "upperarm01.L": (-20.0, 0.0, -40.0),
        "upperarm01.R": (20.0, 0.0, 40.0),
        "lowerarm01.L": (15.0, 14.0, -1.0),
        "lowerarm01.R": (25.0, -23.0, 2.0),
        "upperleg01.L": (-20.0, 0.0, 0.0),
        "upperleg01.R": (15.0, 0.0, 0.0),
        "lowerleg01.L": (10.0, 0.0, 0.0),
        "lowerleg01.R": (25.0, 0.0, 0.0),
        "foot.R": (-10.0, 0.0, 0.0),
    },
    # arms straight out to the sides
    "t_pose": {
        "upperarm01.L": (0.0, 0.0, 45.0),
        "lowerarm01.L": (33.0, 30.0, -3.0),
    },
}
POSE_PRESETS: tuple[str, ...] = tuple(_PRESETS)

LEG_POSITIONS = {"together": -2.0, "slightly_apart": 3.0, "apart": 10.0}
#: Accepted `customAdjustments` and their ranges (degrees).
ADJUSTMENT_RANGES = {
    "arm_rotation": (-45.0, 90.0),
    "head_tilt": (-30.0, 30.0),
    "head_turn": (-60.0, 60.0),
}


@dataclass(frozen=True)
class PoseSpec:
    """A validated pose: preset name plus adjustments."""

    preset: str
    arm_rotation: float = 0.0  # degrees, raises both arms sideways (negative: towards the body)
    leg_position: str | None = None  # "together" | "slightly_apart" | "apart"
    head_tilt: float = 0.0  # degrees, tilts the head towards the left shoulder (roll)
    head_turn: float = 0.0  # degrees, turns the head to the figure's left (yaw)


def parse_pose(preset: str, adjustments: dict[str, object] | None = None) -> PoseSpec:
    """Validate a preset name and `customAdjustments`; raises `InvalidRequest`."""
    if preset not in _PRESETS:
        raise InvalidRequest(
            f"unknown pose preset {preset!r}; known: {', '.join(POSE_PRESETS)}", "INVALID_POSE"
        )
    legs: str | None = None
    angles: dict[str, float] = {}  # degrees, by `ADJUSTMENT_RANGES` key
    for key, value in (adjustments or {}).items():
        if key == "leg_position":
            if value not in LEG_POSITIONS:
                raise InvalidRequest(
                    f"leg_position must be one of {tuple(LEG_POSITIONS)}", "INVALID_POSE"
                )
            legs = str(value)
        elif key in ADJUSTMENT_RANGES:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise InvalidRequest(f"{key} must be a number of degrees", "INVALID_POSE")
            lo, hi = ADJUSTMENT_RANGES[key]
            if not lo <= value <= hi:
                raise InvalidRequest(f"{key}={value} outside [{lo}, {hi}] degrees", "INVALID_POSE")
            angles[key] = float(value)
        else:
            known = ", ".join(["leg_position", *ADJUSTMENT_RANGES])
            raise InvalidRequest(f"unknown pose adjustment {key!r}; known: {known}", "INVALID_POSE")
    return PoseSpec(preset=preset, leg_position=legs,
                    arm_rotation=angles.get("arm_rotation", 0.0),
                    head_tilt=angles.get("head_tilt", 0.0), head_turn=angles.get("head_turn", 0.0))


def _mirror(rotation: Rotation) -> Rotation:
    """The rotation mirrored across the sagittal plane (x -> -x): (rx, ry, rz) -> (rx, -ry, -rz)."""
    return (rotation[0], -rotation[1], -rotation[2])


def joint_rotations(spec: PoseSpec) -> dict[str, Rotation]:
    """Per-bone rotation vectors (degrees, render-engine axes) of a pose."""
    base = _PRESETS[spec.preset]
    rotations: dict[str, Rotation] = {}
    for bone, rot in base.items():
        rotations[bone] = rot
        if bone.endswith(".L") and bone[:-2] + ".R" not in base:
            rotations[bone[:-2] + ".R"] = _mirror(rot)

    def add(bone: str, extra: Rotation) -> None:
        old = rotations.get(bone, (0.0, 0.0, 0.0))
        rotations[bone] = (old[0] + extra[0], old[1] + extra[1], old[2] + extra[2])

    if spec.arm_rotation:
        add("upperarm01.L", (0.0, 0.0, spec.arm_rotation))
        add("upperarm01.R", _mirror((0.0, 0.0, spec.arm_rotation)))
    if spec.leg_position is not None:
        spread = LEG_POSITIONS[spec.leg_position]
        add("upperleg01.L", (0.0, 0.0, spread))
        add("upperleg01.R", _mirror((0.0, 0.0, spread)))
        # keep the soles flat on the floor
        add("foot.L", (0.0, 0.0, -spread))
        add("foot.R", _mirror((0.0, 0.0, -spread)))
    if spec.head_tilt:
        # a negative rotation about +Z (forwards) carries +Y (up) towards +X (the left)
        add("neck01", (0.0, 0.0, -spec.head_tilt / 2))
        add("head", (0.0, 0.0, -spec.head_tilt / 2))
    if spec.head_turn:
        add("neck01", (0.0, spec.head_turn / 2, 0.0))
        add("head", (0.0, spec.head_turn / 2, 0.0))
    return rotations


def _rotation_matrix(rotvec_deg: Rotation) -> torch.Tensor:
    """Rodrigues: rotation vector in degrees -> (3, 3) float64."""
    v = torch.tensor(rotvec_deg, dtype=torch.float64) * (math.pi / 180.0)
    angle = float(v.norm())
    if angle < 1e-12:
        return torch.eye(3, dtype=torch.float64)
    k = v / angle
    kx = torch.tensor(
        [[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]], dtype=torch.float64
    )
    return (
        torch.eye(3, dtype=torch.float64) + math.sin(angle) * kx + (1 - math.cos(angle)) * (kx @ kx)
    )


def pose_transforms(
    body: FittedBody, preset: str, adjustments: dict[str, object] | None = None
) -> torch.Tensor:
    """(J, 4, 4) float32 bone transforms mapping the body's rest mesh to the posed one.

    Both ends in the render-engine frame; the posed body stands with its lowest point on y = 0.
    """
    spec = parse_pose(preset, adjustments)
    model = anny_model()
    labels = list(model.bone_labels)
    a2w = ANNY_TO_WORLD  # (3, 3)
    deltas = torch.eye(4, dtype=torch.float64).repeat(1, len(labels), 1, 1)  # (1, J, 4, 4)
    for bone, rot in joint_rotations(spec).items():
        # a rotation R in our axes is a2w^T R a2w in anny's axes
        deltas[0, labels.index(bone), :3, :3] = a2w.T @ _rotation_matrix(rot) @ a2w
    with torch.no_grad():
        out = model(pose_parameters=deltas, phenotype_kwargs=phenotype_tensor(body.phenotype))
        rest = model.get_rest_model(
            model._get_phenotype_blendshape_coefficients(
                phenotype_tensor(body.phenotype),
                phenotype_tensor(body.phenotype).new_zeros((1, 0)),
                phenotype_tensor(body.phenotype).new_zeros((1, 0)),
            )
        )
        transforms, _ = model.get_bone_transforms(
            deltas, rest["rest_bone_poses"]
        )  # (1, J, 4, 4) anny
    # conjugate into our frame: x_ours = A x_anny + s, with A = a2w, s = (0, floor_shift, 0)
    shift = torch.tensor([0.0, body.floor_shift, 0.0], dtype=torch.float64)
    to_ours = torch.eye(4, dtype=torch.float64)
    to_ours[:3, :3], to_ours[:3, 3] = a2w, shift
    from_ours = torch.linalg.inv(to_ours)
    t: torch.Tensor = to_ours @ transforms[0] @ from_ours  # (J, 4, 4)
    posed_y = (out["vertices"][0] @ a2w.T)[:, 1] + body.floor_shift  # (V,)
    t[:, 1, 3] -= posed_y.min()  # lowest point back onto the floor
    return t.to(torch.float32)


def skin_points(
    points: torch.Tensor, weights: torch.Tensor, transforms: torch.Tensor
) -> torch.Tensor:
    """Linear blend skinning. points (N, 3), weights (N, J), transforms (J, 4, 4) -> (N, 3)."""
    blend = torch.einsum("nj,jab->nab", weights.to(transforms), transforms[:, :3, :])  # (N, 3, 4)
    return (blend[:, :, :3] @ points.to(transforms)[:, :, None])[..., 0] + blend[:, :, 3]


def pose_points(
    body: FittedBody,
    preset: str,
    adjustments: dict[str, object] | None,
    points: torch.Tensor,
    weights: torch.Tensor,
) -> torch.Tensor:
    """Pose any points given in the body's rest frame. points (N, 3), weights (N, J) -> (N, 3)."""
    return skin_points(points, weights, pose_transforms(body, preset, adjustments))


def transfer_weights(body: FittedBody, points: torch.Tensor, k: int = 4) -> torch.Tensor:
    """Skinning weights for points near the rest body: inverse-distance blend of the weights
    of the k nearest body vertices. points (N, 3) rest frame -> (N, J) float32, rows sum to 1."""
    dist = torch.cdist(points.to(torch.float32), body.mesh.verts)  # (N, V)
    d, idx = dist.topk(k, dim=1, largest=False)  # (N, k)
    w = 1.0 / (d + 1e-4)
    w = w / w.sum(dim=1, keepdim=True)
    return (body.skinning_weights[idx] * w[..., None]).sum(dim=1)


def pose_body(
    body: FittedBody, preset: str, adjustments: dict[str, object] | None = None
) -> TriMesh:
    """The body's mesh in a pose preset with `customAdjustments` (see `parse_pose`)."""
    transforms = pose_transforms(body, preset, adjustments)
    verts = skin_points(body.mesh.verts, body.skinning_weights, transforms)
    mesh = body.mesh
    return TriMesh(
        verts=verts,
        faces=mesh.faces,
        colors=mesh.colors,
        labels=mesh.labels,
        name=f"{mesh.name}:{preset}",
        extras={**mesh.extras, "pose": preset, "adjustments": dict(adjustments or {})},
    )
