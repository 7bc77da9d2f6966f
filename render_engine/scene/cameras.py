"""Cameras that frame the figure: angle around it, lens and height, zoom.

World: metres, +Y up, the figure facing +Z. The `front` camera stands on +Z looking back at
the figure; `three_quarter` is 45 degrees round towards the figure's left (+X), `side` 90 and
`back` 180 degrees. Perspective presets are lenses (field of view across the image's shorter
side) with a camera height given as a fraction of the figure's height:

    realistic     35 degrees at 0.55 (chest height, a natural eye-level look)
    high_fashion  18 degrees at 0.25 (long lens from knee height: flatter, legs longer)
    editorial     55 degrees at 0.90 (wide lens from above head height: looks down)

At zoom 1 the camera distance is the smallest at which the figure's bounding box (all eight
corners) fits inside 90 % of the frame. Zoom z narrows the field of view by z
(tan(fov/2) / z) and pans the aim from the figure's centre towards chest height (70 % of its
height) by (1 - 1/z) of the way, so zoomed pictures show the garment, not the knees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from pytorch3d.renderer import FoVPerspectiveCameras, look_at_view_transform

from render_engine.request import CameraSpec

ANGLE_AZIMUTH = {"front": 0.0, "three_quarter": 45.0, "side": 90.0, "back": 180.0}
FILL = 0.9  # the figure's bounding box fills at most 90 % of the frame at zoom 1
CHEST = 0.7  # fraction of the figure's height the zoom pans towards


@dataclass(frozen=True)
class Lens:
    fov_degrees: float  # across the image's shorter side
    height: float  # camera height as a fraction of the figure's height


LENSES = {
    "realistic": Lens(35.0, 0.55),
    "high_fashion": Lens(18.0, 0.25),
    "editorial": Lens(55.0, 0.90),
}


def _box_corners(lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """(8, 3) corners of the box [lo, hi]."""
    idx = torch.tensor([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=torch.bool)
    return torch.where(idx, hi.cpu(), lo.cpu())


def _look_at_rotation(eye: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """(3, 3) world-to-view rotation R (view = (p - eye) @ R), as PyTorch3D's look_at."""
    z = torch.nn.functional.normalize(at - eye, dim=0)
    up = torch.tensor([0.0, 1.0, 0.0], dtype=eye.dtype)
    x = torch.nn.functional.normalize(torch.linalg.cross(up, z), dim=0)
    y = torch.linalg.cross(z, x)
    return torch.stack([x, y, z], dim=1)


def _camera(eye: torch.Tensor, at: torch.Tensor, fov: float, znear: float, zfar: float,
            device: torch.device | str) -> FoVPerspectiveCameras:
    """A camera at ``eye`` (3,) looking at ``at`` (3,), +Y up; ``fov`` in degrees."""
    r, t = look_at_view_transform(eye=eye[None], at=at[None], up=((0.0, 1.0, 0.0),))
    return FoVPerspectiveCameras(znear=znear, zfar=zfar, fov=fov, R=r, T=t, device=device)


def frame_figure(
    lo: torch.Tensor,
    hi: torch.Tensor,
    image_size: tuple[int, int],
    spec: CameraSpec,
    azimuth_offset: float = 0.0,
    turntable: bool = False,
    device: torch.device | str = "cpu",
) -> FoVPerspectiveCameras:
    """A camera looking at the box [lo, hi] (each (3,)) as `spec` says, for an (H, W) image.

    turntable: frame a box made rotation-invariant about the vertical axis, so that every
    view of a turntable uses the same distance.
    """
    lo, hi = lo.detach().double().cpu(), hi.detach().double().cpu()
    centre = (lo + hi) / 2
    if turntable:
        radius = float(torch.linalg.vector_norm((hi - lo)[[0, 2]]) / 2)
        lo = torch.stack([centre[0] - radius, lo[1], centre[2] - radius])
        hi = torch.stack([centre[0] + radius, hi[1], centre[2] + radius])
    height = float(hi[1] - lo[1])
    size = float(torch.linalg.vector_norm(hi - lo))
    lens = LENSES[spec.perspective]
    h, w = image_size
    m = min(h, w)
    limit = torch.tensor([w / m, h / m], dtype=torch.float64) * FILL  # NDC half extents

    azimuth = math.radians(ANGLE_AZIMUTH[spec.angle] + azimuth_offset)
    direction = torch.tensor([math.sin(azimuth), 0.0, math.cos(azimuth)], dtype=torch.float64)
    eye_y = float(lo[1]) + lens.height * height
    at = centre.clone()
    corners = _box_corners(lo, hi).double()  # (8, 3)
    tan_half = math.tan(math.radians(lens.fov_degrees) / 2)

    def eye_at(distance: float) -> torch.Tensor:
        eye = centre + direction * distance
        eye[1] = eye_y
        return eye

    def fits(distance: float) -> bool:
        eye = eye_at(distance)
        view = (corners - eye) @ _look_at_rotation(eye, at)  # (8, 3) view space
        if bool((view[:, 2] <= 0.05).any()):
            return False
        ndc = view[:, :2] / (view[:, 2:] * tan_half)  # (8, 2)
        return bool((ndc.abs() <= limit).all())

    near, far = 0.0, size * 100 + 1.0
    for _ in range(40):  # bisection on the smallest distance that fits
        mid = (near + far) / 2
        near, far = (near, mid) if fits(mid) else (mid, far)
    distance = far

    zoom = float(spec.zoom)
    pan = (float(lo[1]) + CHEST * height - float(centre[1])) * max(0.0, 1.0 - 1.0 / zoom)
    eye = eye_at(distance)
    eye[1] += pan
    at = at.clone()
    at[1] += pan
    fov = math.degrees(2 * math.atan(tan_half / zoom))
    znear = max(0.01, distance - size)
    zfar = distance + 2 * size + 1.0
    return _camera(eye.float(), at.float(), fov, znear, zfar, device)
