"""The figure to render: validated meshes merged into one packed scene mesh."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from render_engine.errors import InvalidRequest
from render_engine.mesh import TriMesh
from render_engine.scene.materials import Surface, scene_surface


@dataclass(frozen=True)
class SceneMesh:
    """All meshes of a picture in one: verts (V, 3) float32 metres, faces (F, 3) int64,
    colors (V, 3) float32 in [0, 1]; surface: fabric and product pictures, None for plain
    meshes (`materials.scene_surface`)."""

    verts: torch.Tensor
    faces: torch.Tensor
    colors: torch.Tensor
    surface: Surface | None = None

    @property
    def bounds(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(3,) minimum and (3,) maximum corner of the axis-aligned bounding box."""
        return self.verts.amin(dim=0), self.verts.amax(dim=0)


def validate_mesh(mesh: TriMesh) -> None:
    """Raise InvalidRequest for a mesh that cannot be drawn (no faces, bad indices, NaN)."""
    if not isinstance(mesh, TriMesh):
        raise InvalidRequest(f"expected a TriMesh, got {type(mesh).__name__}")
    if mesh.num_verts == 0 or mesh.num_faces == 0:
        raise InvalidRequest(
            f"mesh {mesh.name!r} has {mesh.num_verts} vertices and {mesh.num_faces} faces",
            details={"field": "mesh", "mesh": mesh.name},
        )
    if not bool(torch.isfinite(mesh.verts).all()):
        raise InvalidRequest(f"mesh {mesh.name!r} has non-finite vertices")
    faces = mesh.faces
    if int(faces.min()) < 0 or int(faces.max()) >= mesh.num_verts:
        raise InvalidRequest(f"mesh {mesh.name!r} has face indices outside its vertices")


def merge_meshes(meshes: list[TriMesh], device: torch.device | str = "cpu") -> SceneMesh:
    """Validate and concatenate meshes (faces re-indexed) on `device`."""
    if not meshes:
        raise InvalidRequest("nothing to render: no meshes given", details={"field": "meshes"})
    for mesh in meshes:
        validate_mesh(mesh)
    offsets = torch.tensor([0] + [m.num_verts for m in meshes[:-1]]).cumsum(0).tolist()
    verts = torch.cat([m.verts.detach().float().cpu() for m in meshes])  # (V, 3)
    faces = torch.cat([m.faces.long().cpu() + o for m, o in zip(meshes, offsets, strict=True)])
    colors = torch.cat([m.colors.detach().float().cpu().clamp(0, 1) for m in meshes])
    surface = scene_surface(meshes, device)
    return SceneMesh(verts.to(device), faces.to(device), colors.to(device), surface)
