"""What the scan saw in a photo, drawn over it: the person's outline, BlazePose's skeleton and
landmarks, the room's vertical edges that told the camera's tilt (`room`), and the photo's
verdict (its reason when refused). A PNG or JPEG a client can show."""

from __future__ import annotations

import io

import numpy as np

from render_engine.scan import person as P

OUTLINE = (0, 255, 120)
BONE = (255, 200, 0)
POINT = (255, 60, 60)
VERTICAL = (0, 200, 255)


def draw_overlay(rgb: np.ndarray, detection: P.Detection | None, verdict: str,
                 max_side: int = 800, image_format: str = "PNG",
                 verticals: np.ndarray | None = None) -> bytes:
    """(H, W, 3) uint8 photo, its detection (None: nobody found), a one-line verdict and the
    room's verticals read (K, 4: x0, y0, x1, y1 in the photo's pixels) -> PNG (or JPEG)
    bytes at most `max_side` pixels on the long side."""
    from PIL import Image, ImageDraw, ImageFont
    from scipy import ndimage

    image = Image.fromarray(rgb)
    h, w = rgb.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = image.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    if verticals is not None:
        for x0, y0, x1, y1 in verticals * scale:
            draw.line([(x0, y0), (x1, y1)], fill=VERTICAL, width=max(2, round(max(size) / 300)))
    if detection is not None:
        mask = np.asarray(
            Image.fromarray(detection.mask.astype(np.uint8) * 255).resize(
                size, Image.Resampling.NEAREST
            )
        ) > 0
        edge = mask & ~ndimage.binary_erosion(mask, iterations=2)
        pixels = np.asarray(image).copy()
        pixels[edge] = OUTLINE
        image = Image.fromarray(pixels)
        draw = ImageDraw.Draw(image)
        lm = detection.landmarks
        width = max(2, round(max(size) / 250))
        for a, b in P.BONES:
            if detection.visible(a) and detection.visible(b):
                draw.line([tuple(lm[a, :2] * scale), tuple(lm[b, :2] * scale)], fill=BONE,
                          width=width)
        for i in range(len(lm)):
            if detection.visible(i):
                x, y = lm[i, :2] * scale
                draw.ellipse([x - width, y - width, x + width, y + width], fill=POINT)
    band = max(14, size[1] // 30)
    draw.rectangle([0, 0, size[0], band + 4], fill=(0, 0, 0))
    # Pillow's own scalable font (no font file to ship), large enough to read on a phone
    font = ImageFont.load_default(size=max(10, band - 4))
    draw.text((4, 2), verdict, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, format="JPEG", quality=85)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()
