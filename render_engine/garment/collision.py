"""Where a garment point is relative to the body surface.

`BodyCollider.signed_distance` is the fast test used in the drape: the distance of a point to
the tangent plane of its nearest body vertex, signed by that vertex's normal (negative inside).
The nearest vertex is found once by brute force, then followed over the body's adjacency as
the garment moves; the distance itself is differentiable in the points.

`winding_numbers` is the exact, slow reference: the generalized winding number of the body
surface at each point (about 1 inside, 0 outside), summed over every body triangle.
"""

from __future__ import annotations

import math

import torch


class BodyCollider:
    """body_verts (V, 3), unit body_normals (V, 3) and body_faces (F, 3).

    Each point keeps its current nearest body vertex. `refresh` finds it by brute force (chunked
    `torch.cdist` against the body vertices inside the points' box, padded by `box_pad`);
    `nearest` then follows the points as they move by walking over the body's vertex adjacency
    (`walk_steps` moves to the closest of the current vertex and its neighbours), which costs
    (N, degree) distances per call instead of (N, V).
    """

    def __init__(self, body_verts: torch.Tensor, body_normals: torch.Tensor, body_faces: torch.Tensor,
                 box_pad: float = 0.08, walk_steps: int = 2) -> None:
        self.body_verts = body_verts
        self.body_normals = body_normals
        self.box_pad = box_pad
        self.walk_steps = walk_steps
        self.neighbours = vertex_neighbours(body_faces, body_verts.shape[0])  # (V, D + 1)
        self.current: torch.Tensor | None = None  # (N,) body vertex ids

    def refresh(self, points: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
        """Exact nearest body vertex of each point (N, 3), by brute force; (N,) ids."""
        pts = points.detach()
        lo, hi = pts.min(0).values - self.box_pad, pts.max(0).values + self.box_pad
        inside_box = ((self.body_verts >= lo) & (self.body_verts <= hi)).all(dim=1)
        ids = torch.nonzero(inside_box).squeeze(1)
        if ids.numel() == 0:
            ids = torch.arange(self.body_verts.shape[0])
        local = self.body_verts[ids]  # (B, 3)
        out = [ids[torch.cdist(block, local).argmin(dim=1)] for block in pts.split(chunk)]
        self.current = torch.cat(out) if out else torch.zeros(0, dtype=torch.int64)
        return self.current

    def nearest(self, points: torch.Tensor) -> torch.Tensor:
        """(N,) nearest body vertex of each point, following the points from the last call."""
        if self.current is None or self.current.shape[0] != points.shape[0]:
            return self.refresh(points)
        pts = points.detach()
        nn = self.current
        for _ in range(self.walk_steps):
            cand = self.neighbours[nn]  # (N, D + 1)
            d2 = ((pts[:, None, :] - self.body_verts[cand]) ** 2).sum(-1)  # (N, D + 1)
            nn = cand.gather(1, d2.argmin(dim=1, keepdim=True)).squeeze(1)
        self.current = nn
        return nn

    def signed_distance(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N,) signed distance (m, negative inside) and (N, 3) the body normal used."""
        nn = self.nearest(points)
        normal = self.body_normals[nn]  # (N, 3)
        sd = ((points - self.body_verts[nn]) * normal).sum(-1)  # (N,)
        return sd, normal


def vertex_neighbours(faces: torch.Tensor, num_verts: int) -> torch.Tensor:
    """(V, D + 1) each vertex followed by its edge neighbours, padded with the vertex itself."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], dim=0)
    e = torch.unique(torch.cat([e, e.flip(1)], dim=0), dim=0)  # (2E, 2) sorted by source
    deg = torch.bincount(e[:, 0], minlength=num_verts)  # (V,)
    width = int(deg.max()) if deg.numel() else 0
    table = torch.arange(num_verts)[:, None].repeat(1, width + 1)  # (V, D + 1)
    start = torch.cumsum(deg, 0) - deg
    slot = torch.arange(e.shape[0]) - start[e[:, 0]] + 1
    table[e[:, 0], slot] = e[:, 1]
    return table


def winding_numbers(points: torch.Tensor, verts: torch.Tensor, faces: torch.Tensor,
                    chunk: int = 32) -> torch.Tensor:
    """(N,) generalized winding numbers of the closed-ish surface (verts (V, 3), faces (F, 3)).

    Van Oosterom & Strackee's solid angle per triangle, summed and divided by 4 pi; float64.
    """
    tri = verts.double()[faces]  # (F, 3, 3)
    out = []
    for block in points.double().split(chunk):
        r = tri[None] - block[:, None, None, :]  # (n, F, 3, 3)
        a, b, c = r[:, :, 0], r[:, :, 1], r[:, :, 2]  # (n, F, 3)
        la, lb, lc = a.norm(dim=-1), b.norm(dim=-1), c.norm(dim=-1)
        det = (a * torch.cross(b, c, dim=-1)).sum(-1)
        den = la * lb * lc + (a * b).sum(-1) * lc + (a * c).sum(-1) * lb + (b * c).sum(-1) * la
        out.append((2.0 * torch.atan2(det, den)).sum(-1) / (4.0 * math.pi))
    return torch.cat(out).to(points.dtype) if out else points.new_zeros(0)
