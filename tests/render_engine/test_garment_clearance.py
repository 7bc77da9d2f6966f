"""Hands clear of the garment: on the try-on pose (arms hanging, `standing_neutral`) no hand
lies inside a garment; the arms lift only as far as the garment needs (`clearance`)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from render_engine.garment import GarmentBody, as_garment_body, dress
from render_engine.garment.body_view import Part
from render_engine.garment.clearance import arm_chain_weights, arms_hang, lift_arms
from render_engine.garment.pattern import GarmentRegion
from render_engine.mesh import TriMesh
from tests.conftest import GARMENT_FIGURES, standing_figure

GUIDE = {"M": {"chest": 100, "waist": 86, "hips": 106, "shoulder": 46}}
COLOR = "#1C2833"


@pytest.fixture(scope="module", params=sorted(GARMENT_FIGURES))
def standing(request: pytest.FixtureRequest) -> object:
    return standing_figure(request.param)


def cloth_beside(points: torch.Tensor, outward: torch.Tensor, mesh: TriMesh) -> torch.Tensor:
    """(N,) bool: a ray from each point along its `outward` direction (N, 3) meets the
    garment's faces other than the sleeves' (Moller-Trumbore): cloth lies outside the point,
    so the point is inside the garment as a picture shows it."""
    assert mesh.labels is not None
    keep = (mesh.labels[mesh.faces] != GarmentRegion.SLEEVE).all(dim=1)
    tri = mesh.verts[mesh.faces[keep]].double()  # (F, 3, 3)
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    hit = torch.zeros(points.shape[0], dtype=torch.bool)
    for start in range(0, points.shape[0], 256):
        o = points[start : start + 256].double()[:, None]  # (B, 1, 3)
        d = outward[start : start + 256].double()[:, None].expand(-1, tri.shape[0], -1)
        p = torch.cross(d, e2[None].expand_as(d), dim=2)
        det = (e1[None] * p).sum(2)
        ok = det.abs() > 1e-12
        inv = 1.0 / torch.where(ok, det, torch.ones_like(det))
        s = o - tri[None, :, 0]
        u = (s * p).sum(2) * inv
        q = torch.cross(s, e1[None].expand_as(s), dim=2)
        v = (d * q).sum(2) * inv
        t = (e2[None] * q).sum(2) * inv
        inside = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-4) & (t < 0.3)
        hit[start : start + 256] = inside.any(dim=1)
    return hit


def hands(body: GarmentBody) -> tuple[torch.Tensor, torch.Tensor]:
    """The hands' vertices (N, 3) and, for each, the horizontal direction away from the
    body's midline (N, 3): out to its own side."""
    chain = arm_chain_weights(body)
    assert chain is not None
    sel = body.mask(Part.HAND) & (chain.sum(dim=1) > 0.5)
    pts = body.verts[sel]
    out = torch.zeros_like(pts)
    out[:, 0] = torch.sign(pts[:, 0] - float(body.joints["chest"][0]))
    return pts, out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("category", "subcategory"),
    [
        ("outerwear", "coats"),
        ("formal", "blazers"),
        ("bottoms", None),
        ("tops", "shirts"),
        ("dresses", "midi"),
    ],
)
def test_no_hand_lies_inside_the_garment_on_the_try_on_pose(
    standing: object, category: str, subcategory: str | None
) -> None:
    garment = dress(standing, category, GUIDE, "M", COLOR, subcategory=subcategory)
    worn = garment.mesh.extras.get("liftedBody", as_garment_body(standing))
    assert isinstance(worn, GarmentBody)
    pts, out = hands(worn)
    assert int(cloth_beside(pts, out, garment.mesh).sum()) == 0
    if category in ("outerwear", "formal"):
        # the arms hanging as posed put the hands inside this garment: the lift was needed
        assert garment.stats["arm_lift_deg"] > 0
        before, out0 = hands(as_garment_body(standing))
        assert int(cloth_beside(before, out0, garment.mesh).sum()) > 0
    assert garment.stats["arm_lift_deg"] <= 25.0  # a shop's pose, not a T pose


def test_lifting_the_arms_moves_the_hands_out_and_leaves_the_trunk() -> None:
    body = as_garment_body(standing_figure("heavy"))
    lifted = lift_arms(body, 12.0)
    torso = body.mask(Part.ABDOMEN, Part.PELVIS, Part.THIGH)
    assert float((lifted.verts[torso] - body.verts[torso]).norm(dim=1).max()) < 1e-5
    for side, sign in (("L", 1.0), ("R", -1.0)):
        moved = sign * float(lifted.joints[f"wrist_{side}"][0] - body.joints[f"wrist_{side}"][0])
        # the wrist about 0.5 m under the shoulder goes out by about 0.5 sin(12 deg)
        assert 0.07 < moved < 0.14
        shoulder = lifted.joints[f"shoulder_{side}"] - body.joints[f"shoulder_{side}"]
        assert float(shoulder.norm()) < 0.01



def test_only_arms_that_hang_are_lifted() -> None:
    """The lift is for arms hanging at the sides; a pose that puts the hands on the hips (or
    holds the arms out) keeps them where it put them."""
    from render_engine.body.fitted import build_body
    from render_engine.body.pose import pose_body

    torch.set_num_threads(2)
    fitted = build_body(GARMENT_FIGURES["heavy"])
    for preset, hang in (
        ("standing_neutral", True),
        ("walking", True),
        ("hands_on_hips", False),
        ("t_pose", False),
    ):
        posed = dataclasses.replace(fitted, mesh=pose_body(fitted, preset))
        assert arms_hang(as_garment_body(posed)) is hang, preset
