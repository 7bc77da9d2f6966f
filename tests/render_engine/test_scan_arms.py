"""The profile fit lowers or raises hanging arms in front and back photos: a hand beside the
hips placed a few degrees off by the landmarks is put where the photo shows it."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from render_engine.body.measures import body_measures
from render_engine.body.model import phenotype_tensor, rest_shape
from render_engine.scan import fit as F
from render_engine.scan.posing import (
    RELAXED_ELBOW_DEG,
    PhotoPose,
    hanging_elbows_as_in_side,
    side_arms_as_in_front,
)
from render_engine.scan.profile import profile_rows

TRUTH = {"gender": 0.8, "age": 0.85, "muscle": 0.4, "weight": 0.45, "height": 0.4,
         "proportions": 0.4}
START = {"gender": 0.5, "age": 0.8, "muscle": 0.5, "weight": 0.5, "height": 0.4,
         "proportions": 0.5}
POSES = ["front", "side_left", "back"]


def girth_of(phenotype: dict[str, float], name: str) -> float:
    """A girth of the body (`body_measures`' name: "hips", "chest") in cm."""
    with torch.no_grad():
        verts, heads = rest_shape(phenotype_tensor(phenotype))
        return 100.0 * float(body_measures(verts, heads)[name][0])


def standing(phenotype: dict[str, float]) -> tuple[torch.Tensor, float, list[float]]:
    """A build's (1, 6) phenotype, its height (m) and its profile rows at 256 image rows."""
    truth = phenotype_tensor(phenotype)
    with torch.no_grad():
        verts, _ = rest_shape(truth)
    height_m = float(verts[0, :, 1].max() - verts[0, :, 1].min())
    return truth, height_m, profile_rows(height_m, 256)


def lowered(by: float) -> list[PhotoPose]:
    down = PhotoPose(raise_deg=(by, by), elbow_deg=(30.0, 30.0))
    return [down, dataclasses.replace(down, raise_deg=(-30.0, -30.0)), down]


@pytest.mark.slow
def test_the_profile_fit_finds_where_hanging_arms_hang_and_keeps_the_hips() -> None:
    truth, height_m, rows = standing(TRUTH)
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
    assert abs(girth_of(fit.phenotype, "hips") - girth_of(TRUTH, "hips")) < 1.5


def test_hanging_arms_take_their_elbow_bend_from_the_side_photo() -> None:
    hanging = PhotoPose(raise_deg=(-42.0, -44.0), forward_deg=(-18.0, -17.0),
                        elbow_deg=(-18.0, -20.0))
    a_pose = PhotoPose(raise_deg=(-5.0, -3.0), forward_deg=(6.0, 6.0), elbow_deg=(10.0, 10.0))
    side = PhotoPose(raise_deg=(-34.0, -34.0), forward_deg=(1.0, 1.0), elbow_deg=(32.0, 32.0))
    front, side_out, back = hanging_elbows_as_in_side(POSES, [hanging, side, hanging])
    for view in (front, back):
        assert view.elbow_deg == (32.0, 32.0)
        # a front photo shows the raise itself; the swing stays its own too
        assert view.raise_deg == hanging.raise_deg and view.forward_deg == hanging.forward_deg
    assert side_out == side
    # arms held out in the front photo: its own estimate is kept
    assert hanging_elbows_as_in_side(POSES, [a_pose, side, hanging])[0] == a_pose
    # a side photo whose arms were left at rest (no evidence of their pose) tells nothing
    at_rest = PhotoPose(turn_deg=2.0)
    assert hanging_elbows_as_in_side(POSES, [hanging, at_rest, hanging])[0] == hanging


def test_a_side_photo_without_evidence_keeps_the_front_photo_s_hanging_arms() -> None:
    front = PhotoPose(raise_deg=(-44.0, -44.0), forward_deg=(-8.0, -8.0), elbow_deg=(-5.0, -5.0))
    back = PhotoPose(raise_deg=(-42.0, -42.0), elbow_deg=(34.0, 34.0))
    at_rest = PhotoPose(turn_deg=8.0)  # the landmarks showed nothing beyond noise
    _, side, _ = side_arms_as_in_front(POSES, [front, at_rest, back])
    assert side.raise_deg == (-43.0, -43.0)
    assert side.elbow_deg == (RELAXED_ELBOW_DEG, RELAXED_ELBOW_DEG)
    assert side.forward_deg == (0.0, 0.0) and side.turn_deg == 8.0
    # a side photo with its own estimate keeps it; A-pose front photos give nothing
    posed = PhotoPose(raise_deg=(-20.0, -20.0), elbow_deg=(30.0, 30.0))
    assert side_arms_as_in_front(POSES, [front, posed, back])[1] == posed
    a_pose = PhotoPose(raise_deg=(-3.0, -3.0))
    assert side_arms_as_in_front(POSES, [a_pose, at_rest, a_pose])[1] == at_rest


@pytest.mark.slow
def test_an_end_on_elbow_misread_in_front_and_back_photos_does_not_widen_the_hips() -> None:
    """Grid scan 18's back photo: BlazePose's landmarks read the hanging arms swung back 18
    degrees with the elbows bent 63 (truly 0 and 11), which pulls the hands across the hip
    rows; the fit widened the hips by about 4 cm to fill the photo's outline (3.8 cm here)."""
    truth, height_m, rows = standing(TRUTH)
    hanging = PhotoPose(raise_deg=(-40.0, -40.0), elbow_deg=(34.0, 34.0))
    photo = F.profile_widths(truth, POSES, rows, 256, with_weight=False,
                             photo_poses=[hanging] * 3)
    misread = PhotoPose(raise_deg=(-40.0, -40.0), forward_deg=(-18.0, -18.0),
                        elbow_deg=(-18.0, -18.0))
    side = PhotoPose(raise_deg=(-34.0, -34.0), forward_deg=(1.0, 1.0), elbow_deg=(32.0, 32.0))
    poses = hanging_elbows_as_in_side(POSES, [misread, side, misread])
    fit = F.fit_profiles(photo.widths[0].to(torch.float32), POSES, START, height_m, 256,
                         photo_poses=poses, photo_gaps=photo.gaps[0])
    assert abs(girth_of(fit.phenotype, "hips") - girth_of(TRUTH, "hips")) < 1.5


@pytest.mark.slow
@pytest.mark.parametrize("over_trunk", [True, False])
def test_a_misread_side_raise_moves_the_chest_only_when_the_arms_count(
    over_trunk: bool,
) -> None:
    """A side photo whose arms hang over the trunk (`PhotoPose.arms_over_trunk`) counts its
    rows as intervals between the body's trunk and the body with its arms."""
    build = {"gender": 0.3, "age": 0.95, "muscle": 0.5, "weight": 0.6, "height": 0.5,
             "proportions": 0.5}
    truth, height_m, rows = standing(build)
    # arms hanging straight in every photo; the side photo's landmarks read the raise as
    # -8, not -40, and the elbow bent: the posed hand lies in front of the hips
    down = PhotoPose(raise_deg=(-40.0, -40.0), elbow_deg=(45.0, 45.0))
    photo = F.profile_widths(truth, POSES, rows, 256, with_weight=False,
                             photo_poses=[down, down, down])
    misread = dataclasses.replace(down, raise_deg=(-8.0, -8.0), elbow_deg=(20.0, 20.0),
                                  arms_over_trunk=over_trunk)
    fit = F.fit_profiles(photo.widths[0].to(torch.float32), POSES, {**START, "height": 0.5},
                         height_m, 256, photo_poses=[down, misread, down],
                         photo_gaps=photo.gaps[0])
    error = girth_of(fit.phenotype, "chest") - girth_of(build, "chest")
    if over_trunk:
        assert abs(error) < 1.5, error
    else:  # what the fit did before: the posed hand in front of the hips moves the build
        assert abs(error) > 1.5, error
