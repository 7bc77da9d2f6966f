"""A fitted body: the rest-pose mesh of one anny phenotype, with everything built from it.

A body is fully determined by its parameters (`FittedBody.to_params()`, a JSON-able dict);
`body_from_params` rebuilds the very same mesh from them, so only the parameters need storing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch

from render_engine.body.measures import body_measures, to_report
from render_engine.body.model import (
    PHENOTYPE_LABELS,
    anny_model,
    phenotype_tensor,
    rest_shape,
)
from render_engine.body.regions import vertex_regions
from render_engine.errors import InvalidRequest
from render_engine.mesh import TriMesh

MODEL_NAME = "anny"
MODEL_VERSION = "0.6.2"
#: Default skin albedo (linear-ish sRGB in [0, 1]).
SKIN_COLOR = (0.80, 0.62, 0.52)
PARAM_DECIMALS = 6


@dataclass(frozen=True)
class Skeleton:
    """The body's bones in the rest pose (render-engine frame, feet on y = 0).

    labels:  J bone names (anny's rig: ``root``, ``upperarm01.L``, ...)
    parents: J parent indices, -1 for the root
    heads:   (J, 3) float32 rest positions of the bone heads (joints)
    """

    labels: tuple[str, ...]
    parents: tuple[int, ...]
    heads: torch.Tensor

    def index(self, label: str) -> int:
        return self.labels.index(label)


@dataclass
class FittedBody:
    """One body, ready to pose, dress and render.

    mesh:         rest pose (A-pose), metres, +Y up, facing +Z, feet on y = 0, skin colour,
                  `labels` = `BodyRegion` of each vertex
    phenotype:    anny phenotype values in [0, 1] keyed by `PHENOTYPE_LABELS`
    measurements: the spec's Avatar.measurements of this mesh (cm / kg, 1 decimal)
    skeleton:     rest bone heads, labels and parents
    floor_shift:  metres added to y after `model.to_world` to put the feet on y = 0
    """

    mesh: TriMesh
    phenotype: dict[str, float]
    measurements: dict[str, float]
    skeleton: Skeleton
    floor_shift: float
    skin_color: tuple[float, float, float] = SKIN_COLOR
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def skinning_weights(self) -> torch.Tensor:
        """(V, J) float32 linear-blend-skinning weights of the mesh vertices (rows sum to 1)."""
        return skinning_weights()

    def to_params(self) -> dict[str, object]:
        """JSON-able parameters that `body_from_params` turns back into this very body."""
        return {
            "model": MODEL_NAME,
            "modelVersion": MODEL_VERSION,
            "phenotype": dict(self.phenotype),
            "skinColor": list(self.skin_color),
        }


@functools.lru_cache(maxsize=1)
def skinning_weights() -> torch.Tensor:
    """(V, J) float32 dense skinning weights of anny's vertices (the same for every body)."""
    from anny.skinning.skinning import dense_bone_weights

    model = anny_model()
    weights = dense_bone_weights(
        model.vertex_bone_weights, model.vertex_bone_indices, model.bone_count
    )
    dense: torch.Tensor = weights  # anny ships no type hints
    return dense.to(torch.float32)


@functools.lru_cache(maxsize=1)
def _topology() -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...], tuple[int, ...]]:
    model = anny_model()
    faces = torch.as_tensor(model.faces, dtype=torch.int64)
    labels = tuple(model.bone_labels)
    regions = vertex_regions(skinning_weights(), list(labels))
    parents = tuple(int(p) for p in model.bone_parents)
    return faces, regions, labels, parents


def _rounded(phenotype: dict[str, float]) -> dict[str, float]:
    return {k: round(float(phenotype[k]), PARAM_DECIMALS) for k in PHENOTYPE_LABELS}


def build_body(
    phenotype: dict[str, float], skin_color: tuple[float, float, float] = SKIN_COLOR
) -> FittedBody:
    """The body of one phenotype (missing labels default to 0.5, values rounded to 1e-6)."""
    phenotype = _rounded({**dict.fromkeys(PHENOTYPE_LABELS, 0.5), **phenotype})
    faces, regions, labels, parents = _topology()
    with torch.no_grad():
        verts, heads = rest_shape(phenotype_tensor(phenotype))  # (1, V, 3), (1, J, 3)
        measures = to_report(body_measures(verts, heads))
    floor_shift = -float(verts[0, :, 1].min())
    shift = torch.tensor([0.0, floor_shift, 0.0], dtype=verts.dtype)
    v = (verts[0] + shift).to(torch.float32)
    color = torch.tensor(skin_color, dtype=torch.float32).expand_as(v).clone()
    mesh = TriMesh(verts=v, faces=faces, colors=color, labels=regions.clone(), name="body")
    skeleton = Skeleton(labels=labels, parents=parents, heads=(heads[0] + shift).to(torch.float32))
    return FittedBody(
        mesh=mesh,
        phenotype=phenotype,
        measurements=measures,
        skeleton=skeleton,
        floor_shift=floor_shift,
        skin_color=(float(skin_color[0]), float(skin_color[1]), float(skin_color[2])),
    )


def body_from_params(params: dict[str, object]) -> FittedBody:
    """Rebuild a body from `FittedBody.to_params()` output."""
    if not isinstance(params, dict) or params.get("model") != MODEL_NAME:
        raise InvalidRequest(
            "body parameters must come from FittedBody.to_params()", "INVALID_BODY_PARAMS"
        )
    phenotype = params.get("phenotype")
    if not isinstance(phenotype, dict) or set(phenotype) - set(PHENOTYPE_LABELS):
        raise InvalidRequest(
            f"phenotype must use the keys {PHENOTYPE_LABELS}", "INVALID_BODY_PARAMS"
        )
    values = {k: float(v) for k, v in phenotype.items()}
    if any(not 0.0 <= v <= 1.0 for v in values.values()):
        raise InvalidRequest("phenotype values must lie in [0, 1]", "INVALID_BODY_PARAMS")
    color = params.get("skinColor", SKIN_COLOR)
    if not isinstance(color, (list, tuple)) or len(color) != 3:
        raise InvalidRequest("skinColor must be three numbers", "INVALID_BODY_PARAMS")
    return build_body(values, (float(color[0]), float(color[1]), float(color[2])))
