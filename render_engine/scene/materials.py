"""Fabric: per-vertex material parameters, a procedural weave normal map and product textures.

A mesh may carry, in its `extras`:

``material``  a name of `MATERIALS` (cotton, denim, wool, knit, silk, leather, polyester,
              skin): specular strength, shininess and sheen (a soft rim highlight, as on silk,
              velvet or brushed wool) and the weave of its normal map;
``uv``        (V, 2) texture coordinates of the product picture, ``front`` (V,) > 0 where
              the front picture applies (< 0: the back one, mirrored), and ``texture``
              (2, 3, S, S) the front and back pictures;
``shade``     (V,) a factor on the albedo, picture or colour (1: none): a shadow baked in
              where the renderer casts none, as under a jacket's hem
              (`garment.outfit.hem_shadows`), and a cloth's edge band.

`scene_surface` gathers them over the merged scene as a `Surface` (None when no mesh has
any, so plain meshes shade exactly as before). `shading.shade_fragments` interpolates its
attributes per pixel, samples the pictures and perturbs the normal by the weave: a height
field ``h(s, t)`` over cloth coordinates in metres (``s`` around the body, ``t`` up), whose
gradient tilts the normal in a tangent frame; the tilt fades out where the weave's finest
period (`weave_finest_period`), foreshortened as the pixel sees it, is under about 3 pixels,
so it never aliases into moire.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from render_engine.mesh import TriMesh


@dataclass(frozen=True)
class Material:
    specular: float  # multiplies the lights' specular strength
    shininess: float  # Blinn-Phong exponent (higher: smaller, sharper highlights)
    sheen: float  # rim highlight strength
    weave: int  # 0 smooth, 1 plain weave, 2 twill, 3 knit rib
    period_m: float  # weave period
    relief: float  # how much the weave tilts the normal


MATERIALS: dict[str, Material] = {
    "cotton": Material(0.12, 8.0, 0.06, 1, 0.003, 0.35),
    "denim": Material(0.10, 6.0, 0.02, 2, 0.004, 0.55),
    "wool": Material(0.05, 4.0, 0.18, 3, 0.005, 0.45),
    "knit": Material(0.06, 5.0, 0.12, 3, 0.005, 0.5),
    "silk": Material(0.70, 48.0, 0.35, 0, 0.003, 0.0),
    "leather": Material(0.55, 28.0, 0.04, 0, 0.003, 0.0),
    "polyester": Material(0.30, 16.0, 0.05, 1, 0.0025, 0.2),
    "skin": Material(0.35, 14.0, 0.0, 0, 0.003, 0.0),
}
#: words in a product's material or tags -> material
KEYWORDS = {
    "denim": "denim",
    "jean": "denim",
    "wool": "wool",
    "cashmere": "wool",
    "merino": "wool",
    "knit": "knit",
    "sweater": "knit",
    "silk": "silk",
    "satin": "silk",
    "leather": "leather",
    "suede": "leather",
    "cotton": "cotton",
    "linen": "cotton",
    "polyester": "polyester",
    "nylon": "polyester",
    "elastane": "polyester",
    "spandex": "polyester",
}
#: default material per product category
CATEGORY_MATERIAL = {
    "tops": "cotton",
    "bottoms": "denim",
    "dresses": "cotton",
    "outerwear": "wool",
    "shoes": "leather",
    "accessories": "knit",
    "activewear": "polyester",
    "formal": "wool",
}
#: attributes per vertex in `Surface.attrs`
U, V, FRONT, LAYER, S, T, SPEC, SHINE, SHEEN, WEAVE, PERIOD, RELIEF, SHADE = range(13)
ATTRS = 13


def material_for(text: str | None, category: str | None = None) -> str:
    """The material named in a product's material / tags text, else the category's."""
    low = (text or "").lower()
    for word, name in KEYWORDS.items():
        if word in low:
            return name
    return CATEGORY_MATERIAL.get(category or "", "cotton")


@dataclass(frozen=True)
class Surface:
    """attrs (V, `ATTRS`) float per vertex; textures (L, 3, S, S) in [0, 1] or None; the
    front picture of a mesh is layer ``attrs[:, LAYER]``, its back picture the next one
    (-1: no picture)."""

    attrs: torch.Tensor
    textures: torch.Tensor | None


def _cloth_coordinates(verts: torch.Tensor) -> torch.Tensor:
    """(V, 3) -> (V, 2) metres: arc length around the vertical axis through the mesh's
    centre (at a nominal 15 cm radius) and height."""
    centre = verts.mean(dim=0)
    angle = torch.atan2(verts[:, 0] - centre[0], verts[:, 2] - centre[2])
    return torch.stack([angle * 0.15, verts[:, 1]], dim=1)


def scene_surface(meshes: Sequence[TriMesh],
                  device: torch.device | str = "cpu") -> Surface | None:
    """The `Surface` of meshes (TriMesh list, in merge order), or None if none has a
    material or a picture."""
    if not any("material" in m.extras or "texture" in m.extras for m in meshes):
        return None
    rows: list[torch.Tensor] = []  # (V_i, ATTRS) per mesh
    layers: list[torch.Tensor] = []  # the meshes' pictures, in layer order
    for m in meshes:
        n = m.num_verts
        a = torch.zeros(n, ATTRS)
        a[:, LAYER] = -1.0
        name = m.extras.get("material")
        if isinstance(name, str) and name in MATERIALS:
            mat = MATERIALS[name]
            a[:, SPEC], a[:, SHINE], a[:, SHEEN] = mat.specular, mat.shininess, mat.sheen
            a[:, WEAVE], a[:, PERIOD], a[:, RELIEF] = mat.weave, mat.period_m, mat.relief
        else:  # the preset's own highlight, as plain meshes
            a[:, SPEC], a[:, SHINE] = 1.0, -1.0
        a[:, S : T + 1] = _cloth_coordinates(m.verts.detach().float().cpu())
        shade = m.extras.get("shade")
        a[:, SHADE] = (
            shade.float().cpu()[:n]
            if isinstance(shade, torch.Tensor) and shade.shape[0] == n
            else 1.0
        )
        tex = m.extras.get("texture")
        uv = m.extras.get("uv")
        front = m.extras.get("front")
        if isinstance(tex, torch.Tensor) and isinstance(uv, torch.Tensor):
            a[:, U : V + 1] = uv.float().cpu()[:n]
            a[:, FRONT] = front.float().cpu()[:n] if isinstance(front, torch.Tensor) else 1.0
            a[:, LAYER] = float(2 * len(layers))
            # vertices drawn in their own colour over a pictured mesh (a shirt's buttons)
            plain = m.extras.get("plainColor")
            if isinstance(plain, torch.Tensor) and plain.shape[0] == n:
                a[plain.bool().cpu(), LAYER] = -1.0
            layers.append(tex.float().cpu())
        rows.append(a)
    textures = None
    if layers:
        size = max(int(t.shape[-1]) for t in layers)
        textures = torch.cat(
            [
                torch.nn.functional.interpolate(t, size=(size, size), mode="bilinear")
                if t.shape[-1] != size
                else t
                for t in layers
            ]
        ).to(device)
    return Surface(torch.cat(rows).to(device), textures)


def weave_finest_period(weave: torch.Tensor, period: torch.Tensor) -> torch.Tensor:
    """(M,) weave kind, (M,) period (m) -> (M,) the shortest period (m) in the weave's height
    field: a plain weave's and a twill's run diagonally (period / sqrt 2), the rib's cross
    term at half the period; smooth cloth keeps its period (no weave to show)."""
    w = weave.round()
    share = torch.where(w == 3, 0.5, torch.where(w >= 1, 1.0 / math.sqrt(2.0), 1.0))
    return period * share


def weave_gradient(st: torch.Tensor, weave: torch.Tensor, period: torch.Tensor) -> torch.Tensor:
    """(M, 2) cloth coordinates (m), (M,) weave kind, (M,) period (m) -> (M, 2) gradient of
    the unit-amplitude height field with respect to (s, t), in units of 1 / period."""
    k = 2 * math.pi / period.clamp(min=1e-4)
    a, b = st[:, 0] * k, st[:, 1] * k
    plain = torch.stack([torch.cos(a) * torch.sin(b), torch.sin(a) * torch.cos(b)], 1)
    twill = torch.cos(a + b)[:, None].expand(-1, 2)
    rib = torch.stack([torch.cos(a), 0.3 * torch.cos(2 * b)], 1)
    w = weave.round()[:, None]
    out = torch.where(w == 1, plain, torch.zeros_like(plain))
    out = torch.where(w == 2, twill, out)
    return torch.where(w == 3, rib, out)
