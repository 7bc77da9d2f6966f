"""Per-pixel Blinn-Phong shading of rasterized fragments (Phong: normals interpolated).

Only the pixels a face covers are shaded (gathered as a flat list of M hits), so the cost
follows the figure's area, not the frame's.
"""

from __future__ import annotations

import torch

from render_engine.scene.finishing import tone_map
from render_engine.scene.lights import LightingRig
from render_engine.scene.materials import (
    FRONT,
    LAYER,
    PERIOD,
    RELIEF,
    SHADE,
    SHEEN,
    SHINE,
    SPEC,
    WEAVE,
    Surface,
    U,
    V,
    weave_finest_period,
    weave_gradient,
)
from render_engine.scene.materials import S as CLOTH_S
from render_engine.scene.materials import T as CLOTH_T


def shade_fragments(
    pix_to_face: torch.Tensor,
    bary_coords: torch.Tensor,
    faces: torch.Tensor,
    verts_view: torch.Tensor,
    normals_view: torch.Tensor,
    colors: torch.Tensor,
    rig: LightingRig,
    surface: Surface | None = None,
    texel_m: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Colour the nearest fragment of every pixel.

    pix_to_face: (N, H, W, K) int64, only k = 0 is used; bary_coords: (N, H, W, K, 3);
    faces (F, 3); verts_view, normals_view, colors: (V, 3) in PyTorch3D view space.
    surface: per-vertex fabric attributes and product pictures (`materials`); texel_m: the
    size of a pixel on the figure (m), which fades out weaves too fine to show.
    Returns premultiplied rgb (N, 3, H, W) and coverage alpha (N, 1, H, W), both in [0, 1].
    """
    n, h, w = pix_to_face.shape[:3]
    face = pix_to_face[..., 0].reshape(-1)  # (N H W,)
    hit = face >= 0
    sel = hit.nonzero().squeeze(1)  # (M,) flat pixel index of every hit
    tri = faces.index_select(0, face.index_select(0, sel))  # (M, 3) vertex ids
    b = bary_coords[..., 0, :].reshape(-1, 3).index_select(0, sel)  # (M, 3)
    parts = [normals_view, verts_view, colors]
    if surface is not None:
        parts.append(surface.attrs)
    table = torch.cat(parts, dim=1)  # (V, 9 [+ ATTRS])
    # (M, 3, 9 [+ ATTRS]): one gather for every attribute (index_select: a third of the
    # time of advanced indexing on the CPU)
    corners = table.index_select(0, tri.reshape(-1)).view(tri.shape[0], 3, table.shape[1])
    attrs = torch.einsum("mc,mca->ma", b, corners)  # (M, 9) barycentric interpolation
    normal = torch.nn.functional.normalize(attrs[:, 0:3], dim=1)  # (M, 3)
    position, albedo = attrs[:, 3:6], attrs[:, 6:9]  # (M, 3) each
    to_eye = torch.nn.functional.normalize(-position, dim=1)  # (M, 3)
    # two-sided: a face seen from behind (inside of a sleeve) is lit like its front
    facing = (normal * to_eye).sum(dim=1, keepdim=True)
    normal = torch.where(facing < 0, -normal, normal)
    fabric = attrs[:, 9:] if surface is not None else None
    if fabric is not None and surface is not None:
        albedo = _textured(albedo, fabric, surface.textures) * fabric[:, SHADE : SHADE + 1]
        normal = _woven(normal, fabric, texel_m, to_eye)

    ambient = rig.ambient[None, :] * (1.0 - rig.sky * (1.0 - normal[:, 1:2]) / 2)  # (M, 3)
    cos = (normal @ rig.directions.T).clamp(min=0.0)  # (M, L)
    diffuse = cos @ rig.diffuse  # (M, 3)
    half = torch.nn.functional.normalize(rig.directions[None, :, :] + to_eye[:, None, :], dim=2)
    n_dot_h = (normal[:, None, :] * half).sum(-1).clamp(min=0.0)  # (M, L)
    if fabric is None:
        spec = (n_dot_h**rig.shininess) * (cos > 0)
        specular = spec @ rig.specular  # (M, 3)
        color = albedo * (ambient + diffuse) + specular
    else:
        shine = torch.where(fabric[:, SHINE] < 0, rig.shininess, fabric[:, SHINE])[:, None]
        spec = (n_dot_h**shine) * (cos > 0)
        specular = (spec @ rig.specular) * fabric[:, SPEC : SPEC + 1]
        # sheen: fibres catch the light at grazing angles, a soft rim over the whole surface
        rim = (1.0 - (normal * to_eye).sum(1, keepdim=True).abs()).clamp(0, 1) ** 3
        sheen = fabric[:, SHEEN : SHEEN + 1] * rim * (ambient + diffuse) * (0.5 + 0.5 * albedo)
        color = albedo * (ambient + diffuse) + specular + sheen
    color = tone_map(color)  # (M, 3)

    rgb = torch.zeros(n * h * w, 3, dtype=color.dtype, device=color.device)
    rgb.index_copy_(0, sel, color)
    alpha = hit.to(color.dtype).reshape(n, 1, h, w)
    return rgb.reshape(n, h, w, 3).permute(0, 3, 1, 2), alpha


def _textured(
    albedo: torch.Tensor, fabric: torch.Tensor, textures: torch.Tensor | None
) -> torch.Tensor:
    """(M, 3) albedo with the product pictures where a mesh has them: the front picture
    where the interpolated ``front`` is positive, the back one (mirrored) elsewhere."""
    if textures is None:
        return albedo
    layer = fabric[:, LAYER].round()
    idx = (layer >= 0).nonzero().squeeze(1)
    if idx.numel() == 0:
        return albedo
    front = fabric[idx, FRONT] > 0
    which = layer[idx].long() + (~front).long()  # (K,)
    u = torch.where(front, fabric[idx, U], 1.0 - fabric[idx, U])
    grid = torch.stack([u * 2 - 1, fabric[idx, V] * 2 - 1], dim=1)  # (K, 2)
    out = albedo.clone()
    for lay in torch.unique(which).tolist():
        sel = which == lay
        sampled = torch.nn.functional.grid_sample(
            textures[lay][None],
            grid[sel][None, None],
            mode="bilinear",
            padding_mode="border",
            align_corners=False,
        )  # (1, 3, 1, k)
        out[idx[sel]] = sampled[0, :, 0].T
    return out


def _woven(
    normal: torch.Tensor, fabric: torch.Tensor, texel_m: float, to_eye: torch.Tensor
) -> torch.Tensor:
    """(M, 3) normals tilted by the weave's height field, faded out where its finest period
    (`weave_finest_period`) covers fewer than 3 pixels of the cloth as this pixel sees it
    (from 6 pixels on it shows fully). to_eye: (M, 3) unit vectors to the eye.

    A pixel spans `texel_m` across the line of sight, and 1 / cos(slant) times that along a
    surface turning away, so the weave's period there is its length times the cosine over
    the pixel: a weave faded by its nominal period alone aliased into a pixel checkerboard
    and moire on every turning surface (a plain weave's diagonal runs at period / sqrt 2)."""
    relief = fabric[:, RELIEF]
    if texel_m <= 0 or not bool((relief > 0).any()):
        return normal
    facing = (normal * to_eye).sum(dim=1).abs()  # (M,) cosine of the slant
    pixels = weave_finest_period(fabric[:, WEAVE], fabric[:, PERIOD]) * facing / texel_m
    fade = ((pixels - 3.0) / 3.0).clamp(0.0, 1.0)
    amount = relief * fade
    idx = (amount > 0).nonzero().squeeze(1)  # only woven cloth pays for the weave
    if idx.numel() == 0:
        return normal
    n = normal[idx]
    f = fabric[idx]
    grad = weave_gradient(f[:, CLOTH_S : CLOTH_T + 1], f[:, WEAVE], f[:, PERIOD])
    up = torch.tensor([0.0, 1.0, 0.0], device=normal.device).expand_as(n)
    tangent = torch.nn.functional.normalize(torch.cross(up, n, dim=1), dim=1)
    bitangent = torch.cross(n, tangent, dim=1)
    tilted = n - amount[idx, None] * (grad[:, :1] * tangent + grad[:, 1:] * bitangent)
    out = normal.clone()
    out[idx] = torch.nn.functional.normalize(tilted, dim=1)
    return out
