"""Product photos drawn from a pattern: a garment's flat-lay silhouette on a white background,
filled plain, striped, checked or with a printed motif. The demo catalog ships pictures made
here (bench/product_images.py writes them), and tests use them as pictures with known marks.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

SIZE = (512, 576)
PATTERNS = ("plain", "stripes", "checks", "print")


def _rgb(color_hex: str) -> tuple[int, int, int]:
    h = color_hex.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def _shade(rgb: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return (int(rgb[0] * k), int(rgb[1] * k), int(rgb[2] * k))


def silhouette(kind: str) -> list[tuple[float, float]]:
    """Flat-lay outline (fractions of the picture) of a top, trousers, a dress or a coat."""
    if kind == "bottoms":
        return [(0.25, 0.05), (0.75, 0.05), (0.82, 0.95), (0.56, 0.95), (0.5, 0.35),
                (0.44, 0.95), (0.18, 0.95)]  # fmt: skip
    if kind == "dresses":
        return [(0.36, 0.05), (0.64, 0.05), (0.68, 0.4), (0.86, 0.95), (0.14, 0.95),
                (0.32, 0.4)]  # fmt: skip
    # tops and anything else: a t-shirt
    return [(0.34, 0.05), (0.66, 0.05), (0.95, 0.2), (0.86, 0.36), (0.76, 0.3), (0.76, 0.95),
            (0.24, 0.95), (0.24, 0.3), (0.14, 0.36), (0.05, 0.2)]  # fmt: skip


def product_photo(
    color_hex: str,
    pattern: str = "plain",
    kind: str = "tops",
    accent_hex: str = "#FFFFFF",
    mark: bool = False,
) -> bytes:
    """A PNG flat-lay photo. ``mark`` adds a red square on the chest (a logo to find)."""
    w, h = SIZE
    base, accent = _rgb(color_hex), _rgb(accent_hex)
    cloth = Image.new("RGB", SIZE, base)
    draw = ImageDraw.Draw(cloth)
    if pattern == "stripes":
        for y in range(0, h, 36):
            draw.rectangle([0, y, w, y + 14], fill=accent)
    elif pattern == "checks":
        for x in range(0, w, 48):
            draw.rectangle([x, 0, x + 16, h], fill=_shade(accent, 0.9))
        for y in range(0, h, 48):
            draw.rectangle([0, y, w, y + 16], fill=_shade(accent, 0.9))
    elif pattern == "print":
        for i, y in enumerate(range(20, h, 70)):
            for x in range(20 + (i % 2) * 35, w, 70):
                draw.ellipse([x, y, x + 26, y + 26], fill=accent)
                draw.ellipse([x + 9, y + 9, x + 17, y + 17], fill=_shade(base, 0.6))
    if mark:
        draw.rectangle([int(w * 0.40), int(h * 0.22), int(w * 0.60), int(h * 0.40)],
                       fill=(230, 20, 20))  # fmt: skip
    mask = Image.new("L", SIZE, 0)
    ImageDraw.Draw(mask).polygon([(x * w, y * h) for x, y in silhouette(kind)], fill=255)
    photo = Image.new("RGB", SIZE, (255, 255, 255))
    photo.paste(cloth, (0, 0), mask)
    out = io.BytesIO()
    photo.save(out, format="PNG", optimize=True)
    return out.getvalue()
