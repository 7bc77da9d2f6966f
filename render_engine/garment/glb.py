"""A product's own 3D model (GLB bytes) as a garment surface.

The model is loaded with trimesh (all its meshes in the scene, transforms applied, duplicate
vertices merged so that the drape sees one connected surface), then scaled per axis and moved
so that its bounding box matches the box of the pattern the category would have cut from the
body (glTF is +Y up like the render engine). The drape then fits it like a generated garment.

A model goes down the same path as a garment cut from the body (issue 13, item 5):

* each vertex takes the region of the pattern's nearest vertex (`model_piece`): a model's
  sleeves are sleeves (they collide with the arms; a garment's trunk passes behind them) and
  its rest lengths shrink where the pattern's ease is negative, as the pattern's would;
* after the drape it is told which body vertices it lies on (`model_cover`: ``covers`` and
  ``source``, as a cut piece knows them), so `outfit` draws the skin and the base layer under
  it further in and leaves out what it hides;
* its look is the product's, as for any garment (`dress`): the variant's ``colorHex``, the
  material from the product's material and tags text (shading, sheen, the weave's normal map
  over cloth coordinates taken from the positions, which any mesh has) and the product's
  photos projected from the front. The model's own glTF material (its baseColor texture and
  factor, its roughness) is not used: one model serves every colour variant of a product, so
  its texture is at best one variant's colour, and its UV atlas splits the vertices along
  seams that the drape needs joined (``merge_vertices``), so its coordinates would not survive
  the drape and the cut at the arms without a per-corner path the renderer does not have.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import torch

from render_engine.errors import InvalidRequest
from render_engine.garment.pattern import GarmentRegion, Piece

if TYPE_CHECKING:
    from render_engine.garment.body_view import GarmentBody

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
    """The product model placed over the box of the `template` pattern, each vertex with the
    region and rest-length scale of the pattern's nearest vertex."""
    from scipy.spatial import cKDTree

    verts, faces = load_glb(data)
    lo, hi = template.verts.min(0).values, template.verts.max(0).values
    placed = fit_to_box(verts, lo, hi)
    if template.verts.shape[0]:
        _, nearest = cKDTree(template.verts.double().numpy()).query(placed.double().numpy())
        ids = torch.from_numpy(np.asarray(nearest, dtype=np.int64))
        labels = template.labels[ids].long()
        scale = template.rest_scale[ids].float()
    else:
        labels = torch.full((placed.shape[0],), GarmentRegion.TORSO, dtype=torch.int64)
        scale = torch.ones(placed.shape[0])
    # covers: the body the pattern lies on, which bounds what the model may cover (`model_cover`)
    return Piece(
        verts=placed, faces=faces, labels=labels, rest_scale=scale, covers=template.covers
    )


#: a product model's neckline is cut no higher than a crew neck's (`model_neckline`): half
#: width and front drop (m) of `categories.neckline`
MODEL_NECKLINE = (0.065, 0.03)
#: categories worn round the neck's base, whose models get that neckline
NECKLINE_CATEGORIES = ("tops", "dresses", "outerwear", "activewear", "formal")


def model_neckline(piece: Piece, body: GarmentBody) -> Piece:
    """The placed model cut along a crew neckline round the body's neck
    (`categories.neckline_at`, `MODEL_NECKLINE`), where the model reaches higher or closer.

    A model made on another figure is fitted to the pattern's box per axis, so its own
    neckline lands where that figure's neck was: on a shorter figure, or one whose neck
    stands further forward, the collar ran into the neck, the drape pushed it about and the
    cloth left inside was cut away: a ragged neckline of shards. Cut along a smooth field of
    the body's neck before the drape, the model's neckline is a smooth curve clear of the
    neck; a model whose own neckline is lower is not touched there."""
    from render_engine.garment.categories import cut_piece, neckline_at

    if piece.verts.shape[0] == 0:
        return piece
    field = neckline_at(body, piece.verts, *MODEL_NECKLINE)
    if bool((field >= 0).all()):
        return piece
    return cut_piece(piece, field)


#: a body vertex is under a draped model when the model's nearest vertex is this close ...
COVER_REACH_M = 0.06
#: ... and that model vertex's own nearest body vertex lies this close to it (at least; the
#: model's mean edge length where that is longer): beyond a hem or a cuff the nearest model
#: vertex is on the edge, whose body vertex is farther away
COVER_MATCH_M = 0.02


def model_cover(
    verts: torch.Tensor,
    faces: torch.Tensor,
    body_verts: torch.Tensor,
    within: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Which body vertices a draped model lies on, as a cut piece knows it: source (N,) the
    nearest body vertex of each model vertex, covers (B,) bool over the body's vertices, only
    among `within` (B,) bool when given (the body parts the category's pattern covers: a hand
    hanging against a tee's hem lies near the model but is never under it)."""
    from scipy.spatial import cKDTree

    if verts.shape[0] == 0:
        return torch.zeros(0, dtype=torch.int64), torch.zeros(body_verts.shape[0], dtype=torch.bool)
    body = body_verts.double().numpy()
    _, src = cKDTree(body).query(verts.detach().double().numpy())
    source = torch.from_numpy(np.asarray(src, dtype=np.int64))
    dist, near = cKDTree(verts.detach().double().numpy()).query(body)
    near_t = torch.from_numpy(np.asarray(near, dtype=np.int64))
    edges = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    edge_len = float((verts[edges[:, 0]] - verts[edges[:, 1]]).norm(dim=1).mean())
    match = max(COVER_MATCH_M, edge_len) if edges.numel() else COVER_MATCH_M
    apart = (body_verts[source[near_t]] - body_verts).norm(dim=1)
    covers = (torch.from_numpy(np.asarray(dist)) < COVER_REACH_M) & (apart < match)
    if within is not None:
        covers &= within
    return source, covers
