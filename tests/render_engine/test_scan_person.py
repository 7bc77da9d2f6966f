"""Reading the person: the consensus of several BlazePose readings, mirrored readings."""

from __future__ import annotations

import numpy as np
import pytest

from render_engine.scan.person import _Found, _landmark_distance, _mirrored, consensus


def reading(shoulder_spread: float, seed: int = 0, width: int = 200) -> _Found:
    """A front view's landmarks: a body on the column 100, shoulders `shoulder_spread`
    apart (the person's left on the photo's right), a little noise."""
    rng = np.random.default_rng(seed)
    lm = np.zeros((33, 3))
    lm[:, 2] = 1.0
    half = shoulder_spread / 2
    for (left, right), y, spread in (
        ((11, 12), 60, half), ((13, 14), 90, half * 1.3), ((15, 16), 120, half * 1.5),
        ((23, 24), 125, half * 0.6), ((25, 26), 170, half * 0.5), ((27, 28), 215, half * 0.5),
    ):
        lm[left, :2] = (100 + spread, y)
        lm[right, :2] = (100 - spread, y)
    lm[:, :2] += rng.normal(0.0, 1.0, (33, 2))
    seg = np.zeros((240, width), dtype=bool)
    seg[40:230, 80:120] = True
    return _Found(lm, np.arange(33, dtype=np.float64), seg)


def test_the_consensus_drops_a_reading_whose_skeleton_collapsed_onto_the_trunk() -> None:
    good_a, collapsed, good_b = reading(50, 1), reading(4, 2), reading(50, 3)
    chosen = consensus([collapsed, good_a, good_b])
    assert chosen is not collapsed
    assert abs(chosen.landmarks[11, 0] - chosen.landmarks[12, 0]) > 40


def test_the_consensus_of_agreeing_readings_keeps_the_first() -> None:
    first = reading(50, 1)
    assert consensus([first, reading(50, 1), reading(50, 1)]) is first
    assert consensus([first]) is first


def test_landmark_distance_ignores_a_swap_of_left_and_right() -> None:
    a = reading(50, 1)
    swapped = _Found(a.landmarks.copy(), a.depth, a.seg)
    for i, j in ((11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28)):
        swapped.landmarks[[i, j]] = swapped.landmarks[[j, i]]
    assert _landmark_distance(a, swapped) == 0.0
    assert _landmark_distance(a, reading(10, 1)) > 10.0


def test_a_mirrored_reading_maps_back_to_the_photo_with_sides_swapped_back() -> None:
    original = reading(50, 1)
    # what BlazePose reads in the mirror image: columns mirrored, and the person's left
    # (on the photo's right) now on the mirror's left, so labelled as the right side
    lm = original.landmarks.copy()
    lm[:, 0] = 200 - lm[:, 0]
    for i, j in ((11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28), (7, 8)):
        lm[[i, j]] = lm[[j, i]]
    depth = original.depth.copy()
    depth[[7, 8, 11, 12]] = depth[[8, 7, 12, 11]]
    in_mirror = _Found(lm, depth, original.seg[:, ::-1])
    back = _mirrored(in_mirror, 200)
    assert np.allclose(back.landmarks[[7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]],
                       original.landmarks[[7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]])
    assert np.array_equal(back.depth[[7, 8, 11, 12]], original.depth[[7, 8, 11, 12]])
    assert np.array_equal(back.seg, original.seg)


def test_a_crop_around_a_reading_that_lost_the_legs_still_reaches_the_feet() -> None:
    """A small person's legs against a patterned floor: the reading's mask stops at the hips
    (rows 40-120, hips at 120); the person's feet are near row 200. The crop made to look
    again must hold them."""
    from render_engine.scan.person import _box_around

    lm = np.zeros((33, 3))
    lm[[11, 12], :] = (100, 60, 1.0)  # shoulders
    lm[[23, 24], :] = (100, 120, 1.0)  # hips
    seg = np.zeros((300, 200), dtype=bool)
    seg[40:121, 85:116] = True
    box = _box_around(_Found(lm, np.zeros(33), seg))
    assert box is not None
    x, y, side, _ = box
    assert y <= 40 and y + side >= 200, box


def test_lost_feet_are_taken_back_from_the_photo() -> None:
    # a person 400 px tall (legs in navy down to bare brown ankles and feet) on a grey
    # floor; the mask stops 14 px above the soles, as BlazePose's did on darker feet on a
    # grey or wooden floor (5-12 cm short)
    from render_engine.scan.person import grow_feet

    rgb = np.full((520, 300, 3), 150, np.uint8)
    truth = np.zeros((520, 300), bool)
    truth[50:440, 120:180] = True  # trunk, legs and ankles
    truth[440:450, 110:190] = True  # feet
    rgb[50:420, 120:180] = (30, 35, 80)
    rgb[420:440, 120:180] = (90, 60, 40)
    rgb[440:450, 110:190] = (90, 60, 40)
    mask = truth.copy()
    mask[436:] = False
    grown = grow_feet(rgb, mask)
    rows = np.nonzero(grown.any(axis=1))[0]
    assert rows[-1] + 1 == 450
    assert (grown == truth).mean() > 0.999


def test_feet_are_not_grown_into_the_floor() -> None:
    # a mask that already has the feet: nothing is added (a plain floor beside them)
    from render_engine.scan.person import grow_feet

    rgb = np.full((520, 300, 3), 150, np.uint8)
    truth = np.zeros((520, 300), bool)
    truth[50:450, 120:180] = True
    rgb[truth] = (30, 35, 80)
    grown = grow_feet(rgb, truth)
    assert (grown == truth).all()


def test_when_the_crop_finds_nobody_the_other_crops_are_read_before_the_whole_photo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A side view in a room (grid seed 16, scan 8): the whole photo's reading had its mask
    cut straight across the shins where BlazePose's own region of interest ended, and the
    crop around the person found nobody. The mirrored crop and the larger crop are read
    then, and the whole photo's reading is kept only when none of them finds the person."""
    import render_engine.scan.person as person

    whole = reading(50, 1)
    whole.seg[150:] = False  # cut off across the shins
    cropped = reading(50, 2)
    calls: list[str] = []

    def find(image: np.ndarray, box: tuple[int, int, int, int] | None = None) -> _Found | None:
        calls.append("whole" if box is None else "crop")
        if box is None:
            return whole
        return None if len(calls) == 2 else cropped  # the first crop finds nobody

    monkeypatch.setattr(person, "_find", find)
    small = np.zeros((240, 200, 3), np.uint8)
    found = person._find_person(small)
    assert found is not None and found is not whole
    assert np.nonzero(found.seg.any(axis=1))[0][-1] == 229  # down to the feet
    assert calls == ["whole", "crop", "crop", "crop"]

    calls.clear()
    monkeypatch.setattr(person, "_find", lambda image, box=None: whole if box is None else None)
    assert person._find_person(small) is whole


def test_a_tile_that_sees_the_trunk_beats_a_whole_photo_reading_collapsed_onto_the_head(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A side view of a person in white on a wooden floor (grid seed 11, scan 2, the room
    in perspective): the whole photo's reading collapsed onto the head (26 mask pixels), no
    tile saw the ankles, but one held the trunk and the knees. The crop is drawn around
    that tile's reading, and finds the whole person; a crop around the head held nobody."""
    import render_engine.scan.person as person

    small = np.zeros((240, 200, 3), np.uint8)
    collapsed = reading(4, 1)
    collapsed.landmarks[:, :2] = collapsed.landmarks[0, :2]
    collapsed.landmarks[23:, 2] = 0.05  # hips, knees, ankles unseen
    collapsed.seg[:] = False
    collapsed.seg[40:45, 98:103] = True
    trunk = reading(50, 2)
    trunk.landmarks[27:, 2] = 0.05  # the ankles unseen
    trunk.seg[200:] = False
    whole_person = reading(50, 3)
    tiles = person._tiles(*small.shape[:2])

    def find(image: np.ndarray, box: tuple[int, int, int, int] | None = None) -> _Found | None:
        if box is None:
            return collapsed
        if box in tiles:
            return trunk if box == tiles[0] else None
        return whole_person if box[2] > 100 else None  # a crop around the head: nobody

    monkeypatch.setattr(person, "_find", find)
    found = person._find_person(small)
    assert found is not None and person.sees_body(found.landmarks)
    assert np.nonzero(found.seg.any(axis=1))[0][-1] == 229  # down to the feet
