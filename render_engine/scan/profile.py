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

#: Heights of the profile rows, as fractions of the body's height (crotch .. armpits).
ROW_FRACTIONS = tuple(0.46 + 0.02 * i for i in range(14))


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
    cols = torch.nonzero(mask.any(dim=0)).squeeze(1)
    if cols.numel() == 0:
        return torch.zeros(len(rows))
    centre = int(torch.nonzero(mask)[:, 1].float().mean().round())

    def width_at(r: int) -> float:
        if not 0 <= r < h:
            return 0.0
        line = mask[r]
        if not bool(line[centre]):
            return 0.0
        left = line[:centre].flip(0)
        right = line[centre:]
        lrun = int(torch.argmin(left.int())) if not bool(left.all()) else left.numel()
        rrun = int(torch.argmin(right.int())) if not bool(right.all()) else right.numel()
        return float(lrun + rrun)

    out = []
    for r in rows:
        r0 = math.floor(r)
        t = r - r0
        out.append((1 - t) * width_at(r0) + t * width_at(r0 + 1))
    return torch.tensor(out)


def profile_rows(height_m: float, rows: int) -> list[float]:
    """Image rows of `ROW_FRACTIONS` of a person `height_m` tall standing at the protocol's spot."""
    return [row_of_height(f * height_m, rows) for f in ROW_FRACTIONS]
