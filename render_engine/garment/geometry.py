"""Small mesh helpers shared by the garment modules (normals, edges, adjacency, submeshes)."""

from __future__ import annotations

import torch


def face_normals(verts: torch.Tensor, faces: torch.Tensor, normalise: bool = True) -> torch.Tensor:
    """(V, 3), (F, 3) -> (F, 3) face normals (area-weighted when ``normalise`` is False)."""
    tri = verts[faces]  # (F, 3, 3)
    n = torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=1)  # (F, 3), |n| = 2 area
    return torch.nn.functional.normalize(n, dim=1, eps=1e-12) if normalise else n


def vertex_normals(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(V, 3) unit normals, the area-weighted mean of the incident face normals."""
    fn = face_normals(verts, faces, normalise=False)  # (F, 3)
    vn = torch.zeros_like(verts)
    for k in range(3):
        vn.index_add_(0, faces[:, k], fn)
    return torch.nn.functional.normalize(vn, dim=1, eps=1e-12)


def unique_edges(faces: torch.Tensor) -> torch.Tensor:
    """(F, 3) -> (E, 2) undirected edges, each once, smaller index first."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], dim=0)  # (3F, 2)
    e = torch.sort(e, dim=1).values
    n = int(faces.max()) + 1 if faces.numel() else 1
    key = torch.unique(e[:, 0] * n + e[:, 1])  # 1-D unique: much faster than unique(dim=0)
    return torch.stack([key // n, key % n], dim=1)


def edge_face_pairs(faces: torch.Tensor) -> torch.Tensor:
    """(F, 3) -> (P, 2) pairs of faces sharing an edge (interior manifold edges only)."""
    f_idx = torch.arange(faces.shape[0], device=faces.device).repeat(3)  # (3F,)
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], dim=0)
    e = torch.sort(e, dim=1).values  # (3F, 2)
    n = int(faces.max()) + 1 if faces.numel() else 1
    key = e[:, 0] * n + e[:, 1]  # (3F,)
    _, inverse, counts = torch.unique(key, return_inverse=True, return_counts=True)
    order = torch.argsort(inverse, stable=True)
    f_sorted = f_idx[order]  # faces grouped by edge
    starts = torch.cumsum(counts, 0) - counts  # (U,)
    twice = starts[counts == 2]
    return torch.stack([f_sorted[twice], f_sorted[twice + 1]], dim=1)  # (P, 2)


def uniform_laplacian(verts: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """(V, 3), (E, 2) -> (V, 3) mean of the neighbours minus the vertex (0 for isolated ones)."""
    acc = torch.zeros_like(verts)
    deg = torch.zeros(verts.shape[0], dtype=verts.dtype, device=verts.device)
    acc = acc.index_add(0, edges[:, 0], verts[edges[:, 1]]).index_add(
        0, edges[:, 1], verts[edges[:, 0]]
    )
    ones = torch.ones(edges.shape[0], dtype=verts.dtype, device=verts.device)
    deg = deg.index_add(0, edges[:, 0], ones).index_add(0, edges[:, 1], ones)
    return torch.where(
        deg[:, None] > 0, acc / deg.clamp(min=1)[:, None] - verts, torch.zeros_like(verts)
    )


def submesh(faces: torch.Tensor, keep_vertex: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Faces whose three vertices are kept, re-indexed.

    faces: (F, 3); keep_vertex: (V,) bool. Returns (faces_new (F', 3), vertex_ids (V',)) where
    ``vertex_ids`` are the old indices of the new vertices (only vertices used by a kept face).
    """
    face_keep = keep_vertex[faces].all(dim=1)  # (F,)
    kept = faces[face_keep]
    used = torch.unique(kept)
    remap = torch.full((keep_vertex.shape[0],), -1, dtype=torch.int64, device=faces.device)
    remap[used] = torch.arange(used.shape[0], device=faces.device)
    return remap[kept], used


def boundary_vertices(faces: torch.Tensor, num_verts: int) -> torch.Tensor:
    """(V,) bool: vertices on an edge used by exactly one face."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], dim=0)
    e = torch.sort(e, dim=1).values
    key, counts = torch.unique(e[:, 0] * num_verts + e[:, 1], return_counts=True)
    once = key[counts == 1]
    out = torch.zeros(num_verts, dtype=torch.bool, device=faces.device)
    out[once // num_verts] = True
    out[once % num_verts] = True
    return out


def rows_next_to_edges(faces: torch.Tensor, num_verts: int, rings: int) -> torch.Tensor:
    """(V,) bool: the vertices within `rings` edges of a boundary, the boundary's own not."""
    edge = boundary_vertices(faces, num_verts)
    pairs = unique_edges(faces)
    near = edge.clone()
    for _ in range(rings):
        grow = near.clone()
        grow[pairs[near[pairs[:, 1]], 0]] = True
        grow[pairs[near[pairs[:, 0]], 1]] = True
        near = grow
    return near & ~edge


def relax_surface(
    verts: torch.Tensor,
    faces: torch.Tensor,
    movable: torch.Tensor,
    passes: int,
    along: float,
    across: float,
    outwards_only: bool = False,
) -> torch.Tensor:
    """`passes` steps of the uniform Laplacian on the (V,) bool `movable` vertices, split at
    each vertex into its part along the surface (times `along`) and across it (times
    `across`; with `outwards_only` only where it points out, so hollows fill and convex parts
    stay). (V, 3) -> (V, 3)."""
    edges = unique_edges(faces)
    x = verts
    for _ in range(passes):
        normals = vertex_normals(x, faces)
        lap = uniform_laplacian(x, edges)
        height = (lap * normals).sum(dim=1, keepdim=True)
        out = height.clamp(min=0.0) if outwards_only else height
        step = along * (lap - height * normals) + across * out * normals
        x = torch.where(movable[:, None], x + step, x)
    return x


def subdivide(verts: torch.Tensor, faces: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split every triangle into four at its edges' midpoints (flat: the surface is unchanged).
    (V, 3), (F, 3) -> (V + E, 3), (4F, 3), same orientation; the old vertices keep their ids."""
    v = verts.shape[0]
    edges = unique_edges(faces)  # (E, 2)
    key = edges[:, 0] * v + edges[:, 1]

    def midpoint(i: int, k: int) -> torch.Tensor:
        lo = torch.minimum(faces[:, i], faces[:, k])
        hi = torch.maximum(faces[:, i], faces[:, k])
        return v + torch.searchsorted(key, lo * v + hi)

    a, b, c = faces[:, 0], faces[:, 1], faces[:, 2]
    ab, bc, ca = midpoint(0, 1), midpoint(1, 2), midpoint(2, 0)
    new_faces = torch.cat(
        [
            torch.stack([a, ab, ca], dim=1),
            torch.stack([ab, b, bc], dim=1),
            torch.stack([ca, bc, c], dim=1),
            torch.stack([ab, bc, ca], dim=1),
        ]
    )
    mids = (verts[edges[:, 0]] + verts[edges[:, 1]]) / 2
    return torch.cat([verts, mids]), new_faces


def harmonic_fill(verts: torch.Tensor, faces: torch.Tensor, free: torch.Tensor) -> torch.Tensor:
    """The `free` (V,) bool vertices moved onto the discrete harmonic surface spanning the
    others (each at the mean of its neighbours, the rest held): a stretched membrane over a
    hole. Solved exactly (a sparse system of the free vertices). (V, 3) -> (V, 3)."""
    import numpy as np
    from scipy.sparse import coo_matrix, csr_matrix
    from scipy.sparse.linalg import spsolve

    n = verts.shape[0]
    inner = free.nonzero().squeeze(1).numpy()
    if inner.size == 0:
        return verts
    edges = unique_edges(faces).numpy()
    both = np.concatenate([edges, edges[:, ::-1]])
    adjacency = coo_matrix((np.ones(both.shape[0]), (both[:, 0], both[:, 1])), shape=(n, n))
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    laplacian = csr_matrix(coo_matrix((degree, (np.arange(n), np.arange(n))), shape=(n, n)))
    laplacian = csr_matrix(laplacian - adjacency)
    held = (~free).nonzero().squeeze(1).numpy()
    x = verts.detach().double().numpy()
    rhs = -(laplacian[inner][:, held] @ x[held])
    solved = spsolve(laplacian[inner][:, inner].tocsc(), rhs).reshape(-1, 3)
    out = verts.clone()
    out[free] = torch.from_numpy(solved).to(verts.dtype)
    return out
