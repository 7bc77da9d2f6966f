"""A side photo whose arms lie over the trunk: the body's arms, however the landmarks misread
their sideways raise, do not widen the body's side view where the photo's arms add nothing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from render_engine.body.measures import body_measures
from render_engine.body.model import phenotype_tensor, rest_shape
from render_engine.scan import fit as F
from render_engine.scan import person as P
from render_engine.scan.camera import PhotoCamera
from render_engine.scan.posing import PhotoPose, arms_over_trunk
from render_engine.scan.profile import profile_rows

CAMERA = PhotoCamera(focal_px=1000.0, focal_source="prior", width=600, height=1000,
                     pitch_deg=0.0, roll_deg=0.0, distance_m=2.5, lens_height_m=1.0,
                     residual_px=0.0)
PX_PER_M = 1000.0 / 2.5  # 400 px a metre at the person


def side_photo(arm_x: float, wrists_row: float = 470.0) -> P.Detection:
    """A side silhouette 120 px (30 cm) deep, columns 240-359, rows 100-899, the hips at
    row 430, the elbows at column `arm_x` row 330 and the wrists at `arm_x`, `wrists_row`."""
    mask = np.zeros((1000, 600), dtype=bool)
    mask[100:900, 240:360] = True
    landmarks = np.zeros((33, 3))
    landmarks[:, 2] = 1.0
    landmarks[[P.LEFT_HIP, P.RIGHT_HIP], :2] = (300.0, 430.0)
    landmarks[[P.LEFT_ELBOW, P.RIGHT_ELBOW], :2] = (arm_x, 330.0)
    landmarks[[P.LEFT_WRIST, P.RIGHT_WRIST], :2] = (arm_x, wrists_row)
    return P.Detection(landmarks=landmarks, mask=mask, second_person=False)


def test_arms_hanging_in_the_middle_of_a_side_view_lie_over_the_trunk() -> None:
    assert arms_over_trunk(side_photo(300.0), CAMERA)


def test_a_hand_at_the_outline_may_make_the_outline() -> None:
    # the wrist 3 cm from the front edge: the hand (8 cm broad) reaches past it
    assert not arms_over_trunk(side_photo(360.0 - 0.03 * PX_PER_M), CAMERA)


def test_arms_in_the_a_pose_are_not_taken_as_over_the_trunk() -> None:
    # wrists above the hips: seen from the side the elbows may stick out behind the back
    assert not arms_over_trunk(side_photo(300.0, wrists_row=400.0), CAMERA)


def test_an_arm_outside_the_person_is_not_over_the_trunk() -> None:
    assert not arms_over_trunk(side_photo(500.0), CAMERA)
    assert not arms_over_trunk(side_photo(900.0), CAMERA)  # off the photo


BUILD = {"gender": 0.3, "age": 0.95, "muscle": 0.5, "weight": 0.6, "height": 0.5,
         "proportions": 0.5}
START = {"gender": 0.5, "age": 0.8, "muscle": 0.5, "weight": 0.5, "height": 0.5,
         "proportions": 0.5}
POSES = ["front", "side_left", "back"]


def chest_of(phenotype: dict[str, float]) -> float:
    """The chest's girth in cm (`body_measures` gives metres)."""
    with torch.no_grad():
        verts, heads = rest_shape(phenotype_tensor(phenotype))
        return 100.0 * float(body_measures(verts, heads)["chest"][0])


@pytest.mark.slow
@pytest.mark.parametrize("over_trunk", [True, False])
def test_a_misread_side_raise_moves_the_chest_only_when_the_arms_count(
    over_trunk: bool,
) -> None:
    truth = phenotype_tensor(BUILD)
    with torch.no_grad():
        verts, _ = rest_shape(truth)
    height_m = float(verts[0, :, 1].max() - verts[0, :, 1].min())
    rows = profile_rows(height_m, 256)
    # arms hanging straight in every photo; the side photo's landmarks read the raise as
    # -8, not -40, and the elbow bent: the posed hand lies in front of the hips
    down = PhotoPose(raise_deg=(-40.0, -40.0), elbow_deg=(45.0, 45.0))
    photo = F.profile_widths(truth, POSES, rows, 256, with_weight=False,
                             photo_poses=[down, down, down])
    misread = dataclasses.replace(down, raise_deg=(-8.0, -8.0), elbow_deg=(20.0, 20.0),
                                  arms_over_trunk=over_trunk)
    fit = F.fit_profiles(photo.widths[0].to(torch.float32), POSES, START, height_m, 256,
                         photo_poses=[down, misread, down], photo_gaps=photo.gaps[0])
    error = chest_of(fit.phenotype) - chest_of(BUILD)
    if over_trunk:
        assert abs(error) < 1.5, error
    else:  # what the fit did before: the posed hand in front of the hips moves the build
        assert abs(error) > 1.5, error
