"""A product's own 3-D model (glb) goes down the same path as a garment cut from the body: the
pattern's regions (its sleeves collide with the arms), the body it covers (for the layers of
the finished figure), and the product's look: the variant's colour, the material named by the
product's material text (shading and the weave's normal map), not the model's own texture."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
import trimesh
from PIL import Image
from scipy.ndimage import binary_erosion, uniform_filter

from render_engine.garment import DressedGarment, as_garment_body, dress
from render_engine.garment.body_view import GarmentBody, Part
from render_engine.garment.pattern import GarmentRegion
from render_engine.render import render_scene
from render_engine.request import CameraSpec, OutputSpec, RenderSpec

GUIDE = {
    "M": {"chest": 96, "waist": 80, "hips": 98, "sleeve": 54, "inseam": 76},
    "L": {"chest": 106, "waist": 90, "hips": 108, "sleeve": 56, "inseam": 78},
}
BLUE = "#2E4A7D"


@pytest.fixture(scope="module")
def body() -> GarmentBody:
    from render_engine.body.fitted import build_body

    torch.set_num_threads(2)
    return as_garment_body(build_body({"gender": 0.3, "weight": 0.5, "height": 0.5}))


@pytest.fixture(scope="module")
def tee(body: GarmentBody) -> DressedGarment:
    """The generated t-shirt, size M: what the model should match."""
    return dress(body, "tops", GUIDE, "M", BLUE)


@pytest.fixture(scope="module")
def model_glb(body: GarmentBody) -> bytes:
    """A shop's t-shirt model: a tee of another size with its own red baseColor texture and
    texture coordinates, as a glb file."""
    shape = dress(body, "tops", GUIDE, "L", "#808080").mesh
    verts = shape.verts.numpy()
    uv = (verts[:, :2] - verts[:, :2].min(0)) / np.ptp(verts[:, :2], axis=0)
    red = Image.new("RGB", (64, 64), (200, 20, 20))
    mesh = trimesh.Trimesh(verts, shape.faces.numpy(), process=False)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, image=red)  # type: ignore[no-untyped-call]
    data = io.BytesIO()
    mesh.export(data, file_type="glb")
    return data.getvalue()


def test_a_models_sleeves_are_sleeves_and_it_knows_the_body_it_covers(
    body: GarmentBody, tee: DressedGarment, model_glb: bytes
) -> None:
    garment = dress(body, "tops", GUIDE, "M", BLUE, model_glb=model_glb)
    assert garment.mesh.labels is not None and tee.mesh.labels is not None
    sleeve = float((garment.mesh.labels == GarmentRegion.SLEEVE).float().mean())
    expected = float((tee.mesh.labels == GarmentRegion.SLEEVE).float().mean())
    assert sleeve == pytest.approx(expected, abs=0.05)
    covers = garment.mesh.extras["covers"]
    assert isinstance(covers, torch.Tensor) and covers.shape == (body.num_verts,)
    # the same cut in a near size lies on (nearly) the same skin; never on the head or hands
    cut_covers = tee.mesh.extras["covers"]
    assert isinstance(cut_covers, torch.Tensor)
    assert float(covers[cut_covers].float().mean()) > 0.9
    assert not bool(covers[body.mask(Part.HEAD, Part.HAND)].any())
    source = garment.mesh.extras["source"]
    assert isinstance(source, torch.Tensor) and source.shape == (garment.mesh.num_verts,)
    assert garment.inside_fraction < 0.005


def _garment_pixels(garment: DressedGarment) -> tuple[np.ndarray, np.ndarray]:
    """The garment alone, close up (zoom 3, 1080p: the weave's period spans several pixels),
    on a transparent background: (H, W, 3) colours, (H, W) inner garment pixels."""
    spec = RenderSpec(
        camera=CameraSpec(angle="front", zoom=3.0),
        output=OutputSpec(resolution="1080p", quality="low", background="transparent"),
    )
    rgba = Image.open(io.BytesIO(render_scene([garment.mesh], spec).image)).convert("RGBA")
    img = np.asarray(rgba).astype(float) / 255.0
    inner = binary_erosion(img[..., 3] > 0.99, iterations=6)
    return img[..., :3], inner


def test_a_denim_model_renders_in_the_variants_colour_with_the_denim_weave(
    body: GarmentBody, model_glb: bytes
) -> None:
    """The product says denim: the model is drawn with the twill's normal map (fine light and
    dark ridges: the local contrast of a smooth silk model's picture times many), in the
    variant's blue, not in the red of the model's own texture."""
    contrast = {}
    for fabric in ("denim", "silk"):
        garment = dress(
            body, "tops", GUIDE, "M", BLUE, model_glb=model_glb, material=f"100% {fabric}"
        )
        assert garment.mesh.extras["material"] == fabric
        rgb, inner = _garment_pixels(garment)
        assert inner.sum() > 10_000
        gray = rgb.mean(axis=2)
        contrast[fabric] = float(np.abs(gray - uniform_filter(gray, 5))[inner].mean())
        r, g, b = np.median(rgb[inner], axis=0)
        assert b > r + 0.1 and b > g + 0.1  # blue, as the variant: not the texture's red
    assert contrast["denim"] > 10 * contrast["silk"]
    assert contrast["denim"] > 0.005  # ridges of a few percent of the brightness



def test_a_model_made_on_another_figure_keeps_a_smooth_neckline() -> None:
    """A relaxed tee made on a tall man standing, tried on a shorter woman standing (the
    gallery's two bodies): the model is fitted to her pattern's box per axis, so its collar
    landed in her neck, and what went in was cut away: a neckline turning by 140 degrees.
    Cut along her own crew neckline first (`glb.model_neckline`), it is one smooth curve,
    turning by at most the 45 degrees of every designed edge."""
    import dataclasses

    from render_engine.body.fit import fit_measurements
    from render_engine.body.pose import pose_body
    from render_engine.garment.cut import boundary_loops, turning_angles

    def standing(measures: dict[str, float], gender: str) -> object:
        fitted = fit_measurements(measures, gender=gender)
        return dataclasses.replace(fitted, mesh=pose_body(fitted, "standing_neutral"))

    man = standing(
        {"height": 182, "weight": 84, "chest": 104, "waist": 90, "hips": 102}, "male"
    )
    woman = standing({"height": 168, "weight": 62, "chest": 90, "waist": 72, "hips": 98}, "female")
    guide = {"M": {"chest": 100, "waist": 86, "hips": 106}, "L": {"chest": 108, "waist": 94}}
    shape = dress(man, "tops", guide, "L", "#808080", fit="relaxed", clear_hands=False).mesh
    data = io.BytesIO()
    trimesh.Trimesh(shape.verts.numpy(), shape.faces.numpy(), process=False).export(
        data, file_type="glb"
    )
    worn = dress(woman, "tops", guide, "M", BLUE, model_glb=data.getvalue()).mesh
    neck = as_garment_body(woman).joints["neck"]
    near = [
        lp
        for lp in boundary_loops(worn.faces)
        if float((worn.verts[lp] - neck).norm(dim=1).min()) < 0.1
    ]
    assert len(near) == 1  # one neckline, no shards
    assert float(turning_angles(worn.verts[near[0]]).rad2deg().max()) < 45.0
