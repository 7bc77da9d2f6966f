"""Photo quality: is a photo good enough to scan from, and why not.

Measured at a fixed analysis height (256 rows), so that the thresholds do not depend on the
camera's resolution:
- sharpness: variance of the Laplacian (kornia.filters.laplacian) of the grey image;
- exposure: mean luminance and the fractions of crushed (< 0.03) and clipped (> 0.97) pixels;
- coverage: the person's silhouette (`silhouette.extract_silhouette`): its height as a
  fraction of the image height, its area, and whether it touches the top or bottom edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from render_engine.scan.silhouette import ANALYSIS_HEIGHT, extract_silhouette, resize_to_height

#: Laplacian variance of the 256-row grey image in [0, 1] below which a photo is blurred.
#: Calibrated on flat-shaded synthetic photos (little texture: sharp 1.3e-4 to 2e-4, Gaussian
#: blur of 2 px at 480 rows 1.3e-5); real photos carry more texture and score higher.
MIN_SHARPNESS = 5e-5
MIN_MEAN_LUMA, MAX_MEAN_LUMA = 0.15, 0.90
MAX_CLIPPED = 0.35  # fraction of pixels at full white
MIN_PERSON_AREA = 0.02  # fraction of the image
MIN_PERSON_HEIGHT = 0.35  # fraction of the image height
IDEAL_PERSON_HEIGHT = (0.55, 0.85)

REASONS = {
    "IMAGE_UNREADABLE": "the file is not an image we can decode",
    "IMAGE_BLURRY": "the photo is blurred (camera shake or out of focus)",
    "IMAGE_TOO_DARK": "the photo is too dark",
    "IMAGE_OVEREXPOSED": "the photo is overexposed",
    "NO_PERSON_DETECTED": "no person stands out from the background",
    "PERSON_TOO_SMALL": "the person is too far away",
    "PERSON_CUT_OFF": "the person's head or feet are outside the photo",
}


@dataclass(frozen=True)
class PhotoQuality:
    """Quality report of one photo; `reason` is one of `REASONS` when not usable."""

    score: float  # 0..1
    sharpness: float  # Laplacian variance
    exposure: float  # mean luminance 0..1
    coverage: float  # person height / image height, 0..1
    usable: bool
    reason: str | None = None

    @property
    def message(self) -> str | None:
        return None if self.reason is None else REASONS[self.reason]


def as_image(photo: torch.Tensor | bytes) -> torch.Tensor:
    """Bytes (any Pillow format) or a (3, H, W) tensor -> (3, H, W) float32 in [0, 1]."""
    if isinstance(photo, (bytes, bytearray, memoryview)):
        from render_engine.scan.render import decode_image

        return decode_image(bytes(photo))
    image = photo.to(torch.float32)
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be (3, H, W), got {tuple(image.shape)}")
    return image / 255.0 if float(image.max()) > 1.0 else image


def _ramp(x: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


def analyse_image(image: torch.Tensor) -> tuple[PhotoQuality, torch.Tensor]:
    """Quality of a (3, H, W) image and its (256, W') bool silhouette."""
    import kornia

    small = resize_to_height(image.clamp(0, 1), ANALYSIS_HEIGHT)  # (3, h, w)
    grey = kornia.color.rgb_to_grayscale(small[None])  # (1, 1, h, w)
    sharpness = float(kornia.filters.laplacian(grey, kernel_size=3).var())
    luma = float(grey.mean())
    clipped = float((grey > 0.97).float().mean())
    silhouette = extract_silhouette(image.clamp(0, 1), ANALYSIS_HEIGHT)
    rows = torch.nonzero(silhouette.any(dim=1)).squeeze(1)
    area = float(silhouette.float().mean())
    person_height = float(rows[-1] - rows[0] + 1) / silhouette.shape[0] if len(rows) else 0.0
    touches = bool(len(rows)) and (int(rows[0]) == 0 or int(rows[-1]) == silhouette.shape[0] - 1)

    reason = None
    if luma < MIN_MEAN_LUMA:
        reason = "IMAGE_TOO_DARK"
    elif luma > MAX_MEAN_LUMA or clipped > MAX_CLIPPED:
        reason = "IMAGE_OVEREXPOSED"
    elif area < MIN_PERSON_AREA:
        reason = "NO_PERSON_DETECTED"
    elif sharpness < MIN_SHARPNESS:
        reason = "IMAGE_BLURRY"
    elif person_height < MIN_PERSON_HEIGHT:
        reason = "PERSON_TOO_SMALL"
    elif touches:
        reason = "PERSON_CUT_OFF"

    lo, hi = IDEAL_PERSON_HEIGHT
    framing = (
        1.0
        if lo <= person_height <= hi
        else max(0.0, 1.0 - min(abs(person_height - lo), abs(person_height - hi)) / 0.3)
    )
    score = (
        _ramp(sharpness, MIN_SHARPNESS / 2, MIN_SHARPNESS * 2.5)
        * (1.0 - _ramp(abs(luma - 0.55), 0.32, 0.55))
        * (1.0 - clipped)
        * framing
    )
    if reason is not None:
        score = min(score, 0.3)
    quality = PhotoQuality(
        score=round(max(0.0, min(1.0, score)), 3),
        sharpness=sharpness,
        exposure=luma,
        coverage=person_height,
        usable=reason is None,
        reason=reason,
    )
    return quality, silhouette


def analyse_photo(photo: torch.Tensor | bytes) -> PhotoQuality:
    """Quality report of one photo (bytes of an image file, or a (3, H, W) tensor)."""
    try:
        image = as_image(photo)
    except Exception:  # Pillow raises many types on corrupt input
        return PhotoQuality(0.0, 0.0, 0.0, 0.0, usable=False, reason="IMAGE_UNREADABLE")
    return analyse_image(image)[0]
