"""A procedural stand-in figure (capsules and a sphere), for tests, demos and benchmarks of the
renderer on its own. It is not a body model: avatars come from `render_engine.body`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import trimesh

from render_engine.mesh import TriMesh

Color = tuple[float, float, float]  # linear RGB in [0, 1]

SKIN = (0.80, 0.62, 0.52)
SHIRT = (0.20, 0.35, 0.70)
TROUSERS = (0.15, 0.15, 0.18)


def _capsule(start: Sequence[float], end: Sequence[float], radius: float,
             sections: int) -> trimesh.Trimesh:
    a, b = np.asarray(start, float), np.asarray(end, float)
    axis = b - a
    length = float(np.linalg.norm(axis))
    mesh = trimesh.creation.capsule(height=length, radius=radius, count=[sections, sections])
    # trimesh.geometry.align_vectors has no annotations
    mesh.apply_transform(trimesh.geometry.align_vectors(  # type: ignore[no-untyped-call]
        [0, 0, 1], axis / length))
    mesh.apply_translation((a + b) / 2)
    return mesh


def _joined(parts: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    """One mesh of ``parts`` (trimesh types the result as any geometry)."""
    mesh = trimesh.util.concatenate(parts)
    assert isinstance(mesh, trimesh.Trimesh)
    return mesh


def _part(mesh: trimesh.Trimesh, color: Color, name: str) -> TriMesh:
    verts = torch.tensor(np.asarray(mesh.vertices), dtype=torch.float32)
    return TriMesh(
        verts=verts,
        faces=torch.tensor(np.asarray(mesh.faces), dtype=torch.int64),
        colors=torch.tensor(color, dtype=torch.float32).expand_as(verts).clone(),
        name=name,
    )


def mannequin(
    height: float = 1.75, shirt: Color = SHIRT, trousers: Color = TROUSERS, sections: int = 24
) -> list[TriMesh]:
    """Body (skin), shirt and trousers as three meshes, feet at y = 0, facing +Z.

    The arms hang slightly forward and apart, the left hand (+X) a little higher than the
    right, so that views from the front, side and back all differ.
    """
    s = height / 1.75
    head = trimesh.creation.icosphere(subdivisions=3, radius=0.11 * s)
    head.apply_translation([0, 1.62 * s, 0.01 * s])
    skin = _joined(
        [
            head,
            _capsule([0, 1.45 * s, 0], [0, 1.53 * s, 0], 0.05 * s, sections),  # neck
            _capsule([0.21 * s, 1.40 * s, 0], [0.30 * s, 0.95 * s, 0.08 * s], 0.045 * s, sections),
            _capsule(
                [-0.21 * s, 1.40 * s, 0], [-0.27 * s, 0.90 * s, 0.02 * s], 0.045 * s, sections
            ),
        ]
    )
    shirt_mesh = _joined(
        [
            _capsule([0, 0.95 * s, 0], [0, 1.38 * s, 0], 0.17 * s, sections),
            _capsule([-0.2 * s, 1.38 * s, 0], [0.2 * s, 1.38 * s, 0], 0.07 * s, sections),
        ]
    )
    trousers_mesh = _joined(
        [
            _capsule([0.09 * s, 0.05 * s, 0.02 * s], [0.1 * s, 0.95 * s, 0], 0.075 * s, sections),
            _capsule(
                [-0.09 * s, 0.05 * s, -0.02 * s], [-0.1 * s, 0.95 * s, 0], 0.075 * s, sections
            ),
        ]
    )
    return [
        _part(skin, SKIN, "body"),
        _part(shirt_mesh, shirt, "shirt"),
        _part(trousers_mesh, trousers, "trousers"),
    ]
