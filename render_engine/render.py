"""`render_scene`: meshes plus a `RenderSpec` in, an encoded picture out.

The figure (body and garments, already fitted and posed by the body and garment modules) is
framed automatically from its bounding box (`scene.cameras`), lit by a preset
(`scene.lights`), rasterized with the tiled rasterizer (`raster`) and shaded per pixel
(`scene.shading`) at one sample per pixel, anti-aliased where the picture has edges (the tiles
along silhouettes, occlusions and mesh boundaries are rasterized again at `quality`'s
supersampling factor, shaded and averaged down: `render_rgba`), composited on the background
with kornia (`scene.compositing`), and encoded with Pillow (`encode`). The cost of
anti-aliasing follows the length of the edges, not the area of the frame.

Progress follows the spec's render stages: `on_stage(stage, percent)` is called when each of
asset_loading, mesh_fitting, texture_mapping, lighting_setup, rendering and optimization
starts (rendering again after each turntable frame), and once more with ("optimization", 100)
at the end. `is_cancelled()` is checked before every stage and between turntable frames;
when it returns True the render stops with `RenderCancelled`.

Large frames are rasterized and shaded in horizontal bands of at most `BAND_PIXELS` pixels,
and supersampled edge tiles in batches of at most `BAND_PIXELS` samples, so memory stays
bounded at 4k.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from pytorch3d.renderer import FoVPerspectiveCameras
from pytorch3d.structures import Meshes

from render_engine.encode import encode_frames, to_uint8
from render_engine.errors import RenderCancelled
from render_engine.mesh import TriMesh
from render_engine.raster.tiled import DEFAULT_TILE, rasterize_tiled, rasterize_tiles
from render_engine.request import RenderSpec
from render_engine.scene.cameras import frame_figure
from render_engine.scene.compositing import composite, downsample
from render_engine.scene.finishing import ambient_occlusion, floor_shadow
from render_engine.scene.geometry import SceneMesh, merge_meshes
from render_engine.scene.lights import LightingRig, lighting_rig
from render_engine.scene.shading import shade_fragments

STAGES = (
    "asset_loading",
    "mesh_fitting",
    "texture_mapping",
    "lighting_setup",
    "rendering",
    "optimization",
)
STAGE_PERCENT = {
    "asset_loading": 0,
    "mesh_fitting": 5,
    "texture_mapping": 15,
    "lighting_setup": 20,
    "rendering": 25,
    "optimization": 90,
}
BAND_PIXELS = 8_000_000
#: Side in output pixels of the tiles that edge-adaptive anti-aliasing supersamples.
AA_TILE = 8

StageCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class RenderResult:
    """An encoded picture: `image` bytes of `content_type`, `width` x `height` pixels."""

    image: bytes
    content_type: str
    width: int
    height: int
    stage_times: dict[str, float] = field(default_factory=dict)
    frames: int = 1


def render_device() -> torch.device:
    """The device named by TRYON_DEVICE (default cpu)."""
    return torch.device(os.environ.get("TRYON_DEVICE", "cpu"))


class StageClock:
    """Times stages, reports them through `on_stage` and honours `is_cancelled`."""

    def __init__(
        self, on_stage: StageCallback | None, is_cancelled: Callable[[], bool] | None
    ) -> None:
        self.on_stage = on_stage
        self.is_cancelled = is_cancelled
        self.times: dict[str, float] = {}

    def report(self, stage: str, percent: int) -> None:
        if self.on_stage is not None:
            self.on_stage(stage, int(percent))

    def check(self, stage: str) -> None:
        if self.is_cancelled is not None and self.is_cancelled():
            raise RenderCancelled(f"render cancelled before {stage}", details={"stage": stage})

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.check(name)
        self.report(name, STAGE_PERCENT[name])
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start


@dataclass(frozen=True)
class PreparedScene:
    """Geometry ready for any camera: merged mesh, its Meshes, vertex normals (V, 3) and
    its faces (F, 3) over welded vertices (one id per position, `welded_faces`)."""

    mesh: SceneMesh
    meshes: Meshes
    normals: torch.Tensor
    welded: torch.Tensor


def welded_faces(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(V, 3) vertices and (F, 3) faces -> (F, 3) faces over one id per vertex position (to
    the micrometre): a seam whose sides keep their own vertices for their shading (a hem's
    folded band, `garment.outfit.with_edge_band`) is still one continuous surface."""
    key = torch.round(verts.detach().to(torch.float64) * 1e6)
    ids: torch.Tensor = torch.unique(key, dim=0, return_inverse=True)[1]
    return ids[faces]


def prepare_scene(meshes: list[TriMesh], device: torch.device) -> PreparedScene:
    scene = merge_meshes(meshes, device)
    p3d = Meshes(verts=[scene.verts], faces=[scene.faces])
    return PreparedScene(
        scene, p3d, p3d.verts_normals_packed(), welded_faces(scene.verts, scene.faces)
    )


def edge_pixels(pix_to_face: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(N, H, W) packed face ids (-1: background) -> (N, H, W) bool: pixels next to a
    discontinuity of the picture.

    Two 4-neighbours are on an edge when one shows the figure and the other the background,
    or when they show different faces that share no vertex (an occlusion boundary, or a
    boundary between two meshes, whose vertices are disjoint). Neighbours on faces that
    share a vertex lie on one continuous surface and need no anti-aliasing. `faces`: the
    scene's faces, or over welded vertices (`welded_faces`) to count seams as shared.
    """
    edges = torch.zeros_like(pix_to_face, dtype=torch.bool)
    for dim in (1, 2):
        a = pix_to_face.narrow(dim, 0, pix_to_face.shape[dim] - 1)
        b = pix_to_face.narrow(dim, 1, pix_to_face.shape[dim] - 1)
        cut = (a >= 0) != (b >= 0)
        both = (a >= 0) & (b >= 0) & (a != b)
        idx = both.nonzero(as_tuple=True)
        if idx[0].numel():
            ta, tb = faces[a[idx]], faces[b[idx]]  # (M, 3) vertex ids each
            shared = (ta[:, :, None] == tb[:, None, :]).flatten(1).any(dim=1)
            cut[idx] = ~shared
        edges.narrow(dim, 0, cut.shape[dim]).logical_or_(cut)
        edges.narrow(dim, 1, cut.shape[dim]).logical_or_(cut)
    return edges


def _render_band(
    meshes_ndc: Meshes,
    scene: PreparedScene,
    verts_view: torch.Tensor,
    normals_view: torch.Tensor,
    rig: LightingRig,
    image_size: tuple[int, int],
    rows: tuple[int, int],
    tile: int | None,
    texel_m: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rows r0 <= y < r1 at one sample per pixel: premultiplied rgb (1, 3, r1 - r0, W),
    alpha (1, 1, r1 - r0, W), the edge pixels (r1 - r0, W) (one halo row either side
    is rasterized so that edges across band borders are found) and the view depth
    (r1 - r0, W) (-1 on the background)."""
    h = image_size[0]
    r0, r1 = rows
    h0, h1 = max(0, r0 - 1), min(h, r1 + 1)
    frags = rasterize_tiled(
        meshes_ndc,
        image_size=image_size,
        faces_per_pixel=1,
        tile=tile,
        perspective_correct=True,
        rows=(h0, h1),
    )
    edges = edge_pixels(frags.pix_to_face[..., 0], scene.welded)[0, r0 - h0 : r1 - h0]
    inner = slice(r0 - h0, r1 - h0)
    rgb, alpha = shade_fragments(
        frags.pix_to_face[:, inner],
        frags.bary_coords[:, inner],
        scene.mesh.faces,
        verts_view,
        normals_view,
        scene.mesh.colors,
        rig,
        scene.mesh.surface,
        texel_m,
    )
    return rgb, alpha, edges, frags.zbuf[0, inner, :, 0]


def render_rgba(
    scene: PreparedScene,
    camera: FoVPerspectiveCameras,
    image_size: tuple[int, int],
    supersampling: int,
    rig: LightingRig,
    background: tuple[float, float, float] | None,
    tile: int | None = DEFAULT_TILE,
    finish: bool = False,
) -> torch.Tensor:
    """One view as straight-alpha RGBA (4, H, W) float in [0, 1].

    finish: add screen-space ambient occlusion and, on an opaque background, the contact
    shadow on the floor (`scene.finishing`); `render_scene` always does.

    Edge-adaptive supersampling: the frame is rasterized and shaded at one sample per pixel
    (in bands of at most `BAND_PIXELS`); pixels on the picture's edges (`edge_pixels`:
    silhouettes, occlusion and mesh boundaries), grown by one pixel, mark `AA_TILE`-pixel
    tiles, and only those tiles are rasterized again at f x f samples per pixel
    (f = `supersampling`), shaded and box-filtered down. Inside those tiles the result is
    exactly that of supersampling the whole frame; elsewhere the surface is smooth and one
    sample at the pixel centre stands for the f x f samples' mean.
    """
    h, w = image_size
    f = supersampling
    world_to_view = camera.get_world_to_view_transform()
    verts_view = world_to_view.transform_points(scene.mesh.verts)  # (V, 3)
    normals_view = world_to_view.transform_normals(scene.normals)  # (V, 3)
    proj = camera.get_projection_transform().transform_points(verts_view)  # (V, 3) NDC xy
    verts_ndc = torch.cat([proj[:, :2], verts_view[:, 2:]], dim=1)  # view z kept, as PyTorch3D
    meshes_ndc = scene.meshes.update_padded(verts_ndc[None])
    device = verts_view.device

    texel = _texel_m(camera, verts_view, h)
    t = AA_TILE
    tiles_y, tiles_x = -(-h // t), -(-w // t)
    # padded to whole tiles, so that supersampled tiles are written in place
    rgb = torch.zeros(1, 3, tiles_y * t, tiles_x * t, device=device)
    alpha = torch.zeros(1, 1, tiles_y * t, tiles_x * t, device=device)
    edges = torch.zeros(tiles_y * t, tiles_x * t, dtype=torch.bool, device=device)
    depth = torch.full((h, w), -1.0, device=device)
    band = h if device.type == "cuda" else max(1, BAND_PIXELS // w)
    for r0 in range(0, h, band):
        r1 = min(h, r0 + band)
        band_rgb, band_alpha, band_edges, band_depth = _render_band(
            meshes_ndc, scene, verts_view, normals_view, rig, (h, w), (r0, r1), tile, texel
        )
        depth[r0:r1] = band_depth
        rgb[:, :, r0:r1, :w] = band_rgb
        alpha[:, :, r0:r1, :w] = band_alpha
        edges[r0:r1, :w] = band_edges
    if f > 1:
        grown = torch.nn.functional.max_pool2d(edges[None, None].float(), 3, 1, 1)
        wanted = torch.nn.functional.max_pool2d(grown, t, t)[0, 0] > 0  # (tiles_y, tiles_x)
        tiles = wanted.nonzero()  # (A, 2)
        chunk = max(1, BAND_PIXELS // (t * f) ** 2)
        grid_rgb = rgb[0].view(3, tiles_y, t, tiles_x, t).permute(1, 3, 0, 2, 4)
        grid_alpha = alpha[0].view(1, tiles_y, t, tiles_x, t).permute(1, 3, 0, 2, 4)
        for c0 in range(0, tiles.shape[0], chunk):
            part = tiles[c0 : c0 + chunk]
            frags = rasterize_tiles(
                meshes_ndc, (h * f, w * f), t * f, part, perspective_correct=True
            )
            tile_rgb, tile_alpha = shade_fragments(
                frags.pix_to_face,
                frags.bary_coords,
                scene.mesh.faces,
                verts_view,
                normals_view,
                scene.mesh.colors,
                rig,
                scene.mesh.surface,
                texel,
            )  # (A, 3, tf, tf), (A, 1, tf, tf)
            tile_rgb, tile_alpha = downsample(tile_rgb, tile_alpha, f)
            grid_rgb[part[:, 0], part[:, 1]] = tile_rgb
            grid_alpha[part[:, 0], part[:, 1]] = tile_alpha
    rgb, alpha = rgb[:, :, :h, :w], alpha[:, :, :h, :w]
    shade = None
    if finish:
        lo, hi = scene.mesh.bounds
        mask = depth > 0
        rows = mask.any(dim=1).nonzero()
        figure_px = float(rows.max() - rows.min() + 1) if rows.numel() else float(h)
        rgb = rgb * ambient_occlusion(depth, mask, figure_px)[None, None]
        if background is not None:
            shade = _contact_shadow(scene, camera, (h, w), float(lo[1]))
    return composite(rgb, alpha, background, shade)[0]


def _texel_m(camera: FoVPerspectiveCameras, verts_view: torch.Tensor, height: int) -> float:
    """Metres one pixel spans at the figure's mean depth (0 for a camera without a fov)."""
    fov = getattr(camera, "fov", None)
    if fov is None or verts_view.numel() == 0:
        return 0.0
    depth = float(verts_view[:, 2].mean())
    return 2.0 * depth * math.tan(math.radians(float(fov.reshape(-1)[0])) / 2) / height


def _contact_shadow(
    scene: PreparedScene, camera: FoVPerspectiveCameras, size: tuple[int, int], floor: float
) -> torch.Tensor:
    """(H, W) background factor: the figure's lower points dropped onto the floor plane."""
    verts = scene.mesh.verts
    low = verts[verts[:, 1] < floor + 1.0]  # (P, 3)
    dropped = low.clone()
    dropped[:, 1] = floor
    ndc = camera.transform_points(dropped)[:, :2]  # (P, 2)
    return floor_shadow(ndc, low[:, 1] - floor, size)


def render_scene(
    meshes: list[TriMesh],
    spec: RenderSpec,
    on_stage: StageCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> RenderResult:
    """Render fitted, posed meshes as `spec` asks and encode the picture.

    Raises InvalidRequest for meshes that cannot be drawn (none, without faces, NaN) and
    RenderCancelled when `is_cancelled()` turns True between stages.
    """
    clock = StageClock(on_stage, is_cancelled)
    out = spec.output
    size = out.size
    with clock.stage("asset_loading"):
        device = render_device()
        scene = prepare_scene(meshes, device)
    with clock.stage("mesh_fitting"):
        lo, hi = scene.mesh.bounds
        turntable = out.format == "gif"
        views = out.turntable_frames if turntable else 1
        cameras = [
            frame_figure(lo, hi, size, spec.camera, 360.0 * i / views, turntable, device)
            for i in range(views)
        ]
    with clock.stage("texture_mapping"):
        background = out.background_rgb
        transparent = background is None
    with clock.stage("lighting_setup"):
        rig = lighting_rig(spec.lighting, device)
    frames = []
    with clock.stage("rendering"):
        span = STAGE_PERCENT["optimization"] - STAGE_PERCENT["rendering"]
        for i, camera in enumerate(cameras):
            if i:
                clock.check("rendering")
                clock.report("rendering", STAGE_PERCENT["rendering"] + span * i // views)
            rgba = render_rgba(scene, camera, size, out.supersampling, rig, background, finish=True)
            frames.append(to_uint8(rgba))
    with clock.stage("optimization"):
        data = encode_frames(frames, out.format, transparent)
    clock.report("optimization", 100)
    return RenderResult(
        image=data,
        content_type=out.content_type,
        width=size[1],
        height=size[0],
        stage_times=dict(clock.times),
        frames=len(frames),
    )
