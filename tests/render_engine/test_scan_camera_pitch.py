"""A camera pitch the phone measured (its motion sensor, sent with each photo) is the
camera's pitch: the rows of a person in front of a wall hardly show it (docs/scan.md,
"Bodies drawn anew")."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(2)

from render_engine.body import build_body  # noqa: E402
from render_engine.errors import InvalidRequest  # noqa: E402
from render_engine.scan import scan_from_photos  # noqa: E402
from render_engine.scan.photoshoot import Shot, dressed_colors, jpeg_bytes, take_photo  # noqa: E402

POSES = ("front", "side_left", "back")
#: a body none of the grid's ten is (drawn by `bench/scan.py --new-bodies`, seed 21 scan 17)
BODY = {"gender": 0.64, "age": 0.96, "muscle": 0.49, "weight": 0.23, "height": 0.59,
        "proportions": 0.56}
#: a phone held at the waist and tipped down 9 degrees,
#: no focal length in EXIF
SHOT = Shot(distance_m=2.7, lens_height_m=1.1, vfov_deg=67.0, aspect=9 / 16, pitch_deg=9.0,
            rows=960, background="plain", exif=False)


def test_a_pitch_outside_45_degrees_or_one_per_photo_is_an_invalid_request() -> None:
    blank: list[tuple[str, bytes | torch.Tensor]] = [(pose, torch.zeros(3, 8, 6))
                                                     for pose in POSES]
    for pitches in ([60.0, None, None], [0.0, 0.0], [float("nan")] * 3):
        with pytest.raises(InvalidRequest) as refused:
            scan_from_photos(blank, height_cm=170, camera_pitches=pitches)
        assert refused.value.code == "INVALID_CAMERA_PITCH"


@pytest.mark.slow
def test_the_phones_measured_pitch_is_every_cameras_pitch_and_the_girths_hold() -> None:
    body = build_body(BODY)
    colours = dressed_colors(body, "medium", "navy")
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        (pose, jpeg_bytes(take_photo(body.mesh.verts, body.mesh.faces, colours, pose, SHOT,
                                     seed=i), SHOT))
        for i, pose in enumerate(POSES)
    ]
    result = scan_from_photos(photos, height_cm=body.measurements["height"],
                              camera_pitches=[9.0, 9.0, 9.0])
    assert [r.camera.pitch_deg for r in result.photo_reports if r.camera] == [9.0, 9.0, 9.0]
    for k in ("chest", "waist", "hips"):
        assert abs(result.measurements[k] - body.measurements[k]) < 4.0, k
