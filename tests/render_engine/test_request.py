"""A RenderSpec accepts the spec's TryOnRequest and rejects bad values with a typed error."""

from __future__ import annotations

from typing import Any

import pytest

from render_engine.errors import InvalidRequest, RenderEngineError
from render_engine.request import (
    CameraSpec,
    LightingSpec,
    OutputSpec,
    PoseSpec,
    RenderSpec,
    pose_presets,
)

SPEC_EXAMPLE = {
    "avatarId": "avatar_abc456def",
    "productId": "prod_123abc456",
    "variantId": "var_123_001",
    "pose": {
        "type": "preset",
        "presetName": "standing_neutral",
        "customAdjustments": {"arm_rotation": 15, "leg_position": "slightly_apart"},
    },
    "lighting": {"type": "studio", "preset": "soft_daylight", "intensity": 0.8},
    "camera": {"angle": "front", "zoom": 1.0, "perspective": "realistic"},
    "output": {
        "format": "png",
        "resolution": "1080p",
        "quality": "high",
        "background": "transparent",
    },
}


def test_the_spec_example_request_builds_a_render_spec() -> None:
    spec = RenderSpec.from_request(SPEC_EXAMPLE)
    assert spec.pose.preset_name == "standing_neutral"
    assert spec.pose.custom_adjustments["arm_rotation"] == 15
    assert spec.lighting.intensity == 0.8
    assert spec.camera.perspective == "realistic"
    assert spec.output.size == (1920, 1080)  # portrait: height x width
    assert spec.output.supersampling == 3
    assert spec.output.background_rgb is None
    assert spec.output.content_type == "image/png"


def test_there_are_at_least_four_pose_presets_including_standing_neutral() -> None:
    presets = pose_presets()
    assert "standing_neutral" in presets
    assert len(presets) >= 4


def test_resolutions_are_portrait_by_default_and_landscape_on_request() -> None:
    assert OutputSpec(resolution="720p").size == (1280, 720)
    assert OutputSpec(resolution="4k").size == (3840, 2160)
    assert OutputSpec(resolution="1080p", orientation="landscape").size == (1080, 1920)


def test_quality_is_a_supersampling_factor_capped_at_4k() -> None:
    assert [OutputSpec(quality=q).supersampling for q in ("low", "medium", "high")] == [1, 2, 3]
    assert OutputSpec(resolution="4k", quality="high").supersampling == 2


def test_backgrounds_resolve_to_colours() -> None:
    assert OutputSpec(background="white").background_rgb == (1.0, 1.0, 1.0)
    assert OutputSpec(background="black").background_rgb == (0.0, 0.0, 0.0)
    custom = OutputSpec(background="custom", background_color="#FF8000").background_rgb
    assert custom == pytest.approx((1.0, 128 / 255, 0.0))
    assert OutputSpec(background="#00FF00").background == "custom"
    assert OutputSpec(format="jpg", background="transparent").background_rgb == (1.0, 1.0, 1.0)


BAD_REQUESTS = [
    ("pose", {"presetName": "moonwalk"}, "pose.presetName"),
    ("pose", {"type": "dance"}, "pose.type"),
    (
        "pose",
        {"customAdjustments": {"arm_rotation": [1, 2]}},
        "pose.customAdjustments.arm_rotation",
    ),
    ("lighting", {"preset": "disco"}, "lighting.preset"),
    ("lighting", {"intensity": 2.5}, "lighting.intensity"),
    ("lighting", {"intensity": -0.1}, "lighting.intensity"),
    ("lighting", {"intensity": "bright"}, "lighting.intensity"),
    ("camera", {"zoom": 3.5}, "camera.zoom"),
    ("camera", {"zoom": 0.4}, "camera.zoom"),
    ("camera", {"angle": "top"}, "camera.angle"),
    ("camera", {"perspective": "fisheye"}, "camera.perspective"),
    ("output", {"format": "bmp"}, "output.format"),
    ("output", {"resolution": "8k"}, "output.resolution"),
    ("output", {"quality": "ultra"}, "output.quality"),
    ("output", {"background": "plaid"}, "output.background"),
    ("output", {"background": "custom"}, "output.backgroundColor"),
    ("output", {"background": "custom", "backgroundColor": "red"}, "output.backgroundColor"),
    ("output", {"turntableFrames": 1}, "output.turntableFrames"),
    ("camera", {"tilt": 3}, "camera.tilt"),
]


@pytest.mark.parametrize(("section", "values", "field"), BAD_REQUESTS)
def test_a_bad_request_raises_invalid_request_naming_the_field(
    section: str, values: dict[str, Any], field: str
) -> None:
    request = {section: values}
    with pytest.raises(InvalidRequest) as raised:
        RenderSpec.from_request(request)
    assert raised.value.code == "INVALID_REQUEST"
    assert raised.value.details["field"] == field
    assert isinstance(raised.value, RenderEngineError)


def test_specs_built_in_python_are_validated_too() -> None:
    with pytest.raises(InvalidRequest):
        CameraSpec(zoom=0.0)
    with pytest.raises(InvalidRequest):
        LightingSpec(preset="nope")
    with pytest.raises(InvalidRequest):
        PoseSpec(preset_name="nope")
    with pytest.raises(InvalidRequest):
        OutputSpec(size_override=(4, 4))


def test_an_empty_request_gets_the_documented_defaults() -> None:
    spec = RenderSpec.from_request({})
    assert spec == RenderSpec()
    assert spec.camera.angle == "front" and spec.output.format == "png"
