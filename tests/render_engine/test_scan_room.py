"""The room's verticals tell the camera's pitch and roll (`render_engine.scan.room`): lines
drawn towards a known vanishing point read back as its tilt and roll; the person's own
outline, the floor's planks and a room the person leans against are not taken for them; a
photo of a furnished room reads the camera that took it, and a scan in such a room holds
its pitch without a sensor."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

torch.set_num_threads(2)

from render_engine.body import build_body  # noqa: E402
from render_engine.scan import person as P  # noqa: E402
from render_engine.scan import scan_from_photos  # noqa: E402
from render_engine.scan.person import detect_person  # noqa: E402
from render_engine.scan.photoshoot import Shot, dressed_colors, jpeg_bytes, take_photo  # noqa: E402
from render_engine.scan.room import predicted_directions, room_verticals  # noqa: E402

H, W, F = 960, 720, 800.0


def standing(lean_deg: float = 0.0, column: float = W / 2) -> P.Detection:
    """A person on `column`, their axis leaning `lean_deg` (clockwise) from the photo's
    vertical, filling the middle fifth of the photo's width."""
    landmarks = np.zeros((33, 3))
    landmarks[:, 2] = 1.0
    feet = np.array([column, 0.9 * H])
    top = feet + 0.6 * H * np.array([math.sin(math.radians(lean_deg)),
                                      -math.cos(math.radians(lean_deg))])
    for i in (P.LEFT_ANKLE, P.RIGHT_ANKLE):
        landmarks[i, :2] = feet
    for i in (P.LEFT_SHOULDER, P.RIGHT_SHOULDER):
        landmarks[i, :2] = top
    mask = np.zeros((H, W), bool)
    mask[int(0.2 * H):int(0.92 * H), int(column - W / 10):int(column + W / 10)] = True
    return P.Detection(landmarks=landmarks, mask=mask, second_person=False)


def lines_towards(vanishing: np.ndarray, columns: list[float], rows: tuple[float, float] = (
        0.1 * H, 0.85 * H), rgb: np.ndarray | None = None, through_row: float = H / 2
                  ) -> np.ndarray:
    """(H, W, 3) a light wall (or `rgb`) with dark lines through `vanishing` (pixels), one
    crossing each of `columns` at `through_row` (the photo's middle), drawn between `rows`."""
    if rgb is None:
        rgb = np.full((H, W, 3), 200, np.uint8)
        rgb += np.random.default_rng(0).integers(0, 6, rgb.shape, dtype=np.uint8)
    for column in columns:
        through = np.array([column, through_row])
        d = vanishing - through
        ends = [through + d * (row - through_row) / d[1] for row in rows]
        cv2.line(rgb, tuple(int(round(v)) for v in ends[0]),
                 tuple(int(round(v)) for v in ends[1]), (60, 50, 40), 3, cv2.LINE_AA)
    return rgb


def vanishing_point(pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Where a camera of focal `F` tilted and rolled so sees the room's verticals meet."""
    g = F / math.tan(math.radians(pitch_deg))
    roll = math.radians(roll_deg)
    return np.array([W / 2 - g * math.sin(roll), H / 2 + g * math.cos(roll)])


COLUMNS = [40.0, 110.0, 190.0, 260.0, 480.0, 560.0, 640.0, 690.0]


@pytest.mark.parametrize(("pitch", "roll"), [(8.0, 0.0), (-5.0, 2.0), (3.0, -2.5)])
def test_lines_towards_a_vanishing_point_read_as_its_pitch_and_roll(pitch: float,
                                                                     roll: float) -> None:
    rgb = lines_towards(vanishing_point(pitch, roll), COLUMNS)
    reading = room_verticals(rgb, standing(lean_deg=roll), F)
    assert reading is not None
    assert reading.pitch_deg(F) == pytest.approx(pitch, abs=0.3)
    assert reading.roll_deg == pytest.approx(roll, abs=0.2)
    assert len(reading.segments) >= len(COLUMNS)


def horizon_point(pitch_deg: float, roll_deg: float, along: float) -> np.ndarray:
    """A point of the horizon (pixels) of a camera of focal `F` so tilted and rolled, `along`
    pixels along it from the foot of the perpendicular from the centre: where the lines of
    a horizontal direction (a floor's planks) meet."""
    roll = math.radians(roll_deg)
    up = np.array([-math.sin(roll), math.cos(roll)])  # the verticals' direction, down
    across = np.array([math.cos(roll), math.sin(roll)])
    return np.array([W / 2, H / 2]) - F * math.tan(math.radians(pitch_deg)) * up + along * across


def room_with_a_floor(pitch: float, roll: float, along: float = 60.0) -> np.ndarray:
    """(H, W, 3) verticals towards the vertical vanishing point and, below them, a floor's
    planks running towards a point of the horizon."""
    rgb = lines_towards(vanishing_point(pitch, roll), COLUMNS, rows=(0.1 * H, 0.7 * H))
    return lines_towards(horizon_point(pitch, roll, along), [20.0, 120.0, 220.0, 500.0,
                                                             600.0, 700.0],
                         rows=(0.78 * H, H - 5.0), rgb=rgb, through_row=H - 5.0)


@pytest.mark.parametrize(("pitch", "roll", "along"), [(8.0, 0.0, 60.0), (-6.0, 2.0, -120.0),
                                                      (12.0, -2.5, 0.0)])
def test_the_horizons_lines_with_the_verticals_read_the_focal_length(
        pitch: float, roll: float, along: float) -> None:
    """Any horizontal direction is square to the vertical: the floor's vanishing point and
    the verticals' give the focal length (`v1 . v2 = -f^2`), whatever focal length was
    assumed to look for them."""
    rgb = room_with_a_floor(pitch, roll, along)
    reading = room_verticals(rgb, standing(lean_deg=roll), 1.4 * F, focal_known=False)
    assert reading is not None and reading.focal_px is not None
    assert reading.focal_log_sd is not None and reading.focal_log_sd < 0.1
    assert reading.focal_px == pytest.approx(F, rel=max(0.03, 2 * reading.focal_log_sd))
    assert reading.pitch_deg(reading.focal_px) == pytest.approx(pitch, abs=0.5)


def test_without_the_horizons_lines_or_a_tilt_the_room_tells_no_focal_length() -> None:
    reading = room_verticals(lines_towards(vanishing_point(8.0, 0.0), COLUMNS),
                             standing(), F, focal_known=False)
    assert reading is not None and reading.focal_px is None
    # a level phone: the verticals all but parallel, the horizon through the centre
    level = room_verticals(room_with_a_floor(0.4, 0.0), standing(), F, focal_known=False)
    assert level is not None and level.focal_px is None


def test_verticals_seen_parallel_and_a_horizon_through_the_centre_give_no_focal_length() -> None:
    from render_engine.scan.room import focal_from_horizon

    cov = np.eye(2) * 1e-12
    assert focal_from_horizon(0.0, 0.0, cov, np.array([10.0, 0.0]), cov) is None
    # a horizon point on the wrong side of the centre says a negative square
    assert focal_from_horizon(1e-4, 0.0, cov, np.array([0.0, 50.0]), cov) is None
    focal = focal_from_horizon(1e-4, 0.0, cov, np.array([0.0, -64.0]), cov)
    assert focal is not None and focal[0] == pytest.approx(800.0)


def test_a_vertical_passing_behind_the_person_keeps_its_pieces_clear_of_them() -> None:
    """A door's frame seen past a hand: the piece above it and the piece below are still
    the room's; the longest is kept (one edge, not two agreeing)."""
    rgb = lines_towards(vanishing_point(5.0, 0.0), COLUMNS)
    clear = room_verticals(rgb, standing(), F)
    person = standing()
    person.mask[int(0.4 * H):int(0.45 * H), :] = True  # arms held out across the photo
    reading = room_verticals(rgb, person, F)
    assert clear is not None and reading is not None
    assert reading.pitch_deg(F) == pytest.approx(5.0, abs=0.5)
    assert len(reading.segments) == len(clear.segments)  # each line's two edges, once
    above = reading.segments[:, [1, 3]] < 0.4 * H
    below = reading.segments[:, [1, 3]] > 0.45 * H
    assert (above.all(axis=1) | below.all(axis=1)).all()  # none crosses the arms


def test_the_direction_of_a_vertical_points_at_the_vanishing_point() -> None:
    tilt, roll = math.tan(math.radians(7.0)) / F, math.radians(1.5)
    points = np.array([[-300.0, -200.0], [250.0, 100.0], [0.0, 0.0]])
    vanishing = np.array([-math.sin(roll), math.cos(roll)]) / tilt
    towards = vanishing - points
    towards /= np.linalg.norm(towards, axis=1, keepdims=True)
    assert np.allclose(predicted_directions(tilt, roll, points), towards, atol=1e-9)


def test_a_plain_wall_reads_nothing() -> None:
    rgb = np.full((H, W, 3), 200, np.uint8)
    assert room_verticals(rgb, standing(), F) is None


def test_the_persons_own_outline_is_not_taken_for_the_rooms_verticals() -> None:
    """Lines only where the person's mask is (their legs, their clothes' seams, a mask
    grown over a wide dress) say nothing."""
    rgb = lines_towards(vanishing_point(8.0, 0.0), COLUMNS)
    assert room_verticals(rgb, standing(), F) is not None
    person = standing()
    for column in COLUMNS:
        person.mask[:, int(column) - 15:int(column) + 15] = True
    assert room_verticals(rgb, person, F) is None


def test_lines_converging_near_the_middle_of_the_photo_are_not_verticals() -> None:
    """A wooden floor's planks run towards the camera and meet on the horizon, inside the
    photo: a pitch of over 25 degrees would be needed for verticals to meet there."""
    rgb = lines_towards(np.array([W / 2, 0.45 * H]), COLUMNS, rows=(0.6 * H, H - 5.0))
    assert room_verticals(rgb, standing(), F) is None


def test_a_person_leaning_away_from_the_rooms_vertical_voids_the_reading() -> None:
    """People stand upright: a person's axis 8 degrees off what the lines call vertical
    says the lines are not the room's verticals (a slanted pattern, a leaning shelf)."""
    rgb = lines_towards(vanishing_point(4.0, 0.0), COLUMNS)
    assert room_verticals(rgb, standing(), F) is not None
    assert room_verticals(rgb, standing(lean_deg=8.0), F) is None


@pytest.mark.slow
def test_photos_of_a_furnished_room_read_the_camera_that_took_them() -> None:
    """Cameras drawn as the benchmark draws them (any distance, lens height, lens, aspect,
    pitch and roll), in the generator's room in perspective: each reading within a degree
    of the pitch and half a degree of the roll, where the photo gives one."""
    import random

    body = build_body({"age": 0.7, "gender": 0.4, "weight": 0.5, "height": 0.6})
    colours = dressed_colors(body, "medium_dark", "grey")
    rng = random.Random(5)
    readings = 0
    for k, pose in enumerate(("front", "side_left", "back", "side_right")):
        shot = Shot(distance_m=rng.uniform(1.8, 4.0), lens_height_m=rng.uniform(0.6, 1.6),
                    vfov_deg=rng.uniform(45, 80), aspect=rng.choice([3 / 4, 9 / 16, 1.0]),
                    pitch_deg=rng.uniform(-10, 10), roll_deg=rng.uniform(-3, 3),
                    background="room", rows=800)
        rgb = take_photo(body.mesh.verts, body.mesh.faces, colours, pose, shot, seed=k)
        detection = detect_person(rgb)
        assert detection is not None
        reading = room_verticals(rgb, detection, shot.focal_px)
        if reading is None:
            continue
        readings += 1
        assert reading.pitch_deg(shot.focal_px) == pytest.approx(shot.pitch_deg, abs=1.0)
        assert reading.roll_deg == pytest.approx(shot.roll_deg, abs=0.5)
    assert readings >= 3


@pytest.mark.slow
def test_a_scan_in_a_furnished_room_takes_its_pitch_from_the_room() -> None:
    """A phone tipped down 8 degrees, no focal length in EXIF, no sensor reading: every
    camera's pitch comes from the room, within a degree and a half of the truth (the
    focal length the rows choose carries it), and its roll within half a degree. (What
    a pitch held at the truth does for the girths: `test_scan_camera_pitch`.)"""
    body = build_body({"gender": 0.64, "age": 0.96, "muscle": 0.49, "weight": 0.23,
                       "height": 0.59, "proportions": 0.56})
    colours = dressed_colors(body, "light", "olive")
    shot = Shot(distance_m=3.0, lens_height_m=1.3, vfov_deg=62.0, aspect=9 / 16,
                pitch_deg=8.0, roll_deg=1.0, rows=960, background="room", exif=False)
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        (pose, jpeg_bytes(take_photo(body.mesh.verts, body.mesh.faces, colours, pose, shot,
                                     seed=i), shot))
        for i, pose in enumerate(("front", "side_left", "back"))
    ]
    result = scan_from_photos(photos, height_cm=body.measurements["height"])
    cameras = [r.camera for r in result.photo_reports if r.camera]
    assert len(cameras) == 3
    for camera in cameras:
        assert camera.pitch_source == "room"
        assert camera.pitch_deg == pytest.approx(8.0, abs=1.5)
        assert camera.roll_deg == pytest.approx(1.0, abs=0.5)
        # the floor's planks and the verticals give the focal length (the rows alone
        # chose one 3 % off on this set; the room's is within 0.2 %)
        assert camera.focal_source == "room"
        assert camera.focal_px == pytest.approx(shot.focal_px, rel=0.06)


def test_the_overlay_draws_the_verticals_read_over_the_rooms_lines() -> None:
    import io

    from PIL import Image

    from render_engine.scan.overlay import VERTICAL, draw_overlay

    rgb = lines_towards(vanishing_point(6.0, 1.0), COLUMNS)
    reading = room_verticals(rgb, standing(lean_deg=1.0), F)
    assert reading is not None
    png = draw_overlay(rgb, None, "front: accepted", max_side=480, verticals=reading.segments)
    drawn = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    marked = (drawn == np.array(VERTICAL)).all(axis=2)
    dark = np.asarray(Image.fromarray(rgb).resize(drawn.shape[1::-1])).mean(axis=2) < 150
    assert marked.sum() > 500
    assert cv2.dilate(dark.astype(np.uint8), np.ones((5, 5), np.uint8))[marked].mean() > 0.95


@pytest.mark.slow
def test_a_spot_takes_the_rooms_tilt_where_no_sensor_read_one_and_the_sensors_before_it() -> None:
    """The three photos of one spot (EXIF focal length): with the room's readings and no
    sensor, every camera holds the room's pitch and roll; with a sensor's reading too, the
    sensor's pitch and still the room's roll; with neither, the rows estimate both."""
    from render_engine.scan.person import Detection
    from render_engine.scan.pipeline import _body_points, _Photo, _read, spot_cameras

    body = build_body({"age": 0.6, "gender": 0.2, "weight": 0.45})
    colours = dressed_colors(body, "medium_light", "navy")
    shot = Shot(distance_m=2.6, lens_height_m=1.0, vfov_deg=66.0, aspect=3 / 4,
                pitch_deg=-4.0, roll_deg=-1.5, rows=800, background="room")
    poses = ["front", "side_left", "back"]
    photos: list[tuple[Detection | None, _Photo | None]] = []
    rooms = []
    for i, pose in enumerate(poses):
        photo = _read(jpeg_bytes(take_photo(body.mesh.verts, body.mesh.faces, colours, pose,
                                            shot, seed=i), shot))
        detection = detect_person(photo.rgb)
        assert detection is not None
        photos.append((detection, photo))
        rooms.append(room_verticals(photo.rgb, detection, shot.focal_px))
    assert sum(r is not None for r in rooms) >= 2
    bodies, _ = _body_points({"age": 0.6, "gender": 0.2, "weight": 0.45}, poses)

    from_room = spot_cameras(photos, [0, 2, 1], bodies, None, rooms)
    assert {c.pitch_source for c in from_room} == {"room"}
    assert len({c.pitch_deg for c in from_room}) == 1
    assert from_room[0].pitch_deg == pytest.approx(-4.0, abs=0.75)
    assert from_room[0].roll_deg == pytest.approx(-1.5, abs=0.3)

    with_sensor = spot_cameras(photos, [0, 2, 1], bodies, [-3.0, -3.2, -3.1], rooms)
    assert {c.pitch_source for c in with_sensor} == {"sensor"}
    assert with_sensor[1].pitch_deg == pytest.approx(-3.1)
    assert with_sensor[1].roll_deg == from_room[1].roll_deg

    alone = spot_cameras(photos, [0, 2, 1], bodies)
    assert {c.pitch_source for c in alone} == {"estimated"}
