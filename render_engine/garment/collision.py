"""Where a garment point is relative to the body surface.

`BodyCollider.signed_distance` is the fast test used in the drape: the distance of a point to
the tangent plane of a nearest body vertex, signed by that vertex's normal (negative inside),
taken per group of body parts (torso, arms, legs) so that limbs touching the torso are still
seen. Nearest vertices are found once by brute force, then followed over the body's adjacency
as the garment moves; the distance itself is differentiable in the points.

`winding_numbers` is the exact, slow reference: the generalized winding number of the body
surface at each point (about 1 inside, 0 outside), summed over every body triangle.
"""

from __future__ import annotations

import math

import torch


class BodyCollider:
    """body_verts (V, 3), unit body_normals (V, 3), body_faces (F, 3), optional groups (V,).

    The body is split into groups of roughly convex parts (torso, each arm, each leg: see
    `GarmentBody.collision_groups`); a point is tested against the nearest vertex *of each
    group*, so a garment point pushed out of the torso into an arm that hangs against it is
    still seen inside the arm. A group's answer counts only where that nearest vertex lies
    within `reach` of the point. The point's signed distance is the smallest counted one;
    where no group counts, that of the nearest vertex overall.

    Each point keeps its nearest vertex per group. `refresh` finds them by brute force
    (chunked `torch.cdist` against the body vertices inside the points' box, padded by
    `box_pad`); `nearest` then follows the points as they move by walking over the body's
    vertex adjacency within each group (`walk_steps` moves to the closest of the current vertex
    and its neighbours), which costs (N, G, degree) distances per call instead of (N, V).
    """

    def __init__(
        self,
        body_verts: torch.Tensor,
        body_normals: torch.Tensor,
        body_faces: torch.Tensor,
        groups: torch.Tensor | None = None,
        box_pad: float = 0.08,
        walk_steps: int = 2,
        reach: float = 0.05,
    ) -> None:
        self.body_verts = body_verts
        self.body_normals = body_normals
        self.box_pad = box_pad
        self.walk_steps = walk_steps
        self.reach = reach
        n = body_verts.shape[0]
        self.groups = torch.zeros(n, dtype=torch.int64) if groups is None else groups.long()
        self.num_groups = int(self.groups.max()) + 1 if n else 1
        table = vertex_neighbours(body_faces, n)  # (V, D + 1)
        same = self.groups[table] == self.groups[:, None]
        # walks stay inside a group: neighbours of another group are replaced by the vertex
        self.neighbours = torch.where(same, table, table[:, :1])
        self.current: torch.Tensor | None = None  # (N, G) body vertex ids, -1 where none
        #: optional (N, G) bool: groups a point passes through (the torso of a shirt and the
        #: arms hanging against it); set by the caller for one set of N points
        self.ignore: torch.Tensor | None = None
        #: (N,) the body vertex the last `signed_distance` measured each point against
        self.last_nearest: torch.Tensor | None = None

    def refresh(self, points: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
        """Exact nearest body vertex per group of each point (N, 3); (N, G) ids, -1 if none."""
        pts = points.detach()
        lo, hi = pts.min(0).values - self.box_pad, pts.max(0).values + self.box_pad
        inside_box = ((self.body_verts >= lo) & (self.body_verts <= hi)).all(dim=1)
        ids = torch.nonzero(inside_box).squeeze(1)
        if ids.numel() == 0:
            ids = torch.arange(self.body_verts.shape[0])
        found = torch.full((pts.shape[0], self.num_groups), -1, dtype=torch.int64)
        for g in range(self.num_groups):
            group_ids = ids[self.groups[ids] == g]
            if group_ids.numel() == 0:
                continue
            local = self.body_verts[group_ids]  # (B_g, 3)
            found[:, g] = torch.cat(
                [
                    group_ids[torch.cdist(block, local).argmin(dim=1)]
                    for block in torch.split(pts, chunk)
                ]
            )
        self.current = found
        return found

    def nearest(self, points: torch.Tensor) -> torch.Tensor:
        """(N, G) nearest body vertex per group (-1 where the group is absent), walked on."""
        if self.current is None or self.current.shape[0] != points.shape[0]:
            return self.refresh(points)
        pts = points.detach()
        valid = self.current >= 0  # (N, G)
        nn = self.current.clamp(min=0)
        for _ in range(self.walk_steps):
            cand = self.neighbours[nn]  # (N, G, D + 1)
            d2 = ((pts[:, None, None, :] - self.body_verts[cand]) ** 2).sum(-1)  # (N, G, D + 1)
            nn = cand.gather(2, d2.argmin(dim=2, keepdim=True)).squeeze(2)
        self.current = torch.where(valid, nn, torch.full_like(nn, -1))
        return self.current

    def signed_distance(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N,) signed distance (m, negative inside) and (N, 3) the body normal used."""
        nn_all = self.nearest(points)  # (N, G)
        valid = nn_all >= 0
        if self.ignore is not None and self.ignore.shape == valid.shape:
            valid = valid & ~self.ignore
            if not bool(valid.any(dim=1).all()):  # a point ignoring every group keeps them all
                valid = valid | (~valid.any(dim=1, keepdim=True) & (nn_all >= 0))
        nn_all = nn_all.clamp(min=0)
        with torch.no_grad():
            offset = points.detach()[:, None, :] - self.body_verts[nn_all]  # (N, G, 3)
            dist = offset.norm(dim=-1).masked_fill(~valid, float("inf"))  # (N, G)
            sd_all = (offset * self.body_normals[nn_all]).sum(-1)  # (N, G)
            counted = valid & (dist < self.reach)
            pick_counted = sd_all.masked_fill(~counted, float("inf")).argmin(dim=1)  # (N,)
            pick_nearest = dist.argmin(dim=1)
            choice = torch.where(counted.any(dim=1), pick_counted, pick_nearest)
        nn = nn_all.gather(1, choice[:, None]).squeeze(1)  # (N,)
        self.last_nearest = nn
        normal = self.body_normals[nn]  # (N, 3)
        sd = ((points - self.body_verts[nn]) * normal).sum(-1)  # (N,)
        return sd, normal


def vertex_neighbours(faces: torch.Tensor, num_verts: int) -> torch.Tensor:
    """(V, D + 1) each vertex followed by its edge neighbours, padded with the vertex itself."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], dim=0)
    key = torch.unique(torch.cat([e[:, 0] * num_verts + e[:, 1], e[:, 1] * num_verts + e[:, 0]]))
    e = torch.stack([key // num_verts, key % num_verts], dim=1)  # (2E, 2) sorted by source
    deg = torch.bincount(e[:, 0], minlength=num_verts)  # (V,)
    width = int(deg.max()) if deg.numel() else 0
    table = torch.arange(num_verts)[:, None].repeat(1, width + 1)  # (V, D + 1)
    start = torch.cumsum(deg, 0) - deg
    slot = torch.arange(e.shape[0]) - start[e[:, 0]] + 1
    table[e[:, 0], slot] = e[:, 1]
    return table


def winding_numbers(
    points: torch.Tensor, verts: torch.Tensor, faces: torch.Tensor, chunk: int = 32
) -> torch.Tensor:
    """(N,) generalized winding numbers of the closed-ish surface (verts (V, 3), faces (F, 3)).

    Van Oosterom & Strackee's solid angle per triangle, summed and divided by 4 pi; float64.
    """
    tri = verts.double()[faces]  # (F, 3, 3)
    out = []
    for block in torch.split(points.double(), chunk):
        r = tri[None] - block[:, None, None, :]  # (n, F, 3, 3)
        a, b, c = r[:, :, 0], r[:, :, 1], r[:, :, 2]  # (n, F, 3)
        la, lb, lc = a.norm(dim=-1), b.norm(dim=-1), c.norm(dim=-1)
        det = (a * torch.cross(b, c, dim=-1)).sum(-1)
        den = la * lb * lc + (a * b).sum(-1) * lc + (a * c).sum(-1) * lb + (b * c).sum(-1) * la
        out.append((2.0 * torch.atan2(det, den)).sum(-1) / (4.0 * math.pi))
    return torch.cat(out).to(points.dtype) if out else points.new_zeros(0)
