"""Regenerate docs/gallery/: every garment category on two bodies, front and three-quarter.

    python bench/gallery.py                       # all categories, 720p, into docs/gallery/
    python bench/gallery.py --only tops dresses --out /tmp/g --resolution 1080p

Each picture is the full try-on path of the CLI and the worker: body fitted from measurements
(cached as avatar.json under --cache), posed, dressed (`render_engine.garment.dress`), finished
(`outfit`: skin tone, base layer, shoes, hem bands) and rendered (`render_scene`). Product
looks (colour, material, print) are the demo catalog's where one fits the category.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from render_engine.body.fitted import FittedBody

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODIES: dict[str, dict[str, Any]] = {
    "a": {
        "args": {"height": 168, "weight": 62, "chest": 90, "waist": 72, "hips": 98},
        "gender": "female",
        "skin": "light",
    },
    "b": {
        "args": {"height": 182, "weight": 84, "chest": 104, "waist": 90, "hips": 102},
        "gender": "male",
        "skin": "brown",
    },
}
GUIDE = {
    "S": {"chest": 94, "waist": 80, "hips": 100, "shoulder": 43},
    "M": {"chest": 100, "waist": 86, "hips": 106, "shoulder": 46},
    "L": {"chest": 108, "waist": 94, "hips": 112, "shoulder": 48},
    "XL": {"chest": 116, "waist": 102, "hips": 120, "shoulder": 51},
}
#: category -> demo catalog product (by SKU prefix) whose colour, photos and material it wears
DEMO_LOOKS = {
    "tops": "SHT-002",
    "bottoms": "JNS-005",
    "dresses": "DRS-006",
    "outerwear": "COT-009",
    "shoes": "BOT-011",
    "accessories": "HAT-014",
    "activewear": "RUN-016",
    "formal": "BLZ-017",
}
#: category -> (colorHex, extra dress() keyword arguments), without the demo catalog
LOOKS: dict[str, tuple[str, dict[str, object]]] = {
    "tops": ("#C0392B", {}),
    "bottoms": ("#2C3E6B", {}),
    "dresses": ("#1E8449", {}),
    "outerwear": ("#8B6F47", {}),
    "shoes": ("#5B3A29", {}),
    "accessories": ("#B03A2E", {"style": "scarf"}),
    "activewear": ("#17202A", {}),
    "formal": ("#1C2833", {}),
}


#: extra pictures of cuts the demo catalog has no product for: name -> (category, colorHex,
#: dress() keyword arguments, angles); made with --extras, body a only
EXTRA_LOOKS: dict[str, tuple[str, str, dict[str, object], tuple[str, ...]]] = {
    "tops_hoodie": (
        "tops",
        "#5D6D7E",
        {"subcategory": "hoodies", "material": "cotton"},
        ("three_quarter", "back"),
    ),
    # a product with its own 3-D model (`model_glb`, made by `demo_model_glb`), denim
    "tops_model": ("tops", "#2E4A7D", {"model": "tee", "material": "denim"}, ("front",)),
}


def demo_model_glb(cache: Path) -> bytes:
    """A shop's 3-D model of a t-shirt, for the gallery: a relaxed tee, size L, draped on the
    gallery's other body (b) standing as the pictures do, as a glb file. (A model made in
    another pose, an A pose's raised arms, keeps its sleeves there: `glb.model_piece` only
    fits the model's box, it does not re-pose it.)"""
    import io

    import trimesh

    from render_engine.cli import pose_figure
    from render_engine.garment import dress

    body = pose_figure(load_body("b", cache), "standing_neutral", {})
    # made on the arms as they hang (not lifted clear of the garment: a product's model is
    # fitted as it is, its sleeves where they were made)
    shape = dress(body, "tops", GUIDE, "L", "#808080", fit="relaxed", clear_hands=False).mesh
    data = io.BytesIO()
    trimesh.Trimesh(shape.verts.numpy(), shape.faces.numpy(), process=False).export(
        data, file_type="glb"
    )
    return data.getvalue()


def demo_look(category: str) -> tuple[str, dict[str, object]]:
    """The colour and dress() arguments of the category's demo product (photos, material)."""
    from adapters.demo_catalog import DEMO_PRODUCTS, demo_photos

    for product in DEMO_PRODUCTS:
        sku = product["variants"][0]["sku"]
        if sku.startswith(DEMO_LOOKS[category]):
            extra: dict[str, object] = {
                "material": (product.get("specifications") or {}).get("material")
                or product["name"],
                "subcategory": product.get("subcategory"),
            }
            if category not in ("shoes", "accessories"):
                extra["images"] = demo_photos(product)
            return str(product["variants"][0]["colorHex"]), extra
    return LOOKS[category]


def load_body(key: str, cache: Path) -> FittedBody:
    from render_engine.body.fit import fit_measurements
    from render_engine.body.fitted import body_from_params

    path = cache / f"body_{key}.json"
    if path.is_file():
        return body_from_params(json.loads(path.read_text()))
    spec = BODIES[key]
    body = fit_measurements(dict(spec["args"]), gender=spec["gender"])
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body.to_params()))
    return body


def picture_spec(args: argparse.Namespace, angle: str) -> Any:
    """A gallery picture: the chosen resolution and quality on white, seen from ``angle``."""
    from render_engine.request import CameraSpec, OutputSpec, RenderSpec

    return RenderSpec(camera=CameraSpec(angle=angle), output=OutputSpec(
        format="png", resolution=args.resolution, background="white", quality=args.quality))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--only", nargs="*", help="categories, or with --extras their names (default: all)"
    )
    parser.add_argument("--bodies", nargs="*", default=list(BODIES))
    parser.add_argument("--angles", nargs="*", default=["front", "three_quarter"])
    parser.add_argument("--out", default=str(ROOT / "docs" / "gallery"))
    parser.add_argument("--cache", default=str(ROOT / ".tryon" / "gallery"))
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--quality", default="high")
    parser.add_argument("--index-only", action="store_true", help="only rewrite README.md")
    parser.add_argument("--extras", action="store_true", help="only the EXTRA_LOOKS pictures")
    args = parser.parse_args()
    if args.index_only:
        write_index(Path(args.out))
        return 0

    from render_engine.cli import pose_figure
    from render_engine.garment import CATEGORIES, dress
    from render_engine.garment.outfit import outfit
    from render_engine.render import render_scene

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    categories = args.only or list(CATEGORIES)
    rows = []
    if args.extras:
        body = pose_figure(load_body("a", Path(args.cache)), "standing_neutral", {})
        for name, (category, color, extra, angles) in EXTRA_LOOKS.items():
            if args.only and name not in args.only:
                continue
            if extra.get("model") == "tee":
                extra = {**extra, "model_glb": demo_model_glb(Path(args.cache))}
                del extra["model"]
            garment = dress(body, category, GUIDE, "M", color, **extra)  # type: ignore[arg-type]
            meshes = outfit(body, [garment.mesh], skin_tone=str(BODIES["a"]["skin"]))
            for angle in angles:
                spec = picture_spec(args, angle)
                (out / f"{name}_a_{angle}.png").write_bytes(render_scene(meshes, spec).image)
                print(f"{name}_a_{angle}.png", flush=True)
        write_index(out)
        return 0
    for key in args.bodies:
        body = pose_figure(load_body(key, Path(args.cache)), "standing_neutral", {})
        for category in categories:
            color, extra = demo_look(category)
            start = time.perf_counter()
            garment = dress(body, category, GUIDE, "M", color, **extra)  # type: ignore[arg-type]
            meshes = outfit(body, [garment.mesh], skin_tone=str(BODIES[key]["skin"]))
            drape_s = time.perf_counter() - start
            for angle in args.angles:
                spec = picture_spec(args, angle)
                t0 = time.perf_counter()
                result = render_scene(meshes, spec)
                name = f"{category}_{key}_{angle}.png"
                (out / name).write_bytes(result.image)
                rows.append((name, drape_s, time.perf_counter() - t0, garment.inside_fraction))
                print(
                    f"{name:40s} drape {drape_s:5.2f} s  render {rows[-1][2]:5.2f} s  "
                    f"inside {garment.inside_fraction:.4f}",
                    flush=True,
                )
    write_index(out)
    return 0


def write_index(out: Path) -> None:
    """docs/gallery/README.md: a table of the pictures, one row per category, the extra
    pictures, then the notes of the README already there (each starting with ``**``: what
    was regenerated when and why), kept as they are."""
    from render_engine.garment import CATEGORIES

    readme = out / "README.md"
    notes: list[str] = []
    if readme.is_file():
        old = readme.read_text().splitlines()
        first = next((i for i, line in enumerate(old) if line.startswith("**")), len(old))
        notes = old[first:]

    lines = [
        "# Try-on gallery",
        "",
        "Every category on two bodies (a: 168 cm, light skin; b: 182 cm, brown skin), front and",
        "three-quarter, 720p, quality high, white background, soft daylight. Each wears the demo",
        "catalog product of its category (colour, photos, material): `bench/gallery.py` makes",
        "them; `docs/garments.md` explains how.",
        "",
        "| category | product | a front | a three-quarter | b front | b three-quarter |",
        "|---|---|---|---|---|---|",
    ]
    for category in CATEGORIES:
        cells = [
            f"![{category} {k} {a}]({category}_{k}_{a}.png)"
            if (out / f"{category}_{k}_{a}.png").is_file()
            else "-"
            for k in ("a", "b")
            for a in ("front", "three_quarter")
        ]
        lines.append(f"| {category} | {DEMO_LOOKS[category]} | " + " | ".join(cells) + " |")
    for name, (category, _, extra, angles) in EXTRA_LOOKS.items():
        pictures = [
            f"![{name} {a}]({name}_a_{a}.png)"
            for a in angles
            if (out / f"{name}_a_{a}.png").is_file()
        ]
        if pictures:
            lines.append("")
            what = (
                f"a product's own glb model, {extra['material']}"
                if "model" in extra
                else f"subcategory {extra['subcategory']}"
            )
            lines.append(
                f"{name} ({category}, {what}, body a, `--extras`): " + " ".join(pictures)
            )
    if notes:
        lines += ["", *notes]
    readme.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
