"""The fit's reference camera, and the advice given to people taking scan photos.

Nothing here is assumed of the photos any more: each photo's own camera is estimated
(`camera`) and its person mask brought into this reference view before the fit. The
reference: a level camera 2.5 m in front of the person, lens 1.0 m above the floor, 60
degrees vertical field of view, 3:4 portrait. The advice (docs/scan.md): whole body in the
frame, tight clothing, arms about 45 degrees away from the body in front and back photos,
turn on one spot between photos: ``front`` (facing the camera), ``side_left`` (left side
towards the camera), ``back``, ``side_right``; 3-10 photos (``custom`` photos are analysed
but not fitted).

Each pose turns the body about its vertical axis (yaw, degrees): front 0, side_left -90,
back 180, side_right +90.
"""

from __future__ import annotations

import math
from typing import Any

import torch

CAMERA_DISTANCE_M = 2.5
CAMERA_HEIGHT_M = 1.0
VERTICAL_FOV_DEG = 60.0
ASPECT = 3 / 4  # width / height, portrait
POSES = ("front", "side_left", "side_right", "back", "custom")
POSE_YAW_DEG = {"front": 0.0, "side_left": -90.0, "side_right": 90.0, "back": 180.0}
MIN_PHOTOS, MAX_PHOTOS = 3, 10


def yaw_matrix(degrees: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(3, 3) rotation about +Y: a yaw of -90 degrees turns the figure's left (+X) to +Z."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]], dtype=dtype)


def make_cameras(count: int, device: torch.device | str = "cpu") -> Any:
    """`count` copies of the protocol's camera as PyTorch3D FoVPerspectiveCameras."""
    from pytorch3d.renderer import FoVPerspectiveCameras, look_at_view_transform

    eye = torch.tensor([[0.0, CAMERA_HEIGHT_M, CAMERA_DISTANCE_M]]).repeat(count, 1)
    at = torch.tensor([[0.0, CAMERA_HEIGHT_M, 0.0]]).repeat(count, 1)
    rot, trans = look_at_view_transform(eye=eye, at=at, up=((0.0, 1.0, 0.0),))
    # FoVPerspectiveCameras' fov is the vertical one for portrait images (H > W) with
    # aspect_ratio handled by the rasterizer's non-square NDC: the shorter side spans [-1, 1].
    return FoVPerspectiveCameras(
        fov=horizontal_fov_deg(), R=rot, T=trans, device=device, znear=0.5, zfar=10.0
    )


def horizontal_fov_deg() -> float:
    """PyTorch3D's `fov` applies to the shorter image side, the width of a portrait photo."""
    half = math.atan(math.tan(math.radians(VERTICAL_FOV_DEG) / 2) * ASPECT)
    return math.degrees(2 * half)


def image_size(height: int) -> tuple[int, int]:
    """(H, W) of a portrait image `height` pixels tall in the protocol's aspect."""
    return height, int(round(height * ASPECT))
