"""Per-pixel Blinn-Phong shading of rasterized fragments (Phong: normals interpolated).

Only the pixels a face covers are shaded (gathered as a flat list of M hits), so the cost
follows the figure's area, not the frame's.
"""

from __future__ import annotations

import torch

from render_engine.scene.finishing import tone_map
from render_engine.scene.lights import LightingRig


def shade_fragments(
    pix_to_face: torch.Tensor,
    bary_coords: torch.Tensor,
    faces: torch.Tensor,
    verts_view: torch.Tensor,
    normals_view: torch.Tensor,
    colors: torch.Tensor,
    rig: LightingRig,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Colour the nearest fragment of every pixel.

    pix_to_face: (N, H, W, K) int64, only k = 0 is used; bary_coords: (N, H, W, K, 3);
    faces (F, 3); verts_view, normals_view, colors: (V, 3) in PyTorch3D view space.
    Returns premultiplied rgb (N, 3, H, W) and coverage alpha (N, 1, H, W), both in [0, 1].
    """
    n, h, w = pix_to_face.shape[:3]
    face = pix_to_face[..., 0].reshape(-1)  # (N H W,)
    hit = face >= 0
    sel = hit.nonzero().squeeze(1)  # (M,) flat pixel index of every hit
    tri = faces.index_select(0, face.index_select(0, sel))  # (M, 3) vertex ids
    b = bary_coords[..., 0, :].reshape(-1, 3).index_select(0, sel)  # (M, 3)
    table = torch.cat([normals_view, verts_view, colors], dim=1)  # (V, 9)
    corners = table[tri]  # (M, 3, 9): one gather for every attribute
    attrs = torch.einsum("mc,mca->ma", b, corners)  # (M, 9) barycentric interpolation
    normal = torch.nn.functional.normalize(attrs[:, 0:3], dim=1)  # (M, 3)
    position, albedo = attrs[:, 3:6], attrs[:, 6:9]  # (M, 3) each
    to_eye = torch.nn.functional.normalize(-position, dim=1)  # (M, 3)
    # two-sided: a face seen from behind (inside of a sleeve) is lit like its front
    facing = (normal * to_eye).sum(dim=1, keepdim=True)
    normal = torch.where(facing < 0, -normal, normal)

    ambient = rig.ambient[None, :] * (1.0 - rig.sky * (1.0 - normal[:, 1:2]) / 2)  # (M, 3)
    cos = (normal @ rig.directions.T).clamp(min=0.0)  # (M, L)
    diffuse = cos @ rig.diffuse  # (M, 3)
    half = torch.nn.functional.normalize(rig.directions[None, :, :] + to_eye[:, None, :], dim=2)
    spec = ((normal[:, None, :] * half).sum(-1).clamp(min=0.0) ** rig.shininess) * (cos > 0)
    specular = spec @ rig.specular  # (M, 3)
    color = tone_map(albedo * (ambient + diffuse) + specular)  # (M, 3)

    rgb = torch.zeros(n * h * w, 3, dtype=color.dtype, device=color.device)
    rgb.index_copy_(0, sel, color)
    alpha = hit.to(color.dtype).reshape(n, 1, h, w)
    return rgb.reshape(n, h, w, 3).permute(0, 3, 1, 2), alpha
