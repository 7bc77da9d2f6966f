"""The product photo wraps round the garment like the cloth it was cut from: each panel from
side seam to side seam (`garment.wrap`), no print stopping short of the sides or drawn into
streaks where the cloth turns away."""

from __future__ import annotations

import math

import pytest
import torch

from render_engine.garment import as_garment_body, dress
from render_engine.garment.body_view import GarmentBody
from render_engine.garment.pattern import GarmentRegion
from render_engine.garment.product_images import product_photo
from render_engine.garment.texture import cut_out, load_picture, planar_uv
from render_engine.garment.wrap import (
    TRUNK,
    arc_coordinates,
    leg_columns,
    reflected,
    trunk_columns,
)
from render_engine.mesh import TriMesh

GUIDE = {"M": {"chest": 96, "waist": 80, "hips": 98, "sleeve": 54, "inseam": 76}}


def uv_of(mesh: TriMesh) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The garment's (V, 2) uv, (V,) front and (V,) regions."""
    uv, front = mesh.extras["uv"], mesh.extras["front"]
    assert isinstance(uv, torch.Tensor) and isinstance(front, torch.Tensor)
    assert mesh.labels is not None
    return uv, front, mesh.labels


def cloth_of(kind: str) -> torch.Tensor:
    return cut_out(load_picture(product_photo("#2E4A7D", "stripes", kind)))[1]


@pytest.fixture(scope="module")
def body() -> GarmentBody:
    from render_engine.body.fitted import build_body

    torch.set_num_threads(2)
    return as_garment_body(build_body({"gender": 0.6, "weight": 0.6, "height": 0.45}))


def test_the_trunk_of_a_t_shirt_photo_leaves_its_sleeves_out() -> None:
    cloth = cloth_of("tops")  # the flat-lay t-shirt: trunk 0.24-0.76 of the photo's width
    height, width = cloth.shape
    columns = trunk_columns(cloth) / width  # (H, 2) as fractions of the cut-out
    trunk_width = columns[int(0.8 * height)]  # a row of the trunk alone, near the hem
    sleeve_row = columns[int(0.2 * height)]  # a row through both sleeves
    assert float(trunk_width[1] - trunk_width[0]) == pytest.approx(0.58, abs=0.03)
    assert bool(cloth[int(0.2 * height)].float().mean() > 0.9)  # the sleeves are there,
    assert float(sleeve_row[1] - sleeve_row[0]) < float(trunk_width[1] - trunk_width[0]) + 0.05


def test_white_stripes_on_a_white_backdrop_are_cloth() -> None:
    cloth = cloth_of("tops")  # navy with white stripes, on white
    height, width = cloth.shape
    assert bool(cloth[int(0.6 * height), int(0.5 * width)])  # a stripe's row is cloth
    # the backdrop beside the trunk, under a sleeve, is not
    assert not bool(cloth[int(0.6 * height), int(0.02 * width)])


def test_each_leg_of_a_trousers_photo_is_its_own_run_below_the_fork() -> None:
    cloth = cloth_of("bottoms")
    height, width = cloth.shape
    row = int(0.9 * height)
    right, left = leg_columns(cloth, 0)[row] / width, leg_columns(cloth, 1)[row] / width
    assert float(right[1]) < 0.5 < float(left[0])  # apart, each on its side of the fork


def test_the_arc_fraction_round_an_ellipse_is_its_arc_length() -> None:
    a, b = 0.16, 0.10
    angles = torch.linspace(-math.pi, math.pi, 721)[:-1]
    rings = [torch.stack([a * angles.sin(), torch.full_like(angles, y), b * angles.cos()], 1)
             for y in torch.arange(0.0, 0.2, 0.005).tolist()]
    verts = torch.cat(rings)
    t, half_length = arc_coordinates(verts)
    t = t[: angles.shape[0]]  # the first ring
    # the slow reference: the polygon's length from the -x seam, over the half's length
    half = angles.abs() <= math.pi / 2
    front = angles[half]
    pts = torch.stack([a * front.sin(), b * front.cos()], 1)
    lengths = torch.cat([torch.zeros(1), (pts[1:] - pts[:-1]).norm(dim=1).cumsum(0)])
    reference = lengths / lengths[-1]
    assert torch.allclose(t[half], reference, atol=0.01)
    assert float(half_length[0]) == pytest.approx(float(lengths[-1]), rel=0.01)
    # the back half mirrors the front: the same x, the same fraction
    back = ~half
    assert torch.allclose(t[back], (torch.asin(angles[back].sin()) / math.pi + 0.5), atol=0.2)
    assert float(t[half][0]) == pytest.approx(0.0, abs=0.01)
    assert float(t[half][-1]) == pytest.approx(1.0, abs=0.01)


def test_a_tops_trunk_shows_the_photos_trunk_from_side_seam_to_side_seam(
    body: GarmentBody,
) -> None:
    photo = product_photo("#2E4A7D", "stripes", "tops")
    garment = dress(body, "tops", GUIDE, "M", "#2E4A7D", images=[photo])
    mesh = garment.mesh
    uv, front, labels = uv_of(mesh)
    cloth = cloth_of("tops")
    trunk = torch.isin(labels, torch.tensor(TRUNK))

    def off_the_cloth(uv: torch.Tensor, front: torch.Tensor) -> float:
        """Share of the trunk's front vertices whose (u, v) falls on the photo's fill."""
        chosen = trunk & (front > 0)
        rows = (uv[chosen, 1] * cloth.shape[0]).long().clamp(0, cloth.shape[0] - 1)
        cols = (uv[chosen, 0] * cloth.shape[1]).long().clamp(0, cloth.shape[1] - 1)
        return (~cloth[rows, cols]).float().mean().item()

    def photo_shown(uv: torch.Tensor, front: torch.Tensor) -> float:
        """Share of the photo's trunk width the trunk's front shows, at the waist's rows."""
        rows = trunk & (front > 0) & (uv[:, 1] >= 0.6) & (uv[:, 1] < 0.7)
        lo, hi = (trunk_columns(cloth) / cloth.shape[1])[int(0.65 * cloth.shape[0])]
        return float((uv[rows, 0].max() - uv[rows, 0].min()) / (hi - lo))

    assert off_the_cloth(uv, front) < 0.01
    assert photo_shown(uv, front) > 0.95
    # the flat projection over the garment's box (sleeves in it) showed about 60 %: the
    # print's sides never reached the side seams
    assert photo_shown(*planar_uv(mesh.verts, mesh.faces)) < 0.8


def test_front_and_back_meet_at_the_side_seams(body: GarmentBody) -> None:
    photo = product_photo("#2E4A7D", "checks", "bottoms")
    garment = dress(body, "bottoms", GUIDE, "M", "#2E4A7D", images=[photo])
    mesh = garment.mesh
    uv, front, labels = uv_of(mesh)
    legs = labels == GarmentRegion.LEG
    faces = mesh.faces
    edges = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    a, b = edges[:, 0], edges[:, 1]
    across = legs[a] & legs[b] & ((front[a] > 0) != (front[b] > 0))  # the seams' edges
    # the renderer reads the back photo at 1 - u, the photo's mirror: with one photo for both
    # sides, a seam's two vertices must carry one u
    assert int(across.sum()) > 20
    assert float((uv[a, 0] - uv[b, 0])[across].abs().median()) < 0.05


def test_a_column_beyond_its_run_is_mirrored_back_into_it() -> None:
    lo, hi = torch.tensor([10.0, 10.0, 10.0, 10.0]), torch.tensor([20.0, 20.0, 20.0, 20.0])
    assert reflected(torch.tensor([15.0, 23.0, 7.0, 34.0]), lo, hi).tolist() == [
        15.0, 17.0, 13.0, 14.0]


def test_a_print_keeps_its_proportions_across_the_front(body: GarmentBody) -> None:
    """Across the front, the photo's pixels per metre are those down the garment: a dot
    stays round (seam to seam, a flared skirt's dots were drawn 1.5 times as wide)."""
    photo = product_photo("#D98BA6", "print", "dresses")
    mesh = dress(body, "dresses", GUIDE, "M", "#D98BA6", images=[photo]).mesh
    uv, front, labels = uv_of(mesh)
    cloth = cloth_of("dresses")
    trunk = torch.isin(labels, torch.tensor(TRUNK))
    x, y = mesh.verts[:, 0], mesh.verts[:, 1]
    middle = (x[trunk].max() + x[trunk].min()) / 2
    centre = trunk & (front > 0.9) & ((x - middle).abs() < 0.05)  # where arc length ~ x

    def slope(a: torch.Tensor, b: torch.Tensor) -> float:
        a, b = a - a.mean(), b - b.mean()
        return float((a * b).sum() / (a * a).sum())

    # fitted in bands of height, so that the skirt's flare does not tilt x against y
    across = []
    for band in torch.arange(float(y[centre].min()), float(y[centre].max()), 0.1).tolist():
        sel = centre & (y >= band) & (y < band + 0.1)
        if int(sel.sum()) > 10:
            across.append(slope(x[sel], uv[sel, 0] * cloth.shape[1]))
    down = -slope(y[centre], uv[centre, 1] * cloth.shape[0])
    assert across and all(value == pytest.approx(down, rel=0.1) for value in across)


def test_a_sleeve_takes_the_side_panels_cloth_level_with_the_trunk(body: GarmentBody) -> None:
    """Stripes run round a sleeve level with the trunk's: a sleeve vertex reads the photo's
    row of the trunk at its own height, near the panel's side edge (not its middle, where a
    chest print sits)."""
    photo = product_photo("#2E4A7D", "stripes", "tops", mark=True)
    mesh = dress(body, "tops", GUIDE, "M", "#2E4A7D", images=[photo],
                 subcategory="shirts").mesh
    uv, front, labels = uv_of(mesh)
    trunk = torch.isin(labels, torch.tensor(TRUNK))
    sleeves = (labels == GarmentRegion.SLEEVE) & (front > 0)
    y = mesh.verts[:, 1]
    top, bottom = y[trunk].max(), y[trunk].min()
    assert torch.allclose(uv[sleeves, 1], ((top - y[sleeves]) / (top - bottom)).clamp(0, 1))
    columns = trunk_columns(cloth_of("tops")) / cloth_of("tops").shape[1]
    rows = (uv[sleeves, 1] * columns.shape[0]).long().clamp(0, columns.shape[0] - 1)
    lo, hi = columns[rows, 0], columns[rows, 1]
    quarter = (hi - lo) / 4
    # within the panel, and off its middle half (the mark spans 0.40-0.60 of the photo)
    assert bool(((uv[sleeves, 0] >= lo - 1e-4) & (uv[sleeves, 0] <= hi + 1e-4)).all())
    middle = (uv[sleeves, 0] > lo + quarter * 1.5) & (uv[sleeves, 0] < hi - quarter * 1.5)
    assert float(middle.float().mean()) < 0.05
