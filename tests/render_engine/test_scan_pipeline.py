"""Scans from synthetic photos of known anny bodies: accuracy, stages, rejections, cancelling."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(2)

import kornia  # noqa: E402

from render_engine.body import build_body  # noqa: E402
from render_engine.body.fitted import FittedBody  # noqa: E402
from render_engine.body.model import _world_basis  # noqa: E402
from render_engine.errors import InvalidRequest  # noqa: E402
from render_engine.scan import STAGES, ScanCancelled, ScanRejected, scan_from_photos  # noqa: E402
from render_engine.scan.pipeline import ScanResult  # noqa: E402
from render_engine.scan.proxy import fitting_proxy  # noqa: E402
from render_engine.scan.render import encode_png, flat_shaded_photos  # noqa: E402

POSES = ["front", "side_left", "back"]
#: Known bodies, apart in gender, build and height.
BODIES = {
    "lean_man": {
        "gender": 0.1,
        "age": 0.8,
        "muscle": 0.6,
        "weight": 0.4,
        "height": 0.55,
        "proportions": 0.5,
    },
    "heavy_woman": {
        "gender": 0.9,
        "age": 0.75,
        "muscle": 0.3,
        "weight": 0.75,
        "height": 0.35,
        "proportions": 0.4,
    },
    "average_person": {
        "gender": 0.5,
        "age": 0.9,
        "muscle": 0.5,
        "weight": 0.55,
        "height": 0.45,
        "proportions": 0.6,
    },
}


def photos_of(phenotype: dict[str, float]) -> tuple[FittedBody, torch.Tensor]:
    body = build_body(phenotype)
    images = flat_shaded_photos(
        body.mesh.verts, body.mesh.faces, body.mesh.colors, POSES, height=360
    )
    return body, images


@pytest.fixture(scope="module")
def lean_man() -> tuple[FittedBody, torch.Tensor]:
    return photos_of(BODIES["lean_man"])


#: Scans of `BODIES` run by the accuracy test, in the order they ran (one process).
SCANS: dict[str, object] = {}


def scan_of(name: str) -> tuple[FittedBody, ScanResult]:
    body, images = photos_of(BODIES[name])
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        (pose, encode_png(image)) for pose, image in zip(POSES, images, strict=True)
    ]
    return body, scan_from_photos(photos, height_cm=body.measurements["height"])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_scan_recovers_height_within_2_cm_and_girths_within_4_cm(name: str) -> None:
    body, result = scan_of(name)
    SCANS[name] = result
    got, want = result.measurements, body.measurements
    assert abs(got["height"] - want["height"]) <= 2.0
    for key in ("chest", "waist", "hips"):
        assert abs(got[key] - want[key]) <= 4.0, (key, got[key], want[key])
    assert result.body.mesh.num_verts == body.mesh.num_verts
    assert 0.5 < result.quality_score <= 1.0
    assert all(report.used and report.quality.usable for report in result.photo_reports)


@pytest.mark.slow
def test_a_scan_gives_the_same_body_whatever_ran_before_it() -> None:
    """Regression: the fit's proxy mesh was built (once per process) by a scatter whose
    winner depended on thread scheduling, so the same photos gave girths 3 cm apart
    depending on what had run before. The scan of the last body the accuracy test ran
    (after the other bodies' scans) is repeated here with every cache of the fit dropped,
    as in a fresh process, and after another body's scan."""
    name = sorted(BODIES)[-1]
    if name not in SCANS:  # this test run on its own
        SCANS[name] = scan_of(name)[1]
    first = SCANS[name]
    scan_of(sorted(BODIES)[0])
    fitting_proxy.cache_clear()
    _world_basis.cache_clear()
    _, again = scan_of(name)
    for key, value in first.measurements.items():  # type: ignore[attr-defined]
        assert again.measurements[key] == pytest.approx(value, abs=0.05), key
    for key, value in first.body.phenotype.items():  # type: ignore[attr-defined]
        assert again.body.phenotype[key] == pytest.approx(value, abs=1e-5), key


def test_the_fit_proxy_is_the_same_whatever_the_thread_count() -> None:
    threads = torch.get_num_threads()
    built = []
    try:
        for n in (1, 2, 4):
            torch.set_num_threads(n)
            fitting_proxy.cache_clear()
            built.append(fitting_proxy())
    finally:
        torch.set_num_threads(threads)
        fitting_proxy.cache_clear()
    for idx, faces in built[1:]:
        assert torch.equal(idx, built[0][0]) and torch.equal(faces, built[0][1])


@pytest.mark.slow
def test_a_scan_reports_the_six_stages_in_order_with_rising_progress(
    lean_man: tuple[FittedBody, torch.Tensor]
) -> None:
    body, images = lean_man
    seen: list[tuple[str, int, str]] = []
    result = scan_from_photos(
        [(pose, image) for pose, image in zip(POSES, images, strict=True)],
        height_cm=body.measurements["height"],
        on_stage=lambda stage, progress, message: seen.append((stage, progress, message)),
    )
    order = [s for s, _, _ in seen]
    assert list(dict.fromkeys(order)) == [name for name, *_ in STAGES]
    progress = [p for _, p, _ in seen]
    assert progress == sorted(progress) and progress[0] == 0 and progress[-1] == 100
    assert all(message for _, _, message in seen)
    assert set(result.timings) >= {name for name, *_ in STAGES}


def test_too_few_or_too_many_photos_are_rejected(lean_man: tuple[FittedBody, torch.Tensor]) -> None:
    _, images = lean_man
    with pytest.raises(ScanRejected) as err:
        scan_from_photos([("front", images[0]), ("back", images[2])], height_cm=175)
    assert err.value.code == "INVALID_PHOTO_COUNT"
    with pytest.raises(ScanRejected) as err:
        scan_from_photos([("front", images[0])] * 11, height_cm=175)
    assert err.value.code == "INVALID_PHOTO_COUNT"
    with pytest.raises(ScanRejected) as err:
        scan_from_photos(
            [("front", images[0]), ("upside_down", images[1]), ("back", images[2])], height_cm=175
        )
    assert err.value.code == "INVALID_POSE" and err.value.reasons == {
        "1:upside_down": "INVALID_POSE"
    }
    with pytest.raises(InvalidRequest):
        scan_from_photos([(p, im) for p, im in zip(POSES, images, strict=True)], height_cm=20)


def test_a_blurred_and_a_dark_photo_reject_the_scan_with_their_reasons(
    lean_man: tuple[FittedBody, torch.Tensor]
) -> None:
    _, images = lean_man
    blurred = kornia.filters.gaussian_blur2d(images[1][None], (15, 15), (2.5, 2.5))[0]
    dark = images[2] * 0.1
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        ("front", encode_png(images[0])),
        ("side_left", encode_png(blurred)),
        ("back", encode_png(dark)),
    ]
    with pytest.raises(ScanRejected) as err:
        scan_from_photos(photos, height_cm=175)
    assert err.value.code == "SCAN_PHOTOS_UNUSABLE"
    assert err.value.reasons == {"1:side_left": "IMAGE_BLURRY", "2:back": "IMAGE_TOO_DARK"}


def test_photos_without_a_side_view_are_rejected(lean_man: tuple[FittedBody, torch.Tensor]) -> None:
    _, images = lean_man
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        ("front", images[0]), ("back", images[2]), ("front", images[0])
    ]
    with pytest.raises(ScanRejected) as err:
        scan_from_photos(photos, height_cm=175)
    assert err.value.code == "SCAN_VIEWS_MISSING"


def test_a_cancelled_scan_stops_between_stages(lean_man: tuple[FittedBody, torch.Tensor]) -> None:
    body, images = lean_man
    stages: list[str] = []
    with pytest.raises(ScanCancelled):
        scan_from_photos(
            [(p, im) for p, im in zip(POSES, images, strict=True)],
            height_cm=body.measurements["height"],
            on_stage=lambda stage, progress, message: stages.append(stage),
            is_cancelled=lambda: "feature_detection" in stages,
        )
    assert stages[-1] == "feature_detection"
