"""Golden images per lighting preset, background and camera angle, compared with SSIM.

Regenerate after an intended change with `TRYON_REGENERATE_GOLDEN=1 pytest <this file>`
and look at the PNGs in tests/render_engine/golden/ before committing them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import kornia
import numpy as np
import pytest
import torch
from PIL import Image

from render_engine.mesh import TriMesh
from render_engine.render import render_scene
from render_engine.request import CameraSpec, LightingSpec, OutputSpec, RenderSpec
from render_engine.scene.mannequin import mannequin

torch.set_num_threads(2)

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("TRYON_REGENERATE_GOLDEN") == "1"
SIZE = (160, 96)  # height, width
MIN_SSIM = 0.98

BASE = RenderSpec(
    lighting=LightingSpec(preset="soft_daylight", intensity=1.0),
    camera=CameraSpec(angle="front"),
    output=OutputSpec(format="png", quality="medium", background="white", size_override=SIZE),
)

VARIANTS: dict[str, dict[str, Any]] = {
    **{
        f"lighting_{p}": {"lighting": LightingSpec(preset=p, intensity=1.0)}
        for p in ("soft_daylight", "studio_bright", "dramatic", "warm_evening", "cool_overcast")
    },
    **{
        f"background_{b}": {
            "output": OutputSpec(
                format="png",
                quality="medium",
                background=b,
                size_override=SIZE,
                background_color="#3366CC" if b == "custom" else None,
            )
        }
        for b in ("transparent", "white", "black", "custom")
    },
    **{
        f"angle_{a}": {"camera": CameraSpec(angle=a)}
        for a in ("front", "three_quarter", "side", "back")
    },
}


@pytest.fixture(scope="module")
def figure() -> list[TriMesh]:
    return mannequin()


def render_png(figure: list[TriMesh], name: str) -> bytes:
    spec = RenderSpec(**{**BASE.__dict__, **VARIANTS[name]})
    return render_scene(figure, spec).image


def to_tensor(png: bytes) -> torch.Tensor:
    """PNG bytes -> (1, 4, H, W) float in [0, 1]; opaque images get alpha 1."""
    array = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1)[None]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_render_matches_its_golden_image(figure: list[TriMesh], name: str) -> None:
    png = render_png(figure, name)
    path = GOLDEN / f"{name}.png"
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(png)
    assert path.exists(), f"missing golden image {path}: run with TRYON_REGENERATE_GOLDEN=1"
    got, want = to_tensor(png), to_tensor(path.read_bytes())
    assert got.shape == want.shape == (1, 4, *SIZE)
    ssim = float(kornia.metrics.ssim(got, want, window_size=7).mean())
    assert ssim >= MIN_SSIM, f"{name}: SSIM {ssim:.4f} < {MIN_SSIM}"


def test_golden_images_of_different_settings_are_not_alike() -> None:
    """Guards the golden test itself: the variants really differ from each other."""
    images = {name: to_tensor((GOLDEN / f"{name}.png").read_bytes()) for name in VARIANTS}
    for a, b in [
        ("lighting_soft_daylight", "lighting_dramatic"),
        ("lighting_warm_evening", "lighting_cool_overcast"),
        ("angle_front", "angle_side"),
        ("background_white", "background_black"),
    ]:
        ssim = float(kornia.metrics.ssim(images[a], images[b], window_size=7).mean())
        assert ssim < MIN_SSIM, f"{a} and {b} look the same (SSIM {ssim:.4f})"
