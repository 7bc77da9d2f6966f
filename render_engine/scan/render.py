"""Bodies seen by the protocol's camera: soft silhouettes for fitting, flat-shaded photos
for synthetic scans. Rasterized with the tiled CPU rasterizer when it is available."""

from __future__ import annotations

import io
import math
from typing import Any

import torch

from render_engine.scan.protocol import POSE_YAW_DEG, image_size, make_cameras, yaw_matrix

#: Plain backdrop of synthetic photos (a light grey wall).
BACKDROP = (0.88, 0.89, 0.90)


def _rasterizer(cameras: Any, height: int, blur_radius: float, faces_per_pixel: int) -> Any:
    from pytorch3d.renderer import MeshRasterizer, RasterizationSettings

    settings = RasterizationSettings(
        image_size=image_size(height),
        blur_radius=blur_radius,
        faces_per_pixel=faces_per_pixel,
        bin_size=0 if cameras.device.type == "cpu" else None,
        perspective_correct=False,
    )
    try:
        from render_engine.raster import TiledMeshRasterizer
    except ImportError:  # pragma: no cover - the tiled rasterizer ships with render_engine
        return MeshRasterizer(cameras=cameras, raster_settings=settings)
    return TiledMeshRasterizer(cameras=cameras, raster_settings=settings)


def place_in_views(
    verts: torch.Tensor, poses: list[str], offset: torch.Tensor | None = None
) -> torch.Tensor:
    """The body as the camera sees it in each pose: turned by the pose's yaw, then moved
    by `offset` (3,) on the floor. verts (V, 3) -> (N, V, 3)."""
    yaws = torch.stack([yaw_matrix(POSE_YAW_DEG[p], verts.dtype) for p in poses])  # (N, 3, 3)
    placed = torch.einsum("nij,vj->nvi", yaws, verts)  # (N, V, 3)
    if offset is not None:
        placed = placed + offset
    return placed


def soft_silhouettes(
    views: torch.Tensor,
    faces: torch.Tensor,
    height: int,
    sigma: float = 3e-5,
    faces_per_pixel: int = 8,
) -> torch.Tensor:
    """Soft silhouettes, differentiable in the vertices: PyTorch3D's SoftSilhouetteShader
    united with the hard coverage.

    views: (N, V, 3) world vertices per view; faces (F, 3). Returns (N, H, W) alpha in [0, 1].
    `sigma` sets the edge softness (squared NDC units); the blur radius covers the faces whose
    sigmoid weight exceeds 1e-4. Inside the body a pixel's own face can be crowded out of its
    `faces_per_pixel` nearest faces by nearer faces around it (a convex surface bulges towards
    the camera), which leaves holes in the soft alpha; the hard coverage (one face per pixel,
    no blur) fills them: alpha = 1 - (1 - soft) * (1 - hard). Gradients flow at the edges,
    through the soft part.
    """
    from pytorch3d.renderer import BlendParams, SoftSilhouetteShader
    from pytorch3d.structures import Meshes

    n = views.shape[0]
    cameras = make_cameras(n, views.device)
    meshes = Meshes(verts=list(views.to(torch.float32)), faces=[faces] * n)
    blur = math.log(1.0 / 1e-4 - 1.0) * sigma
    fragments = _rasterizer(cameras, height, blur, faces_per_pixel)(meshes)
    shader = SoftSilhouetteShader(blend_params=BlendParams(sigma=sigma, gamma=1e-4))
    soft = shader(fragments, meshes)[..., 3]  # (N, H, W)
    with torch.no_grad():
        hard = (_rasterizer(cameras, height, 0.0, 1)(meshes).pix_to_face[..., 0] >= 0).to(
            soft.dtype
        )
    return torch.as_tensor(1.0 - (1.0 - soft) * (1.0 - hard))


def flat_shaded_photos(
    verts: torch.Tensor,
    faces: torch.Tensor,
    colors: torch.Tensor,
    poses: list[str],
    height: int = 480,
    offset: torch.Tensor | None = None,
) -> torch.Tensor:
    """Synthetic photos: the body flat shaded by one light from the camera's upper left, on a
    plain backdrop. verts (V, 3), faces (F, 3), colors (V, 3) -> (N, 3, H, W) in [0, 1]."""
    from pytorch3d.renderer import RasterizationSettings  # noqa: F401  (import check)
    from pytorch3d.structures import Meshes

    with torch.no_grad():
        views = place_in_views(verts.to(torch.float32), poses, offset)  # (N, V, 3)
        n = views.shape[0]
        cameras = make_cameras(n)
        raster = _rasterizer(cameras, height, 0.0, 1)
        meshes = Meshes(verts=list(views), faces=[faces] * n)
        fragments = raster(meshes)
        normals = meshes.faces_normals_packed()  # (N * F, 3)
        face_colors = colors[faces].mean(dim=1).repeat(n, 1)  # (N * F, 3)
        light = torch.nn.functional.normalize(torch.tensor([0.4, 0.6, 1.0]), dim=0)
        shade = 0.35 + 0.65 * (normals @ light).clamp_min(0.0)  # (N * F,)
        p2f = fragments.pix_to_face[..., 0]  # (N, H, W)
        lit = face_colors[p2f.clamp_min(0)] * shade[p2f.clamp_min(0)][..., None]  # (N, H, W, 3)
        backdrop = torch.tensor(BACKDROP).expand_as(lit)
        image = torch.where((p2f >= 0)[..., None], lit, backdrop)
    return image.permute(0, 3, 1, 2).contiguous()


def encode_png(image: torch.Tensor) -> bytes:
    """(3, H, W) float in [0, 1] -> PNG bytes."""
    from PIL import Image

    array = (image.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_image(data: bytes) -> torch.Tensor:
    """Image file bytes (png, jpg, webp...) -> (3, H, W) float32 in [0, 1]."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        img = ImageOps.exif_transpose(opened).convert("RGB")
        array = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8)
        return array.reshape(img.height, img.width, 3).permute(2, 0, 1).to(torch.float32) / 255.0
