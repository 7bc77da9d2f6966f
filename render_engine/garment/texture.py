"""The product's own pictures on the garment: cut out, then projected onto its front and back.

`cut_out` takes a product photo (the garment on a plain background, as shops shoot them):
the background colour is the median of the photo's border; pixels far from it are the
garment, and so are pixels of the background's colour with garment above and below them in
their column (white stripes on a white table); the picture is cropped to the garment's
bounding box and the background left inside it (between sleeve and body, around a collar)
is filled with the garment's median colour, so it never shows as a white patch on the
avatar.

`planar_uv` projects the draped garment from the front: ``u`` across its width (the wearer's
right at 0, as the front photo shows it), ``v`` down its height, over the garment's own
bounding box. ``front`` is the vertex normal's forward component: the renderer samples the
front photo where it is positive and the back photo, mirrored (seen from behind the wearer's
left is on the picture's left), elsewhere. A single photo serves both sides. The trunk and
the legs are then wrapped onto the photo's cloth row by row (`garment.wrap`); the projection
stays for what has no tube of its own (sleeves, shoes, a bag).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from PIL import Image, UnidentifiedImageError

from render_engine.errors import InvalidRequest
from render_engine.garment.geometry import vertex_normals

TEXTURE_SIZE = 512
MAX_PIXELS = 40_000_000
BACKGROUND_DISTANCE = 0.12  # max channel difference from the background colour


def load_picture(data: bytes) -> torch.Tensor:
    """Image bytes -> (3, H, W) float RGB in [0, 1]; InvalidRequest when unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InvalidRequest("product image is too large", code="INVALID_IMAGE")
            rgb = img.convert("RGB")
            rgb.thumbnail((1024, 1024))
            pixels = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8)
            return pixels.reshape(rgb.height, rgb.width, 3).permute(2, 0, 1).float() / 255.0
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidRequest("product image cannot be read", code="INVALID_IMAGE") from exc


@dataclass(frozen=True)
class ProductPictures:
    """The product's front and back photos, cut out: ``textures`` (2, 3, S, S) for the
    renderer, ``cloth`` the two cut-outs' masks of cloth ((H, W) bool each, at the crop's own
    resolution and aspect: where the photo shows the garment, not the fill)."""

    textures: torch.Tensor
    cloth: tuple[torch.Tensor, torch.Tensor]


def cut_out(picture: torch.Tensor, size: int = TEXTURE_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """(3, H, W) product photo -> (3, size, size) the garment cropped, background filled, and
    the crop's (H', W') bool mask of cloth."""
    border = torch.cat(
        [picture[:, 0], picture[:, -1], picture[:, :, 0], picture[:, :, -1]], dim=1
    )  # (3, B)
    background = border.median(dim=1).values  # (3,)
    garment = (picture - background[:, None, None]).abs().amax(dim=0) > BACKGROUND_DISTANCE
    # Cloth the colour of the backdrop (white stripes or dots on a white table) has cloth
    # above and below it in its column; the backdrop beside the garment, between the legs or
    # under the sleeves is open above or below.
    above = garment.cummax(dim=0).values
    below = garment.flip(0).cummax(dim=0).values.flip(0)
    garment = garment | (above & below)
    if int(garment.sum()) < 16:  # a plain swatch: all of it is the cloth
        crop = picture
        garment = torch.ones(picture.shape[1:], dtype=torch.bool)
    else:
        rows = garment.any(dim=1).nonzero().squeeze(1)
        cols = garment.any(dim=0).nonzero().squeeze(1)
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        crop = picture[:, r0:r1, c0:c1]
        garment = garment[r0:r1, c0:c1]
    fill = crop[:, garment].median(dim=1).values  # (3,)
    crop = torch.where(garment[None], crop, fill[:, None, None])
    texture = torch.nn.functional.interpolate(
        crop[None], size=(size, size), mode="bilinear", antialias=True, align_corners=False
    )[0].clamp(0, 1)
    return texture, garment


def garment_textures(images: Sequence[bytes]) -> ProductPictures:
    """Front (and back) product photos, cut out; one photo serves both sides."""
    if not images:
        raise InvalidRequest("no product image given", code="INVALID_IMAGE")
    front, front_cloth = cut_out(load_picture(images[0]))
    back, back_cloth = cut_out(load_picture(images[1])) if len(images) > 1 else (
        front, front_cloth)
    return ProductPictures(torch.stack([front, back]), (front_cloth, back_cloth))


def planar_uv(verts: torch.Tensor, faces: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(V, 3), (F, 3) -> uv (V, 2) over the garment's front-view bounding box, front (V,)."""
    lo, hi = verts.amin(dim=0), verts.amax(dim=0)
    span = (hi - lo).clamp(min=1e-6)
    u = (verts[:, 0] - lo[0]) / span[0]
    v = (hi[1] - verts[:, 1]) / span[1]
    front = vertex_normals(verts, faces)[:, 2]
    return torch.stack([u, v], dim=1), front
