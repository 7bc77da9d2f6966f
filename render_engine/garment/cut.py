"""Cutting a surface along a level set, so that garment edges are smooth curves.

A garment edge (hem, neckline, armhole, cuff, waistband) is the zero level of a smooth scalar
field over the body surface: a plane for a hem or a cuff, an ellipsoid for a neckline. The
surface is cut *across* its triangles where the field crosses zero (marching triangles), so the
edge follows the field's contour and not the triangles' edges: no staircase. New vertices sit
on the crossed edges at the linearly interpolated zero; every attribute of the surface
(positions, normals, offsets, labels...) is interpolated the same way through `CutMap`.

Vertices whose field value is within `SNAP` of zero are first moved off the level (by at most
`SNAP` in field units, metres for the fields used here), so no cut lands within a small
fraction of an edge's length of a vertex: no sliver triangles, no zero-length rest edges in the
drape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

#: field values closer than this to zero are moved to +-SNAP before cutting (m)
SNAP = 1.5e-3


@dataclass
class CutMap:
    """Where each vertex of a cut surface comes from: ``(1 - t) * old[a] + t * old[b]``.

    a, b: (N,) int64 old vertex ids (a == b and t == 0 for kept old vertices); t: (N,) float32.
    """

    a: torch.Tensor
    b: torch.Tensor
    t: torch.Tensor

    def apply(self, values: torch.Tensor) -> torch.Tensor:
        """Interpolate per-vertex values (V, ...) of the old surface -> (N, ...)."""
        t = self.t.to(values.dtype) if values.is_floating_point() else self.t
        if not values.is_floating_point():  # labels: the nearer end's value
            return torch.where(self.t < 0.5, values[self.a], values[self.b])
        shape = (-1,) + (1,) * (values.ndim - 1)
        return values[self.a] * (1 - t).reshape(shape) + values[self.b] * t.reshape(shape)


def cut_surface(
    verts: torch.Tensor, faces: torch.Tensor, field: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, CutMap]:
    """Keep the part of the surface where ``field >= 0``, cutting triangles along its zero.

    verts (V, 3), faces (F, 3), field (V,). Returns the new verts (N, 3), faces (M, 3) (same
    orientation as the old ones) and the `CutMap` of the new vertices. Only vertices used by a
    kept face are returned.
    """
    f = field.float().clone()
    near = f.abs() < SNAP
    f[near] = torch.where(f[near] >= 0, SNAP, -SNAP)
    inside = f >= 0  # (V,)
    count = inside[faces].sum(dim=1)  # (F,)
    whole = faces[count == 3]
    partial = faces[(count == 1) | (count == 2)]
    pin = inside[partial]  # (P, 3)
    odd_one = torch.where(pin.sum(1, keepdim=True) == 1, pin, ~pin)  # the vertex alone on its side
    roll = odd_one.float().argmax(dim=1)  # (P,) position of the odd vertex
    idx = (roll[:, None] + torch.arange(3)[None]) % 3
    tri = partial.gather(1, idx)  # (P, 3) odd vertex first, orientation kept
    odd_inside = inside[tri[:, 0]]

    v = verts.shape[0]
    # cut points on edges (odd, second) and (odd, third), shared between neighbouring faces
    ends = torch.cat([tri[:, [0, 1]], tri[:, [0, 2]]])  # (2P, 2)
    lo, hi = ends.min(dim=1).values, ends.max(dim=1).values
    key, inverse = torch.unique(lo * v + hi, return_inverse=True)
    ea, eb = key // v, key % v  # (C,)
    t = f[ea] / (f[ea] - f[eb])  # (C,) zero between ea and eb
    cut_id = v + inverse  # (2P,) ids of the cut points after the old vertices
    p, q = cut_id[: tri.shape[0]], cut_id[tri.shape[0] :]  # on edges (0,1) and (0,2)
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    one = torch.stack([a, p, q], dim=1)[odd_inside]  # the odd vertex alone is kept
    quad = ~odd_inside
    two = torch.cat(
        [
            torch.stack([p, b, c], dim=1)[quad],
            torch.stack([p, c, q], dim=1)[quad],
        ]
    )
    new_faces = torch.cat([whole, one, two])
    all_a = torch.cat([torch.arange(v), ea])
    all_b = torch.cat([torch.arange(v), eb])
    all_t = torch.cat([torch.zeros(v), t])
    used = torch.unique(new_faces)
    remap = torch.full((all_a.shape[0],), -1, dtype=torch.int64)
    remap[used] = torch.arange(used.shape[0])
    cmap = CutMap(all_a[used], all_b[used], all_t[used].float())
    return cmap.apply(verts.float()), remap[new_faces], cmap


def boundary_loops(faces: torch.Tensor) -> list[torch.Tensor]:
    """The surface's boundary as closed loops of vertex ids, each (L,) in walking order.

    A boundary edge is a directed face edge whose reverse belongs to no face; following them
    head to tail gives the loops. Open chains (non-manifold spots) are returned as they end.
    """
    if faces.numel() == 0:
        return []
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    n = int(faces.max()) + 1
    key = e[:, 0] * n + e[:, 1]
    boundary = e[~torch.isin(e[:, 1] * n + e[:, 0], key)]  # (B, 2): no face uses the reverse
    nxt: dict[int, int] = dict(boundary.tolist())
    loops, seen = [], set()
    for start in nxt:
        if start in seen:
            continue
        loop, u = [], start
        while u in nxt and u not in seen:
            seen.add(u)
            loop.append(u)
            u = nxt[u]
        if len(loop) >= 3:
            loops.append(torch.tensor(loop, dtype=torch.int64))
    return loops


def turning_angles(points: torch.Tensor) -> torch.Tensor:
    """(L, D) points of a closed polyline -> (L,) angle (rad) between each segment and the next."""
    d = points.roll(-1, dims=0) - points  # (L, D) segment i: point i -> i + 1
    d = torch.nn.functional.normalize(d, dim=1)
    cos = (d * d.roll(-1, dims=0)).sum(1).clamp(-1, 1)
    return torch.arccos(cos)


def smooth_loops(
    verts: torch.Tensor,
    loops: list[torch.Tensor],
    iterations: int = 4,
    weight: float = 0.5,
    normals: torch.Tensor | None = None,
) -> torch.Tensor:
    """Relax each boundary loop along itself (1-D Laplacian, `iterations` passes): evens out
    the spacing of cut points and removes the last wobble of the contour. (N, 3) -> (N, 3).

    normals (N, 3) unit, given: each pass moves a point only within its surface's tangent
    plane. A loop relaxed freely in 3-D takes chords across the curved surface it lies on
    (a leg opening around the thigh shrank by 3-6 mm in 8 passes) and sinks under whatever
    lies just beneath it (the skin 3 mm under the base layer showed through as teeth)."""
    out = verts.clone()
    for loop in loops:
        pts = out[loop]
        n = None if normals is None else normals[loop]
        for _ in range(iterations):
            mid = (pts.roll(1, dims=0) + pts.roll(-1, dims=0)) / 2
            step = weight * (mid - pts)
            if n is not None:
                step = step - (step * n).sum(dim=1, keepdim=True) * n
            pts = pts + step
        out[loop] = pts
    return out


def cut_patch(
    verts: torch.Tensor,
    faces: torch.Tensor,
    outline: Callable[[torch.Tensor], torch.Tensor],
    margin: float,
    iterations: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A part laid on a draped surface (a lapel, a placket, a hood): the triangles within
    ``margin`` of where ``outline >= 0``, split in four (a part's rounded corners are a few
    centimetres across, about the cloth's triangle size), cut along the outline's zero, the
    cut edge relaxed ``iterations`` times. Returns the patch's verts (P, 3), faces (Q, 3) and
    the surface's unit normals at its verts (P, 3); an empty patch when nothing is inside."""
    from render_engine.garment.geometry import subdivide, submesh, vertex_normals

    faces, kept = submesh(faces, outline(verts) > -margin)
    if faces.shape[0] == 0:
        return verts[:0], faces, verts[:0]
    verts, faces = subdivide(verts[kept], faces)
    normals = vertex_normals(verts, faces)
    pv, pf, cmap = cut_surface(verts, faces, outline(verts))
    if pf.shape[0] == 0:
        return pv, pf, pv
    pv = smooth_loops(pv, boundary_loops(pf), iterations=iterations)
    return pv, pf, torch.nn.functional.normalize(cmap.apply(normals), dim=1)
