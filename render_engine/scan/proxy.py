"""A coarse stand-in of the anny mesh for silhouette fitting.

Soft silhouettes need every pixel's covering face among its `faces_per_pixel` nearest faces;
anny's 27k small faces crowd the face and hands so that holes appear unless faces_per_pixel
is large, and the cost grows with it. The proxy keeps a subset of anny's vertices (one per
cell of a 3-D grid, vertex clustering) and remaps the faces onto them, so it deforms with
the phenotype exactly like the full mesh (its vertices *are* full-mesh vertices).
"""

from __future__ import annotations

import functools

import torch

from render_engine.body.model import phenotype_tensor, rest_shape


@functools.lru_cache(maxsize=4)
def fitting_proxy(cell: float = 0.025) -> tuple[torch.Tensor, torch.Tensor]:
    """(P,) int64 kept anny vertex ids and (F', 3) int64 faces indexing into them.

    Built once on the default adult body: vertices are grouped by a grid of `cell` metres;
    each group is represented by its vertex nearest the group's mean; faces whose corners
    fall into fewer than three groups are dropped, duplicates removed.
    """
    from render_engine.body.fitted import _topology

    faces, _, _, _ = _topology()
    with torch.no_grad():
        verts = rest_shape(phenotype_tensor({"age": 2 / 3}))[0][0]  # (V, 3)
    # rounded to a micrometre: the matrix products behind `rest_shape` round differently
    # with the thread count, and the vertices of the midline (x = 0 up to rounding) would
    # fall into the cells on either side of x = 0 depending on the sign of that rounding
    verts = torch.round(verts * 1e6) / 1e6
    keys = torch.floor(verts / cell).to(torch.int64)  # (V, 3)
    _, cluster = torch.unique(keys, dim=0, return_inverse=True)  # (V,)
    groups = int(cluster.max()) + 1
    counts = torch.zeros(groups, dtype=verts.dtype).index_add_(
        0, cluster, torch.ones_like(verts[:, 0])
    )
    means = (
        torch.zeros(groups, 3, dtype=verts.dtype).index_add_(0, cluster, verts) / counts[:, None]
    )
    dist = torch.round((verts - means[cluster]).norm(dim=1) * 1e9)  # (V,) nanometres
    # representative: the vertex with the smallest distance in its cluster, ties to the
    # lowest vertex id. (An index_put with repeated indices, "last write wins", is not
    # deterministic in torch: the winner depended on thread scheduling, so every process
    # built a slightly different proxy and the photo-scan fit drifted with it.)
    order = torch.sort(dist, stable=True).indices  # (V,) vertex ids, nearest first
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.shape[0])  # (V,) position of each vertex in `order`
    best = torch.full((groups,), order.shape[0], dtype=torch.int64).scatter_reduce(
        0, cluster, rank, reduce="amin", include_self=True
    )  # (groups,) smallest rank per cluster
    rep = order[best]
    f = cluster[faces]  # (F, 3) cluster ids
    ok = (f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2])
    f = f[ok]
    # drop duplicate triangles regardless of corner order, keeping the first winding
    key = torch.sort(f, dim=1).values
    _, first = torch.unique(key, dim=0, return_inverse=True)
    keep = torch.zeros(int(first.max()) + 1, dtype=torch.int64).scatter_reduce(
        0, first, torch.arange(len(f)), reduce="amin", include_self=False
    )
    f = f[keep]
    used = torch.unique(f)  # clusters still in use
    remap = torch.full((groups,), -1, dtype=torch.int64)
    remap[used] = torch.arange(len(used))
    return rep[used], remap[f]
