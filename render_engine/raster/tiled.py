"""Screen-tiled mesh rasterization on the CPU, pixel-for-pixel equal to PyTorch3D's.

PyTorch3D's CPU rasterizer is brute force: every pixel tests every face. Here each face is
binned into the square screen tiles its (blur-expanded) bounding box touches, and PyTorch3D's
own rasterizer runs once over all tiles at the same time, each tile being one "mesh" of a
batch whose image is the tile. A tile's faces are mapped by an affine map onto the tile's own
NDC so that the tile's pixel centres fall exactly where the full image's pixel centres are.

PyTorch3D's pixel convention for an (H, W) image, with m = min(H, W):
    column xi has NDC x = W / m - (2 xi + 1) / m      (+X points left)
    row    yi has NDC y = H / m - (2 yi + 1) / m      (+Y points up)
so a tile of T x T pixels whose top-left pixel is (y0, x0) sees a full-image NDC point
(x, y) at tile NDC
    x_t = (m x + 2 x0 + T - W) / T,    y_t = (m y + 2 y0 + T - H) / T.
The map is a uniform scale s = m / T plus a shift: barycentric coordinates and z are unchanged,
squared distances scale by s^2 (so the blur radius, a squared distance in PyTorch3D, is
multiplied by s^2 going in and the returned `dists` divided by s^2 coming out).

Gradients reach the vertices as in the unbinned rasterizer (soft silhouettes: blur_radius > 0,
faces_per_pixel > 1): the forward pass runs without autograd and
`gradients.attach_vertex_gradients` re-evaluates the hit values in vectorised torch
(PyTorch3D's own CPU backward is a single-threaded loop: 256 x 256, K = 8 took 4.5 s
backward there, 0.02 s here).

Tile size: `tile=None` (the default) picks among 8..128 pixels by a cost model of PyTorch3D's
CPU rasterizer (a fixed set-up cost per (tile, face) pair, a cost per pixel-face test), which
favours small tiles for small faces on screen and larger ones for large faces.

On CUDA PyTorch3D bins on its own; the tiled path is used for CPU tensors only.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from pytorch3d.renderer.mesh.clip import (
    ClipFrustum,
    clip_faces,
    convert_clipped_rasterization_to_original_faces,
)
from pytorch3d.renderer.mesh.rasterize_meshes import _RasterizeFaceVerts, rasterize_meshes
from pytorch3d.renderer.utils import parse_image_size
from pytorch3d.structures import Meshes

from render_engine.raster.gradients import attach_vertex_gradients
from render_engine.raster.nearest import rasterize_nearest

K_EPSILON = 1e-8  # PyTorch3D's kEpsilon: faces with |area| below it are never drawn
DEFAULT_TILE = None  # None: choose per call with `TILE_CANDIDATES` and the cost model below
TILE_CANDIDATES = (8, 16, 32, 64, 128)
# Cost model of PyTorch3D's CPU rasterizer per call, measured on 2 cores (seconds):
COST_PER_PAIR = 6e-6  # per (tile, face) pair: its bounding box and area are set up one by one
COST_PER_TEST = 1e-8  # per (pixel, face) test inside a tile
COST_PER_PIXEL = 5e-8  # per pixel of a tile that has faces
#: `raster.nearest` (vectorised, the same pixels) replaces PyTorch3D's CPU rasterizer for one
#: face per pixel without blur when the faces' boxes hold at most this many pixels per
#: binned face: PyTorch3D spends ~5 us setting up each binned face, `nearest` ~0.1-0.2 us
#: per (face, pixel) candidate. Measured at 1080p on 2 cores: the one-sample pass (34 per
#: face) 0.56 -> 0.37 s, supersampled edge tiles (104 per face) 0.46 -> 0.65 s
NEAREST_CANDIDATES_PER_FACE = 60


class RasterOutput(NamedTuple):
    """Same four tensors, same meaning, as `pytorch3d...rasterize_meshes` returns.

    pix_to_face: (N, H, W, K) int64, packed face index of the original mesh batch, -1 if none
    zbuf:        (N, H, W, K) float32, view-space z of the hit, -1 if none
    bary_coords: (N, H, W, K, 3) float32, -1 if none
    dists:       (N, H, W, K) float32, signed squared NDC distance to the face, -1 if none
    """

    pix_to_face: torch.Tensor
    zbuf: torch.Tensor
    bary_coords: torch.Tensor
    dists: torch.Tensor


class TileBins(NamedTuple):
    """Faces binned into tiles, one entry per (tile, face) pair, sorted by tile then face.

    face_idx:   (P,) int64, packed face index of each pair
    tile_y/x:   (P,) int64, tile row / column of each pair (in tiles, within the window)
    first_idx:  (G,) int64, first pair of each group (group = mesh * tiles + tile)
    count:      (G,) int64, pairs per group
    grid:       (tiles_y, tiles_x)
    """

    face_idx: torch.Tensor
    tile_y: torch.Tensor
    tile_x: torch.Tensor
    first_idx: torch.Tensor
    count: torch.Tensor  # type: ignore[assignment]  # shadows tuple.count, never called here
    grid: tuple[int, int]


def _face_pixel_ranges(
    face_verts: torch.Tensor, image_size: tuple[int, int], blur_radius: float
) -> tuple[torch.Tensor, ...]:
    """Inclusive pixel-centre ranges (row_lo, row_hi, col_lo, col_hi) each face can cover.

    face_verts: (F, 3, 3) NDC. Returns four (F,) int64 tensors and a (F,) bool `drawable`
    (finite, in front of the camera, non-degenerate: faces PyTorch3D would skip anyway).
    A one-pixel margin absorbs float rounding; an extra face in a tile changes nothing.
    """
    h, w = image_size
    m = float(min(h, w))
    fv = face_verts.detach().to(torch.float64)  # (F, 3, 3)
    reach = math.sqrt(blur_radius) if blur_radius > 0 else 0.0
    xy_min = fv[:, :, :2].amin(dim=1) - reach  # (F, 2)
    xy_max = fv[:, :, :2].amax(dim=1) + reach  # (F, 2)
    # pixel index of an NDC coordinate c along an axis of length L: L/2 - 0.5 - c m / 2
    col_lo = torch.ceil(w / 2 - 0.5 - xy_max[:, 0] * m / 2) - 1
    col_hi = torch.floor(w / 2 - 0.5 - xy_min[:, 0] * m / 2) + 1
    row_lo = torch.ceil(h / 2 - 0.5 - xy_max[:, 1] * m / 2) - 1
    row_hi = torch.floor(h / 2 - 0.5 - xy_min[:, 1] * m / 2) + 1

    fv32 = face_verts.detach()
    v0, v1, v2 = fv32[:, 0, :2], fv32[:, 1, :2], fv32[:, 2, :2]
    area = (v2[:, 0] - v0[:, 0]) * (v1[:, 1] - v0[:, 1]) - (v2[:, 1] - v0[:, 1]) * (
        v1[:, 0] - v0[:, 0]
    )  # (F,) float32 like PyTorch3D's EdgeFunctionForward
    drawable = (
        torch.isfinite(fv).all(dim=(1, 2))
        & (fv[:, :, 2].amin(dim=1) >= K_EPSILON)
        & (area.abs() > K_EPSILON)
        & (col_hi >= 0)
        & (col_lo <= w - 1)
        & (row_hi >= 0)
        & (row_lo <= h - 1)
    )
    big = float(max(h, w) + 2)
    ranges = [
        r.nan_to_num(0.0).clamp(-2.0, big).to(torch.int64) for r in (row_lo, row_hi, col_lo, col_hi)
    ]
    return (*ranges, drawable)


class FaceRanges(NamedTuple):
    """Per face (F,) int64 inclusive pixel ranges and whether PyTorch3D could draw it."""

    row_lo: torch.Tensor
    row_hi: torch.Tensor
    col_lo: torch.Tensor
    col_hi: torch.Tensor
    drawable: torch.Tensor


def _tile_ranges(
    ranges: FaceRanges, image_size: tuple[int, int], tile: int, rows: tuple[int, int]
) -> tuple[torch.Tensor, ...]:
    """First/last tile row and column of every face (F,), and its pair count (F,)."""
    r0, r1 = rows
    tiles_y, tiles_x = -(-(r1 - r0) // tile), -(-image_size[1] // tile)
    drawable = ranges.drawable & (ranges.row_hi >= r0) & (ranges.row_lo <= r1 - 1)
    ty0 = ((ranges.row_lo - r0).clamp(min=0) // tile).clamp(max=tiles_y - 1)  # (F,)
    ty1 = ((ranges.row_hi - r0).clamp(min=0) // tile).clamp(max=tiles_y - 1)
    tx0 = (ranges.col_lo.clamp(min=0) // tile).clamp(max=tiles_x - 1)
    tx1 = (ranges.col_hi.clamp(min=0) // tile).clamp(max=tiles_x - 1)
    nx = tx1 - tx0 + 1  # (F,)
    per_face = torch.where(drawable, (ty1 - ty0 + 1) * nx, torch.zeros_like(nx))  # (F,)
    return ty0, tx0, nx, per_face


def _bin_ranges(
    ranges: FaceRanges,
    face_to_mesh: torch.Tensor,
    num_meshes: int,
    image_size: tuple[int, int],
    tile: int,
    rows: tuple[int, int],
) -> TileBins:
    r0, r1 = rows
    tiles_y, tiles_x = -(-(r1 - r0) // tile), -(-image_size[1] // tile)
    n_tiles = tiles_y * tiles_x
    ty0, tx0, nx, per_face = _tile_ranges(ranges, image_size, tile, rows)
    device = per_face.device
    face_idx = torch.repeat_interleave(torch.arange(per_face.shape[0], device=device), per_face)
    start = torch.cumsum(per_face, 0) - per_face  # (F,) exclusive prefix sum
    k = torch.arange(face_idx.shape[0], device=device) - start[face_idx]  # (P,)
    tile_y = ty0[face_idx] + k // nx[face_idx]
    tile_x = tx0[face_idx] + k % nx[face_idx]
    group = face_to_mesh[face_idx] * n_tiles + tile_y * tiles_x + tile_x  # (P,)
    group, order = torch.sort(group, stable=True)  # stable: faces stay in original order
    face_idx, tile_y, tile_x = face_idx[order], tile_y[order], tile_x[order]
    count = torch.bincount(group, minlength=num_meshes * n_tiles)  # (G,)
    first_idx = torch.cumsum(count, 0) - count
    return TileBins(face_idx, tile_y, tile_x, first_idx, count, (tiles_y, tiles_x))


def bin_faces(
    face_verts: torch.Tensor,
    face_to_mesh: torch.Tensor,
    num_meshes: int,
    image_size: tuple[int, int],
    tile: int,
    blur_radius: float = 0.0,
    rows: tuple[int, int] | None = None,
) -> TileBins:
    """Bin every face into the tiles its blur-expanded screen bounding box touches.

    face_verts: (F, 3, 3) NDC; face_to_mesh: (F,) int64. `rows` = (r0, r1) restricts the
    tiles to output rows r0 <= y < r1 (a horizontal band of the image).
    """
    ranges = FaceRanges(*_face_pixel_ranges(face_verts, image_size, blur_radius))
    window = rows if rows is not None else (0, image_size[0])
    return _bin_ranges(ranges, face_to_mesh, num_meshes, image_size, tile, window)


def tile_cost(pairs: int, active_tiles: int, tile: int) -> float:
    """Predicted seconds for PyTorch3D's CPU rasterizer on binned faces (COST_* constants)."""
    return pairs * (COST_PER_PAIR + COST_PER_TEST * tile * tile) + (
        active_tiles * tile * tile * COST_PER_PIXEL
    )


def bin_faces_auto(
    face_verts: torch.Tensor,
    face_to_mesh: torch.Tensor,
    num_meshes: int,
    image_size: tuple[int, int],
    blur_radius: float = 0.0,
    rows: tuple[int, int] | None = None,
    candidates: tuple[int, ...] = TILE_CANDIDATES,
) -> tuple[int, TileBins]:
    """Bin with the tile size of least predicted cost: small tiles when faces are small on
    screen (few faces per tile), large tiles when faces are large (few tiles per face).

    The number of non-empty tiles is estimated from the tiles the faces start in.
    """
    ranges = FaceRanges(*_face_pixel_ranges(face_verts, image_size, blur_radius))
    window = rows if rows is not None else (0, image_size[0])
    best: tuple[float, int] | None = None
    for tile in candidates:
        ty0, tx0, _, per_face = _tile_ranges(ranges, image_size, tile, window)
        live = per_face > 0
        active = int(torch.unique(ty0[live] * 100_000 + tx0[live]).numel())
        cost = tile_cost(int(per_face.sum()), active, tile)
        if best is None or cost < best[0]:
            best = (cost, tile)
    assert best is not None
    tile = best[1]
    return tile, _bin_ranges(ranges, face_to_mesh, num_meshes, image_size, tile, window)


def _remap_neighbors(neighbor_idx: torch.Tensor, bins: TileBins) -> torch.Tensor:
    """Clipped-face neighbour indices (packed, -1 if none) -> indices into the pair list.

    A neighbour not binned into the same tile has no pixel in common there: -1.
    """
    pairs = bins.face_idx.shape[0]
    n_faces = int(neighbor_idx.shape[0])
    group = torch.repeat_interleave(torch.arange(bins.count.shape[0]), bins.count)  # (P,)
    key = group * n_faces + bins.face_idx  # (P,) sorted ascending
    nb = neighbor_idx[bins.face_idx]  # (P,)
    want = group * n_faces + nb.clamp(min=0)
    pos = torch.searchsorted(key, want).clamp(max=max(pairs - 1, 0))
    found = (nb >= 0) & (key[pos] == want) if pairs else nb >= 0
    return torch.where(found, pos, torch.full_like(pos, -1))


def rasterize_face_verts_tiled(
    face_verts: torch.Tensor,
    mesh_to_face_first_idx: torch.Tensor,
    num_faces_per_mesh: torch.Tensor,
    image_size: tuple[int, int],
    blur_radius: float = 0.0,
    faces_per_pixel: int = 1,
    tile: int | None = DEFAULT_TILE,
    perspective_correct: bool = False,
    clip_barycentric_coords: bool = False,
    cull_backfaces: bool = False,
    clipped_faces_neighbor_idx: torch.Tensor | None = None,
    rows: tuple[int, int] | None = None,
) -> RasterOutput:
    """Tiled equivalent of PyTorch3D's `_RasterizeFaceVerts` on packed face vertices.

    face_verts: (F, 3, 3) NDC x, y and view z; mesh_to_face_first_idx, num_faces_per_mesh: (N,).
    Returns tensors of shape (N, rows, W, K) where rows = H, or r1 - r0 for a band `rows`.
    """
    h, w = image_size
    r0, r1 = rows if rows is not None else (0, h)
    if not (0 <= r0 < r1 <= h):
        raise ValueError(f"rows {rows} outside image of height {h}")
    n = int(num_faces_per_mesh.shape[0])
    k = int(faces_per_pixel)
    device = face_verts.device
    face_to_mesh = torch.repeat_interleave(torch.arange(n, device=device), num_faces_per_mesh)
    if tile is None:
        tile, bins = bin_faces_auto(face_verts, face_to_mesh, n, image_size, blur_radius, rows)
    else:
        bins = bin_faces(face_verts, face_to_mesh, n, image_size, tile, blur_radius, rows)
    tiles_y, tiles_x = bins.grid

    m = float(min(h, w))
    scale = m / tile  # NDC scale factor full image -> tile
    # Map each pair's face onto its tile's NDC in float64, then round once to float32.
    fv = face_verts.detach()[bins.face_idx].to(torch.float64)  # (P, 3, 3)
    x0 = (bins.tile_x * tile).to(torch.float64)[:, None]  # (P, 1) left pixel column
    y0 = (bins.tile_y * tile + r0).to(torch.float64)[:, None]  # (P, 1) top pixel row
    xt = (m * fv[:, :, 0] + 2 * x0 + tile - w) / tile  # (P, 3)
    yt = (m * fv[:, :, 1] + 2 * y0 + tile - h) / tile  # (P, 3)
    fv_tile = torch.stack([xt, yt, fv[:, :, 2]], dim=2).float()  # (P, 3, 3) as PyTorch3D needs

    if clipped_faces_neighbor_idx is not None and bool((clipped_faces_neighbor_idx >= 0).any()):
        neighbors = _remap_neighbors(clipped_faces_neighbor_idx, bins)
    else:
        neighbors = torch.full((fv_tile.shape[0],), -1, dtype=torch.int64, device=device)

    active = (bins.count > 0).nonzero().squeeze(1)  # (A,) tiles with faces: only these run
    with torch.no_grad():  # gradients are re-attached below, vectorised
        nearest = None
        if _nearest_applies(
            device, k, blur_radius, clip_barycentric_coords, cull_backfaces
        ) and not bool((neighbors >= 0).any()):
            nearest = rasterize_nearest(
                fv_tile,
                bins.first_idx[active],
                bins.count[active],
                tile,
                perspective_correct,
                max_candidates=NEAREST_CANDIDATES_PER_FACE * int(fv_tile.shape[0]),
            )
        p2f_t, zbuf_t, bary_t, dists_t = nearest or _RasterizeFaceVerts.apply(
            fv_tile,
            bins.first_idx[active],
            bins.count[active],
            neighbors,
            (tile, tile),
            float(blur_radius) * scale * scale,
            k,
            0,  # bin_size 0: PyTorch3D's naive rasterizer within each tile
            0,
            perspective_correct,
            clip_barycentric_coords,
            cull_backfaces,
        )  # each (A, T, T, K[, 3]), face indices into the pair list
        hit = p2f_t >= 0
        lookup = bins.face_idx if bins.face_idx.numel() else torch.full((1,), -1, device=device)
        p2f_t = torch.where(hit, lookup[p2f_t.clamp(min=0)], p2f_t)
        dists_t = torch.where(hit, dists_t / (scale * scale), dists_t)

        # scatter the active tiles into full frames, -1 everywhere else
        per_mesh = tiles_y * tiles_x
        mesh_id, tile_id = active // per_mesh, active % per_mesh
        ty, tx = tile_id // tiles_x, tile_id % tiles_x

        def untile(t: torch.Tensor) -> torch.Tensor:
            # (A, T, T, ...) -> (N, rows, W, ...) through a padded (N, ty*T, tx*T, ...) frame
            tail = t.shape[3:]
            frame = torch.full(
                (n, tiles_y, tile, tiles_x, tile, *tail), -1, dtype=t.dtype, device=device
            )
            frame.permute(0, 1, 3, 2, 4, *range(5, 5 + len(tail)))[mesh_id, ty, tx] = t
            frame = frame.view(n, tiles_y * tile, tiles_x * tile, *tail)
            return frame[:, : r1 - r0, :w]

        p2f, zbuf, bary, dists = (untile(t) for t in (p2f_t, zbuf_t, bary_t, dists_t))
    if face_verts.requires_grad and torch.is_grad_enabled():
        zbuf, bary, dists = attach_vertex_gradients(
            face_verts,
            p2f,
            zbuf,
            bary,
            dists,
            image_size,
            (r0, r1),
            perspective_correct,
            clip_barycentric_coords,
        )
    return RasterOutput(p2f, zbuf, bary, dists)


def cuda_bins(
    meshes: Meshes, im_size: tuple[int, int], blur_radius: float = 0.0
) -> tuple[int, int]:
    """(bin_size, max_faces_per_bin) for PyTorch3D's coarse-to-fine CUDA rasterizer.

    Its time grows with ``max_faces_per_bin`` (the buffers it fills and scans), not with how
    full the bins are: sized to the whole mesh, 1080p took 92 ms on an H200, sized to the
    frame 33 ms. So the bound is counted here, per frame: every face is put into each bin its
    screen box (one pixel wider, as the coarse pass's box test is) overlaps, by a 2-D
    difference array; the fullest bin, with a margin, is the bound. Never too small (a bin that
    overflows would lose faces), and faces of every mesh of the batch are counted together.
    """
    H, W = im_size
    bin_size = int(2 ** max(math.ceil(math.log2(max(H, W))) - 4, 4))  # PyTorch3D's own choice
    faces = meshes.faces_packed()  # (F, 3)
    n_faces = int(faces.shape[0])
    if n_faces == 0:
        return bin_size, 1
    tri = meshes.verts_packed()[faces]  # (F, 3, 3) in NDC
    # Pixel coordinates; the axes' directions do not matter for how full a bin is.
    sx, sy = max(W / H, 1.0), max(H / W, 1.0)
    u = (tri[..., 0] + sx) * (W / (2 * sx))  # (F, 3)
    v = (tri[..., 1] + sy) * (H / (2 * sy))  # (F, 3)
    pad = 1.0 + blur_radius * max(H, W)
    nbx, nby = -(-W // bin_size), -(-H // bin_size)
    u0, u1 = u.min(dim=1).values - pad, u.max(dim=1).values + pad  # (F,)
    v0, v1 = v.min(dim=1).values - pad, v.max(dim=1).values + pad
    seen = (u1 >= 0) & (u0 <= W) & (v1 >= 0) & (v0 <= H)  # (F,) not entirely off screen
    x0 = (u0[seen] / bin_size).floor().clamp(0, nbx - 1).long()
    x1 = (u1[seen] / bin_size).floor().clamp(0, nbx - 1).long()
    y0 = (v0[seen] / bin_size).floor().clamp(0, nby - 1).long()
    y1 = (v1[seen] / bin_size).floor().clamp(0, nby - 1).long()
    grid = torch.zeros(nby + 1, nbx + 1, dtype=torch.int64, device=faces.device)
    ones = torch.ones_like(x0)
    for ys, xs, sign in ((y0, x0, 1), (y0, x1 + 1, -1), (y1 + 1, x0, -1), (y1 + 1, x1 + 1, 1)):
        grid.index_put_((ys, xs), sign * ones, accumulate=True)
    fullest = int(grid.cumsum(0).cumsum(1).max())  # faces in the fullest bin
    return bin_size, max(1, min(n_faces, int(fullest * 1.05) + 8))


def _nearest_applies(
    device: torch.device, k: int, blur_radius: float, clip_bary: bool, cull_backfaces: bool
) -> bool:
    """Whether `raster.nearest` covers the call: CPU, one face per pixel, no blur, no
    barycentric clipping, no culling (clipped-face neighbours are checked by the caller)."""
    return (
        device.type == "cpu"
        and k == 1
        and blur_radius == 0
        and not clip_bary
        and not cull_backfaces
    )


def use_tiling(device: torch.device) -> bool:
    """Tiles pay off on the CPU only; on CUDA PyTorch3D's coarse-to-fine binning runs."""
    return device.type == "cpu"


def rasterize_tiled(
    meshes: Meshes,
    image_size: int | tuple[int, int] = 256,
    blur_radius: float = 0.0,
    faces_per_pixel: int = 1,
    tile: int | None = DEFAULT_TILE,
    perspective_correct: bool = False,
    clip_barycentric_coords: bool = False,
    cull_backfaces: bool = False,
    z_clip_value: float | None = None,
    cull_to_frustum: bool = False,
    rows: tuple[int, int] | None = None,
) -> RasterOutput:
    """Drop-in for `pytorch3d.renderer.mesh.rasterize_meshes.rasterize_meshes` (Meshes in NDC).

    Same arguments (bin_size is replaced by `tile`, the tile side in pixels, None to choose it
    by the cost model) and same outputs, face indices referring to the original packed
    faces. `rows` = (r0, r1) rasterizes only that band of output rows.
    On CUDA tensors it calls PyTorch3D's own binned rasterizer (and slices the band).
    """
    im_size = tuple(parse_image_size(image_size))
    verts_packed = meshes.verts_packed()
    if not use_tiling(verts_packed.device):
        bin_size, max_faces_per_bin = cuda_bins(meshes, im_size, blur_radius)
        out = rasterize_meshes(
            meshes,
            image_size=im_size,
            blur_radius=blur_radius,
            faces_per_pixel=faces_per_pixel,
            bin_size=bin_size,
            max_faces_per_bin=max_faces_per_bin,
            perspective_correct=perspective_correct,
            clip_barycentric_coords=clip_barycentric_coords,
            cull_backfaces=cull_backfaces,
            z_clip_value=z_clip_value,
            cull_to_frustum=cull_to_frustum,
        )
        if rows is not None:
            out = tuple(t[:, rows[0] : rows[1]] for t in out)
        return RasterOutput(*out)

    face_verts = verts_packed[meshes.faces_packed()]  # (F, 3, 3)
    first_idx = meshes.mesh_to_faces_packed_first_idx()
    num_faces = meshes.num_faces_per_mesh()
    neighbors = None
    clipped = None
    if z_clip_value is not None or cull_to_frustum:
        frustum = ClipFrustum(
            left=-1,
            right=1,
            top=-1,
            bottom=1,
            perspective_correct=perspective_correct,
            z_clip_value=z_clip_value,
            cull=cull_to_frustum,
        )
        clipped = clip_faces(face_verts, first_idx, num_faces, frustum=frustum)
        face_verts = clipped.face_verts
        first_idx = clipped.mesh_to_face_first_idx
        num_faces = clipped.num_faces_per_mesh
        neighbors = clipped.clipped_faces_neighbor_idx

    out = rasterize_face_verts_tiled(
        face_verts,
        first_idx,
        num_faces,
        im_size,
        blur_radius=blur_radius,
        faces_per_pixel=faces_per_pixel,
        tile=tile,
        perspective_correct=perspective_correct,
        clip_barycentric_coords=clip_barycentric_coords,
        cull_backfaces=cull_backfaces,
        clipped_faces_neighbor_idx=neighbors,
        rows=rows,
    )
    if clipped is not None:
        p2f, bary = convert_clipped_rasterization_to_original_faces(
            out.pix_to_face, out.bary_coords, clipped
        )
        out = RasterOutput(p2f, out.zbuf, bary, out.dists)
    return out


def rasterize_tiles(
    meshes: Meshes,
    image_size: tuple[int, int],
    tile: int,
    tiles: torch.Tensor,
    perspective_correct: bool = False,
    cull_backfaces: bool = False,
) -> RasterOutput:
    """Rasterize only some `tile` x `tile` tiles of one mesh's (H, W) image (in NDC).

    tiles: (A, 2) int64 (tile row, tile column) of the tiles wanted, in the grid of
    `tile`-pixel tiles from the image's top-left corner. Returns tensors (A, tile, tile, 1)
    (one face per pixel), each tile's pixels exactly as the full image's `rasterize_tiled`
    would give them at those pixels (pixels of a last, partial tile beyond the image's edge
    see what an image extended there would see). Used to supersample only the tiles on a
    picture's edges. Works on CPU and CUDA tensors; no gradients, no clipping.
    """
    h, w = image_size
    device = meshes.verts_packed().device
    face_verts = meshes.verts_packed()[meshes.faces_packed()].detach()  # (F, 3, 3)
    tiles_y, tiles_x = -(-h // tile), -(-w // tile)
    n_active = int(tiles.shape[0])
    ranges = FaceRanges(*_face_pixel_ranges(face_verts, image_size, 0.0))
    ty0, tx0, nx, per_face = _tile_ranges(ranges, image_size, tile, (0, h))
    # only faces that reach a wanted tile: a cheap test on their tile rectangles first
    wanted = torch.zeros(tiles_y, tiles_x, dtype=torch.bool, device=device)
    wanted[tiles[:, 0], tiles[:, 1]] = True
    ny = torch.where(per_face > 0, per_face // nx.clamp(min=1), torch.zeros_like(per_face))
    # integral image of the wanted tiles: does a face's tile rectangle contain any?
    integral = torch.zeros(tiles_y + 1, tiles_x + 1, dtype=torch.int64, device=device)
    integral[1:, 1:] = wanted.to(torch.int64).cumsum(0).cumsum(1)
    y1, x1 = ty0 + ny, tx0 + nx
    hits = integral[y1, x1] - integral[ty0, x1] - integral[y1, tx0] + integral[ty0, tx0]
    per_face = torch.where(hits > 0, per_face, torch.zeros_like(per_face))
    face_idx = torch.repeat_interleave(torch.arange(per_face.shape[0], device=device), per_face)
    start = torch.cumsum(per_face, 0) - per_face
    k = torch.arange(face_idx.shape[0], device=device) - start[face_idx]
    tile_y = ty0[face_idx] + k // nx[face_idx]
    tile_x = tx0[face_idx] + k % nx[face_idx]
    slot = torch.full((tiles_y * tiles_x,), -1, dtype=torch.int64, device=device)
    slot[tiles[:, 0] * tiles_x + tiles[:, 1]] = torch.arange(n_active, device=device)
    group = slot[tile_y * tiles_x + tile_x]  # (P,) index of the wanted tile, -1 if unwanted
    keep = group >= 0
    group, face_idx = group[keep], face_idx[keep]
    group, order = torch.sort(group, stable=True)  # stable: faces stay in original order
    face_idx = face_idx[order]
    count = torch.bincount(group, minlength=n_active)
    first_idx = torch.cumsum(count, 0) - count
    pair_ty, pair_tx = tiles[group, 0], tiles[group, 1]

    m = float(min(h, w))
    fv = face_verts[face_idx].to(torch.float64)  # (P, 3, 3)
    x0 = (pair_tx * tile).to(torch.float64)[:, None]
    y0 = (pair_ty * tile).to(torch.float64)[:, None]
    xt = (m * fv[:, :, 0] + 2 * x0 + tile - w) / tile
    yt = (m * fv[:, :, 1] + 2 * y0 + tile - h) / tile
    fv_tile = torch.stack([xt, yt, fv[:, :, 2]], dim=2).float()
    neighbors = torch.full((fv_tile.shape[0],), -1, dtype=torch.int64, device=device)
    with torch.no_grad():
        nearest = None
        if _nearest_applies(device, 1, 0.0, False, cull_backfaces):
            nearest = rasterize_nearest(
                fv_tile,
                first_idx,
                count,
                tile,
                perspective_correct,
                max_candidates=NEAREST_CANDIDATES_PER_FACE * int(fv_tile.shape[0]),
            )
        p2f, zbuf, bary, dists = nearest or _RasterizeFaceVerts.apply(
            fv_tile,
            first_idx,
            count,
            neighbors,
            (tile, tile),
            0.0,
            1,
            0,  # bin_size 0: PyTorch3D's naive rasterizer within each tile
            0,
            perspective_correct,
            False,
            cull_backfaces,
        )  # (A, T, T, 1[, 3]), face indices into the pair list
        hit = p2f >= 0
        lookup = face_idx if face_idx.numel() else torch.full((1,), -1, device=device)
        p2f = torch.where(hit, lookup[p2f.clamp(min=0)], p2f)
        scale = m / tile
        dists = torch.where(hit, dists / (scale * scale), dists)
    return RasterOutput(p2f, zbuf, bary, dists)
