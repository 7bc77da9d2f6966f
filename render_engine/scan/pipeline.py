"""Photos -> body: the scan pipeline and its six stages.

Stages (the spec's ScanStatusResponse), with the overall progress each one spans:
    image_analysis     0-15   decode, sharpness / exposure / coverage per photo
    feature_detection 15-25   silhouettes, trunk width profiles
    mesh_generation   25-75   measurement fit from height (and weight, gender, body type),
                              then the width-profile fit (Levenberg-Marquardt on widths
                              cut exactly from the full mesh, several starts)
    texture_mapping   75-80   skin colour from the front photo
    optimization      80-95   refinement with PyTorch3D's soft silhouette renderer (Adam)
    finalization      95-100  the body, its measurements and the quality score
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from render_engine.body.fit import Measurements, fit_measurements
from render_engine.body.fitted import FittedBody, build_body
from render_engine.scan.errors import ScanCancelled, ScanRejected
from render_engine.scan.fit import fit_profiles, fit_silhouettes, soft_targets
from render_engine.scan.profile import central_widths, profile_rows
from render_engine.scan.protocol import MAX_PHOTOS, MIN_PHOTOS, POSE_YAW_DEG, POSES, image_size
from render_engine.scan.quality import PhotoQuality, analyse_image, as_image
from render_engine.scan.silhouette import ANALYSIS_HEIGHT, coverage_mask, resize_to_height

STAGES = (
    ("image_analysis", 0, 15, "Analyzing input images..."),
    ("feature_detection", 15, 25, "Detecting body outline..."),
    ("mesh_generation", 25, 75, "Generating 3D mesh..."),
    ("texture_mapping", 75, 80, "Applying texture mapping..."),
    ("optimization", 80, 95, "Refining the fit..."),
    ("finalization", 95, 100, "Final quality checks..."),
)
REFINE_HEIGHT = 128  # rows of the soft-silhouette refinement
REFINE_STEPS = 6

OnStage = Callable[[str, int, str], None]


@dataclass(frozen=True)
class PhotoReport:
    index: int
    pose: str
    quality: PhotoQuality
    used: bool  # fitted (usable, and of a pose with a known camera)


@dataclass
class ScanResult:
    body: FittedBody
    measurements: dict[str, float]
    quality_score: float  # 0..1
    photo_reports: list[PhotoReport]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


def _skin_color(image: torch.Tensor, mask: torch.Tensor) -> tuple[float, float, float]:
    """Median colour of the top 8 % of the silhouette (head and neck) of a photo."""
    small = resize_to_height(image, mask.shape[0])[:, :, : mask.shape[1]]
    rows = torch.nonzero(mask.any(dim=1)).squeeze(1)
    top, bottom = int(rows[0]), int(rows[-1])
    head = mask.clone()
    head[top + max(2, int(0.08 * (bottom - top))) :] = False
    pixels = small[:, head]  # (3, n)
    if pixels.shape[1] < 5:
        pixels = small[:, mask]
    return tuple(float(c) for c in pixels.median(dim=1).values)  # type: ignore[return-value]


def scan_from_photos(
    photos: list[tuple[str, bytes | torch.Tensor]],
    height_cm: float,
    weight_kg: float | None = None,
    gender: str | None = None,
    body_type: str | None = None,
    on_stage: OnStage | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> ScanResult:
    """Fit a body to 3-10 photos taken by the capture protocol (see `protocol`).

    photos: (pose, image) pairs, pose in `POSES`, image as file bytes or a (3, H, W) tensor.
    Raises `ScanRejected` (with per-photo reasons) when the photos cannot make a body,
    `InvalidRequest` for bad measurements, `ScanCancelled` when `is_cancelled()` turns true.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    measurements = Measurements(
        height=float(height_cm), weight=None if weight_kg is None else float(weight_kg)
    )
    if not MIN_PHOTOS <= len(photos) <= MAX_PHOTOS:
        raise ScanRejected(
            f"a scan needs {MIN_PHOTOS}-{MAX_PHOTOS} photos, got {len(photos)}",
            "INVALID_PHOTO_COUNT",
        )
    bad_poses = {
        f"{i}:{pose}": "INVALID_POSE" for i, (pose, _) in enumerate(photos) if pose not in POSES
    }
    if bad_poses:
        raise ScanRejected(
            f"unknown photo poses; known: {', '.join(POSES)}", "INVALID_POSE", bad_poses
        )

    stage_index = {name: i for i, (name, *_rest) in enumerate(STAGES)}

    def report(stage: str, fraction: float) -> None:
        _, lo, hi, message = STAGES[stage_index[stage]]
        if on_stage is not None:
            on_stage(stage, int(round(lo + (hi - lo) * min(max(fraction, 0.0), 1.0))), message)

    def begin(stage: str) -> float:
        if is_cancelled is not None and is_cancelled():
            raise ScanCancelled(f"scan cancelled before {stage}")
        report(stage, 0.0)
        return time.perf_counter()

    # image_analysis
    t = begin("image_analysis")
    reports, images, silhouettes = [], [], []
    for i, (pose, data) in enumerate(photos):
        try:
            image = as_image(data)
            quality, mask = analyse_image(image)
        except Exception:  # undecodable input
            image, mask = None, None
            quality = PhotoQuality(0.0, 0.0, 0.0, 0.0, usable=False, reason="IMAGE_UNREADABLE")
        used = quality.usable and pose in POSE_YAW_DEG
        reports.append(PhotoReport(i, pose, quality, used))
        images.append(image)
        silhouettes.append(mask)
        report("image_analysis", (i + 1) / len(photos))
    timings["image_analysis"] = time.perf_counter() - t
    reasons = {f"{r.index}:{r.pose}": r.quality.reason for r in reports if r.quality.reason}
    used = [r for r in reports if r.used]
    if len(used) < MIN_PHOTOS:
        raise ScanRejected(
            f"only {len(used)} usable photos of the poses front/side/back; {MIN_PHOTOS} are needed",
            "SCAN_PHOTOS_UNUSABLE",
            reasons,  # type: ignore[arg-type]
        )
    poses = [r.pose for r in used]
    if not ({"front", "back"} & set(poses)) or not ({"side_left", "side_right"} & set(poses)):
        raise ScanRejected(
            "the scan needs a front or back photo and a side photo", "SCAN_VIEWS_MISSING", reasons
        )  # type: ignore[arg-type]

    # feature_detection
    t = begin("feature_detection")
    height_m = measurements.height / 100.0
    rows = profile_rows(height_m, ANALYSIS_HEIGHT)
    masks = [silhouettes[r.index] for r in used]
    widths = torch.stack([central_widths(m, rows) for m in masks])  # (N, R)
    targets = soft_targets(
        torch.stack([coverage_mask(m, image_size(REFINE_HEIGHT)) for m in masks])
    )
    report("feature_detection", 1.0)
    timings["feature_detection"] = time.perf_counter() - t

    # mesh_generation
    t = begin("mesh_generation")
    start = fit_measurements(measurements, gender=gender, body_type=body_type).phenotype
    report("mesh_generation", 0.1)
    # from the measurement fit's phenotype and a few other builds (see `fit_profiles`),
    # pulled weakly towards the measurement fit's phenotype
    phenotype, _ = fit_profiles(
        widths,
        poses,
        start,
        height_m,
        ANALYSIS_HEIGHT,
        weight_kg,
        on_step=lambda i, n: report("mesh_generation", 0.1 + 0.9 * i / n),
    )
    timings["mesh_generation"] = time.perf_counter() - t

    # texture_mapping
    t = begin("texture_mapping")
    front = next((r for r in used if r.pose == "front"), used[0])
    skin = _skin_color(images[front.index], silhouettes[front.index])
    report("texture_mapping", 1.0)
    timings["texture_mapping"] = time.perf_counter() - t

    # optimization
    t = begin("optimization")
    refined = fit_silhouettes(
        targets,
        poses,
        phenotype,
        height_m,
        weight_kg,
        steps=REFINE_STEPS,
        lr=0.003,
        on_step=lambda i, n: report("optimization", i / n),
    )
    timings["optimization"] = time.perf_counter() - t

    # finalization
    t = begin("finalization")
    body = build_body(refined.phenotype, skin)
    photo_score = sum(r.quality.score for r in used) / len(used)
    quality_score = round(max(0.0, min(1.0, photo_score * min(1.0, refined.iou / 0.9))), 2)
    body.extras.update({"scan": {"iou": refined.iou, "offset": refined.offset, "poses": poses}})
    report("finalization", 1.0)
    timings["finalization"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return ScanResult(body, dict(body.measurements), quality_score, reports, timings)
