"""A product's own 3D model (GLB bytes) as a garment surface.

The model is loaded with trimesh (all its meshes in the scene, transforms applied, duplicate
vertices merged so that the drape sees one connected surface), then scaled per axis and moved
so that its bounding box matches the box of the pattern the category would have cut from the
body (glTF is +Y up like the render engine). The drape then fits it like a generated garment.
"""

from __future__ import annotations

import io

import numpy as np
import torch

from render_engine.errors import InvalidRequest
from render_engine.garment.pattern import GarmentRegion, Piece

#: Above this many faces a model is refused (the drape is sized for body-resolution garments).
MAX_MODEL_FACES = 200_000


def load_glb(data: bytes) -> tuple[torch.Tensor, torch.Tensor]:
    """GLB bytes -> (V, 3) float32 verts, (F, 3) int64 faces. `InvalidRequest` if unusable."""
    import trimesh

    if not isinstance(data, (bytes, bytearray)) or len(data) < 12 or bytes(data[:4]) != b"glTF":
        raise InvalidRequest("model is not a binary glTF (GLB) file", code="INVALID_MODEL")
    try:
        loaded = trimesh.load(io.BytesIO(bytes(data)), file_type="glb", force="mesh", process=True)
    except Exception as exc:  # trimesh raises many kinds on broken files
        raise InvalidRequest(f"model could not be read: {exc}", code="INVALID_MODEL") from exc
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise InvalidRequest("model has no triangles", code="INVALID_MODEL")
    if len(loaded.faces) > MAX_MODEL_FACES:
        raise InvalidRequest(
            f"model has {len(loaded.faces)} faces, more than {MAX_MODEL_FACES}",
            code="INVALID_MODEL",
        )
    loaded.merge_vertices()
    verts = torch.from_numpy(np.asarray(loaded.vertices, dtype=np.float32))
    faces = torch.from_numpy(np.asarray(loaded.faces, dtype=np.int64))
    if not torch.isfinite(verts).all():
        raise InvalidRequest("model has non-finite vertices", code="INVALID_MODEL")
    return verts, faces


def fit_to_box(verts: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """Scale (per axis) and move (V, 3) verts so that their box is [lo, hi]."""
    vlo, vhi = verts.min(0).values, verts.max(0).values
    size = (vhi - vlo).clamp(min=1e-6)
    return lo + (verts - vlo) / size * (hi - lo)


def model_piece(data: bytes, template: Piece) -> Piece:
    """The product model placed over the box of the `template` pattern."""
    verts, faces = load_glb(data)
    lo, hi = template.verts.min(0).values, template.verts.max(0).values
    placed = fit_to_box(verts, lo, hi)
    labels = torch.full((placed.shape[0],), GarmentRegion.TORSO, dtype=torch.int64)
    return Piece(verts=placed, faces=faces, labels=labels, rest_scale=torch.ones(placed.shape[0]))
