"""Anti-aliasing by supersampling and background compositing, with kornia.

Images are premultiplied: rgb (N, 3, H, W) already multiplied by coverage alpha (N, 1, H, W),
so that averaging samples and compositing are both plain linear operations.
"""

from __future__ import annotations

import kornia
import torch


def downsample(
    rgb: torch.Tensor, alpha: torch.Tensor, factor: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Average factor x factor samples per pixel (box filter, kornia 'area' resize).

    rgb (N, 3, fH, fW), alpha (N, 1, fH, fW) -> (N, 3, H, W), (N, 1, H, W).
    """
    if factor == 1:
        return rgb, alpha
    h, w = rgb.shape[2] // factor, rgb.shape[3] // factor
    rgba = torch.cat([rgb, alpha], dim=1)
    small = kornia.geometry.transform.resize(rgba, (h, w), interpolation="area")
    return small[:, :3], small[:, 3:]


def composite(
    rgb: torch.Tensor,
    alpha: torch.Tensor,
    background: tuple[float, float, float] | None,
    background_shade: torch.Tensor | None = None,
) -> torch.Tensor:
    """Premultiplied figure over a background -> straight-alpha RGBA (N, 4, H, W) in [0, 1].

    background None keeps the image transparent (rgb un-premultiplied, alpha kept);
    otherwise rgb + background * shade * (1 - alpha), opaque, where the optional
    background_shade (H, W) in [0, 1] darkens the background (a floor shadow).
    """
    if background is None:
        straight = rgb / alpha.clamp(min=1e-6)
        straight = torch.where(alpha > 0, straight, torch.zeros_like(straight))
        return torch.cat([straight.clamp(0, 1), alpha], dim=1)
    bg = torch.tensor(background, dtype=rgb.dtype, device=rgb.device)[None, :, None, None]
    bg = bg.expand_as(rgb)
    if background_shade is not None:
        bg = bg * background_shade[None, None]
    out = kornia.enhance.add_weighted(rgb, 1.0, bg, 1.0 - alpha, 0.0)
    return torch.cat([out.clamp(0, 1), torch.ones_like(alpha)], dim=1)
