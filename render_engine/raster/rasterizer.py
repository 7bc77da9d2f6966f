"""`TiledMeshRasterizer`: PyTorch3D's `MeshRasterizer` with the tiled CPU rasterizer inside.

Drops into `pytorch3d.renderer.MeshRenderer` (hard Phong, soft silhouette, ...): the camera
transform and the defaults inferred from the camera (perspective correction, z clipping,
barycentric clipping when blurring) are PyTorch3D's own; only the rasterization call differs.
"""

from __future__ import annotations

import torch
from pytorch3d.renderer.cameras import CamerasBase
from pytorch3d.renderer.mesh.rasterizer import Fragments, MeshRasterizer, RasterizationSettings
from pytorch3d.structures import Meshes

from render_engine.raster.tiled import DEFAULT_TILE, rasterize_tiled


# pytorch3d ships no type hints, so its classes are Any to mypy.
class TiledMeshRasterizer(MeshRasterizer):  # type: ignore[misc]
    """MeshRasterizer whose CPU path bins faces into `tile` x `tile` screen tiles
    (None: the tile size is chosen per call by the tiled rasterizer's cost model).

    `rows=(r0, r1)` in the forward kwargs rasterizes only that band of output rows (the
    fragments then have r1 - r0 rows), which bounds memory for supersampled 4k frames.
    """

    def __init__(self, cameras: CamerasBase | None = None,
                 raster_settings: RasterizationSettings | None = None,
                 tile: int | None = DEFAULT_TILE) -> None:
        super().__init__(cameras=cameras, raster_settings=raster_settings)
        self.tile = tile

    def forward(self, meshes_world: Meshes, **kwargs: object) -> Fragments:
        meshes_proj = self.transform(meshes_world, **kwargs)
        settings: RasterizationSettings = kwargs.get("raster_settings", self.raster_settings)
        cameras: CamerasBase = kwargs.get("cameras", self.cameras)
        tile = kwargs.get("tile", self.tile)
        rows = kwargs.get("rows")
        assert tile is None or isinstance(tile, int)
        assert rows is None or isinstance(rows, tuple)

        clip_bary = settings.clip_barycentric_coords
        if clip_bary is None:
            clip_bary = settings.blur_radius > 0.0
        if settings.perspective_correct is not None:
            perspective_correct = settings.perspective_correct
        else:
            perspective_correct = cameras.is_perspective()
        if settings.z_clip_value is not None:
            z_clip = settings.z_clip_value
        else:
            znear = cameras.get_znear()
            if isinstance(znear, torch.Tensor):
                znear = znear.min().item()
            z_clip = None if not perspective_correct or znear is None else znear / 2

        out = rasterize_tiled(
            meshes_proj,
            image_size=settings.image_size,
            blur_radius=settings.blur_radius,
            faces_per_pixel=settings.faces_per_pixel,
            tile=tile,
            perspective_correct=perspective_correct,
            clip_barycentric_coords=clip_bary,
            cull_backfaces=settings.cull_backfaces,
            z_clip_value=z_clip,
            cull_to_frustum=settings.cull_to_frustum,
            rows=rows,
        )
        return Fragments(
            pix_to_face=out.pix_to_face, zbuf=out.zbuf, bary_coords=out.bary_coords, dists=out.dists
        )
