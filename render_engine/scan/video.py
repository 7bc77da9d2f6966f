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
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from render_engine.scan.errors import ScanRejected

if TYPE_CHECKING:
    from render_engine.scan.person import Detection
    from render_engine.scan.pipeline import ScanResult

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


def pick_views(frames: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """The clearest usable frame of the front, of one side and of the back: (view, frame)."""
    from render_engine.scan.person import detect_person
    from render_engine.scan.quality import analyse_detection

    best: dict[str, tuple[float, np.ndarray]] = {}
    for rgb in frames:
        detection = detect_person(rgb)
        if detection is None:
            continue
        image = torch.from_numpy(rgb).permute(2, 0, 1).to(torch.float32) / 255.0
        quality = analyse_detection(image, detection)
        if not quality.usable or quality.view is None:
            continue
        square = _squareness(detection)
        score = square if quality.view in ("front", "back") else -square
        if quality.view not in best or score > best[quality.view][0]:
            best[quality.view] = (score, rgb)
    sides = [v for v in ("side_left", "side_right") if v in best]
    if sides:
        keep = max(sides, key=lambda v: best[v][0])
        sides = [keep]
    return [(v, best[v][1]) for v in ("front", *sides, "back") if v in best]


def scan_from_video(data: bytes, height_cm: float, **kwargs: Any) -> ScanResult:
    """A `pipeline.ScanResult` from a video of the person turning (see the module); keyword
    arguments as `scan_from_photos`. Raises `ScanRejected` with VIDEO_* codes, or
    VIDEO_VIEWS_MISSING when the front or back and a side are not all found."""
    from render_engine.scan.pipeline import scan_from_photos

    views = pick_views(sample_frames(data))
    found = {v for v, _ in views}
    if len(views) < 3 or not ({"front", "back"} <= found) or not found & {
        "side_left", "side_right"
    }:
        raise ScanRejected(
            "the video must show the person's front, a side and the back, each clearly; found: "
            + (", ".join(sorted(found)) or "none"),
            "VIDEO_VIEWS_MISSING",
        )
    photos: list[tuple[str, bytes | torch.Tensor]] = [
        (v, torch.from_numpy(rgb).permute(2, 0, 1).contiguous()) for v, rgb in views
    ]
    return scan_from_photos(photos, height_cm, **kwargs)
