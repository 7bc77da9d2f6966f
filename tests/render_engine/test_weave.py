"""The weave's normal map is drawn only where the pixels can hold it: never as moire."""

from __future__ import annotations

import math

import torch

from render_engine.scene.materials import ATTRS, MATERIALS, PERIOD, RELIEF, WEAVE, S, T
from render_engine.scene.shading import _woven


def _fabric(material: str, count: int) -> torch.Tensor:
    mat = MATERIALS[material]
    f = torch.zeros(count, ATTRS)
    f[:, WEAVE], f[:, PERIOD], f[:, RELIEF] = mat.weave, mat.period_m, mat.relief
    # cloth coordinates spread over a few periods
    f[:, S] = torch.linspace(0.0, 3.1 * mat.period_m, count)
    f[:, T] = torch.linspace(0.0, 1.7 * mat.period_m, count)
    return f


def _tilt_deg(material: str, pixels_per_period: float, facing: float) -> float:
    """Largest tilt (degrees) the weave gives a normal turned `facing` (cosine) towards the
    eye, with the weave's nominal period spanning `pixels_per_period` pixels (under 0.1:
    none, but for rounding)."""
    n = 64
    angle = math.acos(facing)
    normal = torch.tensor([[math.sin(angle), 0.0, math.cos(angle)]]).expand(n, 3)
    to_eye = torch.tensor([[0.0, 0.0, 1.0]]).expand(n, 3)
    texel = MATERIALS[material].period_m / pixels_per_period
    out = _woven(normal.clone(), _fabric(material, n), texel, to_eye)
    cos = (out * normal).sum(dim=1).clamp(-1.0, 1.0)
    return float(torch.rad2deg(torch.acos(cos)).max())


def test_a_weave_spanning_many_pixels_tilts_the_normals() -> None:
    assert _tilt_deg("denim", 20.0, 1.0) > 5.0


def test_a_plain_weave_whose_diagonal_would_alias_is_not_drawn() -> None:
    # 4 pixels per period across and along, but its diagonal runs at 2.8 pixels: drawn
    # before (a pixel checkerboard and moire over the gallery's base layer at 1080p)
    assert _tilt_deg("cotton", 4.0, 1.0) < 0.1


def test_a_surface_turning_away_foreshortens_the_weave_out_of_sight() -> None:
    # face-on the twill shows; turned 75 degrees away its period spans a quarter of the
    # pixels, too few to draw without aliasing
    assert _tilt_deg("denim", 12.0, 1.0) > 5.0
    assert _tilt_deg("denim", 12.0, math.cos(math.radians(75))) < 0.1
