"""Photos -> body: the scan pipeline and its six stages.

Stages (the spec's ScanStatusResponse), with the overall progress each one spans:
    image_analysis     0-15   bounded decode, BlazePose person + landmarks, quality on the person
    feature_detection 15-25   each photo's camera, its mask in the reference view, width profiles
    mesh_generation   25-75   measurement fit from height (and weight, gender, body type),
                              then the width-profile fit (Levenberg-Marquardt on widths
                              cut exactly from the full mesh, several starts), then the
                              cameras again with the fitted body
    texture_mapping   75-80   skin colour from the front photo
    optimization      80-95   refinement with PyTorch3D's soft silhouette renderer (Adam)
    finalization      95-100  the body, its measurements and the quality score
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from render_engine.body.fit import Measurements, fit_measurements
from render_engine.body.fitted import FittedBody, build_body
from render_engine.errors import InvalidRequest
from render_engine.scan.camera import (
    BodyPoints,
    PhotoCamera,
    body_points,
    estimate_camera,
    estimate_shared_focal,
    prior_focal_px,
    reference_mask,
)
from render_engine.scan.decode import PhotoTooLarge, decode_photo
from render_engine.scan.errors import ScanCancelled, ScanRejected
from render_engine.scan.feedback import PhotoFeedback, photo_feedback
from render_engine.scan.fit import fit_profiles, fit_silhouettes, soft_targets
from render_engine.scan.palette import Chroma, chromaticity, person_palette, without_room
from render_engine.scan.person import Detection, detect_person
from render_engine.scan.posing import (
    PhotoPose,
    arms_hang,
    arms_over_trunk,
    estimate_pose,
    hanging_elbows_as_in_side,
    side_arms_as_in_front,
)
from render_engine.scan.profile import central_runs, profile_rows
from render_engine.scan.protocol import (
    MAX_PHOTOS,
    MIN_PHOTOS,
    POSE_YAW_DEG,
    POSES,
    image_size,
    yaw_matrix,
)
from render_engine.scan.quality import (
    PhotoQuality,
    analyse_detection,
    as_image,
    to_rgb8,
    unreadable,
)
from render_engine.scan.room import RoomVerticals, pitch_from_tilt, room_verticals
from render_engine.scan.silhouette import ANALYSIS_HEIGHT
from render_engine.scan.trunk import trunk_runs

STAGES = (
    ("image_analysis", 0, 15, "Analyzing input images..."),
    ("feature_detection", 15, 25, "Detecting body outline..."),
    ("mesh_generation", 25, 75, "Generating 3D mesh..."),
    ("texture_mapping", 75, 80, "Applying texture mapping..."),
    ("optimization", 80, 95, "Refining the fit..."),
    ("finalization", 95, 100, "Final quality checks..."),
)
#: How much further (share of the distance) than the nearest one a photo of one spot may
#: read the person before its outline is taken to have lost part of them (turning on the
#: spot moves a person by a few per cent; the grids' 104 scans spread by 3.2 % at most,
#: except two that lost their feet: 6.3 and 9.1 %)
SPOT_DISTANCE_SPREAD = 0.05
REFINE_HEIGHT = 128  # rows of the soft-silhouette refinement
REFINE_STEPS = 6
#: The pitch a phone's motion sensor may report for a photo of a standing person (degrees):
#: beyond it the person would hardly be in the picture.
MAX_SENSOR_PITCH_DEG = 45.0

OnStage = Callable[[str, int, str], None]


@dataclass(frozen=True)
class PhotoReport:
    index: int
    pose: str
    quality: PhotoQuality
    used: bool  # fitted (usable, and of a pose with a known turn)
    camera: PhotoCamera | None = None  # estimated for fitted photos
    detection: Detection | None = field(default=None, repr=False, compare=False)


@dataclass
class ScanResult:
    body: FittedBody
    measurements: dict[str, float]
    quality_score: float  # 0..1
    photo_reports: list[PhotoReport]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    feedback: list[PhotoFeedback] = field(default_factory=list)  # per photo, for the person


@dataclass(frozen=True)
class _Photo:
    rgb: np.ndarray  # (H, W, 3) uint8
    focal_px: float | None
    focal_source: str


@dataclass(frozen=True)
class _Views:
    """Each photo's camera and pose, and what a fit compares, read from the photos with
    them: the profile fit's readings or the refinement's targets (the others None)."""

    cameras: list[PhotoCamera]
    poses: list[PhotoPose]  # each photo's pose (`posing`)
    #: (N, R) the trunk's widths and (N, R, 2) the gaps beside them at `ANALYSIS_HEIGHT`
    #: (`profile.central_runs`), (N, R) the trunk's visible width between arms hanging
    #: against it (`trunk.trunk_runs`, nan where unknown)
    widths: torch.Tensor | None = None
    gaps: torch.Tensor | None = None
    trunks: torch.Tensor | None = None
    #: (N, h, w) the soft silhouettes the refinement fits
    targets: torch.Tensor | None = None


def _read(data: bytes | torch.Tensor) -> _Photo:
    if isinstance(data, (bytes, bytearray, memoryview)):
        decoded = decode_photo(bytes(data))
        return _Photo(decoded.rgb, decoded.focal_px, decoded.focal_source)
    return _Photo(to_rgb8(as_image(data)), None, "none")


def _skin_color(rgb: np.ndarray, mask: np.ndarray) -> tuple[float, float, float]:
    """Median colour of the top 8 % of the person's mask (head and neck) in a photo."""
    rows = np.nonzero(mask.any(axis=1))[0]
    top, bottom = int(rows[0]), int(rows[-1])
    head = mask.copy()
    head[top + max(2, int(0.08 * (bottom - top))) :] = False
    pixels = rgb[head] if int(head.sum()) >= 5 else rgb[mask]
    return tuple(float(c) / 255.0 for c in np.median(pixels, axis=0))  # type: ignore[return-value]


def _body_points(
    phenotype: dict[str, float], poses: list[str]
) -> tuple[list[BodyPoints], torch.Tensor]:
    """`camera.BodyPoints` of the body of `phenotype`, turned for each of `poses`, and its
    (J, 3) bone heads standing on the floor."""
    from render_engine.body.fitted import _topology
    from render_engine.body.model import phenotype_tensor, rest_shape

    with torch.no_grad():
        verts, heads = rest_shape(phenotype_tensor(phenotype))
    floor = torch.tensor([0.0, float(verts[0, :, 1].min()), 0.0], dtype=verts.dtype)
    labels = _topology()[2]
    points = [
        body_points(verts[0] - floor, heads[0] - floor, labels, yaw_matrix(POSE_YAW_DEG[p]))
        for p in poses
    ]
    return points, heads[0] - floor


def photo_spots(cameras: list[PhotoCamera], poses: list[PhotoPose]) -> torch.Tensor:
    """(N, 3) each photo's camera distance to the person, lens height and the person's
    place right of the optical axis, m (see `fit.from_photo_spots`)."""
    return torch.tensor(
        [[c.distance_m, c.lens_height_m, p.lateral_m] for c, p in zip(cameras, poses, strict=True)],
        dtype=torch.float64,
    )


def spot_cameras(
    photos: list[tuple[Detection | None, _Photo | None]],
    order: list[int],
    bodies: list[BodyPoints],
    pitches: Sequence[float | None] | None = None,
    rooms: Sequence[RoomVerticals | None] | None = None,
) -> list[PhotoCamera]:
    """Each photo's camera (`camera.estimate_camera`; photos: detection and decoded photo,
    bodies: the body's points turned as in each). Photos of the size and lens of the first
    of `order` were taken from its spot: they share its pitch and roll (a side view's
    landmarks say little of either) and, without a focal length in EXIF, one focal length
    (`camera.estimate_shared_focal`). A person turning on the spot stays within a few per
    cent of one distance, so a photo of the spot that reads them over
    `SPOT_DISTANCE_SPREAD` further away than the nearest has lost part of the outline (dark
    bare feet on a brown wooden floor: the mask and the foot landmarks end at the leggings'
    hem, the person 8 % short, and its rows read a tilt 15 degrees off): the first photo of
    `order` that is not that far judges the spot's pitch and roll then, and each far photo
    is read again from its crown, shoulders and hips alone (`estimate_camera` without
    `soles`: the ankles' and knees' landmarks are often lost with the feet): where that puts
    the person within the spread of the nearest, it lost its feet and is read so; where
    even its upper body says further, the person did step back and is seen from there.

    What is measured beats what the rows estimate. `pitches`: each photo's pitch as the
    phone's motion sensor measured it (None where it did not): a spot's pitch is the mean
    of those measured for its photos (a sensor reads each photo a little differently, and
    one pitch keeps the spot's photos consistent). `rooms`: what each photo's room verticals
    say of its camera (`room.room_verticals`, None where the photo shows too few): a spot's
    tilt and roll are their mean, each reading weighted by its precision; they give the
    pitch where no sensor did (at each candidate focal length where EXIF has none) and the
    roll (else read from the person's axis). A photo of no spot keeps its own readings."""
    measured = list(pitches) if pitches is not None else [None] * len(photos)
    seen = list(rooms) if rooms is not None else [None] * len(photos)

    def size(i: int) -> tuple[int, int]:
        photo = photos[i][1]
        assert photo is not None
        return photo.rgb.shape[1], photo.rgb.shape[0]

    def no_focal(i: int) -> bool:
        photo = photos[i][1]
        return photo is not None and photo.focal_px is None

    def same_lens(i: int, lead: int) -> bool:
        """Photo `i` has `lead`'s size and focal length (both None: neither in EXIF)."""
        a, b = photos[i][1], photos[lead][1]
        assert a is not None and b is not None
        return size(i) == size(lead) and (
            a.focal_px == b.focal_px or (
                a.focal_px is not None and b.focal_px is not None
                and abs(a.focal_px - b.focal_px) < 1e-6))

    def spot_pitch(lead: int) -> float | None:
        """The mean pitch measured for the photos of `lead`'s size and lens, if any."""
        readings = [p for i, p in enumerate(measured) if p is not None and same_lens(i, lead)]
        return sum(readings) / len(readings) if readings else None

    def spot_room(lead: int) -> tuple[float, float] | None:
        """The precision-weighted mean tilt per pixel and roll (degrees) the room's
        verticals read for the photos of `lead`'s size and lens, if any."""
        readings = [r for i, r in enumerate(seen) if r is not None and same_lens(i, lead)]
        if not readings:
            return None
        weights = [1.0 / r.tilt_sd_per_px**2 for r in readings]
        total = sum(weights)
        return (sum(w * r.tilt_per_px for w, r in zip(weights, readings, strict=True)) / total,
                sum(w * r.roll_deg for w, r in zip(weights, readings, strict=True)) / total)

    def spot_focal(lead: int) -> tuple[float, float] | None:
        """The focal length (pixels, standard deviation in log) the room's vanishing points
        give for the photos of `lead`'s size and lens: the precision-weighted mean of the
        logs, as precise as the best single reading (a spot's photos see the same room,
        their readings are not independent)."""
        readings = [(r.focal_px, r.focal_log_sd) for i, r in enumerate(seen)
                    if r is not None and r.focal_px is not None and r.focal_log_sd is not None
                    and same_lens(i, lead)]
        if not readings:
            return None
        weights = [1.0 / max(sd, 1e-3) ** 2 for _, sd in readings]
        mean = sum(w * math.log(f) for w, (f, _) in zip(weights, readings, strict=True))
        return math.exp(mean / sum(weights)), min(sd for _, sd in readings)

    def held(i: int, sensor: float | None, room: tuple[float, float] | None
             ) -> tuple[float | None, float | None, str]:
        """Photo `i`'s pitch and roll to hold (None: estimate) and the pitch's source."""
        photo = photos[i][1]
        assert photo is not None
        f = photo.focal_px if photo.focal_px is not None else prior_focal_px(*size(i))
        roll = None if room is None else room[1]
        if sensor is not None:
            return sensor, roll, "sensor"
        if room is not None:
            return pitch_from_tilt(room[0], f), roll, "room"
        return None, None, "estimated"

    def estimate(order: list[int]) -> tuple[dict[int, PhotoCamera], list[int]]:
        """Each photo's camera, the first of `order` judging the pitch and roll of its
        spot; and the photos of that spot."""
        estimated: dict[int, PhotoCamera] = {}
        lead = order[0]
        spot = [lead]
        pitch, room = spot_pitch(lead), spot_room(lead)
        if no_focal(lead):
            # no focal length in EXIF: the first photo and those of its size without one
            # were taken from one spot with one lens, whose focal length their rows choose
            spot = [i for i in order if no_focal(i) and size(i) == size(lead)]
            points = []
            for i in spot:
                detection = photos[i][0]
                assert detection is not None
                points.append((detection, *size(i), bodies[i]))
            estimated.update(zip(spot, estimate_shared_focal(points, pitch, "sensor", room,
                                                             spot_focal(lead)), strict=True))
        for i in order:
            if i in estimated:
                continue
            photo, detection = photos[i][1], photos[i][0]
            assert photo is not None and detection is not None
            h, w = photo.rgb.shape[:2]
            first = estimated.get(lead)
            own: tuple[float | None, float | None, str]
            if first is not None and same_lens(i, lead):
                spot.append(i)
                own = first.pitch_deg, first.roll_deg, first.pitch_source
            elif i == lead:
                own = held(i, pitch, room)
            else:
                reading = seen[i]
                own = held(i, measured[i], None if reading is None else (
                    reading.tilt_per_px, reading.roll_deg))
            estimated[i] = estimate_camera(
                detection, w, h, bodies[i], photo.focal_px, photo.focal_source,
                pitch_deg=own[0], roll_deg=own[1], pitch_source=own[2],
            )
        return estimated, spot

    def further(estimated: dict[int, PhotoCamera], spot: list[int]) -> list[int]:
        """The photos of `spot` that read the person further away than its nearest by
        over `SPOT_DISTANCE_SPREAD`."""
        near = min(estimated[i].distance_m for i in spot)
        return [i for i in spot if estimated[i].distance_m > (1 + SPOT_DISTANCE_SPREAD) * near]

    estimated, spot = estimate(order)
    far = further(estimated, spot)
    if far:
        lead = next(i for i in order if i in spot and i not in far)
        if lead != order[0]:
            estimated, spot = estimate([lead] + [i for i in order if i != lead])
        # a far photo whose crown, shoulders and hips put the person where the spot's other
        # photos do lost its feet (the soles' row is the mask's bottom, ended at a hem);
        # one whose upper body says further too did step back, and stays there
        near = min(estimated[i].distance_m for i in spot)
        for i in further(estimated, spot):
            photo, detection = photos[i][1], photos[i][0]
            assert photo is not None and detection is not None
            h, w = photo.rgb.shape[:2]
            camera = estimated[i]
            without = estimate_camera(
                detection, w, h, bodies[i], camera.focal_px, camera.focal_source,
                pitch_deg=camera.pitch_deg, roll_deg=camera.roll_deg,
                pitch_source=camera.pitch_source, soles=False,
            )
            if without.distance_m <= (1 + SPOT_DISTANCE_SPREAD) * near:
                estimated[i] = without
    return [estimated[i] for i in range(len(photos))]


def scan_from_photos(
    photos: list[tuple[str, bytes | torch.Tensor]],
    height_cm: float,
    weight_kg: float | None = None,
    gender: str | None = None,
    body_type: str | None = None,
    on_stage: OnStage | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    camera_pitches: Sequence[float | None] | None = None,
) -> ScanResult:
    """Fit a body to 3-10 photos of a person taken by any camera (see docs/scan.md).

    photos: (pose, image) pairs, pose in `POSES`, image as file bytes or a (3, H, W) tensor.
    camera_pitches: each photo's camera pitch (degrees down from level) as the phone's
    motion sensor measured it when the photo was taken, None where unknown (the pitch is
    then estimated; see `spot_cameras`). A person in front of a wall hardly shows it.
    Raises `ScanRejected` (with per-photo reasons) when the photos cannot make a body,
    `InvalidRequest` for bad measurements, `ScanCancelled` when `is_cancelled()` turns true.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    measurements = Measurements(
        height=float(height_cm), weight=None if weight_kg is None else float(weight_kg)
    )
    pitches = list(camera_pitches) if camera_pitches is not None else [None] * len(photos)
    if len(pitches) != len(photos) or any(
        p is not None and not -MAX_SENSOR_PITCH_DEG <= p <= MAX_SENSOR_PITCH_DEG
        for p in pitches
    ):
        raise InvalidRequest(
            f"camera pitches: one per photo, each within +-{MAX_SENSOR_PITCH_DEG:g} degrees",
            "INVALID_CAMERA_PITCH",
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

    # image_analysis: decode (bounded), find the person, judge the photo on the person
    t = begin("image_analysis")
    reports: list[PhotoReport] = []
    read: list[_Photo | None] = []
    feedback: list[PhotoFeedback] = []
    found: list[Detection | None] = []
    unread: dict[int, PhotoQuality] = {}
    for i, (_pose, data) in enumerate(photos):
        photo: _Photo | None = None
        try:
            photo = _read(data)
        except PhotoTooLarge:
            unread[i] = unreadable("IMAGE_TOO_LARGE")
        except Exception:  # undecodable input (Pillow raises many types)
            unread[i] = unreadable()
        read.append(photo)
        found.append(None if photo is None else detect_person(photo.rgb))
        report("image_analysis", 0.9 * (i + 1) / len(photos))
    # the colours the person wears in every photo: the room's pieces out of each mask
    colours: dict[int, Chroma] = {}
    worn: list[tuple[Chroma, Detection]] = []
    for i, (photo, detection) in enumerate(zip(read, found, strict=True)):
        if photo is not None and detection is not None and detection.body_seen():
            colours[i] = chromaticity(photo.rgb)
            worn.append((colours[i], detection))
    palette = person_palette(worn)
    # the room's verticals, where a fitted photo shows enough of them, tell its camera's tilt
    rooms: dict[int, RoomVerticals | None] = {}
    for i, (pose, _data) in enumerate(photos):
        photo, detection = read[i], found[i]
        if photo is None:
            quality = unread[i]
        else:
            if detection is not None and i in colours:
                detection = replace(detection, mask=without_room(colours[i], detection, palette))
            image = torch.from_numpy(photo.rgb).permute(2, 0, 1).to(torch.float32) / 255.0
            quality = analyse_detection(image, detection, pose)
        fitted = quality.usable and pose in POSE_YAW_DEG
        if fitted and photo is not None and detection is not None:
            h, w = photo.rgb.shape[:2]
            rooms[i] = room_verticals(
                photo.rgb, detection, photo.focal_px
                if photo.focal_px is not None else prior_focal_px(w, h),
                focal_known=photo.focal_px is not None)
        room = rooms.get(i)
        reports.append(PhotoReport(i, pose, quality, fitted, None, detection))
        feedback.append(photo_feedback(i, pose, quality, fitted,
                                       None if photo is None else photo.rgb, detection,
                                       None if room is None else room.segments))
    report("image_analysis", 1.0)
    timings["image_analysis"] = time.perf_counter() - t
    reasons = {f"{r.index}:{r.pose}": r.quality.reason for r in reports if r.quality.reason}
    used = [r for r in reports if r.used]
    if len(used) < MIN_PHOTOS:
        raise ScanRejected(
            f"only {len(used)} usable photos of the poses front/side/back; {MIN_PHOTOS} are needed",
            "SCAN_PHOTOS_UNUSABLE",
            {k: v for k, v in reasons.items() if v is not None},
            feedback,
        )
    poses = [r.pose for r in used]
    if not ({"front", "back"} & set(poses)) or not ({"side_left", "side_right"} & set(poses)):
        raise ScanRejected(
            "the scan needs a front or back photo and a side photo", "SCAN_VIEWS_MISSING",
            {k: v for k, v in reasons.items() if v is not None},
            feedback,
        )

    # feature_detection: each photo's camera, and the person as the reference camera sees it
    t = begin("feature_detection")
    height_m = measurements.height / 100.0
    start = fit_measurements(measurements, gender=gender, body_type=body_type).phenotype

    def views(phenotype: dict[str, float], refine: bool = False) -> _Views:
        """Each photo's camera and pose, as the body of `phenotype` explains them, and what
        the profile fit compares, or with `refine` what the refinement does (`_Views`)."""
        bodies, heads = _body_points(phenotype, poses)
        # the front photo (else the back) first: BlazePose's joints sit nearest anny's there
        order = sorted(range(len(used)), key=lambda i: {"front": 0, "back": 1}.get(poses[i], 2))
        estimated = spot_cameras([(r.detection, read[r.index]) for r in used], order, bodies,
                                 [pitches[r.index] for r in used],
                                 [rooms.get(r.index) for r in used])
        cameras: list[PhotoCamera] = []
        photo_poses: list[PhotoPose] = []
        widths: list[torch.Tensor] = []
        gaps: list[torch.Tensor] = []
        trunks: list[torch.Tensor] = []
        targets: list[torch.Tensor] = []
        for i, r in enumerate(used):
            detection = r.detection
            assert detection is not None
            camera = estimated[i]
            cameras.append(camera)
            # the arms and the turn, by anny's joints reprojected against the landmarks
            pose = estimate_pose(detection, camera, heads, r.pose)
            if r.pose.startswith("side"):
                pose = replace(
                    pose, arms_over_trunk=arms_over_trunk(detection, camera)
                )
            photo_poses.append(pose)
            if refine:
                targets.append(reference_mask(detection, camera, image_size(REFINE_HEIGHT)))
                continue
            analysis = reference_mask(detection, camera, image_size(ANALYSIS_HEIGHT))
            width, gap = central_runs(analysis, rows)
            widths.append(width)
            gaps.append(gap)
            photo = read[r.index]
            assert photo is not None
            trunks.append(
                trunk_runs(photo.rgb, detection, camera, image_size(ANALYSIS_HEIGHT), rows)
                if r.pose in ("front", "back") and arms_hang(pose)
                else torch.full((len(rows),), float("nan"))
            )
        # a side photo without evidence of its arms' pose keeps the front photo's hanging
        # arms; a front or back photo sees a hanging arm's elbow bend end-on, a side photo
        # in its plane
        photo_poses = hanging_elbows_as_in_side(poses, side_arms_as_in_front(poses, photo_poses))
        if refine:
            return _Views(cameras, photo_poses, targets=soft_targets(torch.stack(targets)))
        return _Views(cameras, photo_poses, widths=torch.stack(widths), gaps=torch.stack(gaps),
                      trunks=torch.stack(trunks))

    rows = profile_rows(height_m, ANALYSIS_HEIGHT)
    seen = views(start)
    assert seen.widths is not None and seen.gaps is not None
    report("feature_detection", 1.0)
    timings["feature_detection"] = time.perf_counter() - t

    # mesh_generation
    t = begin("mesh_generation")
    report("mesh_generation", 0.1)
    # from the measurement fit's phenotype and a few other builds (see `fit_profiles`),
    # pulled weakly towards the measurement fit's phenotype
    phenotype = fit_profiles(
        seen.widths,
        poses,
        start,
        height_m,
        ANALYSIS_HEIGHT,
        weight_kg,
        on_step=lambda i, n: report("mesh_generation", 0.1 + 0.9 * i / n),
        photo_poses=seen.poses,
        spots=photo_spots(seen.cameras, seen.poses),
        photo_gaps=seen.gaps,
        photo_trunks=seen.trunks,
    ).phenotype
    # the cameras and poses again, with the fitted body's joints
    seen = views(phenotype, refine=True)
    cameras, photo_poses = seen.cameras, seen.poses
    timings["mesh_generation"] = time.perf_counter() - t

    # texture_mapping
    t = begin("texture_mapping")
    front = next((r for r in used if r.pose == "front"), used[0])
    front_photo, front_detection = read[front.index], front.detection
    assert front_photo is not None and front_detection is not None
    skin = _skin_color(front_photo.rgb, front_detection.mask)
    report("texture_mapping", 1.0)
    timings["texture_mapping"] = time.perf_counter() - t

    # optimization
    t = begin("optimization")
    assert seen.targets is not None
    refined = fit_silhouettes(
        seen.targets,
        poses,
        phenotype,
        height_m,
        weight_kg,
        steps=REFINE_STEPS,
        lr=0.003,
        on_step=lambda i, n: report("optimization", i / n),
        photo_poses=photo_poses,
        spots=photo_spots(cameras, photo_poses),
    )
    timings["optimization"] = time.perf_counter() - t

    # finalization
    t = begin("finalization")
    body = build_body(refined.phenotype, skin)
    photo_score = sum(r.quality.score for r in used) / len(used)
    quality_score = round(max(0.0, min(1.0, photo_score * min(1.0, refined.iou / 0.9))), 2)
    body.extras.update({"scan": {"iou": refined.iou, "offset": refined.offset, "poses": poses,
                                 "cameras": [c.as_report() for c in cameras],
                                 "photoPoses": [q.as_report() for q in photo_poses]}})
    by_index = {r.index: c for r, c in zip(used, cameras, strict=True)}
    reports = [
        PhotoReport(r.index, r.pose, r.quality, r.used, by_index.get(r.index), r.detection)
        for r in reports
    ]
    report("finalization", 1.0)
    timings["finalization"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return ScanResult(body, dict(body.measurements), quality_score, reports, timings, feedback)
