"""Where a garment point is relative to the body surface.

`BodyCollider.signed_distance` is the fast test used in the drape: the distance of a point to
the tangent plane of a nearest body vertex, signed by that vertex's normal (negative inside),
taken per group of body parts (torso, arms, legs) so that limbs touching the torso are still
seen. Nearest vertices are found exactly (a k-d tree), then followed over the body's adjacency
as the garment moves; the distance itself is differentiable in the points.

`winding_numbers` is the exact reference: the generalized winding number of the body surface
at each point (about 1 inside, 0 outside), the solid angle of every body triangle summed.
`WindingSurface` computes the same sum with fewer terms (exactly: see there), so it can be
asked for a few hundred garment points per try-on.
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

    Each point keeps its nearest vertex per group. `refresh` finds them exactly (a k-d tree
    of the body vertices inside the points' box, padded by `box_pad`); `nearest` then
    follows the points as they move by walking over the body's vertex adjacency within each
    group (`walk_steps` moves to the closest of the current vertex and its neighbours),
    which costs (N, G, degree) distances per call instead of (N, V).
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

    def refresh(self, points: torch.Tensor) -> torch.Tensor:
        """Exact nearest body vertex per group of each point (N, 3); (N, G) ids, -1 if none."""
        pts = points.detach()
        lo, hi = pts.min(0).values - self.box_pad, pts.max(0).values + self.box_pad
        inside_box = ((self.body_verts >= lo) & (self.body_verts <= hi)).all(dim=1)
        ids = torch.nonzero(inside_box).squeeze(1)
        if ids.numel() == 0:
            ids = torch.arange(self.body_verts.shape[0])
        from scipy.spatial import cKDTree

        found = torch.full((pts.shape[0], self.num_groups), -1, dtype=torch.int64)
        query = pts.double().numpy()
        for g in range(self.num_groups):
            group_ids = ids[self.groups[ids] == g]
            if group_ids.numel() == 0:
                continue
            # a k-d tree of the group's vertices in the box: exact nearest vertex (float64
            # distances) in O(log B) a point, where a (N, B) distance matrix cost N B
            tree = cKDTree(self.body_verts[group_ids].double().numpy())
            _, nearest = tree.query(query)
            found[:, g] = group_ids[torch.from_numpy(nearest).long()]
        self.current = found
        return found

    def nearest(self, points: torch.Tensor) -> torch.Tensor:
        """(N, G) nearest body vertex per group (-1 where the group is absent), walked on."""
        if self.current is None or self.current.shape[0] != points.shape[0]:
            return self.refresh(points)
        pts = points.detach()
        valid = self.current >= 0  # (N, G)
        nn = self.current.clamp(min=0)
        width = self.neighbours.shape[1]
        for _ in range(self.walk_steps):
            # (N, G, D + 1) candidates; flat index_select gathers (faster than indexing)
            cand = self.neighbours.index_select(0, nn.reshape(-1)).view(*nn.shape, width)
            corners = self.body_verts.index_select(0, cand.reshape(-1)).view(*cand.shape, 3)
            d2 = ((pts[:, None, None, :] - corners) ** 2).sum(-1)  # (N, G, D + 1)
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


def winding_numbers(points: torch.Tensor, verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(N,) generalized winding numbers of the closed-ish surface (verts (V, 3), faces (F, 3)).

    The solid angles of all triangles summed and divided by 4 pi, float64 (`WindingSurface`).
    """
    return WindingSurface(verts, faces).winding_numbers(points)


#: faces per patch of `WindingSurface` (the patches come from halving the face list in space)
PATCH_FACES = 512


class WindingSurface:
    """The generalized winding number of one triangle surface, exact, at many points.

    The sum of the triangles' solid angles is split into patches (spatially compact groups of
    about `PATCH_FACES` faces, from recursive median splits of the face centroids). A patch
    seen from outside a ball holding all its vertices subtends exactly the solid angle of a
    fan: triangles from the ball's centre to the patch's boundary edges (the patch minus the
    fan is a closed surface, whose winding number is an integer that is 0 outside the
    convex hull of its vertices, which lies in the ball). A patch's boundary has far fewer
    edges than the patch has faces, so a point pays a patch's faces only for the few
    patches whose ball it is in, and their boundary for the others. Float64 throughout; the
    result equals the plain sum up to rounding.

    Per triangle (Van Oosterom & Strackee), with a, b, c its corners minus the point, the
    solid angle is 2 atan2(det, den), det = a . (b x c) and
    den = |a||b||c| + (a.b)|c| + (a.c)|b| + (b.c)|a|. Neither needs a (point, triangle,
    corner, xyz) array: det is affine in the point
    (det = v0 . (v1 x v2) - p . (v0 x v1 + v1 x v2 + v2 x v0), a matrix product), the
    lengths are point-to-vertex distances, and 2 a.b = |a|^2 + |b|^2 - |v0 - v1|^2.
    Coordinates are centred on the surface so the affine form keeps its precision.
    """

    def __init__(self, verts: torch.Tensor, faces: torch.Tensor, patch_faces: int = PATCH_FACES):
        v = verts.detach().double()
        self.centre = v.mean(dim=0) if v.shape[0] else v.new_zeros(3)
        v = v - self.centre
        faces = faces.long()
        patch = _spatial_patches(v[faces].mean(dim=1), patch_faces)  # (F,) patch id
        k = int(patch.max()) + 1 if patch.numel() else 0
        self.num_patches = k
        # each patch's ball: the mean of its corners and the largest distance to one
        corner_patch = patch.repeat_interleave(3)
        corners = v[faces.reshape(-1)]
        count = torch.bincount(corner_patch, minlength=k).double().clamp(min=1)
        centres = torch.zeros(k, 3, dtype=v.dtype).index_add_(0, corner_patch, corners)
        centres /= count[:, None]
        reach = (corners - centres[corner_patch]).norm(dim=1)
        radius = torch.zeros(k, dtype=v.dtype).scatter_reduce_(
            0, corner_patch, reach, "amax", include_self=True
        )
        self.patch_centres = centres
        # a margin over rounding: a point this close to the ball is treated as inside it
        self.patch_radius = radius * (1 + 1e-9) + 1e-9
        # the fans: one triangle (centre, i, j) per oriented boundary edge (i, j) of a patch
        fan = _patch_boundary(faces, patch, v.shape[0])  # (B, 3): patch, i, j
        self.fan_patch = fan[:, 0]
        # body vertices, then the patch centres, as the corners of every triangle used
        self.points = torch.cat([v, centres])
        self.faces = _TriangleTerms(self.points, faces)
        self.fans = _TriangleTerms(
            self.points, torch.stack([fan[:, 0] + v.shape[0], fan[:, 1], fan[:, 2]], dim=1)
        )
        # faces of each patch in a padded table (K, M), -1 padding
        order = torch.argsort(patch, stable=True)
        sizes = torch.bincount(patch, minlength=k)
        width = int(sizes.max()) if sizes.numel() else 0
        start = torch.cumsum(sizes, 0) - sizes
        slot = torch.arange(order.shape[0]) - start[patch[order]]
        self.patch_table = torch.full((k, width), -1, dtype=torch.int64)
        self.patch_table[patch[order], slot] = order

    def winding_numbers(self, points: torch.Tensor, chunk: int = 256) -> torch.Tensor:
        """(N,) winding numbers at points (N, 3): about 1 inside, 0 outside."""
        if points.shape[0] == 0 or self.num_patches == 0:
            return points.new_zeros(points.shape[0])
        out = []
        for block in torch.split(points.detach().double() - self.centre, chunk):
            # (n, V + K) squared distances, differences first (no |p|^2 + |v|^2 - 2 p.v)
            d2 = torch.cdist(block, self.points, compute_mode="donot_use_mm_for_euclid_dist") ** 2
            near = (block[:, None, :] - self.patch_centres[None]).norm(dim=-1) <= self.patch_radius
            # far patches: their fans, every fan triangle against every point, masked
            fan_angle = self.fans.solid_angles(block, d2)  # (n, B)
            total = (fan_angle * ~near[:, self.fan_patch]).sum(dim=1)
            # near patches: their own faces
            pt, pa = near.nonzero(as_tuple=True)  # (P,) point, patch
            if pt.numel():
                ids = self.patch_table[pa]  # (P, M)
                valid = ids >= 0
                angle = self.faces.solid_angles_of(block, d2, pt, ids.clamp(min=0))  # (P, M)
                total = total.index_add(0, pt, (angle * valid).sum(dim=1))
            out.append(total / (4.0 * math.pi))
        return torch.cat(out).to(points.dtype)


class _TriangleTerms:
    """Per-triangle constants of the solid-angle formula (`WindingSurface`), triangles
    (T, 3) indexing corners (C, 3)."""

    def __init__(self, corners: torch.Tensor, tris: torch.Tensor) -> None:
        self.tris = tris
        v0, v1, v2 = corners[tris[:, 0]], corners[tris[:, 1]], corners[tris[:, 2]]
        self.det0 = (v0 * torch.cross(v1, v2, dim=-1)).sum(-1)  # (T,)
        self.normal2 = (
            torch.cross(v0, v1, dim=-1) + torch.cross(v1, v2, dim=-1) + torch.cross(v2, v0, dim=-1)
        )  # (T, 3): twice the area times the unit normal
        self.e01 = ((v0 - v1) ** 2).sum(-1)
        self.e02 = ((v0 - v2) ** 2).sum(-1)
        self.e12 = ((v1 - v2) ** 2).sum(-1)

    def solid_angles(self, block: torch.Tensor, d2: torch.Tensor) -> torch.Tensor:
        """(n, T) signed solid angle of every triangle seen from every point of block (n, 3);
        d2 (n, C): squared distances of the points to the corners."""
        t = self.tris
        sa, sb, sc = d2[:, t[:, 0]], d2[:, t[:, 1]], d2[:, t[:, 2]]
        det = self.det0 - block @ self.normal2.T
        return _solid_angle(det, sa, sb, sc, self.e01, self.e02, self.e12)

    def solid_angles_of(
        self, block: torch.Tensor, d2: torch.Tensor, pt: torch.Tensor, ids: torch.Tensor
    ) -> torch.Tensor:
        """(P, M) solid angle of triangles ids (P, M) seen from points pt (P,) of block."""
        # flat indices into d2: gathering whole rows d2[pt] would copy (P, C)
        t = self.tris[ids] + (pt * d2.shape[1])[:, None, None]  # (P, M, 3)
        flat = d2.reshape(-1)
        sa, sb, sc = flat[t[..., 0]], flat[t[..., 1]], flat[t[..., 2]]
        det = self.det0[ids] - (block[pt][:, None, :] * self.normal2[ids]).sum(-1)
        angle = _solid_angle(det, sa, sb, sc, self.e01[ids], self.e02[ids], self.e12[ids])
        # a point on a corner sees that triangle edge-on: no solid angle (the formula's 0/0)
        on_corner = (sa < 1e-24) | (sb < 1e-24) | (sc < 1e-24)
        return angle.masked_fill(on_corner, 0.0)


def _solid_angle(
    det: torch.Tensor,
    sa: torch.Tensor,
    sb: torch.Tensor,
    sc: torch.Tensor,
    e01: torch.Tensor,
    e02: torch.Tensor,
    e12: torch.Tensor,
) -> torch.Tensor:
    la, lb, lc = sa.sqrt(), sb.sqrt(), sc.sqrt()
    den = la * lb * lc
    den += 0.5 * (sa + sb - e01) * lc
    den += 0.5 * (sa + sc - e02) * lb
    den += 0.5 * (sb + sc - e12) * la
    return 2.0 * torch.atan2(det, den)


def _spatial_patches(centroids: torch.Tensor, size: int) -> torch.Tensor:
    """(F,) patch id per face: the face centroids (F, 3) split at the median of their widest
    axis, again and again, until a part holds at most `size` faces."""
    patch = torch.zeros(centroids.shape[0], dtype=torch.int64)
    parts = [torch.arange(centroids.shape[0])]
    done: list[torch.Tensor] = []
    while parts:
        ids = parts.pop()
        if ids.numel() <= size:
            done.append(ids)
            continue
        c = centroids[ids]
        axis = int((c.max(0).values - c.min(0).values).argmax())
        order = ids[torch.argsort(c[:, axis], stable=True)]
        half = order.numel() // 2
        parts += [order[:half], order[half:]]
    for i, ids in enumerate(done):
        patch[ids] = i
    return patch


def _patch_boundary(faces: torch.Tensor, patch: torch.Tensor, num_verts: int) -> torch.Tensor:
    """(B, 3) rows (patch, i, j): the oriented boundary edges of every patch, i.e. its
    directed edges (i, j) that no face of the same patch cancels with (j, i); an edge left
    uncancelled twice appears twice."""
    i = faces.reshape(-1)
    j = faces[:, [1, 2, 0]].reshape(-1)
    p = patch.repeat_interleave(3)
    lo, hi = torch.minimum(i, j), torch.maximum(i, j)
    sign = torch.where(i < j, 1, -1)
    key = (p * num_verts + lo) * num_verts + hi
    uniq, inverse = torch.unique(key, return_inverse=True)
    total = torch.zeros(uniq.shape[0], dtype=torch.int64).index_add_(0, inverse, sign)
    keep = total != 0
    uniq, total = uniq[keep], total[keep]
    reps = total.abs()
    uniq, total = uniq.repeat_interleave(reps), total.repeat_interleave(reps)
    bp, rest = uniq // (num_verts * num_verts), uniq % (num_verts * num_verts)
    lo, hi = rest // num_verts, rest % num_verts
    forward = total > 0
    return torch.stack([bp, torch.where(forward, lo, hi), torch.where(forward, hi, lo)], dim=1)
