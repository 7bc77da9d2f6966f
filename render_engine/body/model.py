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

import torch

#: Phenotype inputs of anny's default model, in the order of its phenotype tensor.
PHENOTYPE_LABELS: tuple[str, ...] = ("gender", "age", "muscle", "weight", "height", "proportions")

#: (3, 3) rotation from anny's frame to the render engine's frame.
ANNY_TO_WORLD = torch.tensor(
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]], dtype=torch.float64
)

_lock = threading.Lock()


def model_device() -> torch.device:
    """The device anny runs on: ``TRYON_DEVICE`` (default ``cpu``)."""
    return torch.device(os.environ.get("TRYON_DEVICE", "cpu"))


@functools.lru_cache(maxsize=1)
def _load() -> torch.nn.Module:
    import anny  # deferred: prints a Warp banner and takes ~1 s to import

    model = anny.Anny()  # first construction on a machine builds a cache (~1 min)
    model.requires_grad_(False)
    model.eval()
    labels = tuple(model.phenotype_labels)
    if labels != PHENOTYPE_LABELS:
        raise RuntimeError(f"unexpected anny phenotype labels {labels}")
    return model.to(model_device())


def anny_model() -> torch.nn.Module:
    """The process-wide anny model (float64, gradients off for its buffers)."""
    with _lock:
        return _load()


def to_world(points: torch.Tensor) -> torch.Tensor:
    """(..., 3) anny-frame points -> (..., 3) render-engine frame (before the floor shift)."""
    return points @ ANNY_TO_WORLD.to(points).T


def to_anny(points: torch.Tensor) -> torch.Tensor:
    """Inverse of `to_world`: (..., 3) render-engine frame -> (..., 3) anny frame."""
    return points @ ANNY_TO_WORLD.to(points)


def phenotype_tensor(phenotype: dict[str, float], dtype=torch.float64) -> torch.Tensor:
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


def rest_shape(phenotype: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rest-pose vertices and bone heads, differentiable in the phenotype.

    phenotype: (B, 6). Returns (B, V, 3) vertices and (B, J, 3) bone heads, both in the render
    engine's frame (+Y up, facing +Z) but not yet shifted onto the floor.
    """
    from anny.skinning.skinning import apply_linear_blendshape

    model = anny_model()
    coeffs = blendshape_coefficients(phenotype)  # (B, K)
    verts = model.get_rest_vertices(coeffs)  # (B, V, 3)
    heads = apply_linear_blendshape(
        model.template_bone_heads, model.bone_heads_blendshapes, coeffs
    )  # (B, J, 3)
    return to_world(verts), to_world(heads)
