"""Avatar exports for the spec's `Avatar.model` and `Avatar.preview`.

- `export_glb`: a binary glTF 2.0 (one node and one mesh per TriMesh, with POSITION, NORMAL
  and COLOR_0 vertex attributes), written with trimesh.
- `preview_images`: a thumbnail and a full-size preview (jpg) of the avatar, by `render_scene`.
- `model_info`: `format`, `size` (human readable, 1 MB = 1024 x 1024 bytes, as "12.4MB") and
  `polycount` (triangles).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import trimesh
from pytorch3d.structures import Meshes

from render_engine.mesh import TriMesh
from render_engine.render import render_scene
from render_engine.request import CameraSpec, LightingSpec, OutputSpec, RenderSpec
from render_engine.scene.geometry import validate_mesh

THUMBNAIL_SIZE = (320, 240)  # height, width
PREVIEW_SIZE = (1280, 720)


def _as_list(mesh: TriMesh | list[TriMesh]) -> list[TriMesh]:
    return [mesh] if isinstance(mesh, TriMesh) else list(mesh)


def to_trimesh(mesh: TriMesh) -> trimesh.Trimesh:
    """TriMesh -> trimesh.Trimesh with RGBA uint8 vertex colours and vertex normals."""
    validate_mesh(mesh)
    colors = (mesh.colors.detach().clamp(0, 1).cpu().numpy() * 255).round().astype(np.uint8)
    rgba = np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], axis=1)
    verts, faces = mesh.verts.detach().float().cpu(), mesh.faces.cpu()
    normals = Meshes(verts=[verts], faces=[faces]).verts_normals_packed()  # (V, 3) area-weighted
    return trimesh.Trimesh(
        vertices=verts.numpy().astype(np.float64),
        faces=faces.numpy(),
        vertex_normals=normals.numpy().astype(np.float64),
        vertex_colors=rgba,
        process=False,
    )


def export_glb(mesh: TriMesh | list[TriMesh]) -> bytes:
    """Meshes -> GLB bytes (glTF 2.0 binary). Raises InvalidRequest for undrawable meshes."""
    meshes = _as_list(mesh)
    scene = trimesh.Scene()
    for i, part in enumerate(meshes):
        scene.add_geometry(
            to_trimesh(part), geom_name=f"{part.name}_{i}", node_name=f"{part.name}_{i}"
        )
    # trimesh's glTF exporter has no annotations
    glb: bytes = trimesh.exchange.gltf.export_glb(  # type: ignore[no-untyped-call]
        scene, include_normals=True)
    return glb


def polycount(mesh: TriMesh | list[TriMesh]) -> int:
    """Number of triangles in all meshes."""
    return sum(m.num_faces for m in _as_list(mesh))


def human_size(num_bytes: int) -> str:
    """Bytes as the spec writes them: "512B", "3.2KB", "12.4MB", "1.1GB" (powers of 1024)."""
    size = float(num_bytes)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{int(size)}B" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}GB"


def model_info(glb: bytes, mesh: TriMesh | list[TriMesh]) -> dict[str, object]:
    """The spec's `Avatar.model` fields that do not depend on storage: format, size, polycount."""
    return {"format": "glb", "size": human_size(len(glb)), "polycount": polycount(mesh)}


@dataclass(frozen=True)
class AvatarPreviews:
    thumbnail: bytes  # jpg, THUMBNAIL_SIZE
    full_size: bytes  # jpg, PREVIEW_SIZE


def preview_spec(size: tuple[int, int], quality: str = "medium") -> RenderSpec:
    return RenderSpec(
        lighting=LightingSpec(preset="studio_bright", intensity=1.0),
        camera=CameraSpec(angle="front", zoom=1.0, perspective="realistic"),
        output=OutputSpec(format="jpg", quality=quality, background="white", size_override=size),
    )


def preview_images(
    mesh: TriMesh | list[TriMesh],
    thumbnail_size: tuple[int, int] = THUMBNAIL_SIZE,
    full_size: tuple[int, int] = PREVIEW_SIZE,
) -> AvatarPreviews:
    """Front views on white, studio lighting: a small thumbnail and a full preview (jpg)."""
    meshes = _as_list(mesh)
    thumb = render_scene(meshes, preview_spec(thumbnail_size, "high")).image
    full = render_scene(meshes, preview_spec(full_size, "medium")).image
    return AvatarPreviews(thumbnail=thumb, full_size=full)


def _part_order(node_name: str) -> tuple[int, str]:
    """`export_glb` names nodes "<name>_<index>": keep that order."""
    head, _, tail = node_name.rpartition("_")
    return (int(tail), head) if tail.isdigit() else (1 << 30, node_name)


def load_glb_meshes(data: bytes) -> list[TriMesh]:
    """GLB bytes written by `export_glb` (or any GLB with vertex colours) -> TriMeshes."""
    import torch

    scene = trimesh.load(io.BytesIO(data), file_type="glb", process=False)
    if isinstance(scene, trimesh.Scene):  # node transforms applied, names kept
        geometries = [
            (name, scene.geometry[g].copy().apply_transform(scene.graph[name][0]))
            for name in sorted(scene.graph.nodes_geometry, key=_part_order)
            for g in [scene.graph[name][1]]
        ]
    else:
        geometries = [("part_0", scene)]
    meshes = []
    for name, geom in geometries:
        verts = torch.tensor(np.asarray(geom.vertices), dtype=torch.float32)
        try:
            colors = np.asarray(geom.visual.vertex_colors)[:, :3] / 255.0
        except Exception:  # no colours: light grey
            colors = np.full((len(verts), 3), 0.8)
        meshes.append(
            TriMesh(
                verts=verts,
                faces=torch.tensor(np.asarray(geom.faces), dtype=torch.int64),
                colors=torch.tensor(colors, dtype=torch.float32),
                name=str(name),
            )
        )
    return meshes
