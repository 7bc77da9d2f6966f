"""Avatar exports: a GLB that round-trips, preview images, polycount and size."""

from __future__ import annotations

import io
from typing import cast

import numpy as np
import pygltflib
import pytest
import torch
import trimesh
from PIL import Image

from render_engine.errors import InvalidRequest
from render_engine.export import (
    export_glb,
    human_size,
    load_glb_meshes,
    model_info,
    polycount,
    preview_images,
)
from render_engine.mesh import TriMesh
from render_engine.scene.mannequin import mannequin

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def figure() -> list[TriMesh]:
    return mannequin(sections=12)


def test_glb_is_valid_gltf_2_with_normals_and_vertex_colours(figure: list[TriMesh]) -> None:
    glb = export_glb(figure)
    assert glb[:4] == b"glTF"
    gltf = pygltflib.GLTF2.load_from_bytes(glb)
    assert gltf.asset.version == "2.0"
    assert len(gltf.meshes) == len(figure)
    for mesh in gltf.meshes:
        attributes = mesh.primitives[0].attributes
        assert attributes.POSITION is not None
        assert attributes.NORMAL is not None
        assert attributes.COLOR_0 is not None


def test_glb_round_trips_through_trimesh_with_the_same_counts(figure: list[TriMesh]) -> None:
    loaded = trimesh.load(io.BytesIO(export_glb(figure)), file_type="glb", process=False)
    assert isinstance(loaded, trimesh.Scene)
    geometries = list(loaded.geometry.values())
    assert sorted(len(g.vertices) for g in geometries) == sorted(m.num_verts for m in figure)
    assert sorted(len(g.faces) for g in geometries) == sorted(m.num_faces for m in figure)
    back = load_glb_meshes(export_glb(figure))
    assert [m.name for m in back] == ["body_0", "shirt_1", "trousers_2"]
    shirt = back[1]
    assert torch.allclose(shirt.colors.mean(0), figure[1].colors.mean(0), atol=1 / 255)
    assert torch.allclose(shirt.verts, figure[1].verts, atol=1e-6)


def test_a_single_mesh_exports_too(figure: list[TriMesh]) -> None:
    loaded = trimesh.load(
        io.BytesIO(export_glb(figure[0])), file_type="glb", force="mesh", process=False
    )
    assert isinstance(loaded, trimesh.Trimesh)
    assert len(loaded.faces) == figure[0].num_faces


def test_a_mesh_without_faces_cannot_be_exported() -> None:
    empty = TriMesh(
        verts=torch.zeros(3, 3),
        faces=torch.zeros(0, 3, dtype=torch.int64),
        colors=torch.zeros(3, 3),
    )
    with pytest.raises(InvalidRequest):
        export_glb(empty)


def test_polycount_and_size_are_reported_as_the_spec_writes_them(figure: list[TriMesh]) -> None:
    glb = export_glb(figure)
    info = model_info(glb, figure)
    assert info["polycount"] == polycount(figure) == sum(m.num_faces for m in figure)
    assert info["format"] == "glb"
    assert human_size(512) == "512B"
    assert human_size(int(12.4 * 1024 * 1024)) == "12.4MB"
    assert human_size(3 * 1024 * 1024 * 1024) == "3.0GB"
    size = cast(str, info["size"])
    assert size.endswith("KB") or size.endswith("MB")


def test_preview_images_are_jpgs_of_the_avatar_on_white(figure: list[TriMesh]) -> None:
    previews = preview_images(figure, thumbnail_size=(64, 48), full_size=(160, 96))
    thumb = Image.open(io.BytesIO(previews.thumbnail))
    full = Image.open(io.BytesIO(previews.full_size))
    assert thumb.format == full.format == "JPEG"
    assert thumb.size == (48, 64) and full.size == (96, 160)
    pixels = np.asarray(full.convert("RGB")).astype(int)
    assert pixels[0, 0].min() >= 250  # white background
    assert pixels[80, 48].max() < 200  # the figure in the middle
