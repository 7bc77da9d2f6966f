"""The fit's bodies seen from each photo's own spot (`fit.from_photo_spots`): against a
pinhole camera placed there, brought into the reference view as `camera.reference_mask`
brings a photo (scaled at the person's depth, the axis on the centre column, the floor on the
floor row)."""

from __future__ import annotations

import math

import pytest
import torch

from render_engine.scan.fit import from_photo_spots
from render_engine.scan.protocol import CAMERA_DISTANCE_M, CAMERA_HEIGHT_M


def seen(points: torch.Tensor, distance: float, lens: float, lateral: float) -> torch.Tensor:
    """(K, 3) points (person's axis at x = z = 0, floor y = 0, facing +Z) -> (K, 2) where a
    level pinhole `distance` in front of the axis, `lens` high, with the person `lateral` m
    right of its optical axis, sees them, after the photo is scaled so that the axis plane
    matches the reference camera and the axis and floor are put on the reference's."""
    f = 1000.0
    u = f * (points[:, 0] + lateral) / (distance - points[:, 2])
    v = f * (lens - points[:, 1]) / (distance - points[:, 2])
    axis_u, floor_v = f * lateral / distance, f * lens / distance
    k = (1.0 / CAMERA_DISTANCE_M) / (f / distance)  # the reference's f taken as 1
    return torch.stack([k * (u - axis_u), k * (v - floor_v) + CAMERA_HEIGHT_M / CAMERA_DISTANCE_M],
                       dim=1)


def reference(points: torch.Tensor) -> torch.Tensor:
    """Where the reference camera (f = 1) sees (K, 3) points."""
    depth = CAMERA_DISTANCE_M - points[:, 2]
    return torch.stack([points[:, 0] / depth, (CAMERA_HEIGHT_M - points[:, 1]) / depth], dim=1)


@pytest.mark.parametrize("lateral", [0.0, 0.3, -0.25])
def test_a_body_seen_from_the_photo_spot_lands_where_the_photo_shows_it(lateral: float) -> None:
    g = torch.Generator().manual_seed(3)
    # a trunk's and arms' worth of points: 40 cm wide, 30 cm deep, up to 1.8 m
    points = torch.rand(200, 3, generator=g, dtype=torch.float64) * torch.tensor(
        [0.8, 1.8, 0.6], dtype=torch.float64
    ) - torch.tensor([0.4, 0.0, 0.3], dtype=torch.float64)
    distance, lens = 3.6, 0.9
    spots = torch.tensor([[distance, lens, lateral]], dtype=torch.float64)
    moved = from_photo_spots(points[None], spots)[0]
    assert torch.allclose(reference(moved), seen(points, distance, lens, lateral), atol=1e-9)


def test_the_off_axis_shear_matters_for_points_off_the_axis_plane() -> None:
    """Without the person's lateral place, a side view's arm 20 cm nearer the camera lands
    about 1.7 cm off at 0.3 m lateral and 3.6 m: a few pixels of the profile rows."""
    arm = torch.tensor([[0.1, 1.2, 0.2]], dtype=torch.float64)
    with_place = from_photo_spots(arm[None], torch.tensor([[3.6, 0.9, 0.3]], dtype=torch.float64))
    without = from_photo_spots(arm[None], torch.tensor([[3.6, 0.9]], dtype=torch.float64))
    shift = float((with_place - without)[0, 0, 0])
    assert shift == pytest.approx(0.3 * 0.2 / 3.6)
    assert math.isclose(float(with_place[0, 0, 1]), float(without[0, 0, 1]))
