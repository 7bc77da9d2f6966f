"""`RenderSpec`: the pose, lighting, camera and output parts of the spec's `TryOnRequest`.

Every field is validated when the spec is built; a bad value raises `InvalidRequest` (code
`INVALID_REQUEST`, `details={"field": ..., "value": ..., "allowed": ...}`), never a crash later.

Documented choices (see also docs of `render_engine.render`):
- Resolutions are **portrait** by default, a standing figure being taller than wide:
  720p = 720 x 1280, 1080p = 1080 x 1920, 4k = 2160 x 3840 (width x height).
  `orientation="landscape"` gives 1280 x 720, 1920 x 1080 and 3840 x 2160.
- Quality is supersampling anti-aliasing: low = 1, medium = 2, high = 3 samples per pixel side
  on the picture's edges (silhouettes, occlusions, garment borders; elsewhere the surface is
  smooth and one sample per pixel stands for them), capped as if the whole frame were
  supersampled within 4 x 4k pixels (4k high renders at 2x).
- Background `custom` needs `background_color` "#RRGGBB"; "#RRGGBB" given as the background
  itself is accepted too. jpg cannot be transparent: a transparent jpg is composited on white.
- gif is a turntable: `turntable_frames` views (default 12) around the vertical axis, starting
  at the requested camera angle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from render_engine.errors import InvalidRequest

_FALLBACK_POSES = ("standing_neutral", "standing_relaxed", "walking", "hands_on_hips", "t_pose")


def pose_presets() -> tuple[str, ...]:
    """Pose presets the body module can apply (its `POSE_PRESETS`), else our own list."""
    try:
        from render_engine.body.pose import POSE_PRESETS
    except Exception:  # torch is not installed here (the API alone): fall back to our list
        return _FALLBACK_POSES
    return tuple(POSE_PRESETS)


POSE_TYPES = ("preset", "custom")
LIGHTING_TYPES = ("studio", "natural", "custom")
LIGHTING_PRESETS = ("soft_daylight", "studio_bright", "dramatic", "warm_evening", "cool_overcast")
CAMERA_ANGLES = ("front", "side", "back", "three_quarter")
PERSPECTIVES = ("realistic", "high_fashion", "editorial")
FORMATS = ("png", "jpg", "webp", "gif")
RESOLUTIONS = ("720p", "1080p", "4k")
QUALITIES = ("low", "medium", "high")
BACKGROUNDS = ("transparent", "white", "black", "custom")
ORIENTATIONS = ("portrait", "landscape")

ZOOM_RANGE = (0.5, 3.0)
INTENSITY_RANGE = (0.0, 2.0)
TURNTABLE_RANGE = (2, 72)

# (short side, long side) in pixels
RESOLUTION_PIXELS = {"720p": (720, 1280), "1080p": (1080, 1920), "4k": (2160, 3840)}
SUPERSAMPLING = {"low": 1, "medium": 2, "high": 3}
MAX_SUPERSAMPLED_PIXELS = 4 * 3840 * 2160

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _invalid(field_name: str, value: object, allowed: object) -> InvalidRequest:
    return InvalidRequest(
        f"{field_name}: {value!r} is not allowed (allowed: {allowed})",
        details={"field": field_name, "value": value, "allowed": allowed},
    )


def _one_of(field_name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise _invalid(field_name, value, list(allowed))


def _in_range(field_name: str, value: object, bounds: tuple[float, float]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(field_name, value, f"a number in [{bounds[0]}, {bounds[1]}]")
    if not bounds[0] <= float(value) <= bounds[1]:
        raise _invalid(field_name, value, f"[{bounds[0]}, {bounds[1]}]")


@dataclass(frozen=True)
class PoseSpec:
    """`pose`: a preset name plus adjustments for the body module (degrees or named values)."""

    type: str = "preset"
    preset_name: str = "standing_neutral"
    custom_adjustments: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _one_of("pose.type", self.type, POSE_TYPES)
        _one_of("pose.presetName", self.preset_name, pose_presets())
        if not isinstance(self.custom_adjustments, Mapping):
            raise _invalid("pose.customAdjustments", self.custom_adjustments, "an object")
        for key, value in self.custom_adjustments.items():
            if not isinstance(key, str) or not isinstance(value, int | float | str | bool):
                raise _invalid(f"pose.customAdjustments.{key}", value, "a number or a name")


@dataclass(frozen=True)
class LightingSpec:
    """`lighting`: preset name and a linear intensity multiplier in [0, 2] on every light."""

    type: str = "studio"
    preset: str = "soft_daylight"
    intensity: float = 1.0

    def __post_init__(self) -> None:
        _one_of("lighting.type", self.type, LIGHTING_TYPES)
        _one_of("lighting.preset", self.preset, LIGHTING_PRESETS)
        _in_range("lighting.intensity", self.intensity, INTENSITY_RANGE)


@dataclass(frozen=True)
class CameraSpec:
    """`camera`: view angle around the figure, zoom factor, lens/height preset."""

    angle: str = "front"
    zoom: float = 1.0
    perspective: str = "realistic"

    def __post_init__(self) -> None:
        _one_of("camera.angle", self.angle, CAMERA_ANGLES)
        _in_range("camera.zoom", self.zoom, ZOOM_RANGE)
        _one_of("camera.perspective", self.perspective, PERSPECTIVES)


@dataclass(frozen=True)
class OutputSpec:
    """`output`: format, resolution, anti-aliasing quality and background.

    size_override: (height, width) in pixels replacing `resolution`, for tests and previews.
    """

    format: str = "png"
    resolution: str = "1080p"
    quality: str = "high"
    background: str = "transparent"
    background_color: str | None = None
    orientation: str = "portrait"
    turntable_frames: int = 12
    size_override: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        _one_of("output.format", self.format, FORMATS)
        _one_of("output.resolution", self.resolution, RESOLUTIONS)
        _one_of("output.quality", self.quality, QUALITIES)
        _one_of("output.orientation", self.orientation, ORIENTATIONS)
        if isinstance(self.background, str) and _HEX.match(self.background):
            object.__setattr__(self, "background_color", self.background)
            object.__setattr__(self, "background", "custom")
        _one_of("output.background", self.background, BACKGROUNDS)
        if self.background == "custom" and not (
            isinstance(self.background_color, str) and _HEX.match(self.background_color)
        ):
            raise _invalid("output.backgroundColor", self.background_color, "#RRGGBB")
        if isinstance(self.turntable_frames, bool) or not isinstance(self.turntable_frames, int):
            raise _invalid("output.turntableFrames", self.turntable_frames, "an integer")
        _in_range("output.turntableFrames", self.turntable_frames, TURNTABLE_RANGE)
        if self.size_override is not None:
            h_w = tuple(self.size_override)
            if len(h_w) != 2 or not all(isinstance(v, int) and 8 <= v <= 8192 for v in h_w):
                raise _invalid("output.sizeOverride", self.size_override, "(height, width) 8..8192")
            object.__setattr__(self, "size_override", h_w)

    @property
    def size(self) -> tuple[int, int]:
        """Final image (height, width) in pixels."""
        if self.size_override is not None:
            return self.size_override
        short, long = RESOLUTION_PIXELS[self.resolution]
        return (long, short) if self.orientation == "portrait" else (short, long)

    @property
    def supersampling(self) -> int:
        """Samples per pixel side, capped so the supersampled frame stays <= 4 x 4k pixels."""
        h, w = self.size
        factor = SUPERSAMPLING[self.quality]
        while factor > 1 and h * w * factor * factor > MAX_SUPERSAMPLED_PIXELS:
            factor -= 1
        return factor

    @property
    def background_rgb(self) -> tuple[float, float, float] | None:
        """Background colour in [0, 1], or None for a transparent background."""
        if self.background == "transparent":
            return (1.0, 1.0, 1.0) if self.format == "jpg" else None
        if self.background == "white":
            return (1.0, 1.0, 1.0)
        if self.background == "black":
            return (0.0, 0.0, 0.0)
        hex_colour = str(self.background_color)
        r, g, b = (int(hex_colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
        return (r, g, b)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


@dataclass(frozen=True)
class RenderSpec:
    """Everything `render_scene` needs to know about the picture, validated."""

    pose: PoseSpec = field(default_factory=PoseSpec)
    lighting: LightingSpec = field(default_factory=LightingSpec)
    camera: CameraSpec = field(default_factory=CameraSpec)
    output: OutputSpec = field(default_factory=OutputSpec)

    @classmethod
    def from_request(cls, request: Mapping[str, Any]) -> RenderSpec:
        """Build from a `TryOnRequest` JSON object (camelCase keys; ids are ignored here)."""
        if not isinstance(request, Mapping):
            raise _invalid("request", request, "an object")

        def part(name: str) -> Mapping[str, Any]:
            value = request.get(name) or {}
            if not isinstance(value, Mapping):
                raise _invalid(name, value, "an object")
            return value

        pose, lighting, camera, output = (
            part("pose"),
            part("lighting"),
            part("camera"),
            part("output"),
        )
        names = {
            "pose": (
                pose,
                {
                    "type": "type",
                    "presetName": "preset_name",
                    "customAdjustments": "custom_adjustments",
                },
            ),
            "lighting": (lighting, {"type": "type", "preset": "preset", "intensity": "intensity"}),
            "camera": (camera, {"angle": "angle", "zoom": "zoom", "perspective": "perspective"}),
            "output": (
                output,
                {
                    "format": "format",
                    "resolution": "resolution",
                    "quality": "quality",
                    "background": "background",
                    "backgroundColor": "background_color",
                    "orientation": "orientation",
                    "turntableFrames": "turntable_frames",
                },
            ),
        }
        kwargs: dict[str, dict[str, Any]] = {}
        for section, (values, mapping) in names.items():
            unknown = sorted(set(values) - set(mapping))
            if unknown:
                raise _invalid(f"{section}.{unknown[0]}", values[unknown[0]], sorted(mapping))
            kwargs[section] = {mapping[k]: v for k, v in values.items() if v is not None}
        return cls(
            pose=PoseSpec(**kwargs["pose"]),
            lighting=LightingSpec(**kwargs["lighting"]),
            camera=CameraSpec(**kwargs["camera"]),
            output=OutputSpec(**kwargs["output"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
