"""Person silhouettes from photos taken against a plain backdrop.

1. The backdrop colour is the median of the image border.
2. Each pixel's colour distance to it is thresholded with Otsu's method.
3. Morphological opening then closing (kornia) remove speckles and fill pinholes.
4. The largest connected component (kornia.contrib.connected_components) is the person.
"""

from __future__ import annotations

import torch

ANALYSIS_HEIGHT = 256


def resize_to_height(image: torch.Tensor, height: int) -> torch.Tensor:
    """(C, H, W) -> (C, height, W * height / H) with antialiasing."""
    import kornia

    c, h, w = image.shape
    width = max(1, int(round(w * height / h)))
    return kornia.geometry.transform.resize(image[None], (height, width), antialias=True)[0]


def otsu_threshold(values: torch.Tensor, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1] (any shape): maximises the between-class variance."""
    hist = torch.histc(values.flatten().clamp(0, 1), bins=bins, min=0.0, max=1.0).to(torch.float64)
    p = hist / hist.sum()
    centres = (torch.arange(bins, dtype=torch.float64) + 0.5) / bins
    w0 = torch.cumsum(p, 0)  # (bins,) weight of the class below each cut
    mu = torch.cumsum(p * centres, 0)
    total = mu[-1]
    between = (total * w0 - mu) ** 2 / (w0 * (1 - w0)).clamp_min(1e-12)
    return float(centres[int(between.argmax())] + 0.5 / bins)


def backdrop_color(image: torch.Tensor, border: int = 4) -> torch.Tensor:
    """(3, H, W) -> (3,) median colour of the top, left and right borders."""
    top = image[:, :border, :].reshape(3, -1)
    left = image[:, :, :border].reshape(3, -1)
    right = image[:, :, -border:].reshape(3, -1)
    return torch.cat([top, left, right], dim=1).median(dim=1).values


COMPONENT_ROWS = 96  # connected components are labelled on a mask at most this tall


def largest_component(mask: torch.Tensor) -> torch.Tensor:
    """(H, W) bool -> (H, W) bool keeping only the largest connected component.

    kornia.contrib.connected_components labels by iterated 3x3 max pooling, one pixel per
    iteration, so it runs on a copy shrunk to at most `COMPONENT_ROWS` rows (a cell is
    foreground if any of its pixels is); the full-size pixels of the cells of the largest
    component are kept.
    """
    import torch.nn.functional as F
    from kornia.contrib import connected_components

    if not bool(mask.any()):
        return mask
    h, w = mask.shape
    factor = max(1, -(-h // COMPONENT_ROWS))  # ceil
    small = F.max_pool2d(
        mask[None, None].to(torch.float32), factor, ceil_mode=True
    )  # (1, 1, h', w')
    sh, sw = small.shape[-2:]
    labels = connected_components(small, num_iterations=2 * (sh + sw))[0, 0]  # (h', w')
    fg = small[0, 0] > 0
    values, counts = torch.unique(labels[fg], return_counts=True)
    keep = (labels == values[counts.argmax()]) & fg  # (h', w')
    full = keep.repeat_interleave(factor, 0).repeat_interleave(factor, 1)[:h, :w]
    return torch.as_tensor(mask & full)


def extract_silhouette(image: torch.Tensor, height: int = ANALYSIS_HEIGHT) -> torch.Tensor:
    """(3, H, W) photo in [0, 1] -> (height, W') bool person mask at `height` rows."""
    import kornia

    small = resize_to_height(image, height)  # (3, h, w)
    distance = (small - backdrop_color(small)[:, None, None]).norm(dim=0) / (3**0.5)  # (h, w)
    if float(distance.max()) < 0.05:  # nothing stands out from the backdrop
        return torch.zeros_like(distance, dtype=torch.bool)
    threshold = max(otsu_threshold(distance / distance.max()) * float(distance.max()), 0.04)
    mask = (distance > threshold).to(torch.float32)[None, None]  # (1, 1, h, w)
    kernel = torch.ones(3, 3)
    mask = kornia.morphology.closing(kornia.morphology.opening(mask, kernel), kernel)
    return largest_component(mask[0, 0] > 0.5)


def coverage_mask(silhouette: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(h, w) bool mask -> (H, W) float fraction of each target pixel covered (area average),
    after centre-cropping or padding the mask to the target aspect ratio."""
    import torch.nn.functional as F

    h, w = silhouette.shape
    th, tw = size
    want_w = int(round(h * tw / th))
    m = silhouette.to(torch.float32)
    if want_w > w:  # pad left/right with background
        pad = want_w - w
        m = F.pad(m, (pad // 2, pad - pad // 2))
    elif want_w < w:
        cut = w - want_w
        m = m[:, cut // 2 : cut // 2 + want_w]
    return F.adaptive_avg_pool2d(m[None, None], (th, tw))[0, 0]
