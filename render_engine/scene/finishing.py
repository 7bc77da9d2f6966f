"""What turns a shaded figure into a studio picture: ambient occlusion, a contact shadow on
the floor and tone mapping.

* `ambient_occlusion`: screen-space, by unsharp-masking the depth buffer (Luft, Colditz and
  Deussen, "Image enhancement by unsharp masking the depth buffer", 2006): a pixel further
  away than the mean depth of the figure around it lies in a crease (under an arm, between a
  garment and the body, under a collar) and is darkened in proportion, up to `AO_STRENGTH`.
  Computed on a quarter-resolution depth map, so it costs a few milliseconds at 1080p.
* `floor_shadow`: the figure's points near the floor are dropped onto the floor plane,
  projected with the camera and splatted into a small image, blurred: a soft, dark contact
  shadow under the feet, and a faint wider one under the whole figure. It darkens the
  background only (not a transparent one: there is no floor to cast it on).
* `tone_map`: shading can exceed 1 under bright presets; instead of clipping, values above
  `SHOULDER` roll off smoothly towards 1 (linear below, so mid-tones are unchanged).
"""

from __future__ import annotations

import kornia
import torch

AO_STRENGTH = 0.45
AO_DEPTH_M = 0.06  # a depth step of this much (metres) gives the full darkening
SHOULDER = 0.8


def tone_map(color: torch.Tensor) -> torch.Tensor:
    """(..., 3) linear shading -> [0, 1]: identity below `SHOULDER`, an exponential roll-off
    above it that is continuous in value and slope and tends to 1."""
    head = 1.0 - SHOULDER
    over = (color - SHOULDER).clamp(min=0.0)
    rolled = SHOULDER + head * (1.0 - torch.exp(-over / head))
    return torch.where(color > SHOULDER, rolled, color.clamp(min=0.0))


def _blur(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """(1, C, H, W) Gaussian blur with a kernel of about 3 sigma either side."""
    k = max(3, int(sigma * 6) | 1)
    return kornia.filters.gaussian_blur2d(image, (k, k), (sigma, sigma), border_type="replicate")


def ambient_occlusion(depth: torch.Tensor, mask: torch.Tensor, figure_px: float) -> torch.Tensor:
    """(H, W) view depth (m) and (H, W) bool figure mask -> (H, W) factor in [1 - AO, 1].

    `figure_px`: the figure's height in pixels; the blur's radius is 2.5 % of it.
    """
    h, w = depth.shape
    small = (max(1, h // 4), max(1, w // 4))
    m = mask.float()[None, None]
    d = torch.where(mask, depth, torch.zeros_like(depth))[None, None]
    dm = torch.nn.functional.interpolate(d, size=small, mode="area")
    mm = torch.nn.functional.interpolate(m, size=small, mode="area")
    sigma = max(1.0, 0.025 * figure_px / 4)
    mean = _blur(dm, sigma) / _blur(mm, sigma).clamp(min=1e-4)
    own = dm / mm.clamp(min=1e-4)
    behind = ((own - mean) / AO_DEPTH_M).clamp(0.0, 1.0) * (mm > 0.5)
    occ = torch.nn.functional.interpolate(behind, size=(h, w), mode="bilinear", align_corners=False)
    return 1.0 - AO_STRENGTH * occ[0, 0]


def floor_shadow(
    verts_ndc: torch.Tensor, heights: torch.Tensor, image_size: tuple[int, int]
) -> torch.Tensor:
    """(H, W) background factor in (0, 1]: the contact shadow.

    verts_ndc: (V, 2) PyTorch3D NDC of the figure's points dropped onto the floor; heights:
    (V,) how far above the floor each point was (m).
    """
    h, w = image_size
    m = min(h, w)
    sh, sw = max(1, h // 8), max(1, w // 8)
    col = ((w - m * verts_ndc[:, 0]) / 2 - 0.5) / 8
    row = ((h - m * verts_ndc[:, 1]) / 2 - 0.5) / 8
    inside = (col >= 0) & (col < sw) & (row >= 0) & (row < sh)
    idx = row[inside].long() * sw + col[inside].long()
    contact = torch.exp(-heights[inside] / 0.03)  # feet on the floor
    ambient = torch.exp(-heights[inside] / 0.5) * 0.08  # the whole figure, faintly
    shadow = torch.zeros(2, sh * sw, device=verts_ndc.device)
    shadow[0].index_add_(0, idx, contact)
    shadow[1].index_add_(0, idx, ambient)
    shadow = shadow.reshape(1, 2, sh, sw)
    near = _blur(shadow[:, :1], max(0.7, 0.006 * h / 8))
    wide = _blur(shadow[:, 1:], max(1.0, 0.03 * h / 8))
    # saturate: a few overlapping points already give the full shade
    dark = 0.55 * (1 - torch.exp(-near / 2.0)) + 0.25 * (1 - torch.exp(-wide / 4.0))
    dark = torch.nn.functional.interpolate(dark, size=(h, w), mode="bilinear", align_corners=False)
    dark = torch.where(dark < 0.004, torch.zeros_like(dark), dark)  # no tint in the corners
    return 1.0 - dark[0, 0].clamp(0.0, 0.7)
