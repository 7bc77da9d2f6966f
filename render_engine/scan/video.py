"""Video scans: the person turning on the spot in front of a propped phone.

The upload is decoded with FFmpeg through PyAV, within limits checked from the container's
header before any frame is decoded (`MAX_VIDEO_SECONDS`, `MAX_FRAME_PIXELS`). At most
`SAMPLES` frames, evenly spaced in time, are converted (scaled to at most `FRAME_SIDE`
pixels on the long side while converting, so memory stays bounded whatever the video), turned
upright as the track's display matrix says (phones store portrait video sideways), and
BlazePose reads each one's view (`view.read_view`). Per view the frame that shows it most
clearly is kept: for front and back the widest shoulders against the trunk (the person
squarest to the camera), for a side the narrowest; usable frames only (the photo quality
gate, `quality.analyse_detection`). The front, one side and the back then go through the
photo scan as three photos from one spot (same size, same lens: they share pitch and roll).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from render_engine.scan.errors import ScanRejected

if TYPE_CHECKING:
    from render_engine.scan.feedback import PhotoFeedback
    from render_engine.scan.person import Detection
    from render_engine.scan.pipeline import ScanResult
    from render_engine.scan.quality import PhotoQuality

MAX_VIDEO_SECONDS = 60.0
MAX_FRAME_PIXELS = 3840 * 2160
SAMPLES = 36
FRAME_SIDE = 960


def _squareness(detection: Detection) -> float:
    """Shoulder spread over trunk length: large facing the camera, near 0 from the side."""
    from render_engine.scan import person as P

    lm = detection.landmarks
    spread = abs(float(lm[P.LEFT_SHOULDER, 0] - lm[P.RIGHT_SHOULDER, 0]))
    trunk = detection.midpoint(P.LEFT_SHOULDER, P.RIGHT_SHOULDER) - detection.midpoint(
        P.LEFT_HIP, P.RIGHT_HIP
    )
    return spread / max(1e-6, float(np.linalg.norm(trunk)))


def _upright(rgb: np.ndarray, rotation: int | None) -> np.ndarray:
    """A decoded (H, W, 3) frame turned as its display matrix says (a phone held upright
    records its frames sideways and says so there; FFmpeg gives the turn counter-clockwise
    in degrees)."""
    quarter_turns = round((rotation or 0) / 90) % 4
    return rgb if quarter_turns == 0 else np.ascontiguousarray(np.rot90(rgb, quarter_turns))


def sample_frames(data: bytes) -> list[np.ndarray]:
    """Video bytes -> up to `SAMPLES` (H, W, 3) uint8 frames evenly spaced in time.
    Raises `ScanRejected` (VIDEO_UNREADABLE, VIDEO_TOO_LONG, VIDEO_TOO_LARGE)."""
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r")
    except Exception as exc:  # FFmpeg raises many types on a corrupt file
        raise ScanRejected("the video cannot be decoded", "VIDEO_UNREADABLE") from exc
    with container:
        if not container.streams.video:
            raise ScanRejected("the file has no video stream", "VIDEO_UNREADABLE")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_FRAME_PIXELS or width <= 0 or height <= 0:
            raise ScanRejected(
                f"video frames of {width}x{height} pixels; at most {MAX_FRAME_PIXELS} are read",
                "VIDEO_TOO_LARGE",
            )
        seconds = (container.duration or 0) / 1_000_000
        if stream.duration and stream.time_base:
            seconds = max(seconds, float(stream.duration * stream.time_base))
        if seconds > MAX_VIDEO_SECONDS:
            raise ScanRejected(
                f"the video lasts {seconds:.0f} s; at most {MAX_VIDEO_SECONDS:.0f} s are read",
                "VIDEO_TOO_LONG",
            )
        scale = min(1.0, FRAME_SIDE / max(width, height))
        size = (max(2, round(width * scale)) // 2 * 2, max(2, round(height * scale)) // 2 * 2)
        step = max(seconds, 1e-3) / SAMPLES
        frames: list[np.ndarray] = []
        next_time = 0.0
        decoded = 0
        try:
            for frame in container.decode(stream):
                decoded += 1
                if decoded > MAX_VIDEO_SECONDS * 120:  # a lying header: stop anyway
                    break
                t = float(frame.time) if frame.time is not None else next_time
                if t + 1e-6 < next_time:
                    continue
                rgb = frame.to_ndarray(width=size[0], height=size[1], format="rgb24")
                frames.append(_upright(rgb, frame.rotation))
                next_time = t + step
                if len(frames) >= SAMPLES:
                    break
        except Exception as exc:  # a corrupt stream part-way
            if not frames:
                raise ScanRejected("the video cannot be decoded", "VIDEO_UNREADABLE") from exc
    if not frames:
        raise ScanRejected("the video has no frames", "VIDEO_UNREADABLE")
    return frames


@dataclass
class _Seen:
    """What one sampled frame showed."""

    index: int  # the frame's place among the samples
    rgb: np.ndarray  # (H, W, 3) uint8
    detection: Detection | None
    quality: PhotoQuality | None  # None: nobody was found


def _look(frames: list[np.ndarray]) -> list[_Seen]:
    from render_engine.scan.person import detect_person
    from render_engine.scan.quality import analyse_detection

    seen = []
    for index, rgb in enumerate(frames):
        detection = detect_person(rgb)
        quality = None
        if detection is not None:
            image = torch.from_numpy(rgb).permute(2, 0, 1).to(torch.float32) / 255.0
            quality = analyse_detection(image, detection)
        seen.append(_Seen(index, rgb, detection, quality))
    return seen


def _best_views(seen: list[_Seen]) -> dict[str, _Seen]:
    """The clearest usable frame of each view found: front and back squarest to the camera,
    a side the narrowest."""
    best: dict[str, tuple[float, _Seen]] = {}
    for frame in seen:
        quality = frame.quality
        if quality is None or frame.detection is None or not quality.usable or not quality.view:
            continue
        square = _squareness(frame.detection)
        score = square if quality.view in ("front", "back") else -square
        if quality.view not in best or score > best[quality.view][0]:
            best[quality.view] = (score, frame)
    chosen: dict[str, _Seen] = {v: best[v][1] for v in ("front", "back") if v in best}
    sides = [v for v in ("side_left", "side_right") if v in best]
    if sides:  # one side is enough: the clearer one
        keep = max(sides, key=lambda v: best[v][0])
        chosen[keep] = best[keep][1]
    return {v: chosen[v] for v in ("front", "side_left", "side_right", "back") if v in chosen}


def pick_views(frames: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """The clearest usable frame of the front, of one side and of the back: (view, frame)."""
    return [(view, frame.rgb) for view, frame in _best_views(_look(frames)).items()]


def _missing_views_feedback(seen: list[_Seen], best: dict[str, _Seen],
                            missing: list[str]) -> list[PhotoFeedback]:
    """What a person needs to see when the video lacked views: the frame kept for each view
    that was found, and one frame for each reason frames were refused (too dark, cut off...),
    each with what was detected drawn over it."""
    from render_engine.scan.feedback import OVERLAY_SIDE, PhotoFeedback
    from render_engine.scan.overlay import draw_overlay

    def overlay(frame: _Seen, verdict: str) -> bytes | None:
        if frame.detection is None:
            return None
        return draw_overlay(frame.rgb, frame.detection, verdict, max_side=OVERLAY_SIDE,
                            image_format="JPEG")

    wanted = ", ".join(v.replace("_", " ") for v in missing)
    reports = [PhotoFeedback(frame.index, view, False, "VIDEO_VIEWS_MISSING",
                             f"this frame shows the {view.replace('_', ' ')}; the video also "
                             f"needs the {wanted}",
                             overlay(frame, f"{view}: found; missing {wanted}"))
               for view, frame in best.items()]
    reasons: set[str] = set()
    for frame in seen:
        quality = frame.quality
        if quality is None or quality.usable or quality.reason in reasons:
            continue
        reasons.add(str(quality.reason))
        reports.append(PhotoFeedback(frame.index, quality.view or "unknown", False,
                                     quality.reason, quality.message,
                                     overlay(frame, f"refused, {quality.reason}")))
    return sorted(reports, key=lambda r: r.index)


def scan_from_video(data: bytes, height_cm: float, **kwargs: Any) -> ScanResult:
    """A `pipeline.ScanResult` from a video of the person turning (see the module); keyword
    arguments as `scan_from_photos`. Raises `ScanRejected` with VIDEO_* codes, or
    VIDEO_VIEWS_MISSING when the front or back and a side are not all found."""
    from render_engine.scan.pipeline import scan_from_photos

    seen = _look(sample_frames(data))
    best = _best_views(seen)
    missing = [v for v in ("front", "side", "back")
               if not any(found.startswith(v) for found in best)]
    if missing:
        raise ScanRejected(
            "the video must show the person's front, a side and the back, each clearly; found: "
            + (", ".join(best) or "none"),
            "VIDEO_VIEWS_MISSING", feedback=_missing_views_feedback(seen, best, missing),
        )
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        (view, torch.from_numpy(frame.rgb).permute(2, 0, 1).contiguous())
        for view, frame in best.items()
    ]
    return scan_from_photos(photos, height_cm, **kwargs)
