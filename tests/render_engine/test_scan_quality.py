"""Photo analysis on the person: usable photos pass (also a small person in a furnished room),
each kind of bad photo is rejected with its reason, decoding is bounded, cameras estimated."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(2)

import kornia  # noqa: E402

from render_engine.body import build_body  # noqa: E402
from render_engine.body.fitted import FittedBody  # noqa: E402
from render_engine.scan import analyse_photo, extract_silhouette  # noqa: E402
from render_engine.scan.camera import body_points, estimate_camera  # noqa: E402
from render_engine.scan.decode import MAX_SIDE, decode_photo  # noqa: E402
from render_engine.scan.person import detect_person  # noqa: E402
from render_engine.scan.photoshoot import Shot, dressed_colors, take_photo  # noqa: E402
from render_engine.scan.profile import central_runs  # noqa: E402
from render_engine.scan.render import encode_png, flat_shaded_photos  # noqa: E402
from render_engine.scan.silhouette import largest_component, otsu_threshold  # noqa: E402

#: A body, the `Shot` that took it, and its photos by pose.
Room = tuple[FittedBody, Shot, dict[str, np.ndarray]]


@pytest.fixture(scope="module")
def photos() -> torch.Tensor:
    body = build_body({"age": 0.75, "gender": 0.3, "weight": 0.5})
    images = flat_shaded_photos(
        body.mesh.verts, body.mesh.faces, body.mesh.colors, ["front", "side_left"], height=360
    )
    return images


@pytest.fixture(scope="module")
def room() -> Room:
    """A front and a back photo of a dark-skinned body in black clothing, in a furnished room,
    taken by a tilted phone 3 m away (9:16), and its `Shot`."""
    body = build_body({"age": 0.8, "gender": 0.7, "weight": 0.6})
    shot = Shot(distance_m=3.0, lens_height_m=1.35, vfov_deg=65.0, aspect=9 / 16, pitch_deg=6.0,
                roll_deg=2.0, background="room", rows=800)
    colours = dressed_colors(body, "dark", "black")
    return body, shot, {
        pose: take_photo(body.mesh.verts, body.mesh.faces, colours, pose, shot)
        for pose in ("front", "back")
    }


def jpeg(rgb: np.ndarray, shot: Shot | None = None, orientation: int | None = None) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    if shot is not None:
        exif.get_ifd(0x8769)[0xA405] = int(round(shot.focal_35mm))
    if orientation is not None:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def test_a_sharp_well_lit_photo_is_usable(photos: torch.Tensor) -> None:
    for image, pose in zip(photos, ["front", "side_left"], strict=True):
        quality = analyse_photo(encode_png(image), pose)
        assert quality.usable and quality.reason is None, quality
        assert quality.view == pose
        assert 0.55 <= quality.coverage <= 0.8


def test_a_person_a_third_of_a_photo_in_a_furnished_room_is_usable(room: Room) -> None:
    _, shot, shots = room
    for pose, rgb in shots.items():
        quality = analyse_photo(jpeg(rgb, shot), pose)
        assert quality.usable, quality
        assert quality.view == pose
        assert 0.25 <= quality.coverage <= 0.6


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (
            lambda im: kornia.filters.gaussian_blur2d(im[None], (21, 21), (3.0, 3.0))[0],
            "IMAGE_BLURRY",
        ),
        (lambda im: im * 0.12, "IMAGE_TOO_DARK"),
        (lambda im: torch.full_like(im, 0.8), "NO_PERSON_DETECTED"),
        (lambda im: im[:, 100:, :], "PERSON_CUT_OFF"),
        (lambda im: torch.cat([im, im], dim=2), "MULTIPLE_PEOPLE"),
    ],
)
def test_a_spoiled_photo_is_rejected_with_its_reason(
    photos: torch.Tensor, spoil: Callable[[torch.Tensor], torch.Tensor], reason: str
) -> None:
    quality = analyse_photo(encode_png(spoil(photos[0])), "front")
    assert not quality.usable
    assert quality.reason == reason
    assert quality.message
    assert quality.score <= 0.3


def test_a_person_under_a_fifth_of_the_photo_height_is_too_small(photos: torch.Tensor) -> None:
    from render_engine.scan.person import Detection
    from render_engine.scan.quality import analyse_detection

    image = photos[0]
    found = detect_person((image.permute(1, 2, 0) * 255).to(torch.uint8).numpy())
    assert found is not None
    h, w = image.shape[1:]
    # the same person in a photo five times as tall: under a fifth of its height
    big = torch.nn.functional.pad(image, (0, 0, 0, 4 * h), value=0.9)
    mask = np.zeros((5 * h, w), dtype=bool)
    mask[:h] = found.mask
    small = Detection(found.landmarks, mask, second_person=False)
    assert analyse_detection(big, small, "front").reason == "PERSON_TOO_SMALL"
    assert analyse_detection(image, found, "front").usable


def test_a_back_photo_labelled_front_is_detected(room: Room) -> None:
    _, shot, shots = room
    quality = analyse_photo(jpeg(shots["back"], shot), "front")
    assert quality.reason == "POSE_MISMATCH" and quality.view == "back"
    # the refusal names its evidence: the face turned away (BlazePose's nose depth)
    assert "labelled front but it shows the back" in (quality.message or "")
    assert "face is turned away" in (quality.message or "")


def test_a_front_photo_labelled_side_is_detected(room: Room) -> None:
    _, shot, shots = room
    quality = analyse_photo(jpeg(shots["front"], shot), "side_left")
    assert quality.reason == "POSE_MISMATCH" and quality.view == "front"


def test_arms_down_are_fitted_and_their_pose_is_estimated(room: Room) -> None:
    """A front photo with the arms hanging against the trunk is usable; the keypoint
    reprojection term finds the arms lowered about 40 degrees from the rest A-pose (the
    pose the photo was taken in), and the A-pose photo near the rest."""
    from render_engine.body.fitted import _topology
    from render_engine.body.pose import pose_body
    from render_engine.scan.posing import estimate_pose
    from render_engine.scan.protocol import yaw_matrix

    body, shot, shots = room
    down = pose_body(body, "standing_neutral")
    colours = dressed_colors(body, "dark", "black")
    arms_down = take_photo(down.verts, down.faces, colours, "front", shot)
    assert analyse_photo(jpeg(arms_down, shot), "front").usable
    points = body_points(body.mesh.verts, body.skeleton.heads, _topology()[2], yaw_matrix(0.0))
    raised = {}
    for name, image in (("down", arms_down), ("rest", shots["front"])):
        decoded = decode_photo(jpeg(image, shot))
        detection = detect_person(decoded.rgb)
        assert detection is not None
        h, w = decoded.rgb.shape[:2]
        camera = estimate_camera(detection, w, h, points, decoded.focal_px, decoded.focal_source)
        pose = estimate_pose(detection, camera, body.skeleton.heads.to(torch.float64), "front")
        raised[name] = sum(pose.raise_deg) / 2
        assert abs(pose.turn_deg) < 5.0
    assert raised["down"] < -25.0  # standing_neutral lowers the upper arms by 40 degrees
    assert abs(raised["rest"]) < 12.0


def test_bytes_that_are_no_image_are_unreadable() -> None:
    quality = analyse_photo(b"not an image at all")
    assert quality.reason == "IMAGE_UNREADABLE" and not quality.usable


def test_a_photo_declaring_too_many_pixels_is_refused_before_decoding() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (12000, 12000)).save(buffer, format="PNG")  # compresses to a few hundred KB
    assert analyse_photo(buffer.getvalue()).reason == "IMAGE_TOO_LARGE"


def test_a_large_jpeg_is_decoded_small_with_its_focal_length(room: Room) -> None:
    from PIL import Image

    _, shot, shots = room
    big = np.asarray(Image.fromarray(shots["front"]).resize((1800, 3200)))
    decoded = decode_photo(jpeg(big, shot))
    assert max(decoded.rgb.shape[:2]) <= MAX_SIDE
    assert decoded.focal_source == "exif_35mm"
    # the focal length in pixels of the decoded photo: the shot's, rescaled
    assert decoded.focal_px == pytest.approx(shot.focal_px * decoded.rgb.shape[0] / shot.rows,
                                             rel=0.02)


def test_exif_orientation_is_honoured(room: Room) -> None:
    _, shot, shots = room
    stored = np.ascontiguousarray(np.rot90(shots["front"], k=1))  # stored turned left
    decoded = decode_photo(jpeg(stored, shot, orientation=6))  # 6: rotate 90 clockwise to view
    assert decoded.rgb.shape[:2] == shots["front"].shape[:2]
    assert analyse_photo(jpeg(stored, shot, orientation=6), "front").usable


def test_the_camera_of_a_front_photo_is_estimated(room: Room) -> None:
    body, shot, shots = room
    from render_engine.body.fitted import _topology
    from render_engine.scan.protocol import yaw_matrix

    decoded = decode_photo(jpeg(shots["front"], shot))
    detection = detect_person(decoded.rgb)
    assert detection is not None
    points = body_points(body.mesh.verts, body.skeleton.heads, _topology()[2], yaw_matrix(0.0))
    h, w = decoded.rgb.shape[:2]
    camera = estimate_camera(detection, w, h, points, decoded.focal_px, decoded.focal_source)
    assert camera.pitch_deg == pytest.approx(shot.pitch_deg, abs=4.0)  # see docs/scan.md
    assert camera.roll_deg == pytest.approx(shot.roll_deg, abs=1.0)
    assert camera.distance_m == pytest.approx(shot.distance_m, rel=0.04)
    assert camera.lens_height_m == pytest.approx(shot.lens_height_m, abs=0.2)


def test_a_tensor_photo_is_analysed_like_its_png(photos: torch.Tensor) -> None:
    assert analyse_photo(photos[0]).usable


def otsu_reference(values: torch.Tensor, bins: int = 256) -> float:
    """Slow reference: try every cut, keep the one with the largest between-class variance."""
    hist = torch.histc(values.flatten(), bins=bins, min=0.0, max=1.0).tolist()
    total = sum(hist)
    centres = [(i + 0.5) / bins for i in range(bins)]
    best, best_cut = -1.0, 0
    for cut in range(bins):
        w0 = sum(hist[: cut + 1]) / total
        w1 = 1 - w0
        if w0 == 0 or w1 == 0:
            continue
        low = zip(hist[: cut + 1], centres[: cut + 1], strict=True)
        high = zip(hist[cut + 1 :], centres[cut + 1 :], strict=True)
        m0 = sum(h * c for h, c in low) / (w0 * total)
        m1 = sum(h * c for h, c in high) / (w1 * total)
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best:
            best, best_cut = between, cut
    return centres[best_cut] + 0.5 / bins


def test_otsu_threshold_matches_the_slow_reference() -> None:
    g = torch.Generator().manual_seed(3)
    values = torch.cat(
        [torch.rand(3000, generator=g) * 0.3, 0.6 + torch.rand(1000, generator=g) * 0.3]
    )
    assert otsu_threshold(values) == pytest.approx(otsu_reference(values), abs=1e-9)


def test_the_silhouette_is_the_rendered_body_and_speckles_are_dropped(photos: torch.Tensor) -> None:
    from render_engine.scan.silhouette import resize_to_height

    image = photos[0].clone()
    image[:, 10:14, 10:14] = 0.0  # a dark speck in a corner
    mask = extract_silhouette(image, 256)
    truth = (
        resize_to_height(
            (photos[0] != torch.tensor([0.88, 0.89, 0.90])[:, None, None])
            .any(0, keepdim=True)
            .float(),
            256,
        )[0]
        > 0.5
    )
    iou = float((mask & truth).sum()) / float((mask | truth).sum())
    assert iou > 0.95
    assert not bool(mask[:12, :12].any())
    blobs = torch.zeros(40, 40, dtype=torch.bool)
    blobs[2:6, 2:6] = True
    blobs[10:30, 10:30] = True
    kept = largest_component(blobs)
    assert bool(kept[15, 15]) and not bool(kept[3, 3])


def test_central_runs_without_closing_match_a_slow_scan_of_each_row() -> None:
    g = torch.Generator().manual_seed(0)
    mask = torch.zeros(50, 40, dtype=torch.bool)
    for r in range(50):
        a, b = (
            int(torch.randint(5, 19, (1,), generator=g)),
            int(torch.randint(21, 35, (1,), generator=g)),
        )
        mask[r, a:b] = True
    mask[:, 2] = True  # an "arm" separated from the trunk
    centre = int(torch.nonzero(mask)[:, 1].float().mean().round())

    def slow(r: int) -> int:
        if not mask[r, centre]:
            return 0
        lo = centre
        while lo - 1 >= 0 and mask[r, lo - 1]:
            lo -= 1
        hi = centre
        while hi + 1 < 40 and mask[r, hi + 1]:
            hi += 1
        return hi - lo + 1

    rows = [3.0, 10.25, 20.5, 48.9]
    expected = [
        slow(3),
        0.75 * slow(10) + 0.25 * slow(11),
        0.5 * slow(20) + 0.5 * slow(21),
        0.1 * slow(48) + 0.9 * slow(49),
    ]
    assert central_runs(mask, rows, closing_px=0)[0].tolist() == pytest.approx(expected)


def test_mesh_widths_cut_from_the_mesh_match_the_pixels_of_its_silhouette() -> None:
    """`mesh_widths` (exact, on the mesh) against `central_runs` on a fine rendered
    silhouette of the same body: the pixel widths differ by the pixel quantisation only,
    wherever no part of the silhouette is about to join or leave the trunk's run."""
    from render_engine.scan.fit import profile_widths
    from render_engine.scan.profile import profile_rows
    from render_engine.scan.render import BACKDROP

    phenotype = {"age": 0.8, "gender": 0.3, "weight": 0.6, "muscle": 0.4}
    body = build_body(phenotype)
    poses = ["front", "side_left", "back"]
    height_m = body.measurements["height"] / 100
    rows = profile_rows(height_m, 1024)
    images = flat_shaded_photos(
        body.mesh.verts, body.mesh.faces, body.mesh.colors, poses, height=1024
    )
    backdrop = torch.tensor(BACKDROP)[:, None, None]
    pixel = torch.stack(
        [central_runs((image - backdrop).abs().amax(dim=0) > 1e-3, rows)[0] for image in images]
    )
    from render_engine.body.model import phenotype_tensor

    profiles = profile_widths(phenotype_tensor(phenotype), poses, rows, 1024, with_weight=False)
    exact, clearance, heights = profiles.widths, profiles.clearance, profiles.heights
    assert float(heights[0]) == pytest.approx(height_m, abs=1e-3)
    clear = clearance[0] > 4.0
    assert int(clear.sum()) >= 30  # most rows are clear of joins
    diff = (exact[0] - pixel.to(exact.dtype)).abs()[clear]
    assert float(diff.max()) <= 1.5 and float(diff.mean()) <= 0.7


def test_the_overlay_draws_the_outline_on_the_person(photos: torch.Tensor) -> None:
    from PIL import Image

    from render_engine.scan.overlay import OUTLINE, draw_overlay

    rgb = (photos[0].permute(1, 2, 0) * 255).to(torch.uint8).numpy()
    detection = detect_person(rgb)
    assert detection is not None
    png = draw_overlay(rgb, detection, "front: usable", max_side=300)
    drawn = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert max(drawn.shape[:2]) == 300
    outline = (drawn == np.array(OUTLINE)).all(axis=2)
    small = np.asarray(Image.fromarray(detection.mask).resize(drawn.shape[1::-1])) > 0
    assert outline.sum() > 100
    assert small[outline].mean() > 0.95  # the outline lies on the person's own pixels


def test_the_worker_keeps_overlays_in_the_folder_its_command_names(tmp_path: Path) -> None:
    from adapters.blobs.local import LocalBlobStore
    from render_engine.scan.feedback import PhotoFeedback
    from render_engine.worker import kept_feedback

    store = LocalBlobStore(tmp_path, "secret", "http://127.0.0.1:8000")
    feedback = [PhotoFeedback(0, "front", False, "PERSON_CUT_OFF", "cut off", b"jpeg bytes"),
                PhotoFeedback(1, "back", False, "NO_PERSON_DETECTED", "nobody", None)]
    reports = kept_feedback(feedback, store, {"outputKeys": {"overlays": "scans/usr_a/scan_b/"}})
    assert [r["overlayKey"] for r in reports] == ["scans/usr_a/scan_b/photo-0.jpg", None]
    assert store.get("scans/usr_a/scan_b/photo-0.jpg") == b"jpeg bytes"
    assert store.content_type("scans/usr_a/scan_b/photo-0.jpg") == "image/jpeg"
    assert reports[0] == {"index": 0, "pose": "front", "status": "refused",
                          "code": "PERSON_CUT_OFF", "message": "cut off",
                          "overlayKey": "scans/usr_a/scan_b/photo-0.jpg"}
    # a command sent before overlays existed names no folder: nothing stored, no keys
    old = kept_feedback(feedback, store, {"outputKeys": {"model": "avatars/a/model.glb"}})
    assert [r["overlayKey"] for r in old] == [None, None]


def test_central_runs_place_each_end_of_the_run_within_its_pixel() -> None:
    """A trunk from column 10.3 to 30.6 drawn as area coverage: its width is 20.3 pixels,
    not the 20 or 21 of the pixels over half covered."""
    cover = torch.zeros(4, 48)
    cover[:, 11:30] = 1.0
    cover[:, 10] = 0.7  # 10.3 .. 11 covered
    cover[:, 30] = 0.6  # 30 .. 30.6 covered
    widths, gaps = central_runs(cover, [1.0, 2.5])
    assert widths.tolist() == pytest.approx([20.3, 20.3], abs=1e-5)
    assert gaps.isinf().all()
    assert central_runs(cover > 0.5, [1.0])[0].tolist() == [21.0]


def test_central_runs_close_narrow_gaps_and_report_the_arms_beside_the_trunk() -> None:
    from render_engine.scan.profile import CLOSING_GAP_PX

    mask = torch.zeros(3, 60, dtype=torch.bool)
    mask[:, 20:40] = True  # trunk
    mask[:, 42:45] = True  # a hand 2 px off the trunk: closed into its run
    mask[:, 10:15] = True  # an arm 5 px off: apart
    assert CLOSING_GAP_PX >= 2
    widths, gaps = central_runs(mask, [1.0])
    assert widths.tolist() == [25.0]
    assert gaps.tolist() == [[5.0, math.inf]]


def test_a_row_between_a_joined_and_an_apart_hand_takes_the_nearest_rows_run() -> None:
    """Held-out seed 22 scan 5 with the phone's pitch: halfway between a pixel row where a
    hand 2 px off the trunk is closed into its run and one where it is 4 px off, the width
    was the blend of the two (trunk and hand against trunk alone, 6 px apart) reported with
    the apart row's gaps: a width no body cut at that row has, 6 px from either, worth
    about 15 units of the profile fit's loss where the whole fit's was 10. Where the two
    rows show different parts, the nearest row's run counts, width and gaps alike; where
    they show the same, the widths still interpolate."""
    mask = torch.zeros(4, 60, dtype=torch.bool)
    mask[:, 20:40] = True  # trunk
    mask[0, 42:48] = True  # the hand 2 px off the trunk: closed into its run
    mask[1:, 44:50] = True  # 4 px off: apart
    widths, gaps = central_runs(mask, [0.25, 0.5, 1.5])
    assert widths.tolist() == pytest.approx([28.0, 20.0, 20.0])
    assert gaps.tolist() == [[math.inf, math.inf], [math.inf, 4.0], [math.inf, 4.0]]
    cover = mask.to(torch.float32)
    cover[2, 39] = 0.5  # the trunk's edge half a pixel in on row 2: the same parts
    assert central_runs(cover, [1.5])[0].tolist() == pytest.approx([19.75])


def test_a_row_counts_only_where_photo_and_body_agree_on_the_arms_beside_the_trunk() -> None:
    from render_engine.scan.fit import gap_agreement

    inf = math.inf
    photo = torch.tensor([
        [inf, inf],  # both arms joined to the trunk (or none beside it) ...
        [8.0, 12.0],  # arms clearly apart ...
        [3.0, 3.0],  # arms about to touch ...
        [inf, 3.0],  # the photo's left arm joined ...
        [3.0, 3.0],  # arms 3 px off ...
        [inf, 9.0],  # the left arm joined to the trunk (or none there) ...
    ])
    body = torch.tensor([
        [inf, inf],  # ... in both: the widths compare like with like
        [15.0, 7.0],  # ... in both, by other gaps: the trunk's width is still the trunk's
        [3.5, 2.5],  # ... in both, at the same place
        [2.0, 3.0],  # ... the body's apart: that row measures the arm's pose
        [9.0, 3.0],  # ... the body's left one 9 px off
        [12.0, 9.0],  # ... the body's clearly apart: still not the same row
    ])
    trust = gap_agreement(photo, body)
    assert trust.tolist() == pytest.approx([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    # the trust falls smoothly with the disagreement
    partial = gap_agreement(torch.tensor([[3.0, inf]]), torch.tensor([[5.5, inf]]))
    assert 0.0 < float(partial[0]) < 1.0


@pytest.mark.slow
def test_a_small_person_seen_from_the_side_is_found_whole_not_refused() -> None:
    """A person under a third of a 720-row photo, from the side with the arms down, in black
    on a grey wall: BlazePose's reading of the whole photo collapsed onto the head and
    shoulders (its mask 9 % of the height: `PERSON_TOO_SMALL`), and a crop around that
    reading held no legs. The tiles are searched for a reading that sees the whole body."""
    from render_engine.body.pose import pose_body

    body = build_body({"gender": 0.8, "age": 0.85, "muscle": 0.4, "weight": 0.3,
                       "height": 0.25, "proportions": 0.3})
    shot = Shot(distance_m=5.48, lens_height_m=1.55, vfov_deg=51.8, aspect=0.75, pitch_deg=3.9,
                roll_deg=0.8, offset_m=-0.37, rows=720, background="plain")
    down = pose_body(body, "standing_neutral").verts
    rgb = take_photo(down, body.mesh.faces, dressed_colors(body, "light", "black"), "side_left",
                     shot, seed=8)
    found = detect_person(rgb)
    assert found is not None
    rows = np.nonzero(found.mask.any(axis=1))[0]
    assert (rows[-1] + 1 - rows[0]) / rgb.shape[0] > 0.27  # the whole person: 0.29
    assert found.body_seen()
    quality = analyse_photo(jpeg(rgb, shot), "side_left")
    assert quality.usable, quality.reason
