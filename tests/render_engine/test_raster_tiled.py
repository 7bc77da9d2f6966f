"""The tiled rasterizer gives PyTorch3D's unbinned result, faster, with working gradients."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from pytorch3d.renderer import (
    BlendParams,
    FoVPerspectiveCameras,
    HardPhongShader,
    MeshRasterizer,
    MeshRenderer,
    PointLights,
    RasterizationSettings,
    SoftSilhouetteShader,
    TexturesVertex,
    look_at_view_transform,
)
from pytorch3d.renderer.mesh.rasterize_meshes import rasterize_meshes
from pytorch3d.structures import Meshes
from pytorch3d.utils import ico_sphere

from render_engine.raster import TiledMeshRasterizer, bin_faces, rasterize_tiled
from render_engine.raster.tiled import rasterize_tiles

torch.set_num_threads(2)


def random_triangles(
    seed: int, faces: int, image_size: tuple[int, int], spread: float = 0.2
) -> Meshes:
    """`faces` independent triangles in NDC covering the frame and a bit beyond, z in (0.5, 5)."""
    g = torch.Generator().manual_seed(seed)
    h, w = image_size
    half = torch.tensor([w / min(h, w), h / min(h, w)]) * 1.1
    centres = (torch.rand(faces, 1, 2, generator=g) * 2 - 1) * half  # (F, 1, 2)
    xy = centres + torch.randn(faces, 3, 2, generator=g) * spread  # (F, 3, 2)
    z = 0.5 + torch.rand(faces, 1, 1, generator=g) * 4 + torch.randn(faces, 3, 1, generator=g) * 0.2
    verts = torch.cat([xy, z.clamp(min=0.1)], dim=2).reshape(-1, 3)
    return Meshes(verts=[verts], faces=[torch.arange(3 * faces).reshape(faces, 3)])


def agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a == b).float().mean())


CASES = [
    # (seed, faces, (H, W), tile, spread)
    (0, 300, (64, 64), 16, 0.2),
    (1, 400, (72, 120), 32, 0.3),  # landscape, partial tiles
    (2, 400, (131, 67), 16, 0.1),  # portrait, odd sizes
    (3, 150, (90, 90), 8, 0.6),  # big faces crossing many tile borders
    (4, 800, (100, 160), 128, 0.05),  # one tile larger than the image
]


@pytest.mark.parametrize(("seed", "faces", "size", "tile", "spread"), CASES)
def test_tiled_rasterization_matches_the_unbinned_rasterizer_on_random_meshes(
    seed: int, faces: int, size: tuple[int, int], tile: int, spread: float
) -> None:
    mesh = random_triangles(seed, faces, size, spread)
    ref = rasterize_meshes(mesh, image_size=size, faces_per_pixel=1, bin_size=0)
    out = rasterize_tiled(mesh, image_size=size, faces_per_pixel=1, tile=tile)
    assert out.pix_to_face.shape == ref[0].shape
    assert agreement(out.pix_to_face, ref[0]) >= 0.9999
    same = out.pix_to_face == ref[0]
    assert float((out.zbuf - ref[1]).abs()[same].max()) <= 1e-3
    assert float(same.logical_and((out.zbuf - ref[1]).abs() <= 1e-3).float().mean()) >= 0.9999


def test_tiled_rasterization_keeps_the_k_nearest_faces_in_order() -> None:
    mesh = random_triangles(5, 500, (80, 112), 0.25)
    ref = rasterize_meshes(mesh, image_size=(80, 112), faces_per_pixel=4, bin_size=0)
    out = rasterize_tiled(mesh, image_size=(80, 112), faces_per_pixel=4, tile=16)
    assert agreement(out.pix_to_face, ref[0]) >= 0.9999
    assert torch.allclose(out.bary_coords, ref[2], atol=2e-3)
    assert torch.allclose(out.dists, ref[3], atol=1e-6, rtol=1e-3)


def test_tiled_rasterization_handles_a_batch_of_meshes() -> None:
    a, b = random_triangles(6, 200, (64, 96)), random_triangles(7, 300, (64, 96))
    batch = Meshes(
        verts=[a.verts_packed(), b.verts_packed()], faces=[a.faces_packed(), b.faces_packed()]
    )
    ref = rasterize_meshes(batch, image_size=(64, 96), faces_per_pixel=2, bin_size=0)
    out = rasterize_tiled(batch, image_size=(64, 96), faces_per_pixel=2, tile=16)
    assert out.pix_to_face.shape == (2, 64, 96, 2)
    assert agreement(out.pix_to_face, ref[0]) >= 0.9999
    # face indices refer to the packed faces of the original batch
    assert int(out.pix_to_face[1].max()) >= 200


def test_a_band_of_rows_equals_the_same_rows_of_the_full_image() -> None:
    mesh = random_triangles(8, 400, (100, 70), 0.2)
    full = rasterize_tiled(mesh, image_size=(100, 70), faces_per_pixel=1, tile=16)
    band = rasterize_tiled(mesh, image_size=(100, 70), faces_per_pixel=1, tile=16, rows=(37, 81))
    assert torch.equal(band.pix_to_face, full.pix_to_face[:, 37:81])
    assert torch.allclose(band.zbuf, full.zbuf[:, 37:81], atol=1e-4)


@pytest.mark.parametrize(("size", "tile"), [((100, 70), 16), ((96, 128), 24), ((50, 50), 64)])
def test_chosen_tiles_equal_the_same_pixels_of_the_full_image(
    size: tuple[int, int], tile: int
) -> None:
    mesh = random_triangles(9, 500, size, 0.15)
    full = rasterize_tiled(mesh, image_size=size, faces_per_pixel=1, perspective_correct=True)
    h, w = size
    grid = torch.stack(
        torch.meshgrid(torch.arange(-(-h // tile)), torch.arange(-(-w // tile)), indexing="ij"),
        dim=-1,
    ).reshape(-1, 2)
    tiles = grid[torch.randperm(grid.shape[0], generator=torch.Generator().manual_seed(1))]
    tiles = tiles[: max(1, grid.shape[0] // 2)]
    out = rasterize_tiles(mesh, size, tile, tiles, perspective_correct=True)
    assert out.pix_to_face.shape == (tiles.shape[0], tile, tile, 1)
    for i, (ty, tx) in enumerate(tiles.tolist()):
        y0, x0 = ty * tile, tx * tile
        y1, x1 = min(h, y0 + tile), min(w, x0 + tile)
        want = full.pix_to_face[0, y0:y1, x0:x1]
        got = out.pix_to_face[i, : y1 - y0, : x1 - x0]
        assert agreement(got, want) >= 0.999
        same = (got == want) & (want >= 0)
        assert torch.allclose(
            out.bary_coords[i, : y1 - y0, : x1 - x0][same],
            full.bary_coords[0, y0:y1, x0:x1][same],
            atol=1e-4,
        )


def test_every_face_that_covers_a_pixel_is_binned_into_that_pixels_tile() -> None:
    """Vectorised binning against the slow reference: the unbinned rasterizer's own hits."""
    size, tile = (96, 80), 16
    mesh = random_triangles(9, 300, size, 0.3)
    ref_p2f = rasterize_meshes(mesh, image_size=size, faces_per_pixel=3, bin_size=0)[0][0]
    face_verts = mesh.verts_packed()[mesh.faces_packed()]
    bins = bin_faces(face_verts, torch.zeros(300, dtype=torch.long), 1, size, tile)
    binned = {
        (int(y), int(x), int(f))
        for y, x, f in zip(bins.tile_y, bins.tile_x, bins.face_idx, strict=True)
    }
    hits = (ref_p2f >= 0).nonzero().tolist()
    assert hits
    for y, x, k in hits:
        assert (y // tile, x // tile, int(ref_p2f[y, x, k])) in binned


def test_faces_outside_the_frame_or_behind_the_camera_leave_it_empty() -> None:
    verts = torch.tensor(
        [
            [5.0, 5.0, 1.0],
            [6.0, 5.0, 1.0],
            [5.0, 6.0, 1.0],
            [0, 0, -1.0],
            [1, 0, -1.0],
            [0, 1, -1.0],
        ]
    )
    mesh = Meshes(verts=[verts], faces=[torch.tensor([[0, 1, 2], [3, 4, 5]])])
    out = rasterize_tiled(mesh, image_size=(40, 30), faces_per_pixel=2, tile=16)
    assert bool((out.pix_to_face == -1).all())
    assert bool((out.zbuf == -1).all())


def sphere_scene(image_size: tuple[int, int]) -> tuple[Meshes, FoVPerspectiveCameras]:
    sphere = ico_sphere(3)
    verts = sphere.verts_packed() * torch.tensor([0.8, 1.0, 0.7])
    mesh = Meshes(
        verts=[verts],
        faces=[sphere.faces_packed()],
        textures=TexturesVertex(verts_features=[torch.full_like(verts, 0.7)]),
    )
    r, t = look_at_view_transform(dist=3.0, elev=15.0, azim=30.0)
    cameras = FoVPerspectiveCameras(R=r, T=t, fov=50.0)
    return mesh, cameras


def test_tiled_mesh_rasterizer_drops_into_a_phong_mesh_renderer_with_the_same_pixels() -> None:
    size = (72, 56)
    mesh, cameras = sphere_scene(size)
    settings = RasterizationSettings(image_size=size, faces_per_pixel=1, bin_size=0)
    lights = PointLights(location=[[2.0, 2.0, 3.0]])
    images = []
    for rasterizer in (
        MeshRasterizer(cameras, settings),
        TiledMeshRasterizer(cameras, settings, tile=16),
    ):
        renderer = MeshRenderer(rasterizer, HardPhongShader(cameras=cameras, lights=lights))
        images.append(renderer(mesh))
    assert images[0].shape == images[1].shape == (1, *size, 4)
    assert float((images[0] - images[1]).abs().max()) < 1e-3


def test_soft_silhouette_gradients_match_the_unbinned_rasterizer() -> None:
    size = (48, 40)
    mesh, cameras = sphere_scene(size)
    settings = RasterizationSettings(
        image_size=size,
        blur_radius=2e-4,
        faces_per_pixel=4,
        bin_size=0,
        clip_barycentric_coords=False,
    )
    blend = BlendParams(sigma=1e-4, gamma=1e-4)
    target = torch.zeros(1, *size)
    target[:, 10:40, 8:30] = 1.0
    grads, silhouettes = [], []
    for rasterizer in (
        MeshRasterizer(cameras, settings),
        TiledMeshRasterizer(cameras, settings, tile=16),
    ):
        offset = torch.zeros(1, 3, requires_grad=True)
        renderer = MeshRenderer(rasterizer, SoftSilhouetteShader(blend_params=blend))
        silhouette = renderer(mesh.offset_verts(offset.expand(mesh.num_verts_per_mesh()[0], 3)))[
            ..., 3
        ]
        ((silhouette - target) ** 2).sum().backward()
        assert offset.grad is not None
        grads.append(offset.grad.clone())
        silhouettes.append(silhouette.detach())
    assert float((silhouettes[0] - silhouettes[1]).abs().max()) < 1e-3
    assert float(grads[1].abs().sum()) > 0  # the gradient reaches the vertices
    assert torch.allclose(grads[0], grads[1], rtol=1e-2, atol=1e-2 * float(grads[0].abs().max()))


def test_gradients_of_depth_barycentrics_and_distances_match_the_unbinned_rasterizer() -> None:
    """(Perspective correction is covered by the silhouette test: on random slivers close to
    the camera PyTorch3D's own float32 backward overflows, so the two cannot be compared.)"""
    mesh = random_triangles(10, 200, (40, 56), 0.25)
    weights = torch.randn(3, generator=torch.Generator().manual_seed(0))
    grads = []
    for tiled in (False, True):
        verts = mesh.verts_packed().clone().requires_grad_(True)
        m = Meshes(verts=[verts], faces=[mesh.faces_packed()])
        kw: dict[str, Any] = dict(image_size=(40, 56), faces_per_pixel=3, blur_radius=1e-3)
        p2f, z, bary, d = (
            rasterize_tiled(m, tile=16, **kw) if tiled else rasterize_meshes(m, bin_size=0, **kw)
        )
        hit = (p2f >= 0).float()
        loss = weights[0] * (z * hit).sum() + weights[1] * (bary * bary * hit[..., None]).sum()
        loss = loss + weights[2] * (torch.sigmoid(-d / 1e-3) * hit).sum()
        loss.backward()  # type: ignore[no-untyped-call]  # Tensor.backward is unannotated
        assert verts.grad is not None
        grads.append(verts.grad.clone())
    size = float(grads[0].norm())
    assert size > 0
    assert float((grads[1] - grads[0]).norm()) <= 1e-3 * size


def test_faces_clipped_at_the_near_plane_map_back_to_the_original_faces() -> None:
    """A camera so close that PyTorch3D clips faces at z = znear / 2 (and splits some in two)."""
    size = (64, 48)
    sphere = ico_sphere(3)
    mesh = Meshes(verts=[sphere.verts_packed()], faces=[sphere.faces_packed()])
    r, t = look_at_view_transform(dist=1.15, elev=10.0, azim=20.0)
    cameras = FoVPerspectiveCameras(R=r, T=t, fov=100.0, znear=0.5)
    settings = RasterizationSettings(image_size=size, faces_per_pixel=2, bin_size=0)
    ref = MeshRasterizer(cameras, settings)(mesh)
    out = TiledMeshRasterizer(cameras, settings, tile=16)(mesh)
    assert bool((ref.pix_to_face >= 0).any())
    assert int(out.pix_to_face.max()) < mesh.num_faces_per_mesh()[0]
    assert agreement(out.pix_to_face, ref.pix_to_face) >= 0.999
    assert torch.allclose(out.bary_coords, ref.bary_coords, atol=1e-3)


def _coarse_reference_fullest_bin(meshes: Meshes, size: tuple[int, int], bin_size: int) -> int:
    """Slow reference of PyTorch3D's coarse pass (rasterize_coarse.cu): a face goes into each
    bin whose NDC box (pixel centres, widened by half a pixel) overlaps the face's NDC box."""
    H, W = size

    def ndc(i: float, s1: int, s2: int) -> float:  # PixToNonSquareNdc
        rng = 2.0 * s1 / s2 if s1 > s2 else 2.0
        return -rng / 2 + (rng * i + rng / 2) / s1

    tri = meshes.verts_packed()[meshes.faces_packed()]  # (F, 3, 3)
    xmin, xmax = tri[..., 0].min(1).values, tri[..., 0].max(1).values
    ymin, ymax = tri[..., 1].min(1).values, tri[..., 1].max(1).values
    half_x = half_y = 1.0 / min(H, W)  # square pixels: 2 / min(H, W) wide in NDC
    fullest = 0
    for by in range(-(-H // bin_size)):
        y_lo = ndc(by * bin_size, H, W) - half_y
        y_hi = ndc((by + 1) * bin_size - 1, H, W) + half_y
        for bx in range(-(-W // bin_size)):
            x_lo = ndc(bx * bin_size, W, H) - half_x
            x_hi = ndc((bx + 1) * bin_size - 1, W, H) + half_x
            inside = (ymin <= y_hi) & (y_lo < ymax) & (xmin <= x_hi) & (x_lo < xmax)
            fullest = max(fullest, int(inside.sum()))
    return fullest


@pytest.mark.parametrize("size", [(120, 200), (200, 120), (256, 256), (90, 300)])
def test_the_cuda_bin_bound_holds_every_face_of_the_fullest_bin(size: tuple[int, int]) -> None:
    from pytorch3d.structures import Meshes

    from render_engine.raster.tiled import cuda_bins

    torch.manual_seed(sum(size))
    n = 2000
    centers = torch.rand(n, 1, 3) * 2.4 - 1.2  # some faces off screen
    centers[..., 2] = centers[..., 2].abs() + 0.5
    tri = centers + (torch.rand(n, 3, 3) - 0.5) * 0.2
    tri[: n // 3] *= 0.1  # a crowded spot in the middle
    meshes = Meshes([tri.reshape(-1, 3)], [torch.arange(n * 3).reshape(n, 3)])
    bin_size, bound = cuda_bins(meshes, size)
    fullest = _coarse_reference_fullest_bin(meshes, size, bin_size)
    assert fullest <= bound <= n
    assert bound < n  # and it is a real bound, not the whole mesh


@pytest.mark.parametrize("perspective_correct", [False, True])
@pytest.mark.parametrize(("seed", "faces", "size", "tile", "spread"), CASES)
def test_the_vectorised_nearest_face_equals_pytorch3ds_rasterizer_on_the_same_tiles(
    seed: int,
    faces: int,
    size: tuple[int, int],
    tile: int,
    spread: float,
    perspective_correct: bool,
) -> None:
    from pytorch3d.renderer.mesh.rasterize_meshes import _RasterizeFaceVerts

    from render_engine.raster.nearest import rasterize_nearest

    mesh = random_triangles(seed, faces, size, spread)
    verts = mesh.verts_packed().clone()
    # ties: every fifth face copied onto the previous one's depth (the lower index wins)
    # and a few degenerate (zero-area) faces
    fv = verts[mesh.faces_packed()]
    fv[5::5, :, 2] = fv[4:-1:5, :, 2]
    fv[7::50, 1] = fv[7::50, 0]
    bins = bin_faces(fv, torch.zeros(faces, dtype=torch.int64), 1, size, tile)
    h, w = size
    m = float(min(h, w))
    pair = fv[bins.face_idx].double()
    xt = (m * pair[:, :, 0] + 2 * (bins.tile_x * tile).double()[:, None] + tile - w) / tile
    yt = (m * pair[:, :, 1] + 2 * (bins.tile_y * tile).double()[:, None] + tile - h) / tile
    fv_tile = torch.stack([xt, yt, pair[:, :, 2]], dim=2).float()
    active = (bins.count > 0).nonzero().squeeze(1)
    first, count = bins.first_idx[active], bins.count[active]
    neighbours = torch.full((fv_tile.shape[0],), -1, dtype=torch.int64)
    ref = _RasterizeFaceVerts.apply(
        fv_tile,
        first,
        count,
        neighbours,
        (tile, tile),
        0.0,
        1,
        0,
        0,
        perspective_correct,
        False,
        False,
    )
    got = rasterize_nearest(fv_tile, first, count, tile, perspective_correct)
    assert got is not None
    for name, a, b in zip(("pix_to_face", "zbuf", "bary", "dists"), got, ref, strict=True):
        assert torch.equal(a, b), name
    assert bool((ref[0] >= 0).any())
    assert rasterize_nearest(fv_tile, first, count, tile, perspective_correct, 0) is None
