"""The stance check reads bent knees and spread legs from the landmarks, whatever the scale."""

from __future__ import annotations

import numpy as np
import pytest

from render_engine.scan import person as P
from render_engine.scan.person import Detection
from render_engine.scan.stance import stance_problem


def standing(scale: float = 1.0, knee_shift: float = 0.0, feet_apart: float = 0.2) -> Detection:
    """A person facing the camera, hips at y=1, ankles at y=2 (units of ``scale`` pixels),
    knees halfway (straight legs); the right knee pushed sideways by ``knee_shift``."""
    landmarks = np.zeros((33, 3))
    landmarks[:, 2] = 1.0
    points = {
        P.LEFT_HIP: (0.55, 1.0), P.RIGHT_HIP: (0.45, 1.0),
        P.LEFT_KNEE: (0.525 + feet_apart / 4, 1.5),
        P.RIGHT_KNEE: (0.475 - feet_apart / 4 - knee_shift, 1.5),
        P.LEFT_ANKLE: (0.5 + feet_apart / 2, 2.0), P.RIGHT_ANKLE: (0.5 - feet_apart / 2, 2.0),
    }
    for index, (x, y) in points.items():
        landmarks[index, :2] = (x * scale, y * scale)
    return Detection(landmarks=landmarks, mask=np.zeros((4, 4), bool), second_person=False)


@pytest.mark.parametrize("scale", [100.0, 1500.0])
def test_a_person_standing_straight_passes(scale: float) -> None:
    assert stance_problem(standing(scale)) is None


def test_a_bent_knee_is_named() -> None:
    problem = stance_problem(standing(knee_shift=0.4))  # thigh and shin about 77 degrees apart
    assert problem is not None and problem.startswith("the right knee is bent")


def test_legs_spread_wide_are_named() -> None:
    problem = stance_problem(standing(feet_apart=1.2))  # ankles 62 degrees apart from the hips
    assert problem is not None and "spread" in problem


def test_a_leg_whose_ankle_is_not_seen_is_not_judged() -> None:
    person = standing(knee_shift=0.4)
    person.landmarks[P.RIGHT_ANKLE, 2] = 0.0
    assert stance_problem(person) is None
