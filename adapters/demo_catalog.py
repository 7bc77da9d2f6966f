"""Demo catalog that ``tryon serve`` seeds into an empty store on first start.

The products are data, ``demo_catalog.json`` beside this module (package data): each entry is
exactly the JSON body of ``POST /v1/admin/products`` (a ``ProductDetail`` without id, rating,
reviews and timestamps, in the spec's camelCase), plus one extra key, ``reviews``: a list of
``{rating, title, comment, userName}`` that the seeder turns into seed reviews. Each entry is
validated by the admin API's own request model (``ProductIn``) when the catalog is loaded.

Conventions of the data:
- prices are numbers with at most two decimals in the product's ``currency`` (USD, a few EUR);
- ``sizing.sizeGuide`` holds body measurements in centimetres, keyed by the variant sizes;
  shoes are keyed by EU sizes and measured by ``footLength``; one-size accessories use
  ``{"ONE SIZE": {}}``;
- ``variants[].sku`` is unique across the whole catalog; a variant ``price`` overrides the product
  price; ``stock`` 0 means out of stock;
- the first product is the spec's example, "Premium Cotton T-Shirt" by FashionBrand.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any

from pydantic import StringConstraints

from adapters.http.requests import ProductIn, ReviewIn

# The raw entries, as the JSON holds them (the gallery bench reads their SKUs and names).
DEMO_PRODUCTS: list[dict[str, Any]] = json.loads(
    files("adapters").joinpath("demo_catalog.json").read_text(encoding="utf-8"))


class DemoReview(ReviewIn):
    """A seed review: a review body plus the name it is shown under."""

    userName: Annotated[str, StringConstraints(min_length=1, max_length=100)]


@dataclass(frozen=True)
class DemoProduct:
    body: ProductIn
    reviews: tuple[DemoReview, ...]


@functools.cache
def demo_catalog() -> tuple[DemoProduct, ...]:
    """Every demo product, validated; a malformed entry fails here, naming its field."""
    return tuple(
        DemoProduct(
            body=ProductIn.model_validate({k: v for k, v in raw.items() if k != "reviews"}),
            reviews=tuple(DemoReview.model_validate(r) for r in raw.get("reviews", [])),
        )
        for raw in DEMO_PRODUCTS
    )


def demo_photo_name(product: dict[str, Any], side: str) -> str:
    """File name of a demo product's generated photo (``side`` front or back) in the package
    data folder ``adapters/demo_images/`` (made by bench/gallery_product_images.py)."""
    prefix = "-".join(product["variants"][0]["sku"].split("-")[:2])
    return f"{prefix}_{side}.png"


def demo_photos(product: dict[str, Any]) -> list[bytes]:
    """The demo product's front and back photos (PNG bytes), for the try-on's product look."""
    folder = files("adapters").joinpath("demo_images")
    return [
        folder.joinpath(demo_photo_name(product, side)).read_bytes() for side in ("front", "back")
    ]
