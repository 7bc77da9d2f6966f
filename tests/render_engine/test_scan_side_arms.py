"""Whether a side photo shows the arms hanging over the trunk (`posing.arms_over_trunk`):
then the body's arms, however the landmarks misread their sideways raise, do not count in
its side view (the fit's side of it: tests/render_engine/test_scan_arms.py)."""

from __future__ import annotations

import numpy as np

from render_engine.scan import person as P
from render_engine.scan.camera import PhotoCamera
from render_engine.scan.posing import arms_over_trunk

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


def test_hanging_wrists_read_a_little_above_the_hips_still_hang() -> None:
    # a hanging wrist is at the hip joint's height: the landmarks put it 3 cm either side
    assert arms_over_trunk(side_photo(300.0, wrists_row=430.0 - 0.03 * PX_PER_M), CAMERA)
    assert arms_over_trunk(side_photo(300.0, wrists_row=430.0 + 0.03 * PX_PER_M), CAMERA)


def test_the_far_arm_hidden_behind_the_trunk_judges_nothing() -> None:
    """BlazePose guesses the landmarks of the arm the trunk hides (low visibility): a guess
    at the outline's edge does not void the near arm's reading; the same points seen do."""
    photo = side_photo(300.0)
    for i in (P.RIGHT_ELBOW, P.RIGHT_WRIST):
        photo.landmarks[i, :2] = (245.0, photo.landmarks[i, 1])  # 5 px inside the back
        photo.landmarks[i, 2] = 0.1
    assert arms_over_trunk(photo, CAMERA)
    photo.landmarks[[P.RIGHT_ELBOW, P.RIGHT_WRIST], 2] = 0.9
    assert not arms_over_trunk(photo, CAMERA)


def test_arms_in_the_a_pose_are_not_taken_as_over_the_trunk() -> None:
    # wrists above the hips: seen from the side the elbows may stick out behind the back
    assert not arms_over_trunk(side_photo(300.0, wrists_row=400.0), CAMERA)


def test_an_arm_outside_the_person_is_not_over_the_trunk() -> None:
    assert not arms_over_trunk(side_photo(500.0), CAMERA)
    assert not arms_over_trunk(side_photo(900.0), CAMERA)  # off the photo
