"""render_scene: every request field changes the picture as documented; stages; errors."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from render_engine.errors import InvalidRequest, RenderCancelled
from render_engine.mesh import TriMesh
from render_engine.render import STAGES, RenderResult, render_scene
from render_engine.request import CameraSpec, LightingSpec, OutputSpec, RenderSpec
from render_engine.scene.cameras import LENSES, frame_figure
from render_engine.scene.mannequin import mannequin

torch.set_num_threads(2)
SIZE = (160, 96)


@pytest.fixture(scope="module")
def figure() -> list[TriMesh]:
    return mannequin()


def spec(**parts: Any) -> RenderSpec:
    output = parts.pop("output", {})
    out: dict[str, Any] = {
        "format": "png", "quality": "low", "background": "transparent", "size_override": SIZE
    }
    out.update(output)
    return RenderSpec(
        lighting=parts.pop("lighting", LightingSpec(intensity=1.0)),
        camera=parts.pop("camera", CameraSpec()),
        output=OutputSpec(**out),
    )


def pixels(result: RenderResult) -> np.ndarray:
    """(H, W, 4) uint8 of the first frame."""
    return np.asarray(Image.open(io.BytesIO(result.image)).convert("RGBA"))


def coverage(image: np.ndarray) -> float:
    return float((image[..., 3] > 127).mean())


def figure_brightness(image: np.ndarray) -> float:
    inside = image[..., 3] == 255
    return float(image[..., :3][inside].mean())


def test_lighting_presets_each_give_a_different_picture(figure: list[TriMesh]) -> None:
    presets = ("soft_daylight", "studio_bright", "dramatic", "warm_evening", "cool_overcast")
    images = [pixels(render_scene(figure, spec(lighting=LightingSpec(preset=p)))) for p in presets]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            diff = np.abs(images[i].astype(int) - images[j].astype(int))[..., :3].mean()
            assert diff > 1.0, (presets[i], presets[j])


def test_warm_evening_is_warmer_than_cool_overcast(figure: list[TriMesh]) -> None:
    warm = pixels(render_scene(figure, spec(lighting=LightingSpec(preset="warm_evening"))))
    cool = pixels(render_scene(figure, spec(lighting=LightingSpec(preset="cool_overcast"))))

    def red_minus_blue(image: np.ndarray) -> float:
        inside = image[..., 3] == 255
        return float(image[..., 0][inside].mean() - image[..., 2][inside].mean())

    assert red_minus_blue(warm) > red_minus_blue(cool) + 10


def test_lighting_intensity_scales_the_light_and_zero_is_black(figure: list[TriMesh]) -> None:
    values = [
        figure_brightness(pixels(render_scene(figure, spec(lighting=LightingSpec(intensity=k)))))
        for k in (0.0, 0.5, 1.0, 1.5)
    ]
    assert values[0] == 0.0
    assert values[0] < values[1] < values[2] < values[3]


def test_camera_angles_show_the_figure_from_around(figure: list[TriMesh]) -> None:
    shots = {
        a: pixels(render_scene(figure, spec(camera=CameraSpec(angle=a))))
        for a in ("front", "three_quarter", "side", "back")
    }

    # arms spread sideways: widest from the front and back, narrowest from the side
    def width(image: np.ndarray) -> int:
        return int((image[..., 3] > 127).any(axis=0).sum())

    assert width(shots["side"]) < width(shots["three_quarter"]) < width(shots["front"])
    # the back view is the front view mirrored: the hand raised higher swaps sides
    assert not np.array_equal(shots["front"], shots["back"])
    mirrored = shots["back"][:, ::-1, 3].astype(int)
    assert (
        np.abs(mirrored - shots["front"][..., 3]).mean()
        < np.abs(shots["back"][..., 3].astype(int) - shots["front"][..., 3]).mean()
    )


def test_zoom_makes_the_figure_bigger_in_the_frame(figure: list[TriMesh]) -> None:
    cover = [
        coverage(pixels(render_scene(figure, spec(camera=CameraSpec(zoom=z)))))
        for z in (0.5, 1.0, 2.0)
    ]
    assert cover[0] < cover[1] < cover[2]
    assert cover[1] / cover[0] == pytest.approx(4.0, rel=0.15)  # area grows with zoom squared


def test_perspectives_are_distinct_lenses_and_heights(figure: list[TriMesh]) -> None:
    lo, hi = torch.tensor([-0.3, 0.0, -0.2]), torch.tensor([0.3, 1.75, 0.2])
    cams = {p: frame_figure(lo, hi, SIZE, CameraSpec(perspective=p)) for p in LENSES}
    fov = {p: float(c.fov) for p, c in cams.items()}
    eye_y = {p: float(c.get_camera_center()[0, 1]) for p, c in cams.items()}
    assert fov["high_fashion"] < fov["realistic"] < fov["editorial"]
    assert eye_y["high_fashion"] < eye_y["realistic"] < eye_y["editorial"]
    images = [pixels(render_scene(figure, spec(camera=CameraSpec(perspective=p)))) for p in LENSES]
    assert not np.array_equal(images[0], images[1])
    assert not np.array_equal(images[1], images[2])


def test_resolution_and_orientation_set_the_image_size(figure: list[TriMesh]) -> None:
    result = render_scene(figure, RenderSpec(output=OutputSpec(resolution="720p", quality="low")))
    assert (result.width, result.height) == (720, 1280)
    assert Image.open(io.BytesIO(result.image)).size == (720, 1280)
    assert OutputSpec(resolution="1080p").size == (1920, 1080)
    assert OutputSpec(resolution="4k", orientation="landscape").size == (2160, 3840)


def test_quality_anti_aliases_the_edges(figure: list[TriMesh]) -> None:
    def edge_levels(quality: str) -> int:
        alpha = pixels(render_scene(figure, spec(output={"quality": quality})))[..., 3]
        return len(np.unique(alpha[(alpha > 0) & (alpha < 255)]))

    low, medium, high = edge_levels("low"), edge_levels("medium"), edge_levels("high")
    assert low == 0  # one sample per pixel: hard edges
    assert 0 < medium <= 3  # 2 x 2 samples: coverage in quarters
    assert medium < high <= 8  # 3 x 3 samples: coverage in ninths


@pytest.mark.parametrize("factor", [2, 3])
def test_edge_adaptive_anti_aliasing_equals_supersampling_the_whole_frame(
    figure: list[TriMesh], factor: int
) -> None:
    """Only tiles on edges are supersampled; the picture matches supersampling everything."""
    import kornia

    from render_engine.raster import rasterize_tiled
    from render_engine.render import prepare_scene, render_rgba
    from render_engine.scene.compositing import composite, downsample
    from render_engine.scene.lights import lighting_rig
    from render_engine.scene.shading import shade_fragments

    size = (240, 144)
    scene = prepare_scene(figure, torch.device("cpu"))
    lo, hi = scene.mesh.bounds
    camera = frame_figure(lo, hi, size, CameraSpec(angle="three_quarter"))
    rig = lighting_rig(LightingSpec(preset="dramatic"), torch.device("cpu"))
    got = render_rgba(scene, camera, size, factor, rig, None)

    view = camera.get_world_to_view_transform()
    verts, normals = view.transform_points(scene.mesh.verts), view.transform_normals(scene.normals)
    proj = camera.get_projection_transform().transform_points(verts)
    ndc = scene.meshes.update_padded(torch.cat([proj[:, :2], verts[:, 2:]], dim=1)[None])
    big = (size[0] * factor, size[1] * factor)
    frags = rasterize_tiled(ndc, image_size=big, faces_per_pixel=1, perspective_correct=True)
    rgb, alpha = shade_fragments(
        frags.pix_to_face,
        frags.bary_coords,
        scene.mesh.faces,
        verts,
        normals,
        scene.mesh.colors,
        rig,
    )
    want = composite(*downsample(rgb, alpha, factor), None)[0]

    ssim = float(kornia.metrics.ssim(got[None], want[None], window_size=7).mean())
    assert ssim >= 0.995
    # edges carry exactly the supersampled coverage; elsewhere coverage is 0 or 1 anyway
    assert torch.allclose(got[3], want[3], atol=1e-5)
    assert float((got[:3] - want[:3]).abs().amax(dim=0).mean()) < 0.01


@pytest.mark.parametrize(
    ("background", "color", "corner"),
    [
        ("transparent", None, (0, 0, 0, 0)),
        ("white", None, (255, 255, 255, 255)),
        ("black", None, (0, 0, 0, 255)),
        ("custom", "#3366CC", (0x33, 0x66, 0xCC, 255)),
    ],
)
def test_background_fills_everything_around_the_figure(
    figure: list[TriMesh], background: str, color: str | None, corner: tuple[int, int, int, int]
) -> None:
    out = {"background": background, "background_color": color}
    image = pixels(render_scene(figure, spec(output=out)))
    assert tuple(image[0, 0]) == corner
    assert tuple(image[-1, -1]) == corner
    assert (
        0.05 < coverage(image) < 0.6 if background == "transparent" else image[..., 3].min() == 255
    )


@pytest.mark.parametrize(
    ("fmt", "pil_format", "mime"),
    [
        ("png", "PNG", "image/png"),
        ("jpg", "JPEG", "image/jpeg"),
        ("webp", "WEBP", "image/webp"),
    ],
)
def test_still_formats_encode_one_image(
    figure: list[TriMesh], fmt: str, pil_format: str, mime: str
) -> None:
    result = render_scene(figure, spec(output={"format": fmt, "background": "white"}))
    image = Image.open(io.BytesIO(result.image))
    assert image.format == pil_format and result.content_type == mime
    assert image.size == (SIZE[1], SIZE[0])


def test_gif_is_a_turntable_of_distinct_frames(figure: list[TriMesh]) -> None:
    result = render_scene(figure, spec(output={"format": "gif", "turntable_frames": 4}))
    image = Image.open(io.BytesIO(result.image))
    assert image.format == "GIF" and result.frames == 4 and image.n_frames == 4  # type: ignore[attr-defined]  # GifImageFile's; open() is untyped on it
    frames = []
    for i in range(4):
        image.seek(i)
        frames.append(np.asarray(image.convert("RGBA")))
    assert not np.array_equal(frames[0], frames[1])
    assert frames[0][0, 0, 3] == 0  # transparent background kept


def test_stages_are_reported_in_order_with_growing_progress(figure: list[TriMesh]) -> None:
    calls = []
    result = render_scene(figure, spec(), on_stage=lambda stage, pct: calls.append((stage, pct)))
    assert [s for s, _ in calls if s != calls[-1][0] or _ != 100][: len(STAGES)] == list(STAGES)
    percents = [p for _, p in calls]
    assert percents == sorted(percents) and percents[-1] == 100
    assert set(result.stage_times) == set(STAGES)
    assert all(t >= 0 for t in result.stage_times.values())


def test_a_cancelled_render_stops_between_stages(figure: list[TriMesh]) -> None:
    seen = []

    def cancelled() -> bool:
        return "lighting_setup" in seen

    with pytest.raises(RenderCancelled) as raised:
        render_scene(figure, spec(), on_stage=lambda s, p: seen.append(s), is_cancelled=cancelled)
    assert raised.value.code == "RENDER_CANCELLED"
    assert "rendering" not in seen


def test_meshes_that_cannot_be_drawn_raise_invalid_request(figure: list[TriMesh]) -> None:
    empty = TriMesh(
        verts=torch.zeros(3, 3),
        faces=torch.zeros(0, 3, dtype=torch.int64),
        colors=torch.zeros(3, 3),
    )
    broken = TriMesh(
        verts=torch.full((3, 3), float("nan")),
        faces=torch.tensor([[0, 1, 2]]),
        colors=torch.zeros(3, 3),
    )
    for meshes in ([], [empty], [*figure, broken]):
        with pytest.raises(InvalidRequest):
            render_scene(meshes, spec())


@pytest.mark.slow
def test_pose_presets_change_the_rendered_anny_body() -> None:
    """The pose is applied by the body module (`pose_body`); the picture follows it."""
    from render_engine.body import build_body, pose_body

    body = build_body({})
    shots = {}
    for preset in ("standing_neutral", "t_pose"):
        posed = pose_body(body, preset, {})
        shots[preset] = pixels(render_scene([posed], spec()))
    arms_out = int((shots["t_pose"][..., 3] > 127).any(axis=0).sum())
    arms_down = int((shots["standing_neutral"][..., 3] > 127).any(axis=0).sum())
    # both framed to fit: the T-pose is wider than tall, so it fills the frame's width
    assert not np.array_equal(shots["t_pose"], shots["standing_neutral"])
    assert arms_out > arms_down


def test_a_seam_between_meshes_vertices_at_one_place_needs_no_anti_aliasing() -> None:
    """A hem's folded band keeps its own copies of the edge's vertices (for its shading):
    pixels across that seam show faces that share no vertex index, but one position; they
    are one continuous surface, not an edge to supersample (18 % more edge pixels on a
    suit at 1080p when they counted)."""
    from render_engine.render import edge_pixels, welded_faces

    verts = torch.tensor(
        [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
         [1.0, 1.0, 0.0]]
    )
    faces = torch.tensor([[0, 1, 2], [3, 5, 4]])  # two triangles meeting along a copied edge
    pix = torch.tensor([[[0, 1]]])  # (N, H, W): neighbours on either side of the seam
    assert bool(edge_pixels(pix, faces).all())
    assert not bool(edge_pixels(pix, welded_faces(verts, faces)).any())
