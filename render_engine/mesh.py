"""The triangle mesh every stage of the render engine passes around.

Kept deliberately small: the body model, the garment builder, the rasterizer and the
exporters all speak this one type, so that each can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class TriMesh:
    """A triangle mesh in metres, +Y up, the figure facing +Z.

    verts:  (V, 3) float32
    faces:  (F, 3) int64, counter-clockwise seen from outside
    colors: (V, 3) float32 in [0, 1], per-vertex albedo
    labels: optional (V,) int64 region ids (body part or garment region), -1 where unknown
    """

    verts: torch.Tensor
    faces: torch.Tensor
    colors: torch.Tensor
    labels: torch.Tensor | None = None
    name: str = "mesh"
    extras: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verts.ndim != 2 or self.verts.shape[1] != 3:
            raise ValueError(f"verts must be (V, 3), got {tuple(self.verts.shape)}")
        if self.faces.ndim != 2 or self.faces.shape[1] != 3:
            raise ValueError(f"faces must be (F, 3), got {tuple(self.faces.shape)}")
        if self.colors.shape != self.verts.shape:
            raise ValueError("colors must be (V, 3) like verts")

    @property
    def num_verts(self) -> int:
        return int(self.verts.shape[0])

    @property
    def num_faces(self) -> int:
        return int(self.faces.shape[0])

    def to(self, device: torch.device | str) -> TriMesh:
        return TriMesh(
            verts=self.verts.to(device),
            faces=self.faces.to(device),
            colors=self.colors.to(device),
            labels=None if self.labels is None else self.labels.to(device),
            name=self.name,
            extras=dict(self.extras),
        )
