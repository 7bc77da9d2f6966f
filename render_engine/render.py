"""`render_scene`: meshes plus a `RenderSpec` in, an encoded picture out.

The figure (body and garments, already fitted and posed by the body and garment modules) is
framed automatically from its bounding box (`scene.cameras`), lit by a preset
(`scene.lights`), rasterized with the tiled rasterizer (`raster`) at `quality`'s
supersampling factor, shaded per pixel (`scene.shading`), averaged down and composited on the
background with kornia (`scene.compositing`), and encoded with Pillow (`encode`).

Progress follows the spec's render stages: `on_stage(stage, percent)` is called when each of
asset_loading, mesh_fitting, texture_mapping, lighting_setup, rendering and optimization
starts (rendering again after each turntable frame), and once more with ("optimization", 100)
at the end. `is_cancelled()` is checked before every stage and between turntable frames;
when it returns True the render stops with `RenderCancelled`.

Large supersampled frames are rasterized and shaded in horizontal bands of at most
`BAND_PIXELS` samples, so a 4k "high" render needs about a GB, not tens of GB.
"""

from __future__ import annotations

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
from render_engine.raster.tiled import DEFAULT_TILE, rasterize_tiled
from render_engine.request import RenderSpec
from render_engine.scene.cameras import frame_figure
from render_engine.scene.compositing import composite, downsample
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
    """Geometry ready for any camera: merged mesh, its Meshes and vertex normals (V, 3)."""

    mesh: SceneMesh
    meshes: Meshes
    normals: torch.Tensor


def prepare_scene(meshes: list[TriMesh], device: torch.device) -> PreparedScene:
    scene = merge_meshes(meshes, device)
    p3d = Meshes(verts=[scene.verts], faces=[scene.faces])
    return PreparedScene(scene, p3d, p3d.verts_normals_packed())


def render_rgba(
    scene: PreparedScene,
    camera: FoVPerspectiveCameras,
    image_size: tuple[int, int],
    supersampling: int,
    rig: LightingRig,
    background: tuple[float, float, float] | None,
    tile: int | None = DEFAULT_TILE,
) -> torch.Tensor:
    """One view as straight-alpha RGBA (4, H, W) float in [0, 1].

    Rasterizes at (f H, f W) for f = `supersampling`, band by band, and box-filters down.
    """
    h, w = image_size
    f = supersampling
    hs, ws = h * f, w * f
    world_to_view = camera.get_world_to_view_transform()
    verts_view = world_to_view.transform_points(scene.mesh.verts)  # (V, 3)
    normals_view = world_to_view.transform_normals(scene.normals)  # (V, 3)
    proj = camera.get_projection_transform().transform_points(verts_view)  # (V, 3) NDC xy
    verts_ndc = torch.cat([proj[:, :2], verts_view[:, 2:]], dim=1)  # view z kept, as PyTorch3D
    meshes_ndc = scene.meshes.update_padded(verts_ndc[None])

    rgb = torch.zeros(1, 3, h, w, device=verts_view.device)
    alpha = torch.zeros(1, 1, h, w, device=verts_view.device)
    band = max(1, BAND_PIXELS // (ws * f)) * f  # supersampled rows per band, a multiple of f
    if verts_view.device.type == "cuda":
        band = hs  # GPU memory is plentiful and PyTorch3D bins the whole frame at once
    for r0 in range(0, hs, band):
        r1 = min(hs, r0 + band)
        frags = rasterize_tiled(
            meshes_ndc,
            image_size=(hs, ws),
            faces_per_pixel=1,
            tile=tile,
            perspective_correct=True,
            rows=(r0, r1),
        )
        band_rgb, band_alpha = shade_fragments(
            frags.pix_to_face,
            frags.bary_coords,
            scene.mesh.faces,
            verts_view,
            normals_view,
            scene.mesh.colors,
            rig,
        )
        band_rgb, band_alpha = downsample(band_rgb, band_alpha, f)
        rgb[:, :, r0 // f : r1 // f] = band_rgb
        alpha[:, :, r0 // f : r1 // f] = band_alpha
    return composite(rgb, alpha, background)[0]


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
            rgba = render_rgba(scene, camera, size, out.supersampling, rig, background)
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
