"""The profile fit lowers or raises hanging arms in front and back photos: a hand beside the
hips placed a few degrees off by the landmarks is put where the photo shows it."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from render_engine.body.measures import body_measures
from render_engine.body.model import phenotype_tensor, rest_shape
from render_engine.scan import fit as F
from render_engine.scan.posing import PhotoPose
from render_engine.scan.profile import profile_rows

TRUTH = {"gender": 0.8, "age": 0.85, "muscle": 0.4, "weight": 0.45, "height": 0.4,
         "proportions": 0.4}
START = {"gender": 0.5, "age": 0.8, "muscle": 0.5, "weight": 0.5, "height": 0.4,
         "proportions": 0.5}
POSES = ["front", "side_left", "back"]


def hips_of(phenotype: dict[str, float]) -> float:
    with torch.no_grad():
        verts, heads = rest_shape(phenotype_tensor(phenotype))
        return float(body_measures(verts, heads)["hips"][0])


def lowered(by: float) -> list[PhotoPose]:
    down = PhotoPose(raise_deg=(by, by), elbow_deg=(30.0, 30.0))
    return [down, dataclasses.replace(down, raise_deg=(-30.0, -30.0)), down]


@pytest.mark.slow
def test_the_profile_fit_finds_where_hanging_arms_hang_and_keeps_the_hips() -> None:
    truth = phenotype_tensor(TRUTH)
    with torch.no_grad():
        verts, _ = rest_shape(truth)
    height_m = float(verts[0, :, 1].max() - verts[0, :, 1].min())
    rows = profile_rows(height_m, 256)
    # the photos: arms lowered by 47 degrees, hands against the hips; the landmarks said 41
    photo = F.profile_widths(truth, POSES, rows, 256, with_weight=False,
                             photo_poses=lowered(-47.0))
    widths, gaps = photo.widths[0].to(torch.float32), photo.gaps[0]
    fit = F.fit_profiles(widths, POSES, START, height_m, 256, photo_poses=lowered(-41.0),
                         photo_gaps=gaps)
    assert fit.photo_poses is not None
    front, side, back = fit.photo_poses
    for view in (front, back):  # hanging in front and back photos: refined towards -47
        assert all(abs(r - -47.0) < 2.0 for r in view.raise_deg), view.raise_deg
    assert side.raise_deg == (-30.0, -30.0)  # a side photo hardly shows a sideways raise
    assert abs(hips_of(fit.phenotype) - hips_of(TRUTH)) < 1.5
