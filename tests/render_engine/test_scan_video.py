"""Video scans: decoding within limits, and the front, a side and the back picked from a
video of a person turning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import torch

if TYPE_CHECKING:
    import numpy as np

torch.set_num_threads(2)

from render_engine.body import build_body  # noqa: E402
from render_engine.scan import ScanRejected  # noqa: E402
from render_engine.scan.photoshoot import Shot, dressed_colors, mp4_bytes, take_photo  # noqa: E402
from render_engine.scan.video import pick_views, sample_frames, scan_from_video  # noqa: E402

SHOT = Shot(rows=480, aspect=3 / 4, background="room", distance_m=2.8, lens_height_m=1.1)


def turning_frames(yaws: tuple[float, ...]) -> list[np.ndarray]:
    body = build_body({"gender": 0.3, "age": 0.8})
    colours = dressed_colors(body, "medium_dark", "grey")
    return [take_photo(body.mesh.verts, body.mesh.faces, colours, "front", SHOT, yaw_deg=y)
            for y in yaws]


@pytest.fixture(scope="module")
def turning() -> list[np.ndarray]:
    return turning_frames((0.0, -30.0, -60.0, -90.0, -120.0, -150.0, 180.0))


def test_the_front_a_side_and_the_back_are_picked_from_a_turning_person(
    turning: list[np.ndarray]
) -> None:
    frames = sample_frames(mp4_bytes(turning))
    assert len(frames) == len(turning) and frames[0].shape == turning[0].shape
    assert [view for view, _ in pick_views(frames)] == ["front", "side_left", "back"]


@pytest.mark.parametrize("turn", [90, 270])
def test_a_video_a_phone_stored_sideways_is_read_upright(
    turning: list[np.ndarray], turn: int
) -> None:
    frames = sample_frames(mp4_bytes(turning, turn_deg=turn))
    assert frames[0].shape == turning[0].shape  # portrait again, not landscape
    assert [view for view, _ in pick_views(frames)] == ["front", "side_left", "back"]


def test_a_video_without_a_back_view_is_refused_before_fitting(turning: list[np.ndarray]) -> None:
    with pytest.raises(ScanRejected) as err:
        scan_from_video(mp4_bytes(turning[:4]), height_cm=175)
    assert err.value.code == "VIDEO_VIEWS_MISSING"
    assert "front" in err.value.message


def test_a_video_without_a_back_view_shows_the_frames_it_found_and_what_is_missing(
    turning: list[np.ndarray]
) -> None:
    with pytest.raises(ScanRejected) as err:
        scan_from_video(mp4_bytes(turning[:4]), height_cm=175)
    reports = {r.pose: r for r in err.value.feedback}
    assert set(reports) == {"front", "side_left"}
    for report in reports.values():
        assert not report.accepted and report.code == "VIDEO_VIEWS_MISSING"
        assert report.message is not None and report.message.endswith("needs the back")
        assert report.overlay is not None and report.overlay[:2] == b"\xff\xd8"  # a JPEG
    assert reports["front"].index == 0  # the frame facing the camera


def test_a_video_longer_than_a_minute_is_refused_from_its_header() -> None:
    import numpy as np

    frames = [np.zeros((64, 64, 3), dtype=np.uint8)] * 62
    with pytest.raises(ScanRejected) as err:
        sample_frames(mp4_bytes(frames, fps=1))
    assert err.value.code == "VIDEO_TOO_LONG"


def test_bytes_that_are_no_video_are_unreadable() -> None:
    with pytest.raises(ScanRejected) as err:
        sample_frames(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 100)
    assert err.value.code == "VIDEO_UNREADABLE"
