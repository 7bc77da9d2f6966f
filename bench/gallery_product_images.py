"""Write the demo catalog's product photos: adapters/demo_images/<SKU prefix>_front.png and
_back.png for every product of `adapters.demo_catalog.DEMO_PRODUCTS`, drawn by
`render_engine.garment.product_images` in the first variant's colour (plain, stripes, checks or
a print, per `PATTERNS` below; the back is the same cloth without the front's print motif).

    python bench/gallery_product_images.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.demo_catalog import DEMO_PRODUCTS, demo_photo_name  # noqa: E402
from render_engine.garment.product_images import product_photo  # noqa: E402

#: SKU prefix -> (pattern, accent colour)
PATTERNS = {
    "SHT": ("stripes", "#F4F1EA"),
    "DRS-006": ("print", "#FFF4E0"),
    "BLZ": ("checks", "#2E3B5C"),
    "RUN": ("stripes", "#1B1B1B"),
    "COT": ("checks", "#A9825A"),
}


def main() -> int:
    out = ROOT / "adapters" / "demo_images"
    out.mkdir(exist_ok=True)
    for product in DEMO_PRODUCTS:
        sku = product["variants"][0]["sku"]
        color = product["variants"][0].get("colorHex") or "#808080"
        pattern, accent = next(
            (v for k, v in PATTERNS.items() if sku.startswith(k)), ("plain", "#FFFFFF")
        )
        kind = product["category"]
        front = product_photo(color, pattern, kind, accent)
        back_pattern = "plain" if pattern == "print" else pattern
        back = product_photo(color, back_pattern, kind, accent)
        for side, data in (("front", front), ("back", back)):
            path = out / demo_photo_name(product, side)
            path.write_bytes(data)
            print(path.relative_to(ROOT), len(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
