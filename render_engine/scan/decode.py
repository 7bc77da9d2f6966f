"""Photo files -> bounded RGB arrays, upright, with the lens' focal length when EXIF gives it.

Memory is bounded before any pixel is decoded: the declared size is read from the header and
a photo over `MAX_DECLARED_PIXELS` is refused; a JPEG is then decoded straight at a reduced
scale (Pillow's `draft`, the decoder's DCT scaling: 1/2, 1/4, 1/8) and any other format is
reduced (`Image.reduce`, box filter) right after decoding, so that the long side of what the
scan keeps is at most `MAX_SIDE` pixels (uint8, at most 1600 x 1600 x 3 = 7.7 MB per photo).
EXIF orientation is honoured (`ImageOps.exif_transpose`).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Declared pixels above which a photo is refused without decoding (a 48 MP phone photo fits).
MAX_DECLARED_PIXELS = 64_000_000
#: Long side, pixels, of the decoded photo the scan works on.
MAX_SIDE = 1600
#: Diagonal of the 35 mm film frame (36 x 24 mm), the reference of `FocalLengthIn35mmFilm`.
FILM_DIAGONAL_MM = math.hypot(36.0, 24.0)

_EXIF_IFD = 0x8769
_FOCAL_LENGTH_35MM = 0xA405
_FOCAL_LENGTH = 0x920A
_FOCAL_PLANE_X_RESOLUTION = 0xA20E
_FOCAL_PLANE_RESOLUTION_UNIT = 0xA210
_ORIENTATION = 0x0112


def _transposes() -> dict[int, Any]:
    from PIL import Image

    t = Image.Transpose
    return {2: t.FLIP_LEFT_RIGHT, 3: t.ROTATE_180, 4: t.FLIP_TOP_BOTTOM, 5: t.TRANSPOSE,
            6: t.ROTATE_270, 7: t.TRANSVERSE, 8: t.ROTATE_90}


_TRANSPOSE = _transposes()


class PhotoTooLarge(ValueError):
    """The photo declares more pixels than `MAX_DECLARED_PIXELS`."""


@dataclass(frozen=True)
class DecodedPhoto:
    rgb: np.ndarray  # (H, W, 3) uint8, upright
    focal_px: float | None  # focal length in pixels of `rgb`, from EXIF; None when unknown
    focal_source: str  # "exif_35mm", "exif_sensor" or "none"


def _focal_from_exif(img: Any, width: int, height: int) -> tuple[float | None, str]:
    """Focal length in pixels of a `width` x `height` (as stored, before transposition)
    image from its EXIF: `FocalLengthIn35mmFilm` scaled by the image diagonal, else
    `FocalLength` (mm) times the focal-plane resolution (pixels per mm of sensor)."""
    try:
        exif = img.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # malformed EXIF: treat as absent
        return None, "none"
    f35 = sub.get(_FOCAL_LENGTH_35MM) or exif.get(_FOCAL_LENGTH_35MM)
    if f35 and float(f35) > 0:
        return float(f35) * math.hypot(width, height) / FILM_DIAGONAL_MM, "exif_35mm"
    focal = sub.get(_FOCAL_LENGTH)
    res = sub.get(_FOCAL_PLANE_X_RESOLUTION)
    unit = sub.get(_FOCAL_PLANE_RESOLUTION_UNIT, 2)
    if focal and res and float(focal) > 0 and float(res) > 0:
        per_mm = float(res) / {2: 25.4, 3: 10.0, 4: 1.0}.get(int(unit), 25.4)
        return float(focal) * per_mm, "exif_sensor"
    return None, "none"


def decode_photo(data: bytes, max_side: int = MAX_SIDE) -> DecodedPhoto:
    """Image file bytes -> `DecodedPhoto` at most `max_side` pixels on its long side.

    Raises `PhotoTooLarge` for a photo declaring over `MAX_DECLARED_PIXELS`, and Pillow's
    errors (OSError, ValueError...) for a file it cannot decode."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size  # from the header, nothing decoded yet
        if width * height > MAX_DECLARED_PIXELS:
            raise PhotoTooLarge(
                f"the photo has {width}x{height} pixels; at most {MAX_DECLARED_PIXELS} are read"
            )
        focal_px, source = _focal_from_exif(img, width, height)
        try:
            orientation = int(img.getexif().get(_ORIENTATION, 1))
        except Exception:  # malformed EXIF: upright as stored
            orientation = 1
        if img.format == "JPEG":
            img.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale
        frame = img.convert("RGB")
        factor = max(1, math.ceil(max(frame.size) / max_side))
        if factor > 1:
            frame = frame.reduce(factor)
        if max(frame.size) > max_side:
            ratio = max_side / max(frame.size)
            frame = frame.resize(
                (max(1, round(frame.width * ratio)), max(1, round(frame.height * ratio))),
                Image.Resampling.BOX,
            )
        scale = frame.width / width
        method = _TRANSPOSE.get(orientation)
        if method is not None:
            frame = frame.transpose(method)
        rgb = np.asarray(frame, dtype=np.uint8).copy()
    return DecodedPhoto(rgb, None if focal_px is None else focal_px * scale, source)
