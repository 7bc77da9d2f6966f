"""Silhouette width profiles: how wide the trunk looks, row by row, in each view.

For rows at fixed heights above the floor (fractions of the person's height, from the crotch
to the armpits) the width in pixels of the run of silhouette pixels around the body's centre
line. The same numbers are measured on the photos and on bodies rendered by the protocol's
camera in the same pose, so whatever the arms do in a view, they do it in both.
"""

from __future__ import annotations

import math

import torch

from render_engine.scan.protocol import CAMERA_DISTANCE_M, CAMERA_HEIGHT_M, VERTICAL_FOV_DEG

#: Heights of the profile rows, as fractions of the body's height: from just above the
#: crotch (the inseam is 0.45-0.50 of the height; a row through the crotch flips between
#: "one trunk" and "gap between the legs") to the armpits.
ROW_FRACTIONS = tuple(0.49 + 0.02 * i for i in range(13))


def row_of_height(y_m: float, rows: int, depth_m: float = CAMERA_DISTANCE_M) -> float:
    """Image row (float, 0 at the top) where a point y_m above the floor at `depth_m` from
    the camera appears, for an image `rows` pixels tall."""
    f_px = (rows / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    return rows / 2 - 0.5 - f_px * (y_m - CAMERA_HEIGHT_M) / depth_m


def central_widths(mask: torch.Tensor, rows: list[float]) -> torch.Tensor:
    """(H, W) bool silhouette -> (R,) widths in pixels of the run around the centre column
    (the mean column of the whole silhouette) at each (fractional) row, linearly interpolated
    between the two nearest pixel rows. 0 where the centre pixel is background."""
    h, w = mask.shape
    if not bool(mask.any()):
        return torch.zeros(len(rows))
    centre = int(torch.nonzero(mask)[:, 1].float().mean().round())
    pos = torch.tensor(rows, dtype=torch.float64)
    r0 = torch.floor(pos).to(torch.int64)  # (R,)
    frac = (pos - r0).to(torch.float32)
    pair = torch.stack([r0, r0 + 1], dim=1)  # (R, 2)
    inside = (pair >= 0) & (pair < h)
    lines = mask[pair.clamp(0, h - 1)] & inside[..., None]  # (R, 2, W)
    on_centre = lines[..., centre]  # (R, 2)
    left = lines[..., :centre].flip(-1).to(torch.int32).cumprod(-1).sum(-1)  # (R, 2)
    right = lines[..., centre:].to(torch.int32).cumprod(-1).sum(-1)
    width = torch.where(on_centre, left + right, torch.zeros_like(left)).to(torch.float32)
    return (1 - frac) * width[:, 0] + frac * width[:, 1]


def profile_rows(height_m: float, rows: int) -> list[float]:
    """Image rows of `ROW_FRACTIONS` of a person `height_m` tall standing at the protocol's spot."""
    return [row_of_height(f * height_m, rows) for f in ROW_FRACTIONS]
