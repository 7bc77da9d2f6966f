"""What the garment builder needs to know about a body, whoever made it.

`GarmentBody` is the body as the garment modules see it: the (posed) surface in the render
engine's frame (metres, +Y up, facing +Z, left side at +X), fine body parts from the skinning
weights (upper arm and forearm apart, thigh and shin apart), joint centres estimated from the
skinning weights, and the body's measurements in cm.

Garments are built on the body *as posed*: the caller poses the body first
(`render_engine.body.pose.pose_body`) and hands the posed body here. Joints come from the posed
vertices (a joint is the weighted centre of the vertices that two bones share), so they follow
any pose without the rig.

Sources: `from_anny` (anny loaded directly, for tests and tools) and `as_garment_body`, which
accepts a `GarmentBody`, a body with a `.mesh` and skinning weights (the body package's
`FittedBody` / posed body), or a bare `TriMesh` with skinning weights in its `extras`.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import torch

from render_engine.errors import InvalidRequest
from render_engine.garment.geometry import vertex_normals
from render_engine.mesh import TriMesh

if TYPE_CHECKING:
    from render_engine.garment.collision import BodyCollider

Point2 = tuple[float, float]


class Part(enum.IntEnum):
    """Fine body parts (finer than the body's `BodyRegion`), by each vertex's dominant bone."""

    HEAD = 0
    NECK = 1
    CHEST = 2  # spine01/02, clavicles: chest, upper back, shoulder tops
    ABDOMEN = 3  # spine03/04: belly, lower back, waist
    PELVIS = 4  # root, pelvis, spine05: hips, buttocks
    UPPER_ARM = 5
    FOREARM = 6
    HAND = 7
    THIGH = 8
    SHIN = 9
    FOOT = 10


def bone_part(bone_label: str) -> Part:
    name = bone_label.split(".")[0]
    if name.startswith("neck"):
        return Part.NECK
    if name.startswith(
        ("head", "eye", "jaw", "tongue", "special", "levator", "oris", "temporalis")
    ):
        return Part.HEAD
    if name.startswith(("wrist", "finger", "metacarpal", "thumb")):
        return Part.HAND
    if name.startswith("lowerarm"):
        return Part.FOREARM
    if name.startswith(("shoulder", "upperarm")):
        return Part.UPPER_ARM
    if name.startswith(("foot", "toe")):
        return Part.FOOT
    if name.startswith("lowerleg"):
        return Part.SHIN
    if name.startswith("upperleg"):
        return Part.THIGH
    if name in ("root", "pelvis", "spine05"):
        return Part.PELVIS
    if name in ("spine03", "spine04"):
        return Part.ABDOMEN
    if name.startswith(("spine", "clavicle", "breast")):
        return Part.CHEST
    return Part.HEAD  # facial bones of richer rigs


def bone_side(bone_label: str) -> int:
    """+1 for ``.L`` bones (the body's left, +X), -1 for ``.R``, 0 on the midline."""
    if bone_label.endswith(".L"):
        return 1
    if bone_label.endswith(".R"):
        return -1
    return 0


#: joint name -> (bones on the parent side, bones on the child side); ``{s}`` is L or R.
_JOINTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "neck": (("spine01", "clavicle.L", "clavicle.R"), ("neck01",)),
    "chest": (("spine02",), ("spine01",)),
    "waist": (("spine04",), ("spine03",)),
    "shoulder_{s}": (("clavicle.{s}", "shoulder01.{s}", "spine01"), ("upperarm01.{s}",)),
    "elbow_{s}": (("upperarm02.{s}",), ("lowerarm01.{s}",)),
    "wrist_{s}": (("lowerarm02.{s}",), ("wrist.{s}",)),
    "hip_{s}": (("pelvis.{s}", "spine05", "root"), ("upperleg01.{s}",)),
    "knee_{s}": (("upperleg02.{s}",), ("lowerleg01.{s}",)),
    "ankle_{s}": (("lowerleg02.{s}",), ("foot.{s}",)),
}


@dataclass
class GarmentBody:
    """A posed body for the garment builder.

    verts (V, 3) float32 m; faces (F, 3) int64; normals (V, 3) unit; parts (V,) int64 `Part`;
    side (V,) int64 (+1 left, -1 right, 0 midline); joints name -> (3,) float32;
    measurements: body measures in cm (chest, waist, hips, shoulderWidth, armLength, legLength...).
    """

    verts: torch.Tensor
    faces: torch.Tensor
    normals: torch.Tensor
    parts: torch.Tensor
    side: torch.Tensor
    joints: dict[str, torch.Tensor]
    measurements: dict[str, float] = field(default_factory=dict)
    _collider: BodyCollider | None = field(default=None, repr=False, compare=False)
    #: the skinning it was built from, (V, J) dense weights and the J bone labels, when known
    #: (`clearance.lift_arms` re-poses the arms with them)
    weights: torch.Tensor | None = field(default=None, repr=False, compare=False)
    bone_labels: list[str] | None = field(default=None, repr=False, compare=False)

    def collider(self) -> BodyCollider:
        """The body's `BodyCollider` (built once, per `collision_groups`)."""
        from render_engine.garment.collision import BodyCollider

        if self._collider is None:
            self._collider = BodyCollider(
                self.verts, self.normals, self.faces, self.collision_groups()
            )
        return self._collider

    @property
    def num_verts(self) -> int:
        return int(self.verts.shape[0])

    def mask(self, *parts: Part) -> torch.Tensor:
        """(V,) bool: vertices in any of `parts`."""
        ids = torch.tensor([int(p) for p in parts], dtype=torch.int64)
        return torch.isin(self.parts, ids)

    def crotch_y(self) -> float:
        """Height of the crotch: lowest torso/thigh point on the midline between the hips."""
        cx = float((self.joints["hip_L"][0] + self.joints["hip_R"][0]) / 2)
        near = (self.verts[:, 0] - cx).abs() < 0.012
        near &= self.mask(Part.PELVIS, Part.THIGH, Part.ABDOMEN)
        near &= self.verts[:, 1] > float(self.joints["knee_L"][1])
        if not bool(near.any()):
            return float(self.joints["hip_L"][1] - 0.08)
        return float(self.verts[near, 1].min())

    def collision_groups(self) -> torch.Tensor:
        """(V,) group of each vertex for collision tests: 0 head and torso, 1/2 left/right arm
        and hand, 3/4 left/right leg and foot (pieces that are roughly convex on their own)."""
        groups = torch.zeros(self.num_verts, dtype=torch.int64)
        arm = self.mask(Part.UPPER_ARM, Part.FOREARM, Part.HAND)
        leg = self.mask(Part.THIGH, Part.SHIN, Part.FOOT)
        left = self.side > 0
        groups[arm & left], groups[arm & ~left] = 1, 2
        groups[leg & left], groups[leg & ~left] = 3, 4
        return groups

    def arm_coordinate(self) -> torch.Tensor:
        """(V,) distance (m) along shoulder -> elbow -> wrist of each arm vertex (inf elsewhere).

        Upper-arm vertices project onto shoulder->elbow, forearm and hand vertices onto
        elbow->wrist (plus the upper arm's length), each clamped at the segment's start.
        """
        t = torch.full((self.num_verts,), float("inf"))
        arm = self.mask(Part.UPPER_ARM, Part.FOREARM, Part.HAND)
        for s, sign in (("L", 1), ("R", -1)):
            sh, el, wr = (self.joints[f"{j}_{s}"] for j in ("shoulder", "elbow", "wrist"))
            upper_len = torch.linalg.norm(el - sh)
            sel = arm & (self.side == sign)
            v = self.verts
            d1 = el - sh
            t1 = ((v - sh) @ d1) / upper_len.clamp(min=1e-6)  # (V,)
            d2 = torch.nn.functional.normalize(wr - el, dim=0)
            t2 = upper_len + ((v - el) @ d2).clamp(min=0.0)  # (V,)
            upper = self.parts == int(Part.UPPER_ARM)
            val = torch.where(upper, t1.clamp(min=0.0), t2)
            t = torch.where(sel, val, t)
        return t


def _dense_weights(indices: torch.Tensor, weights: torch.Tensor, num_bones: int) -> torch.Tensor:
    """(V, K) bone indices and weights -> (V, J) dense weights."""
    dense = torch.zeros(indices.shape[0], num_bones, dtype=torch.float32)
    dense.scatter_add_(1, indices.long().cpu(), weights.float().cpu())
    return dense


def estimate_joints(
    verts: torch.Tensor, weights: torch.Tensor, bone_labels: list[str]
) -> dict[str, torch.Tensor]:
    """Joint centres from skinning weights: the centre of the vertices two bone sets share.

    verts (V, 3), weights (V, J) dense. A vertex counts with ``min(w_parent, w_child)``;
    where the sets share no vertex, the midpoint of the two sets' weighted centres is used.
    """
    index = {label: i for i, label in enumerate(bone_labels)}
    joints: dict[str, torch.Tensor] = {}

    def set_weight(names: tuple[str, ...]) -> torch.Tensor:
        ids = [index[n] for n in names if n in index]
        return weights[:, ids].sum(dim=1) if ids else torch.zeros(weights.shape[0])

    for name, (parent, child) in _JOINTS.items():
        for s in ("L", "R") if "{s}" in name else ("",):
            wp = set_weight(tuple(b.format(s=s) for b in parent))
            wc = set_weight(tuple(b.format(s=s) for b in child))
            shared = torch.minimum(wp, wc)  # (V,)
            if float(shared.sum()) > 1e-3:
                centre = (shared[:, None] * verts).sum(0) / shared.sum()
            else:
                cp = (wp[:, None] * verts).sum(0) / wp.sum().clamp(min=1e-9)
                cc = (wc[:, None] * verts).sum(0) / wc.sum().clamp(min=1e-9)
                centre = (cp + cc) / 2
            joints[name.format(s=s)] = centre.float()
    return joints


def from_skinned_mesh(
    verts: torch.Tensor,
    faces: torch.Tensor,
    weights: torch.Tensor,
    bone_labels: list[str],
    measurements: Mapping[str, float] | None = None,
) -> GarmentBody:
    """A `GarmentBody` from posed vertices (V, 3), faces (F, 3) and dense weights (V, J)."""
    verts = verts.detach().float().cpu()
    faces = faces.detach().long().cpu()
    weights = weights.detach().float().cpu()
    if weights.shape != (verts.shape[0], len(bone_labels)):
        raise InvalidRequest(
            "skinning weights must be (V, J) with J bone labels", code="INVALID_BODY"
        )
    dominant = weights.argmax(dim=1)  # (V,)
    part_of_bone = torch.tensor([int(bone_part(b)) for b in bone_labels], dtype=torch.int64)
    side_of_bone = torch.tensor([bone_side(b) for b in bone_labels], dtype=torch.int64)
    joints = estimate_joints(verts, weights, bone_labels)
    body = GarmentBody(
        verts=verts,
        faces=faces,
        normals=vertex_normals(verts, faces),
        parts=part_of_bone[dominant],
        side=side_of_bone[dominant],
        joints=joints,
        measurements=dict(measurements or {}),
        weights=weights,
        bone_labels=list(bone_labels),
    )
    if not body.measurements:
        body.measurements = estimate_measurements(body)
    return body


def _hull_perimeter(points: torch.Tensor) -> float:
    """Perimeter of the 2-D convex hull of (N, 2) points (monotone chain), in the points' unit."""
    pts = sorted(set((round(float(x), 5), round(float(y), 5)) for x, y in points.tolist()))
    if len(pts) < 3:
        return 0.0

    def cross(o: Point2, a: Point2, b: Point2) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point2] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point2] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return float(
        sum(
            ((hull[i][0] - hull[i - 1][0]) ** 2 + (hull[i][1] - hull[i - 1][1]) ** 2) ** 0.5
            for i in range(len(hull))
        )
    )


def girth_cm(
    body: GarmentBody, y: float, parts: tuple[Part, ...], half_height: float = 0.01
) -> float:
    """Tape-measure girth (cm) at height `y`: convex hull perimeter of a thin slice of `parts`."""
    sel = body.mask(*parts) & ((body.verts[:, 1] - y).abs() < half_height)
    if int(sel.sum()) < 3:
        return 0.0
    return 100.0 * _hull_perimeter(body.verts[sel][:, [0, 2]])


def estimate_measurements(body: GarmentBody) -> dict[str, float]:
    """Rough body measures (cm) from the mesh, for bodies that come without any.

    chest at the chest joint, waist at the waist joint, hips at the largest girth between the hip
    joints and the crotch; shoulder width between the shoulder joints; arm length shoulder ->
    elbow -> wrist; leg length (inseam) crotch to floor (lowest vertex).
    """
    j = body.joints
    torso = (Part.CHEST, Part.ABDOMEN, Part.PELVIS)
    hip_y, crotch = float(j["hip_L"][1]), body.crotch_y()
    hips = max(
        girth_cm(body, float(y), (Part.PELVIS, Part.THIGH, Part.ABDOMEN))
        for y in torch.linspace(crotch + 0.02, hip_y + 0.02, 8)
    )

    def arm(s: str) -> float:
        return float(
            torch.linalg.norm(j[f"elbow_{s}"] - j[f"shoulder_{s}"])
            + torch.linalg.norm(j[f"wrist_{s}"] - j[f"elbow_{s}"])
        )

    floor = float(body.verts[:, 1].min())
    return {
        "height": 100.0 * float(body.verts[:, 1].max() - floor),
        "chest": girth_cm(body, float(j["chest"][1]), torso),
        "waist": girth_cm(body, float(j["waist"][1]), torso),
        "hips": hips,
        "shoulderWidth": 100.0 * float(torch.linalg.norm(j["shoulder_L"] - j["shoulder_R"])),
        "armLength": 100.0 * (arm("L") + arm("R")) / 2,
        "legLength": 100.0 * (crotch - floor),
    }


def from_anny(
    phenotype: Mapping[str, float] | None = None, pose_parameters: torch.Tensor | None = None
) -> GarmentBody:
    """A body straight from anny (phenotype values in [0, 1], default 0.5), feet on y = 0."""
    from render_engine.body.model import anny_model, phenotype_tensor, to_world

    model = anny_model()
    with torch.no_grad():
        out = model(
            pose_parameters=pose_parameters,
            phenotype_kwargs=phenotype_tensor(dict(phenotype or {})),
        )
    verts = to_world(out["vertices"][0]).float()  # (V, 3)
    verts[:, 1] -= verts[:, 1].min()
    faces = _anny_triangles()
    weights = _dense_weights(
        model.vertex_bone_indices, model.vertex_bone_weights, len(model.bone_labels)
    )
    return from_skinned_mesh(verts, faces, weights, list(model.bone_labels))


@functools.lru_cache(maxsize=1)
def _anny_triangles() -> torch.Tensor:
    """(F, 3) int64: anny's faces, quads split in two (once per process: it takes a while)."""
    from render_engine.body.model import anny_model

    return anny_model().get_triangular_faces()


_WEIGHT_ATTRS = ("skinning_weights", "vertex_bone_weights", "weights")


def as_garment_body(body: object) -> GarmentBody:
    """Accept a `GarmentBody`, or any body with a `.mesh` (TriMesh), skinning weights
    (``skinning_weights`` (V, J), or sparse weights with ``vertex_bone_indices``) and bone labels
    (``bone_labels``, or ``skeleton.labels`` as on `render_engine.body.fitted.FittedBody`), as
    attributes of the body or in ``mesh.extras``, and `.measurements` (cm) when it has them."""
    if isinstance(body, GarmentBody):
        return body
    mesh = body if isinstance(body, TriMesh) else getattr(body, "mesh", None)
    cached = _LAST.get("body")
    if isinstance(mesh, TriMesh) and cached is not None and _LAST.get("verts") is mesh.verts:
        return cached  # type: ignore[return-value]
    built = _as_garment_body(body, mesh)
    if isinstance(mesh, TriMesh):
        _LAST.update(verts=mesh.verts, body=built)  # dress() then outfit() on the same body
    return built


#: the last body converted, by its verts tensor (dressing and finishing one body convert once)
_LAST: dict[str, object] = {}


def _as_garment_body(body: object, mesh: object) -> GarmentBody:
    if not isinstance(mesh, TriMesh):
        raise InvalidRequest(
            "body must be a GarmentBody or have a TriMesh .mesh", code="INVALID_BODY"
        )
    sources = [body, getattr(body, "skinning", None), getattr(body, "skeleton", None), mesh.extras]

    def find(names: tuple[str, ...]) -> object:
        for src in sources:
            if src is None:
                continue
            for name in names:
                value = src.get(name) if isinstance(src, Mapping) else getattr(src, name, None)
                if value is not None:
                    return value
        return None

    weights = find(_WEIGHT_ATTRS)
    labels = find(("bone_labels", "bones"))
    skeleton = getattr(body, "skeleton", None)
    if labels is None and skeleton is not None:
        labels = getattr(skeleton, "labels", None)
    if weights is None or labels is None:
        raise InvalidRequest(
            "body carries no skinning weights and bone labels", code="INVALID_BODY"
        )
    weights = torch.as_tensor(weights)
    labels = list(cast("Iterable[str]", labels))  # bone names, in whatever sequence
    if weights.ndim == 2 and weights.shape[1] != len(labels):
        indices = find(("skinning_indices", "vertex_bone_indices", "bone_indices"))
        if indices is None:
            raise InvalidRequest(
                "sparse skinning weights without bone indices", code="INVALID_BODY"
            )
        weights = _dense_weights(torch.as_tensor(indices), weights, len(labels))
    measurements = getattr(body, "measurements", None)
    return from_skinned_mesh(
        mesh.verts,
        mesh.faces,
        weights,
        labels,
        dict(measurements) if isinstance(measurements, Mapping) else None,
    )
