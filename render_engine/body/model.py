"""The anny body model, loaded once per process, and its frame.

anny works in metres with +Z up and the figure facing -Y (its left side at +X). The render
engine works with +Y up and the figure facing +Z; the rotation between the two is

    ours = ANNY_TO_WORLD @ anny          i.e. (x, y, z)_ours = (x, z, -y)_anny

(a proper rotation about +X by -90 degrees, so handedness and face winding are kept). The feet
are then moved onto y = 0 by a vertical shift that each body carries with it.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from typing import Protocol, cast

import torch

#: Phenotype inputs of anny's default model, in the order of its phenotype tensor.
PHENOTYPE_LABELS: tuple[str, ...] = ("gender", "age", "muscle", "weight", "height", "proportions")

#: (3, 3) rotation from anny's frame to the render engine's frame.
ANNY_TO_WORLD = torch.tensor(
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]], dtype=torch.float64
)

_lock = threading.Lock()


class AnnyModel(Protocol):
    """What the render engine uses of anny's rigged model (anny ships no type hints). In
    anny's frame; V vertices, F faces, J bones, K blendshapes."""

    phenotype_labels: Sequence[str]
    bone_labels: Sequence[str]
    bone_parents: Sequence[int]  # per bone, its parent's index (-1 at the root)
    faces: torch.Tensor  # (F, 4) int64 quads
    template_vertices: torch.Tensor  # (V, 3) float64
    blendshapes: torch.Tensor  # (K, V, 3)
    template_bone_heads: torch.Tensor  # (J, 3)
    bone_heads_blendshapes: torch.Tensor  # (K, J, 3)
    vertex_bone_weights: torch.Tensor  # (V, N) weights of N bones per vertex
    vertex_bone_indices: torch.Tensor  # (V, N) int64 bone ids
    base_mesh_vertex_indices: torch.Tensor  # (M,) int64: the base mesh's vertices in V

    @property
    def bone_count(self) -> int: ...

    def __call__(self, *,
                 pose_parameters: torch.Tensor | dict[str, torch.Tensor] | None = None,
                 phenotype_kwargs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Posed output: ``vertices`` (B, V, 3) among others."""
        ...

    def get_rest_model(self, blendshape_coeffs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Rest model of (B, K) coefficients: ``rest_bone_poses`` (B, J, 4, 4) among others."""
        ...

    def get_bone_transforms(self, pose_parameters: torch.Tensor, rest_bone_poses: torch.Tensor
                            ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, J, 4, 4) bone transforms (and their rest poses) of (B, J, 4, 4) deltas."""
        ...

    def get_triangular_faces(self) -> torch.Tensor:
        """(F', 3) int64: the faces, quads split in two."""
        ...

    def _get_phenotype_blendshape_coefficients(
            self, phenotype: torch.Tensor, local_changes: torch.Tensor,
            global_changes: torch.Tensor) -> torch.Tensor:
        """(B, 6) phenotype values -> (B, K) blendshape coefficients."""
        ...


def model_device() -> torch.device:
    """The device anny runs on: ``TRYON_DEVICE`` (default ``cpu``)."""
    return torch.device(os.environ.get("TRYON_DEVICE", "cpu"))


@functools.lru_cache(maxsize=1)
def _load() -> AnnyModel:
    import anny  # deferred: prints a Warp banner and takes ~1 s to import

    model = anny.Anny()  # first construction on a machine builds a cache (~1 min)
    model.requires_grad_(False)
    model.eval()
    labels = tuple(model.phenotype_labels)
    if labels != PHENOTYPE_LABELS:
        raise RuntimeError(f"unexpected anny phenotype labels {labels}")
    return cast(AnnyModel, model.to(model_device()))


def anny_model() -> AnnyModel:
    """The process-wide anny model (float64, gradients off for its buffers)."""
    with _lock:
        return _load()


def to_world(points: torch.Tensor) -> torch.Tensor:
    """(..., 3) anny-frame points -> (..., 3) render-engine frame (before the floor shift)."""
    return points @ ANNY_TO_WORLD.to(points).T


def to_anny(points: torch.Tensor) -> torch.Tensor:
    """Inverse of `to_world`: (..., 3) render-engine frame -> (..., 3) anny frame."""
    return points @ ANNY_TO_WORLD.to(points)


def phenotype_tensor(phenotype: dict[str, float],
                     dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A phenotype dict (labels of `PHENOTYPE_LABELS`, missing ones 0.5) -> (1, 6) tensor."""
    unknown = set(phenotype) - set(PHENOTYPE_LABELS)
    if unknown:
        raise ValueError(f"unknown phenotype keys {sorted(unknown)}")
    values = [float(phenotype.get(label, 0.5)) for label in PHENOTYPE_LABELS]
    return torch.tensor([values], dtype=dtype, device=model_device())


def blendshape_coefficients(phenotype: torch.Tensor) -> torch.Tensor:
    """(B, 6) phenotype values in [0, 1] -> (B, K) anny blendshape coefficients."""
    model = anny_model()
    batch = phenotype.shape[0]
    empty = phenotype.new_zeros((batch, 0))
    return model._get_phenotype_blendshape_coefficients(phenotype, empty, empty)


@functools.lru_cache(maxsize=1)
def _world_basis() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """anny's templates and blendshapes rotated once into the render-engine frame.

    Returns template vertices (V*3,), vertex blendshapes (K, V*3), template bone heads
    (J*3,) and bone-head blendshapes (K, J*3), all float64 and flattened for one matmul.
    """
    model = anny_model()
    rot = ANNY_TO_WORLD.to(model.template_vertices)
    verts = model.template_vertices @ rot.T  # (V, 3)
    blend = model.blendshapes @ rot.T  # (K, V, 3)
    heads = model.template_bone_heads @ rot.T  # (J, 3)
    head_blend = model.bone_heads_blendshapes @ rot.T  # (K, J, 3)
    k = blend.shape[0]
    return verts.reshape(-1), blend.reshape(k, -1), heads.reshape(-1), head_blend.reshape(k, -1)


def rest_shape(phenotype: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rest-pose vertices and bone heads, differentiable in the phenotype.

    phenotype: (B, 6). Returns (B, V, 3) vertices and (B, J, 3) bone heads, both in the render
    engine's frame (+Y up, facing +Z) but not yet shifted onto the floor. Equal to anny's
    rest model rotated by `ANNY_TO_WORLD`.
    """
    verts0, blend, heads0, head_blend = _world_basis()
    coeffs = blendshape_coefficients(phenotype)  # (B, K)
    batch = phenotype.shape[0]
    verts = (verts0 + coeffs @ blend).reshape(batch, -1, 3)  # (B, V, 3)
    heads = (heads0 + coeffs @ head_blend).reshape(batch, -1, 3)  # (B, J, 3)
    return verts, heads
