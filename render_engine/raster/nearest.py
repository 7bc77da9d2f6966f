"""The nearest face per pixel of binned tiles, in vectorised torch, equal to PyTorch3D's.

PyTorch3D's CPU rasterizer (`_RasterizeFaceVerts` with bin_size 0) first sets up every face
it is given one at a time through tensor element writes (its bounding box and area: about
5 us a face), then tests pixels against faces in plain C++ threads. With the faces binned
into tiles (`tiled`), a face is given once per tile it touches, and at 1080p that set-up
was half of the rasterization time. Here the same arithmetic runs on all (face, pixel)
candidates at once: each binned face is tested only on the pixels of its tile inside its
bounding box, and the nearest hit per pixel is kept.

The arithmetic is PyTorch3D's, operation for operation in float32 (its kEpsilon is a
double, so the sums and comparisons with it are done in float64 as C++ promotes them):
pixel centres from `PixToNonSquareNdc`, the bounding-box and zero-area tests, barycentric
coordinates from edge functions, the perspective correction, the depth, the inside test
on the corrected coordinates and the squared distance to the nearest edge. Of the hits of
a pixel the smallest (depth, face) pair wins, as PyTorch3D's sorted queue keeps it. Only
the case the renderer uses is covered: one face per pixel, no blur, no clipped-face
neighbours, no barycentric clipping, no back-face culling; `tiled` falls back to PyTorch3D
for any other.
"""

from __future__ import annotations

import torch

K_EPSILON = 1e-8  # PyTorch3D's kEpsilon, a C++ double
#: (face, pixel) candidates tested at once: bounds the memory of one pass (~60 bytes each)
CANDIDATES_PER_PASS = 2_000_000


def _pixel_ndc(size: int) -> torch.Tensor:
    """(size,) float32 NDC of output pixel i of a square tile, as PyTorch3D computes it:
    the pixel index is flipped (+X left, +Y up), then -1 + (2 idx + 1) / S in float32."""
    idx = torch.arange(size - 1, -1, -1, dtype=torch.float32)
    return -1.0 + (2.0 * idx + 1.0) / size


def _edge(
    px: torch.Tensor,
    py: torch.Tensor,
    ax: torch.Tensor,
    ay: torch.Tensor,
    bx: torch.Tensor,
    by: torch.Tensor,
) -> torch.Tensor:
    """PyTorch3D's EdgeFunctionForward(p, a, b) in float32."""
    return (px - ax) * (by - ay) - (py - ay) * (bx - ax)


def _line_distance(
    px: torch.Tensor,
    py: torch.Tensor,
    ax: torch.Tensor,
    ay: torch.Tensor,
    bx: torch.Tensor,
    by: torch.Tensor,
) -> torch.Tensor:
    """PyTorch3D's PointLineDistanceForward(p, a, b): squared distance to segment ab."""
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    t = (dx * (px - ax) + dy * (py - ay)) / l2
    tt = t.clamp(min=0.0).clamp(max=1.0)
    qx, qy = px - (ax + tt * dx), py - (ay + tt * dy)
    along = qx * qx + qy * qy
    ex, ey = px - bx, py - by
    short = ex * ex + ey * ey
    return torch.where(l2.double() <= K_EPSILON, short, along)


class _Hits:
    """Barycentrics, depth and inside test of faces fv (C, 3, 3) at pixels (px, py) (C,)."""

    def __init__(
        self, fv: torch.Tensor, px: torch.Tensor, py: torch.Tensor, perspective_correct: bool
    ) -> None:
        x0, y0, z0 = fv[:, 0, 0], fv[:, 0, 1], fv[:, 0, 2]
        x1, y1, z1 = fv[:, 1, 0], fv[:, 1, 1], fv[:, 1, 2]
        x2, y2, z2 = fv[:, 2, 0], fv[:, 2, 1], fv[:, 2, 2]
        area = (_edge(x2, y2, x0, y0, x1, y1).double() + K_EPSILON).float()
        w0 = _edge(px, py, x1, y1, x2, y2) / area
        w1 = _edge(px, py, x2, y2, x0, y0) / area
        w2 = _edge(px, py, x0, y0, x1, y1) / area
        if perspective_correct:
            t0, t1, t2 = w0 * z1 * z2, w1 * z0 * z2, w2 * z0 * z1
            denom = t0 + t1 + t2
            w0, w1, w2 = t0 / denom, t1 / denom, t2 / denom
        self.bary = (w0, w1, w2)
        self.z = w0 * z0 + w1 * z1 + w2 * z2
        self.inside = (w0 > 0.0) & (w1 > 0.0) & (w2 > 0.0)
        self.corners = (x0, y0, x1, y1, x2, y2)
        self.px, self.py = px, py

    def distance(self) -> torch.Tensor:
        """PyTorch3D's PointTriangleDistanceForward: squared distance to the nearest edge."""
        x0, y0, x1, y1, x2, y2 = self.corners
        p = (self.px, self.py)
        e01 = _line_distance(*p, x0, y0, x1, y1)
        e02 = _line_distance(*p, x0, y0, x2, y2)
        e12 = _line_distance(*p, x1, y1, x2, y2)
        return torch.minimum(torch.minimum(e01, e02), e12)


def rasterize_nearest(
    face_verts: torch.Tensor,
    first_idx: torch.Tensor,
    count: torch.Tensor,
    tile: int,
    perspective_correct: bool,
    max_candidates: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] | None:
    """What `_RasterizeFaceVerts.apply(face_verts, first_idx, count, no neighbours,
    (tile, tile), blur 0, K 1, bin_size 0, ...)` returns on the CPU: each of the A "meshes"
    (tiles) is faces first_idx[a] : first_idx[a] + count[a] of face_verts (P, 3, 3) (tile
    NDC), rasterized into a tile x tile image. Returns pix_to_face (A, T, T, 1) int64
    (indices into face_verts, -1 none), zbuf (A, T, T, 1), bary (A, T, T, 1, 3) and dists
    (A, T, T, 1) float32 (-1 where no face).

    max_candidates: give up (None) before testing when the faces' boxes hold more (face,
    pixel) candidates than this: large faces on small tiles are PyTorch3D's better case."""
    n_tiles, t = int(first_idx.shape[0]), tile
    device = face_verts.device
    fv = face_verts.detach()
    pixels = n_tiles * t * t
    # the tile of every face in the list (faces outside every [first, first + count) are
    # never tested, as in PyTorch3D)
    owner = torch.full((fv.shape[0],), -1, dtype=torch.int64, device=device)
    if n_tiles:
        tile_of = torch.repeat_interleave(torch.arange(n_tiles, device=device), count)
        face_of = torch.repeat_interleave(first_idx - torch.cumsum(count, 0) + count, count)
        face_of = face_of + torch.arange(tile_of.shape[0], device=device)
        owner[face_of] = tile_of
    x, y, zs = fv[:, :, 0], fv[:, :, 1], fv[:, :, 2]
    xmin, xmax = x.amin(dim=1), x.amax(dim=1)
    ymin, ymax = y.amin(dim=1), y.amax(dim=1)
    area = _edge(x[:, 0], y[:, 0], x[:, 1], y[:, 1], x[:, 2], y[:, 2]).double()  # face_areas
    usable = (owner >= 0) & ~((area <= K_EPSILON) & (area >= -K_EPSILON))
    usable &= torch.isfinite(fv).all(dim=2).all(dim=1)
    # the output pixels whose centre passes PyTorch3D's box test, by searching the centres'
    # float32 NDC (ascending when the index is flipped back)
    ndc = _pixel_ndc(t).to(device)
    rising = ndc.flip(0)
    col_lo = t - torch.searchsorted(rising, xmax, right=True)
    col_hi = t - 1 - torch.searchsorted(rising, xmin, right=False)
    row_lo = t - torch.searchsorted(rising, ymax, right=True)
    row_hi = t - 1 - torch.searchsorted(rising, ymin, right=False)
    nx = (col_hi - col_lo + 1).clamp(min=0)
    per_face = torch.where(usable, nx * (row_hi - row_lo + 1).clamp(min=0), 0)
    if max_candidates is not None and int(per_face.sum()) > max_candidates:
        return None
    # per-face terms of the edge functions (the same float32 values PyTorch3D forms), one
    # table so that a candidate gathers its face's terms in one index_select
    x0, y0, x1, y1, x2, y2 = x[:, 0], y[:, 0], x[:, 1], y[:, 1], x[:, 2], y[:, 2]
    bary_area = (_edge(x2, y2, x0, y0, x1, y1).double() + K_EPSILON).float()
    terms = torch.stack(
        [x1, y1, x2 - x1, y2 - y1, x2, y2, x0 - x2, y0 - y2, x0, y0, x1 - x0, y1 - y0, bary_area]
    )  # (13, F): gathered along dim 1, each term comes out contiguous
    zs_t = zs.t().contiguous()  # (3, F)
    spans = torch.stack([col_lo, row_lo, nx, owner])  # (4, F)

    best = torch.full((pixels,), torch.iinfo(torch.int64).max, dtype=torch.int64, device=device)
    faces = per_face.nonzero().squeeze(1)
    sizes = per_face.index_select(0, faces)
    ends = torch.cumsum(sizes, 0)
    start = 0
    while start < faces.shape[0]:
        base = int(ends[start - 1]) if start else 0
        stop = int(torch.searchsorted(ends, base + CANDIDATES_PER_PASS, right=True))
        stop = max(stop, start + 1)
        part, part_sizes = faces[start:stop], sizes[start:stop]
        slot = torch.repeat_interleave(torch.arange(part.shape[0], device=device), part_sizes)
        face = part.index_select(0, slot)  # (C,)
        k = torch.arange(face.shape[0], device=device) - (
            (torch.cumsum(part_sizes, 0) - part_sizes).index_select(0, slot)
        )
        span = spans.index_select(1, face)
        col = span[0] + k % span[2]
        row = span[1] + k // span[2]
        px, py = ndc.index_select(0, col), ndc.index_select(0, row)
        f = terms.index_select(1, face)
        w0 = ((px - f[0]) * f[3] - (py - f[1]) * f[2]) / f[12]
        w1 = ((px - f[4]) * f[7] - (py - f[5]) * f[6]) / f[12]
        w2 = ((px - f[8]) * f[11] - (py - f[9]) * f[10]) / f[12]
        # inside on the screen-space coordinates: the perspective correction multiplies
        # each by positive depths (drawable faces lie in front of the camera) and divides
        # by their positive sum, which keeps the signs; it runs on the inside pixels only
        inside = ((w0 > 0.0) & (w1 > 0.0) & (w2 > 0.0)).nonzero().squeeze(1)
        face, pixel = (
            face.index_select(0, inside),
            ((span[3] * t + row) * t + col).index_select(0, inside),
        )
        w0, w1, w2 = (
            w0.index_select(0, inside),
            w1.index_select(0, inside),
            w2.index_select(0, inside),
        )
        z0, z1, z2 = (zs_t[i].index_select(0, face) for i in range(3))
        if perspective_correct:
            t0, t1, t2 = w0 * z1 * z2, w1 * z0 * z2, w2 * z0 * z1
            denom = t0 + t1 + t2
            w0, w1, w2 = t0 / denom, t1 / denom, t2 / denom
        depth = w0 * z0 + w1 * z1 + w2 * z2
        keep = ((w0 > 0.0) & (w1 > 0.0) & (w2 > 0.0) & (depth >= 0)).nonzero().squeeze(1)
        depth = depth.index_select(0, keep) + 0.0  # -0.0 -> +0.0: its bits order as values
        face, pixel = face.index_select(0, keep), pixel.index_select(0, keep)
        # smallest (depth, face) first, as one int64: non-negative float32 bits order as the
        # floats do
        key = (depth.view(torch.int32).to(torch.int64) << 32) | face
        best.scatter_reduce_(0, pixel, key, "amin")
        start = stop

    found = best != torch.iinfo(torch.int64).max
    pix = found.nonzero().squeeze(1)
    face = best[pix] & 0xFFFFFFFF
    local = pix % (t * t)
    px, py = ndc[local % t], ndc[local // t]
    hits = _Hits(fv[face], px, py, perspective_correct)
    p2f = torch.full((pixels,), -1, dtype=torch.int64, device=device)
    zbuf = torch.full((pixels,), -1.0, device=device)
    dists = torch.full((pixels,), -1.0, device=device)
    bary = torch.full((pixels, 3), -1.0, device=device)
    p2f[pix] = face
    zbuf[pix] = hits.z
    dists[pix] = -hits.distance()  # every kept hit is inside: negative
    bary[pix] = torch.stack(hits.bary, dim=1)
    shape = (n_tiles, t, t, 1)
    return p2f.view(shape), zbuf.view(shape), bary.view(*shape, 3), dists.view(shape)
