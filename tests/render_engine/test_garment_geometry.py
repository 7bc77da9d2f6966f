"""Mesh helpers and the collision tests of the garment package, against slow references."""

from __future__ import annotations

import math

import pytest
import torch
import trimesh

from render_engine.garment.collision import (
    BodyCollider,
    WindingSurface,
    vertex_neighbours,
    winding_numbers,
)
from render_engine.garment.geometry import (
    boundary_vertices,
    edge_face_pairs,
    submesh,
    uniform_laplacian,
    unique_edges,
    vertex_normals,
)


def sphere(subdivisions: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    s = trimesh.creation.icosphere(subdivisions=subdivisions, radius=0.2)
    return torch.tensor(s.vertices, dtype=torch.float32), torch.tensor(s.faces, dtype=torch.int64)


def test_edge_face_pairs_match_a_loop_over_all_face_pairs() -> None:
    verts, faces = sphere(1)
    expected = set()
    for i in range(len(faces)):
        for j in range(i + 1, len(faces)):
            if len(set(faces[i].tolist()) & set(faces[j].tolist())) == 2:
                expected.add((i, j))
    got = {tuple(sorted(p)) for p in edge_face_pairs(faces).tolist()}
    assert got == expected


def test_uniform_laplacian_matches_a_per_vertex_loop() -> None:
    gen = torch.Generator().manual_seed(0)
    verts, faces = sphere(1)
    verts = verts + 0.01 * torch.randn(verts.shape, generator=gen)
    edges = unique_edges(faces)
    lap = uniform_laplacian(verts, edges)
    for v in range(verts.shape[0]):
        nbrs = {int(b) for a, b in edges.tolist() if a == v} | {
            int(a) for a, b in edges.tolist() if b == v
        }
        ref = verts[sorted(nbrs)].mean(0) - verts[v]
        assert torch.allclose(lap[v], ref, atol=1e-6)


def test_vertex_normals_of_a_sphere_point_outwards() -> None:
    verts, faces = sphere(3)
    n = vertex_normals(verts, faces)
    assert float((n * torch.nn.functional.normalize(verts, dim=1)).sum(1).min()) > 0.99


def test_submesh_keeps_faces_with_all_vertices_and_reindexes_them() -> None:
    verts, faces = sphere(2)
    keep = verts[:, 1] > 0
    new_faces, ids = submesh(faces, keep)
    assert torch.equal(ids[new_faces], faces[keep[faces].all(1)])
    assert bool(boundary_vertices(new_faces, ids.shape[0]).any())
    assert not bool(boundary_vertices(faces, verts.shape[0]).any())  # closed sphere


def test_vertex_neighbours_list_every_edge_neighbour_and_the_vertex_itself() -> None:
    verts, faces = sphere(1)
    table = vertex_neighbours(faces, verts.shape[0])
    edges = unique_edges(faces).tolist()
    for v in range(verts.shape[0]):
        ref = {b for a, b in edges if a == v} | {a for a, b in edges if b == v} | {v}
        assert set(table[v].tolist()) == ref


def test_winding_numbers_are_one_inside_and_zero_outside_a_closed_sphere() -> None:
    verts, faces = sphere(2)
    gen = torch.Generator().manual_seed(1)
    points = (torch.rand(300, 3, generator=gen) - 0.5) * 0.6
    w = winding_numbers(points, verts, faces)
    inside = points.norm(dim=1) < 0.2
    near_surface = (points.norm(dim=1) - 0.2).abs() < 0.005  # the polygon sphere's sagitta
    assert torch.equal((w > 0.5)[~near_surface], inside[~near_surface])
    assert (
        float(w[inside & ~near_surface].min()) > 0.9
        and float(w[~inside & ~near_surface].abs().max()) < 0.1
    )


def brute_force_winding_numbers(
    points: torch.Tensor, verts: torch.Tensor, faces: torch.Tensor
) -> torch.Tensor:
    """Every triangle's solid angle from every point, straight from the corner vectors."""
    tri = verts.double()[faces]  # (F, 3, 3)
    r = tri[None] - points.double()[:, None, None, :]  # (N, F, 3, 3)
    a, b, c = r[:, :, 0], r[:, :, 1], r[:, :, 2]
    la, lb, lc = a.norm(dim=-1), b.norm(dim=-1), c.norm(dim=-1)
    det = (a * torch.cross(b, c, dim=-1)).sum(-1)
    den = la * lb * lc + (a * b).sum(-1) * lc + (a * c).sum(-1) * lb + (b * c).sum(-1) * la
    return (2.0 * torch.atan2(det, den)).sum(-1) / (4.0 * math.pi)


@pytest.mark.parametrize("patch_faces", [8, 64, 10_000])
def test_the_patched_winding_number_equals_the_sum_over_every_triangle(patch_faces: int) -> None:
    # a lumpy, non-convex closed surface with a hole cut in it (an open surface too), points
    # far away, near it and just off its faces: the patches' fans must give the plain sum
    verts, faces = sphere(3)
    dirs = torch.nn.functional.normalize(verts, dim=1)
    verts = verts * (1.0 + 0.5 * torch.sin(5 * dirs[:, :1]) * torch.cos(3 * dirs[:, 1:2]))
    faces = faces[verts[faces][:, :, 2].mean(1) < 0.15]  # a hole at the top
    gen = torch.Generator().manual_seed(4)
    far = (torch.rand(100, 3, generator=gen) - 0.5) * 1.2
    tri = verts[faces][:200]
    centroids = tri.mean(1)
    close = centroids + torch.randn(200, 3, generator=gen) * 0.002
    # 10 um either side of a face (on it, the sum is undefined: that face is +-2 pi)
    normal = torch.nn.functional.normalize(
        torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=1), dim=1
    )
    side = torch.where(torch.arange(200) % 2 == 0, 1e-5, -1e-5)[:, None]
    points = torch.cat([far, close, centroids + side * normal])
    surface = WindingSurface(verts, faces, patch_faces=patch_faces)
    if patch_faces < faces.shape[0]:
        assert surface.num_patches > 1 and surface.fan_patch.numel() > 0
    got = surface.winding_numbers(points).double()
    want = brute_force_winding_numbers(points, verts, faces)
    assert float((got - want).abs().max()) < 1e-5
    assert torch.equal(winding_numbers(points, verts, faces) > 0.5, want > 0.5)


def test_fast_signed_distance_has_the_sign_of_the_winding_number_near_a_sphere() -> None:
    verts, faces = sphere(3)
    normals = vertex_normals(verts, faces)
    gen = torch.Generator().manual_seed(2)
    dirs = torch.nn.functional.normalize(torch.randn(500, 3, generator=gen), dim=1)
    radius = 0.2 + (torch.rand(500, generator=gen) - 0.5) * 0.04  # within 2 cm of the surface
    points = dirs * radius[:, None]
    collider = BodyCollider(verts, normals, faces)
    sd, _ = collider.signed_distance(points)
    exact = radius - 0.2
    # a polygon sphere lies inside the true one by its sagitta; compare away from that band
    clear = exact.abs() > 0.002
    assert torch.equal((sd < 0)[clear], (winding_numbers(points, verts, faces) > 0.5)[clear])
    assert float((sd - exact)[clear].abs().max()) < 0.003


def test_nearest_vertex_walk_follows_points_that_move_a_little() -> None:
    verts, faces = sphere(3)
    collider = BodyCollider(verts, vertex_normals(verts, faces), faces)
    gen = torch.Generator().manual_seed(3)
    points = torch.nn.functional.normalize(torch.randn(400, 3, generator=gen), dim=1) * 0.21
    collider.refresh(points)
    angle = 0.03
    rot = torch.tensor(
        [[math.cos(angle), -math.sin(angle), 0], [math.sin(angle), math.cos(angle), 0], [0, 0, 1.0]]
    )
    moved = points @ rot.T
    walked = collider.nearest(moved)[:, 0]  # one group: the whole sphere
    exact = torch.cdist(moved, verts).argmin(1)
    assert float((walked == exact).float().mean()) > 0.99


@pytest.mark.parametrize("bad", [b"", b"not a glb at all", b"glTF\x02\x00\x00\x00garbage"])
def test_unreadable_models_raise_invalid_request(bad: bytes) -> None:
    from render_engine.errors import InvalidRequest
    from render_engine.garment.glb import load_glb

    with pytest.raises(InvalidRequest):
        load_glb(bad)


def test_a_point_inside_one_group_is_seen_inside_even_when_another_group_is_nearer_outside(
    
) -> None:
    # two spheres that touch: a point inside the right sphere lies just outside the left one
    verts, faces = sphere(3)
    left, right = verts - torch.tensor([0.19, 0, 0]), verts + torch.tensor([0.19, 0, 0])
    both_v = torch.cat([left, right])
    both_f = torch.cat([faces, faces + verts.shape[0]])
    groups = torch.cat([torch.zeros(verts.shape[0]), torch.ones(verts.shape[0])]).long()
    point = torch.tensor([[0.02, 0.0, 0.0]])  # inside the right sphere, 1 cm outside the left one
    grouped = BodyCollider(both_v, vertex_normals(both_v, both_f), both_f, groups)
    sd, _ = grouped.signed_distance(point)
    assert float(sd[0]) < 0
    assert float(winding_numbers(point, both_v, both_f)[0]) > 0.5
