"""The camera of photos taken from one spot (`camera.estimate_spot`), on detections made
exactly from a known body and camera (no BlazePose): the mask's top and bottom at the
body's crown and soles, the landmarks at anny's joints."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from render_engine.scan import person as P
from render_engine.scan.camera import JOINTS, BodyPoints, body_points, estimate_spot
from render_engine.scan.photoshoot import Shot, camera_pixels
from render_engine.scan.protocol import POSE_YAW_DEG, yaw_matrix

POSES = ("front", "side_left", "back")


@pytest.fixture(scope="module")
def body() -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """(V, 3) vertices and (J, 3) bone heads of an anny body standing on y = 0, its labels."""
    from render_engine.body import build_body
    from render_engine.body.fitted import _topology

    fitted = build_body({"gender": 0.3, "age": 0.8, "muscle": 0.5, "weight": 0.6})
    verts, heads = fitted.mesh.verts.to(torch.float64), fitted.skeleton.heads.to(torch.float64)
    floor = torch.tensor([0.0, float(verts[:, 1].min()), 0.0], dtype=torch.float64)
    return verts - floor, heads - floor, _topology()[2]


def exact_detection(verts: torch.Tensor, points: BodyPoints, shot: Shot,
                    feet_lost_m: float = 0.0) -> P.Detection:
    """The detection BlazePose would make at best of the turned body's `verts` in `shot`'s
    photo: the mask spans the columns of the hips' midpoint from the crown to the soles
    (`feet_lost_m` short at the bottom: the feet lost against the floor), the landmarks of
    `camera.JOINTS` at anny's joints, seen."""
    h, w = shot.size
    pix = camera_pixels(verts, shot).numpy()
    joints = camera_pixels(torch.from_numpy(points.joints.reshape(-1, 3)), shot).numpy()
    landmarks = np.zeros((33, 3))
    for k, (pair, _) in enumerate(JOINTS):
        for side, index in enumerate(pair):
            landmarks[index] = [*joints[2 * k + side, :2], 1.0]
    crown, soles = float(pix[:, 1].min()), float(pix[:, 1].max())
    assert crown > 0 and soles < h  # the whole person in the photo
    soles -= feet_lost_m * shot.focal_px / shot.distance_m
    mask = np.zeros((h, w), dtype=bool)
    centre = int(landmarks[P.LEFT_HIP, 0] + landmarks[P.RIGHT_HIP, 0]) // 2
    mask[int(round(crown)):int(round(soles)), centre - 20:centre + 20] = True
    return P.Detection(landmarks=landmarks, mask=mask, second_person=False)


def spot_photos(body: tuple[torch.Tensor, torch.Tensor, tuple[str, ...]], shot: Shot,
                feet_lost_m: tuple[float, ...] = (0.0, 0.0, 0.0),
                ) -> list[tuple[P.Detection, int, int, BodyPoints]]:
    verts, heads, labels = body
    photos = []
    for pose, lost in zip(POSES, feet_lost_m, strict=True):
        yaw = yaw_matrix(POSE_YAW_DEG[pose])
        points = body_points(verts, heads, labels, yaw)
        turned = verts @ yaw.to(torch.float64).T
        h, w = shot.size
        photos.append((exact_detection(turned, points, shot, lost), w, h, points))
    return photos


@pytest.mark.parametrize("pitch_deg, lens_m, distance_m", [(-9.0, 1.2, 4.0), (6.0, 0.8, 3.4)])
def test_photos_from_one_spot_share_pitch_and_lens_height_and_find_them(
        body: tuple[torch.Tensor, torch.Tensor, tuple[str, ...]], pitch_deg: float,
        lens_m: float, distance_m: float) -> None:
    """Looking up 9 degrees from 4 m, the front photo's rows alone (the pitch prior about
    level against a tilt that a lens height nearly makes up for) gave -5.4 degrees and a
    lens 0.25 m high; the three photos' rows with one lens height give -8."""
    shot = Shot(distance_m=distance_m, lens_height_m=lens_m, vfov_deg=66.0,
                pitch_deg=pitch_deg, rows=960)
    cameras = estimate_spot(spot_photos(body, shot), shot.focal_px, "exif_35mm")
    assert len({c.pitch_deg for c in cameras}) == 1
    assert len({c.lens_height_m for c in cameras}) == 1
    assert cameras[0].pitch_deg == pytest.approx(pitch_deg, abs=1.5)
    assert cameras[0].lens_height_m == pytest.approx(lens_m, abs=0.08)
    for camera in cameras:
        assert camera.distance_m == pytest.approx(shot.distance_m, rel=0.02)


def test_a_mask_that_lost_the_feet_does_not_tilt_the_camera(
        body: tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]) -> None:
    """The front photo's mask 8 cm short at the feet (BlazePose's mask loses bare feet on a
    wooden floor now and then; grid seed 11 scan 8): that one row, at its 1 cm tolerance,
    tilted the front photo's camera by 8 degrees and raised its lens by half a metre; it
    now weighs as a row a few tolerances off and the camera is that of the whole feet."""
    shot = Shot(distance_m=4.0, lens_height_m=1.2, vfov_deg=65.0, pitch_deg=-9.0, rows=960)
    photos = spot_photos(body, shot, feet_lost_m=(0.08, 0.0, 0.0))
    cameras = estimate_spot(photos, shot.focal_px, "exif_35mm")
    assert cameras[0].pitch_deg == pytest.approx(shot.pitch_deg, abs=2.0)
    assert cameras[0].lens_height_m == pytest.approx(shot.lens_height_m, abs=0.15)
    assert math.isclose(cameras[1].pitch_deg, cameras[0].pitch_deg)
    clean = estimate_spot(spot_photos(body, shot), shot.focal_px, "exif_35mm")
    assert cameras[0].pitch_deg == pytest.approx(clean[0].pitch_deg, abs=0.5)
