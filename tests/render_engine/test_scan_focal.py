"""Photos without a focal length in EXIF: the photos of one spot share one focal length,
chosen with their cameras from the person's rows (`camera.estimate_shared_focal`)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch

torch.set_num_threads(2)

from render_engine.body import build_body  # noqa: E402
from render_engine.body.fitted import _topology  # noqa: E402
from render_engine.scan.camera import (  # noqa: E402
    body_points,
    estimate_shared_focal,
    prior_focal_px,
)
from render_engine.scan.decode import decode_photo  # noqa: E402
from render_engine.scan.person import detect_person  # noqa: E402
from render_engine.scan.photoshoot import Shot, dressed_colors, take_photo  # noqa: E402
from render_engine.scan.protocol import POSE_YAW_DEG, yaw_matrix  # noqa: E402

pytestmark = pytest.mark.slow

POSES = ("front", "side_left", "back")


def no_exif_jpeg(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def shared_cameras(shot: Shot) -> tuple[list[float], list[float], str, float]:
    """Photos of one body from `shot` without EXIF -> each camera's focal length and pitch,
    their focal source, and the decoded photos' true focal length (pixels)."""
    body = build_body({"age": 0.85, "gender": 0.4, "muscle": 0.55, "weight": 0.45})
    colours = dressed_colors(body, "medium", "navy")
    labels = _topology()[2]
    photos = []
    true_focal = 0.0
    for pose in POSES:
        image = take_photo(body.mesh.verts, body.mesh.faces, colours, pose, shot)
        decoded = decode_photo(no_exif_jpeg(image))
        assert decoded.focal_px is None
        detection = detect_person(decoded.rgb)
        assert detection is not None
        h, w = decoded.rgb.shape[:2]
        true_focal = shot.focal_px * h / shot.rows
        points = body_points(body.mesh.verts, body.skeleton.heads, labels,
                             yaw_matrix(POSE_YAW_DEG[pose]))
        photos.append((detection, w, h, points))
    cameras = estimate_shared_focal(photos)
    sources = {c.focal_source for c in cameras}
    assert len(sources) == 1
    return [c.focal_px for c in cameras], [c.pitch_deg for c in cameras], sources.pop(), true_focal


@pytest.mark.parametrize("vfov_deg, distance_m", [(46.0, 3.9), (79.0, 2.0)])
def test_a_lens_far_from_the_phone_prior_is_found_nearer_its_focal_length(
        vfov_deg: float, distance_m: float) -> None:
    """A portrait lens (46 degrees vertical on 3:4, 1.5x the prior's focal length) and a wide
    one (79 degrees, 0.8x): the shared estimate lies nearer the true focal length than the
    prior, the photos share it and the first photo's pitch."""
    shot = Shot(distance_m=distance_m, lens_height_m=1.1, vfov_deg=vfov_deg, aspect=3 / 4,
                pitch_deg=3.0, roll_deg=-1.0, background="gradient", rows=960, exif=False)
    focals, pitches, source, true_focal = shared_cameras(shot)
    h = shot.rows
    prior = prior_focal_px(int(round(h * shot.aspect)), h) * true_focal / shot.focal_px
    assert source == "estimated"
    assert len(set(focals)) == 1 and len(set(pitches)) == 1
    assert abs(math.log(focals[0] / true_focal)) < abs(math.log(prior / true_focal))
