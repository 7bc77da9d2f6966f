"""Lighting presets: an ambient term plus directional lights fixed to the camera.

Directions are given in the viewer's frame (right, up, towards the camera) and point from the
figure towards the light; lights move with the camera, as in a photo studio where the lights
follow the photographer, so every camera angle is lit the same way. `intensity` (0..2)
multiplies every light, ambient included, linearly: 0 gives a black figure, 2 twice the light.

    soft_daylight  bright neutral ambient, a soft key from the upper left, a weak fill
    studio_bright  high-key: key from the front-top, two side fills, crisp highlights
    dramatic       low ambient, a hard side key and a rim light from behind
    warm_evening   orange ambient and a low, warm key from the left, a faint cool fill
    cool_overcast  bluish, flat, mostly ambient from the sky, no highlights
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from render_engine.request import LightingSpec


@dataclass(frozen=True)
class DirectionalLight:
    direction: tuple[float, float, float]  # (right, up, towards camera), towards the light
    color: tuple[float, float, float]
    diffuse: float
    specular: float


@dataclass(frozen=True)
class LightingPreset:
    ambient: tuple[float, float, float]
    sky: float  # how much more ambient faces pointing up get than faces pointing down, 0..1
    lights: tuple[DirectionalLight, ...]
    shininess: float


WHITE = (1.0, 1.0, 1.0)

PRESETS: dict[str, LightingPreset] = {
    "soft_daylight": LightingPreset(
        ambient=(0.50, 0.50, 0.52),
        sky=0.3,
        lights=(
            DirectionalLight((-0.5, 0.6, 0.7), (1.0, 0.98, 0.95), 0.55, 0.10),
            DirectionalLight((0.7, 0.1, 0.6), (0.95, 0.97, 1.0), 0.20, 0.0),
        ),
        shininess=16.0,
    ),
    "studio_bright": LightingPreset(
        ambient=(0.55, 0.55, 0.55),
        sky=0.15,
        lights=(
            DirectionalLight((0.0, 0.5, 1.0), WHITE, 0.55, 0.30),
            DirectionalLight((-1.0, 0.2, 0.3), WHITE, 0.25, 0.05),
            DirectionalLight((1.0, 0.2, 0.3), WHITE, 0.25, 0.05),
        ),
        shininess=32.0,
    ),
    "dramatic": LightingPreset(
        ambient=(0.10, 0.10, 0.12),
        sky=0.5,
        lights=(
            DirectionalLight((-1.0, 0.35, 0.25), (1.0, 0.97, 0.92), 1.00, 0.45),
            DirectionalLight((0.8, 0.3, -0.6), (0.85, 0.9, 1.0), 0.70, 0.30),
        ),
        shininess=48.0,
    ),
    "warm_evening": LightingPreset(
        ambient=(0.34, 0.26, 0.20),
        sky=0.2,
        lights=(
            DirectionalLight((-0.8, 0.15, 0.6), (1.0, 0.72, 0.45), 0.80, 0.15),
            DirectionalLight((0.7, 0.3, 0.5), (0.6, 0.7, 1.0), 0.15, 0.0),
        ),
        shininess=12.0,
    ),
    "cool_overcast": LightingPreset(
        ambient=(0.60, 0.64, 0.72),
        sky=0.6,
        lights=(DirectionalLight((0.0, 1.0, 0.3), (0.9, 0.94, 1.0), 0.25, 0.0),),
        shininess=8.0,
    ),
}


@dataclass(frozen=True)
class LightingRig:
    """Tensors for shading, in PyTorch3D's view space (+X left, +Y up, +Z into the scene).

    ambient: (3,); sky: float; directions: (L, 3) unit, towards the lights;
    diffuse: (L, 3) and specular: (L, 3) colour times strength times intensity; shininess.
    """

    ambient: torch.Tensor
    sky: float
    directions: torch.Tensor
    diffuse: torch.Tensor
    specular: torch.Tensor
    shininess: float


def lighting_rig(spec: LightingSpec, device: torch.device | str = "cpu") -> LightingRig:
    """The preset of `spec` scaled by its intensity, as view-space tensors."""
    preset = PRESETS[spec.preset]
    k = float(spec.intensity)
    viewer = torch.tensor(
        [[light.direction[0], light.direction[1], light.direction[2]] for light in preset.lights]
    )
    # viewer frame (right, up, towards camera) -> view space (+X left, +Y up, +Z forward)
    directions = viewer * torch.tensor([-1.0, 1.0, -1.0])
    directions = directions / directions.norm(dim=1, keepdim=True)
    colors = torch.tensor([light.color for light in preset.lights])  # (L, 3)
    diffuse = colors * torch.tensor([light.diffuse for light in preset.lights])[:, None] * k
    specular = colors * torch.tensor([light.specular for light in preset.lights])[:, None] * k
    return LightingRig(
        ambient=(torch.tensor(preset.ambient) * k).to(device),
        sky=preset.sky,
        directions=directions.to(device),
        diffuse=diffuse.to(device),
        specular=specular.to(device),
        shininess=preset.shininess,
    )
