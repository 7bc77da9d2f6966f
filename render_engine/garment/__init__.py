"""Garments on a body: cut from the body's regions, sized by the size guide, draped, judged.

`dress` builds the garment of a product category for one size (`categories`), or takes the
product's own GLB model (`glb`), drapes it on the body by optimisation (`drape`), colours it by
the variant's ``colorHex`` and reports the fit per region and the recommended size (`sizing`).

The garment is built on the body *as posed*: pose the body first
(`render_engine.body.pose.pose_body`), then dress it. Joints and parts come from the posed
vertices and the skinning weights (`body_view`), so any pose works without re-skinning the
garment.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from render_engine.garment.body_view import GarmentBody, as_garment_body, from_anny
from render_engine.garment.categories import (
    ACCESSORY_STYLES,
    CATEGORIES,
    build_pattern,
    check_category,
)
from render_engine.garment.collision import winding_numbers
from render_engine.garment.color import parse_color_hex
from render_engine.garment.cut import boundary_loops, cut_surface, smooth_loops
from render_engine.garment.drape import DrapeSettings, drape, intra_op_threads
from render_engine.garment.glb import model_piece
from render_engine.garment.pattern import GarmentRegion
from render_engine.garment.sizing import (
    FIT_STYLES,
    check_fit_style,
    check_size,
    fit_report,
    ordered_sizes,
    recommend_size,
)
from render_engine.garment.texture import garment_textures, planar_uv
from render_engine.mesh import TriMesh
from render_engine.scene.materials import material_for

#: garment regions that do not collide with the arms (`GarmentRegion` ids)
TRUNK_REGIONS = (GarmentRegion.TORSO, GarmentRegion.SKIRT, GarmentRegion.WAISTBAND)

__all__ = [
    "ACCESSORY_STYLES",
    "CATEGORIES",
    "FIT_STYLES",
    "DressedGarment",
    "GarmentBody",
    "GarmentRegion",
    "as_garment_body",
    "dress",
    "fit_report",
    "from_anny",
    "ordered_sizes",
    "recommend_size",
]


@dataclass
class DressedGarment:
    """A draped garment.

    mesh: the garment (labels are `GarmentRegion` ids, colours the variant's colour);
    fit_report: {region: {"fit": "tight|regular|loose", "easeCm": float}} for the chosen size;
    recommended_size: the best size of the guide for this body (`sizing.recommend_size`);
    inside_fraction: share of garment vertices the drape's fast test finds inside the body
    (vertices the exact winding number confirms inside an arm are taken away:
    stats["removed_inside"]);
    drape_time_s: wall-clock seconds spent cutting and draping (stats["cpu_s"]: CPU seconds).
    """

    mesh: TriMesh
    fit_report: dict[str, dict[str, float | str]]
    recommended_size: str | None
    inside_fraction: float
    drape_time_s: float
    stats: dict[str, float] = field(default_factory=dict)


#: passes of Laplacian smoothing that let cloth bridge the body's hollows before the drape
BRIDGE_PASSES = 12


def bridge_concavities(
    verts: torch.Tensor, faces: torch.Tensor, labels: torch.Tensor, passes: int = BRIDGE_PASSES
) -> torch.Tensor:
    """Cloth spans hollows instead of following them (under the bust, the navel, the small of
    the back): the trunk's interior vertices are smoothed (uniform Laplacian, `passes` times,
    edges held), and the drape then lifts whatever sank into the body back out of it.
    (N, 3) -> (N, 3)."""
    from render_engine.garment.geometry import boundary_vertices, uniform_laplacian, unique_edges

    movable = torch.isin(labels, torch.tensor(TRUNK_REGIONS))
    movable &= ~boundary_vertices(faces, verts.shape[0])
    edges = unique_edges(faces)
    x = verts.clone()
    for _ in range(passes):
        x = torch.where(movable[:, None], x + 0.5 * uniform_laplacian(x, edges), x)
    return x


def dress(
    body: object,
    category: str,
    size_guide: Mapping[str, Mapping[str, float]],
    size: str,
    color_hex: str,
    fit: str = "regular",
    model_glb: bytes | None = None,
    steps: int | None = None,
    *,
    style: str | None = None,
    images: Sequence[bytes] | None = None,
    material: str | None = None,
) -> DressedGarment:
    """Dress a (posed) body in a garment of `category`, size `size` of `size_guide` (cm).

    body: a `GarmentBody`, the body package's fitted/posed body, or a TriMesh with skinning
    weights in its extras (see `body_view.as_garment_body`). style: for accessories, ``hat``,
    ``scarf`` or ``belt`` (default: guessed from the guide's keys). steps: drape steps
    (default `DrapeSettings.steps`). images: the product's photos, front then back
    (`texture`), projected onto the garment's front and back. material: the product's
    material or tags text (``"100% cotton"``, ``"denim"``...) choosing the fabric's shading
    (`scene.materials`), else the category's usual fabric. Raises `InvalidRequest` on an
    unknown category, fit, size, colour, style, an unreadable model or image.
    """
    check_category(category)
    check_fit_style(fit)
    measures = check_size(size_guide, size)
    color = parse_color_hex(color_hex)
    textures = garment_textures(images) if images else None
    if steps is not None and (not isinstance(steps, int) or steps < 0):
        from render_engine.errors import InvalidRequest

        raise InvalidRequest(
            f"steps must be a non-negative integer, got {steps!r}", code="INVALID_REQUEST"
        )
    start, cpu_start = time.perf_counter(), time.process_time()
    settings = DrapeSettings() if steps is None else DrapeSettings(steps=steps)
    with intra_op_threads(settings.threads):
        garment_body = as_garment_body(body)
        piece = build_pattern(garment_body, category, measures, fit, style)
        if model_glb is not None:
            piece = model_piece(model_glb, piece)
        else:
            piece.verts = bridge_concavities(piece.verts, piece.faces, piece.labels)
        collider = garment_body.collider()
        # the body and skirt of a garment pass behind arms that hang against them, rather
        # than being dented in around them; sleeves and legs still collide with everything
        ignore = torch.zeros(piece.verts.shape[0], collider.num_groups, dtype=torch.bool)
        trunk = torch.isin(piece.labels, torch.tensor(TRUNK_REGIONS))
        ignore[trunk, 1:3] = True
        collider.ignore = ignore
        try:
            result = drape(piece.verts, piece.faces, piece.rest_scale, collider, settings)
        finally:
            collider.ignore = None
        # the drape leaves a little wobble along the edges: relax them along themselves again
        verts = smooth_loops(result.verts, boundary_loops(piece.faces), iterations=4)
        # cloth that passed into an arm is hidden by it: take it away, so none is inside. The
        # fast test flags candidates; the exact winding number decides (the tangent-plane
        # test errs near the shoulders, where it would punch holes in the back)
        collider.refresh(verts)
        sd, _ = collider.signed_distance(verts)
        collider.current = None
        inside_mask = torch.zeros(verts.shape[0], dtype=torch.bool)
        candidates = (sd < 0).nonzero().squeeze(1)
        if candidates.numel() and collider.last_nearest is not None:
            # each candidate against the surface of the body part that flagged it (an arm, a
            # leg, the trunk): a few thousand triangles instead of all of them
            groups = collider.groups[collider.last_nearest[candidates]]
            face_group = collider.groups[garment_body.faces[:, 0]]
            for g in groups.unique().tolist():
                sel = candidates[groups == g]
                part = garment_body.faces[face_group == g]
                w = winding_numbers(verts[sel], garment_body.verts, part)
                inside_mask[sel[w > 0.5]] = True
        removed = float(inside_mask.float().mean()) if verts.shape[0] else 0.0
        flagged = (sd < 0) & ~inside_mask
        faces, labels, source = piece.faces, piece.labels, piece.source
        if bool(inside_mask.any()):
            # cut along the arm's surface (the signed distance's zero), not along triangles,
            # so the opening is exactly the part the arm hides
            field = torch.where(inside_mask, sd.clamp(max=-1e-3), sd.clamp(min=1e-3))
            verts, faces, cmap = cut_surface(verts, faces, field)
            labels = cmap.apply(labels)
            flagged = cmap.apply(flagged.float()) > 0.5
            if source is not None:
                source = cmap.apply(source)
        inside = float(flagged.float().mean()) if flagged.numel() else 0.0
    mesh = TriMesh(
        verts=verts.float().contiguous(),
        faces=faces.long().contiguous(),
        colors=color.expand(verts.shape[0], 3).clone(),
        labels=labels.long(),
        name=f"garment:{category}",
        extras={
            "category": category,
            "size": size,
            "fit": fit,
            "colorHex": color_hex,
            "fromModel": model_glb is not None,
            "covers": piece.covers,
            "source": source,
            "material": material_for(material, category),
        },
    )
    if textures is not None:
        uv, front = planar_uv(mesh.verts, mesh.faces)
        mesh.extras.update(texture=textures, uv=uv, front=front)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return DressedGarment(
        mesh=mesh,
        fit_report=fit_report(garment_body.measurements, size_guide, size, fit),
        recommended_size=recommend_size(garment_body.measurements, size_guide, fit),
        inside_fraction=inside,
        drape_time_s=elapsed,
        stats={
            "mean_strain": result.mean_strain,
            "optimise_s": result.seconds,
            "cpu_s": cpu,
            "vertices": float(verts.shape[0]),
            "removed_inside": removed,
            "steps": float(result.steps),
        },
    )
