"""Dressing a fitted body: every category drapes outside the body, sized and coloured."""

from __future__ import annotations

import io
from typing import Any

import pytest
import torch
import trimesh

from render_engine.errors import InvalidRequest
from render_engine.garment import CATEGORIES, DressedGarment, as_garment_body, dress
from render_engine.garment.body_view import GarmentBody
from render_engine.garment.body_view import _hull_perimeter as hull_perimeter
from render_engine.garment.collision import winding_numbers
from render_engine.garment.pattern import GarmentRegion

GUIDE = {
    "XS": {"chest": 78, "waist": 64, "hips": 82},
    "S": {"chest": 86, "waist": 72, "hips": 90, "sleeve": 52, "inseam": 74},
    "M": {"chest": 96, "waist": 80, "hips": 98, "sleeve": 54, "inseam": 76},
    "L": {"chest": 106, "waist": 90, "hips": 108, "sleeve": 56, "inseam": 78},
}
COLOR = "#1E3A8A"
WINDING_SAMPLES = 256


@pytest.fixture(scope="module")
def body() -> GarmentBody:
    from render_engine.body.fitted import build_body

    torch.set_num_threads(2)
    return as_garment_body(build_body({"gender": 0.3, "weight": 0.5, "height": 0.5}))


@pytest.fixture(scope="module")
def dressed(body: GarmentBody) -> dict[str, DressedGarment]:
    return {category: dress(body, category, GUIDE, "M", COLOR) for category in CATEGORIES}


def sample(n_verts: int, k: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randperm(n_verts, generator=gen)[:k]


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_drapes_with_under_one_percent_of_its_vertices_inside_the_body(
    dressed: dict[str, DressedGarment], body: GarmentBody, category: str
) -> None:
    garment = dressed[category]
    assert garment.inside_fraction < 0.01
    # independent check with the exact (slow) winding numbers on a fixed sample of vertices
    ids = sample(garment.mesh.num_verts, WINDING_SAMPLES, seed=CATEGORIES.index(category))
    w = winding_numbers(garment.mesh.verts[ids], body.verts, body.faces)
    assert float((w > 0.5).float().mean()) < 0.01


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_gives_a_valid_mesh_in_the_variant_colour(
    dressed: dict[str, DressedGarment], category: str
) -> None:
    mesh = dressed[category].mesh
    assert mesh.num_verts > 50 and mesh.num_faces > 50
    assert int(mesh.faces.min()) >= 0 and int(mesh.faces.max()) < mesh.num_verts
    assert torch.isfinite(mesh.verts).all()
    expected = torch.tensor([0x1E, 0x3A, 0x8A], dtype=torch.float32) / 255
    assert torch.allclose(mesh.colors, expected.expand_as(mesh.colors))
    assert mesh.labels is not None and mesh.labels.shape == (mesh.num_verts,)


def test_garments_cover_the_body_regions_of_their_category(
    dressed: dict[str, DressedGarment], body: GarmentBody
) -> None:
    j = body.joints
    def y(category: str) -> torch.Tensor:
        return dressed[category].mesh.verts[:, 1]

    assert float(y("shoes").max()) < float(j["knee_L"][1])
    assert float(y("tops").min()) > float(j["knee_L"][1]) and float(y("tops").max()) > float(
        j["chest"][1]
    )
    assert (
        float(y("bottoms").min())
        < float(j["knee_L"][1])
        < float(y("bottoms").max())
        < float(j["chest"][1])
    )
    skirt = dressed["dresses"].mesh.labels
    assert skirt is not None
    assert int((skirt == GarmentRegion.SKIRT).sum()) > 0
    assert float(y("formal").min()) < float(j["knee_L"][1]) and float(y("formal").max()) > float(
        j["chest"][1]
    )


def test_the_sleeve_key_sets_how_far_down_the_arm_the_sleeve_reaches(body: GarmentBody) -> None:
    reach = {}
    for sleeve in (20, 50):
        guide = {"M": {"chest": 96, "sleeve": sleeve}}
        garment = dress(body, "tops", guide, "M", COLOR, steps=5)
        reach[sleeve] = float(garment.mesh.verts[:, 0].abs().max())
    assert reach[50] > reach[20] + 0.1


def test_the_fit_report_and_recommendation_come_with_the_dressed_garment(
    dressed: dict[str, DressedGarment], body: GarmentBody
) -> None:
    report = dressed["tops"].fit_report
    assert set(report) == {"chest", "waist", "hips", "sleeve", "inseam"}
    assert report["chest"]["easeCm"] == pytest.approx(96 - body.measurements["chest"], abs=0.05)
    assert dressed["tops"].recommended_size in GUIDE


def test_a_larger_size_makes_a_wider_garment(body: GarmentBody) -> None:
    chest_y = float(body.joints["chest"][1])
    girths = []
    for size in ("S", "M", "L"):
        garment = dress(body, "tops", GUIDE, size, COLOR, steps=10)
        verts = garment.mesh.verts
        torso = ((verts[:, 1] - chest_y).abs() < 0.012) & (
            garment.mesh.labels == GarmentRegion.TORSO
        )
        girths.append(100.0 * hull_perimeter(verts[torso][:, [0, 2]]))
    assert girths[0] < girths[1] < girths[2]
    assert girths[2] - girths[1] == pytest.approx(10.0, abs=3.0)  # the guide steps M -> L by 10 cm
    assert (
        girths[0] > body.measurements["chest"]
    )  # a snug size (ease < 0) still sits outside the body


def test_a_product_glb_model_replaces_the_generated_surface_and_is_draped_outside_the_body(
    body: GarmentBody
) -> None:
    cylinder = trimesh.creation.cylinder(radius=0.5, height=2.0, sections=48)
    cylinder = cylinder.subdivide().subdivide()
    data = io.BytesIO()
    cylinder.export(data, file_type="glb")
    garment = dress(body, "tops", GUIDE, "M", COLOR, model_glb=data.getvalue())
    merged = trimesh.load(io.BytesIO(data.getvalue()), file_type="glb", force="mesh")
    assert isinstance(merged, trimesh.Trimesh)
    merged.merge_vertices()
    # the model's own vertices, less the few that ended inside an arm (cut away along the
    # arm's surface, which adds the cut's own vertices)
    assert garment.mesh.num_verts == pytest.approx(len(merged.vertices), rel=0.03)
    assert garment.mesh.extras["fromModel"] is True
    assert garment.inside_fraction < 0.01
    ids = sample(garment.mesh.num_verts, WINDING_SAMPLES, seed=11)
    assert (
        float(
            (winding_numbers(garment.mesh.verts[ids], body.verts, body.faces) > 0.5).float().mean()
        )
        < 0.01
    )
    # scaled onto the torso: no longer 1 m wide and 2 m tall
    extent = garment.mesh.verts.max(0).values - garment.mesh.verts.min(0).values
    assert float(extent[1]) < 1.0


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"category": "hats"}, "INVALID_CATEGORY"),
        ({"size": "XXXL"}, "INVALID_SIZE"),
        ({"color_hex": "blue"}, "INVALID_COLOR"),
        ({"fit": "baggy"}, "INVALID_FIT"),
        ({"size_guide": {}}, "INVALID_SIZE_GUIDE"),
        ({"model_glb": b"definitely not a model"}, "INVALID_MODEL"),
        ({"category": "accessories", "style": "cape"}, "INVALID_STYLE"),
        ({"steps": -1}, "INVALID_REQUEST"),
    ],
)
def test_bad_dress_requests_raise_typed_errors(
    body: GarmentBody, kwargs: dict[str, Any], code: str
) -> None:
    args = {"category": "tops", "size_guide": GUIDE, "size": "M", "color_hex": COLOR, **kwargs}
    with pytest.raises(InvalidRequest) as info:
        dress(
            body,
            args.pop("category"),
            args.pop("size_guide"),
            args.pop("size"),
            args.pop("color_hex"),
            steps=args.pop("steps", 0),
            **args,
        )
    assert info.value.code == code


def test_a_body_without_skinning_data_is_refused(body: GarmentBody) -> None:
    from render_engine.mesh import TriMesh

    bare = TriMesh(body.verts, body.faces, torch.ones_like(body.verts))
    with pytest.raises(InvalidRequest):
        dress(bare, "tops", GUIDE, "M", COLOR)


@pytest.mark.parametrize("style", ["hat", "scarf", "belt"])
def test_each_accessory_style_sits_where_it_belongs(body: GarmentBody, style: str) -> None:
    garment = dress(body, "accessories", GUIDE, "M", COLOR, steps=15, style=style)
    y = garment.mesh.verts[:, 1]
    j = body.joints
    assert garment.inside_fraction < 0.01
    if style == "hat":
        assert float(y.min()) > float(j["neck"][1])
    elif style == "scarf":  # the wrap round the neck (its ends hang down the front)
        wrap = y[garment.mesh.labels == GarmentRegion.NECK]
        assert float(j["chest"][1]) < float(wrap.mean()) < float(body.verts[:, 1].max())
    else:
        assert float(j["hip_L"][1]) < float(y.mean()) < float(j["chest"][1])


def _arms_lowered_body() -> GarmentBody:
    """anny's default body with both upper arms turned 40 degrees down towards the torso."""
    import math

    from render_engine.garment import from_anny

    def about_depth_axis(degrees: float) -> torch.Tensor:
        a = math.radians(degrees)
        m = torch.eye(4, dtype=torch.float64)
        m[0, 0], m[0, 2], m[2, 0], m[2, 2] = math.cos(a), math.sin(a), -math.sin(a), math.cos(a)
        return m[None]

    # anny takes per-bone matrices by label too; from_anny's annotation names the tensor only
    return from_anny(
        {}, {"upperarm01.L": about_depth_axis(40), "upperarm01.R": about_depth_axis(-40)}  # type: ignore[arg-type]
    )


@pytest.mark.slow
@pytest.mark.parametrize("category", ["tops", "dresses", "outerwear", "formal"])
def test_garments_on_a_posed_body_with_arms_against_the_torso_stay_outside_it(
    category: str
) -> None:
    posed = _arms_lowered_body()
    assert float(posed.joints["wrist_L"][0]) < 0.3  # the hands now hang beside the hips
    garment = dress(posed, category, GUIDE, "M", COLOR)
    assert garment.inside_fraction < 0.01
    # the garment is draped on the body with its arms lifted clear of it (`clearance`)
    worn = garment.mesh.extras.get("liftedBody", posed)
    assert isinstance(worn, GarmentBody)
    # every vertex, not a sample: the ~0.3 % left in the armpits (a dozen of a coat's ~4800
    # vertices) put 4 into a sample of 256 (1.6 %) by chance
    inside = winding_numbers(garment.mesh.verts, worn.verts, worn.faces) > 0.5
    assert float(inside.float().mean()) < 0.01
