"""Photo quality, measured on the person: is a photo good enough to scan from, and why not.

The person is found by BlazePose (`person.detect_person`); everything below is measured on
that person, so neither the room nor the camera's resolution moves a threshold:
- framing: the person's height (mask rows) as a fraction of the photo height, 25-95 %; the
  person cut off when the mask touches the photo's edge or a head/foot landmark lies outside;
- sharpness: on the person's own outline, at a scale where the person is `PERSON_ROWS` tall:
  the 75th percentile, over the outline band, of the edge's gradient over its local contrast
  (for a blurred step that is about 1/(2.5 sigma)); below the value of an ideal step blurred
  by `MAX_BLUR_SIGMA` pixels the photo is blurred (computed from that ideal edge, not tuned
  on any photo);
- exposure: the whole photo too dark when even its bright pixels are dark (95th percentile of
  luminance under `DARK_P95`); overexposed when a third of the person is clipped white;
- people and pose: several people; the body's landmarks (shoulders, hips, knees, ankles) not
  all seen: pose not recognised; the view (front, side, back) read from the landmarks
  disagreeing with the photo's label: `POSE_MISMATCH` (see `view`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from render_engine.scan.person import Detection

PERSON_ROWS = 256
MAX_BLUR_SIGMA = 2.0  # pixels at PERSON_ROWS: a blur of about 1.5 % of the person's height
DARK_P95 = 0.25
MAX_CLIPPED = 0.35  # fraction of the person's pixels at full white
#: Fractions of the photo's height the person's mask may fill. A person filling 25-95 % of
#: the frame is promised to work; the mask measures a few per cent short or long of the body
#: (feet lost against the floor, hair, a soft edge), so the limits leave that much room.
MIN_PERSON_HEIGHT, MAX_PERSON_HEIGHT = 0.2, 0.97
IDEAL_PERSON_HEIGHT = (0.35, 0.9)

REASONS = {
    "IMAGE_UNREADABLE": "the file is not an image we can decode",
    "IMAGE_TOO_LARGE": "the photo has more pixels than a scan reads",
    "IMAGE_BLURRY": "the photo is blurred (camera shake or out of focus)",
    "IMAGE_TOO_DARK": "the photo is too dark",
    "IMAGE_OVEREXPOSED": "the photo is overexposed",
    "NO_PERSON_DETECTED": "no person was found in the photo",
    "MULTIPLE_PEOPLE": "more than one person is in the photo",
    "PERSON_TOO_SMALL": "the person is too far away (under a fifth of the photo's height)",
    "PERSON_TOO_LARGE": "the person is too close (head and feet need some room)",
    "PERSON_CUT_OFF": "the person's head, feet or arms are outside the photo",
    "POSE_NOT_RECOGNISED": "the body's shoulders, hips, knees and ankles are not all visible",
    "POSE_MISMATCH": "the photo does not show the side its label says",
    "POSE_NOT_STANDING": "the person is not standing upright with straight legs, feet "
                         "about hip-width apart",
}


@dataclass(frozen=True)
class PhotoQuality:
    """Quality report of one photo; `reason` is one of `REASONS` when not usable."""

    score: float  # 0..1
    sharpness: float  # edge gradient over contrast on the person's outline (see module)
    exposure: float  # mean luminance of the person 0..1
    coverage: float  # person height / image height, 0..1
    usable: bool
    reason: str | None = None
    view: str | None = None  # the view read from the landmarks (front, back, side_...)
    details: dict[str, float] = field(default_factory=dict)
    note: str | None = None  # the evidence behind the reason, in words (POSE_MISMATCH,
    #                          POSE_NOT_STANDING)

    @property
    def message(self) -> str | None:
        if self.reason is None:
            return None
        if self.reason in ("POSE_MISMATCH", "POSE_NOT_STANDING") and self.note:
            return f"{REASONS[self.reason]}: {self.note}"
        if self.reason == "POSE_MISMATCH" and self.view:
            return f"{REASONS[self.reason]}: it looks like a {self.view.replace('_', ' ')} photo"
        return REASONS[self.reason]


def unreadable(reason: str = "IMAGE_UNREADABLE") -> PhotoQuality:
    return PhotoQuality(0.0, 0.0, 0.0, 0.0, usable=False, reason=reason)


def as_image(photo: torch.Tensor | bytes) -> torch.Tensor:
    """Bytes (any Pillow format) or a (3, H, W) tensor -> (3, H, W) float32 in [0, 1]."""
    if isinstance(photo, (bytes, bytearray, memoryview)):
        from render_engine.scan.decode import decode_photo

        rgb = decode_photo(bytes(photo)).rgb
        return torch.from_numpy(rgb).permute(2, 0, 1).to(torch.float32) / 255.0
    image = photo.to(torch.float32)
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be (3, H, W), got {tuple(image.shape)}")
    return image / 255.0 if float(image.max()) > 1.0 else image


def to_rgb8(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) float in [0, 1] -> (H, W, 3) uint8."""
    return (image.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()


def _ramp(x: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


def _person_crop(grey: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, W) grey and bool mask -> both cropped around the person (a margin of 5 % of its
    height) and scaled so the person is `PERSON_ROWS` tall: (h, w) float, (h, w) float."""
    import torch.nn.functional as F

    rows = torch.nonzero(mask.any(dim=1)).squeeze(1)
    cols = torch.nonzero(mask.any(dim=0)).squeeze(1)
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    margin = max(2, int(0.05 * (bottom - top + 1)))
    h, w = grey.shape
    t, b = max(0, top - margin), min(h, bottom + margin + 1)
    lft, rgt = max(0, left - margin), min(w, right + margin + 1)
    scale = PERSON_ROWS / (bottom - top + 1)
    size = (max(8, round((b - t) * scale)), max(8, round((rgt - lft) * scale)))
    both = torch.stack([grey[t:b, lft:rgt], mask[t:b, lft:rgt].to(grey.dtype)])[None]
    out = F.interpolate(both, size=size, mode="bilinear", align_corners=False, antialias=True)[0]
    return out[0], out[1]


def edge_sharpness(grey: torch.Tensor, mask: torch.Tensor) -> float:
    """Sharpness of the person's outline (see the module): (h, w) grey in [0, 1] and (h, w)
    person coverage in [0, 1], person `PERSON_ROWS` tall -> gradient / local contrast."""
    import kornia

    g = grey[None, None]
    m = (mask > 0.5).to(grey.dtype)[None, None]
    kernel = torch.ones(7, 7)
    band = (kornia.morphology.dilation(m, kernel) - kornia.morphology.erosion(m, kernel)) > 0
    gradient = kornia.filters.spatial_gradient(g, normalized=False)  # (1, 1, 2, h, w)
    magnitude = gradient.norm(dim=2) / 8.0  # Sobel's sum of weights is 8 (4 per side)
    pooled = torch.nn.functional.max_pool2d
    contrast = pooled(g, 7, 1, 3) + pooled(-g, 7, 1, 3)  # local max - min
    use = band & (contrast > 0.04)
    if int(use.sum()) < 20:
        return 0.0
    ratio = (magnitude[use] / contrast[use]).to(torch.float64)
    return float(torch.quantile(ratio, 0.75))


@functools.lru_cache(maxsize=1)
def blur_limit() -> float:
    """`edge_sharpness` of an ideal figure (a disc on a plain ground, `PERSON_ROWS` tall)
    blurred by a Gaussian of `MAX_BLUR_SIGMA` pixels: the least sharpness accepted."""
    import kornia

    n = PERSON_ROWS + 32
    yy, xx = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    disc = (((yy - n / 2) ** 2 + (xx - n / 2) ** 2) < (PERSON_ROWS / 2) ** 2).to(torch.float32)
    k = int(2 * round(3 * MAX_BLUR_SIGMA) + 1)
    blurred = kornia.filters.gaussian_blur2d(
        (0.2 + 0.6 * disc)[None, None], (k, k), (MAX_BLUR_SIGMA, MAX_BLUR_SIGMA)
    )[0, 0]
    return edge_sharpness(blurred, disc)


def analyse_detection(
    image: torch.Tensor, detection: Detection | None, pose: str | None = None
) -> PhotoQuality:
    """Quality of a (3, H, W) photo in [0, 1] given its `person.Detection` (None: nobody)."""
    import kornia

    from render_engine.scan import person as P
    from render_engine.scan.stance import stance_problem
    from render_engine.scan.view import mismatch_message, read_view, view_matches

    grey = kornia.color.rgb_to_grayscale(image.clamp(0, 1)[None])[0, 0]  # (H, W)
    p95 = float(torch.quantile(grey.flatten()[:: max(1, grey.numel() // 200_000)], 0.95))
    if p95 < DARK_P95:
        return PhotoQuality(0.1, 0.0, float(grey.mean()), 0.0, usable=False,
                            reason="IMAGE_TOO_DARK")
    if detection is None or not bool(detection.mask.any()):
        return PhotoQuality(0.0, 0.0, float(grey.mean()), 0.0, usable=False,
                            reason="NO_PERSON_DETECTED")
    mask = torch.from_numpy(detection.mask)
    h, w = mask.shape
    rows = torch.nonzero(mask.any(dim=1)).squeeze(1)
    cols = torch.nonzero(mask.any(dim=0)).squeeze(1)
    person_height = float(rows[-1] - rows[0] + 1) / h
    luma = float(grey[mask].mean())
    clipped = float((grey[mask] > 0.97).float().mean())
    crop_grey, crop_mask = _person_crop(grey, mask)
    sharpness = edge_sharpness(crop_grey, crop_mask)
    edge = max(1, h // 200)
    touches = (
        int(rows[0]) < edge or int(rows[-1]) >= h - edge
        or int(cols[0]) < edge or int(cols[-1]) >= w - edge
    )
    lm = detection.landmarks
    ends = (P.NOSE, P.LEFT_ANKLE, P.RIGHT_ANKLE, P.LEFT_HEEL, P.RIGHT_HEEL)
    outside = any(
        detection.visible(i) and not (0 <= lm[i, 0] < w and 0 <= lm[i, 1] < h) for i in ends
    )
    seen = detection.body_seen()
    view = read_view(detection) if seen else None

    reason, note = None, None
    if detection.second_person:
        reason = "MULTIPLE_PEOPLE"
    elif touches or outside:
        reason = "PERSON_CUT_OFF"
    elif person_height < MIN_PERSON_HEIGHT:
        reason = "PERSON_TOO_SMALL"
    elif person_height > MAX_PERSON_HEIGHT:
        reason = "PERSON_TOO_LARGE"
    elif clipped > MAX_CLIPPED:
        reason = "IMAGE_OVEREXPOSED"
    elif sharpness < blur_limit():
        reason = "IMAGE_BLURRY"
    elif not seen:
        reason = "POSE_NOT_RECOGNISED"
    elif pose is not None and view is not None and not view_matches(pose, view):
        reason = "POSE_MISMATCH"
        note = mismatch_message(pose, view, detection)
    elif (stance := stance_problem(detection)) is not None:
        reason, note = "POSE_NOT_STANDING", stance

    lo, hi = IDEAL_PERSON_HEIGHT
    framing = 1.0 if lo <= person_height <= hi else 0.7
    score = (
        _ramp(sharpness, blur_limit() * 0.8, blur_limit() * 1.6)
        * (1.0 - 0.5 * _ramp(clipped, 0.05, MAX_CLIPPED))
        * framing
    )
    if reason is not None:
        score = min(score, 0.3)
    return PhotoQuality(
        score=round(max(0.0, min(1.0, score)), 3),
        sharpness=round(sharpness, 4),
        exposure=round(luma, 3),
        coverage=round(person_height, 3),
        usable=reason is None,
        reason=reason,
        view=view,
        note=note,
    )


def analyse_photo(photo: torch.Tensor | bytes, pose: str | None = None) -> PhotoQuality:
    """Quality report of one photo (bytes of an image file, or a (3, H, W) tensor)."""
    from render_engine.scan.decode import PhotoTooLarge
    from render_engine.scan.person import detect_person

    try:
        image = as_image(photo)
    except PhotoTooLarge:
        return unreadable("IMAGE_TOO_LARGE")
    except Exception:  # Pillow raises many types on corrupt input
        return unreadable()
    return analyse_detection(image, detect_person(to_rgb8(image)), pose)
