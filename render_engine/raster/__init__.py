"""Fast CPU rasterization: PyTorch3D's rasterizer run per screen tile (see `tiled`)."""

from render_engine.raster.rasterizer import TiledMeshRasterizer
from render_engine.raster.tiled import (
    DEFAULT_TILE,
    RasterOutput,
    bin_faces,
    bin_faces_auto,
    rasterize_face_verts_tiled,
    rasterize_tiled,
)

__all__ = [
    "DEFAULT_TILE",
    "RasterOutput",
    "TiledMeshRasterizer",
    "bin_faces",
    "bin_faces_auto",
    "rasterize_face_verts_tiled",
    "rasterize_tiled",
]
