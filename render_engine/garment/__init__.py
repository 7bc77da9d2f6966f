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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from render_engine.garment.body_view import GarmentBody, as_garment_body, from_anny
from render_engine.garment.categories import (
    ACCESSORY_STYLES,
    CATEGORIES,
    NOTCHED_LAPEL_CUTS,
    OPEN_FRONT_CUTS,
    build_pattern,
    check_category,
    lapels,
)
from render_engine.garment.clearance import arm_lift_deg, lift_arms
from render_engine.garment.collision import WindingSurface
from render_engine.garment.color import parse_color_hex
from render_engine.garment.crotch import CROTCH_ABOVE_M, span_crotch
from render_engine.garment.cut import boundary_loops, cut_surface, smooth_loops
from render_engine.garment.cuts import cut_for
from render_engine.garment.drape import DrapeResult, DrapeSettings, drape, intra_op_threads
from render_engine.garment.envelope import (
    LIMB_FALL_BELOW_JOINT_M,
    edge_plane_normal,
    fall_slope,
    hang,
    hang_limb,
    limb_fall_slope,
    respace_bunched,
    span_bust,
    untangle_loops,
)
from render_engine.garment.geometry import submesh
from render_engine.garment.glb import (
    NECKLINE_CATEGORIES,
    model_cover,
    model_neckline,
    model_piece,
)
from render_engine.garment.pattern import GarmentRegion, Piece, weld_fine_detail
from render_engine.garment.sizing import (
    FIT_STYLES,
    check_fit_style,
    check_size,
    fit_report,
    ordered_sizes,
    recommend_size,
)
from render_engine.garment.texture import garment_textures
from render_engine.garment.trims import BUTTON_SHADE
from render_engine.garment.wrap import wrapped_uv
from render_engine.mesh import TriMesh
from render_engine.scene.materials import material_for

#: garment regions that do not collide with the arms (`GarmentRegion` ids)
TRUNK_REGIONS = (GarmentRegion.TORSO, GarmentRegion.SKIRT, GarmentRegion.WAISTBAND)

__all__ = [
    "ACCESSORY_STYLES",
    "CATEGORIES",
    "FIT_STYLES",
    "OPEN_FRONT_EDGE_M",
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
    inside_fraction: share of garment vertices inside the body by the exact winding number,
    checked on every vertex the drape's fast test flags (stats["flagged_inside"]); those
    confirmed inside (inside an arm) are cut away (stats["removed_inside"]), so what remains
    is the cut's interpolation only;
    drape_time_s: wall-clock seconds spent cutting and draping (stats["cpu_s"]: CPU seconds);
    stats["arm_lift_deg"]: how far the arms were lifted to hang clear of it (`clearance`);
    then ``mesh.extras["liftedBody"]`` is the body it was draped on, which `outfit` draws.
    """

    mesh: TriMesh
    fit_report: dict[str, dict[str, float | str]]
    recommended_size: str | None
    inside_fraction: float
    drape_time_s: float
    stats: dict[str, float] = field(default_factory=dict)


#: the cloth's visible thickness at the edges of an open-front garment (coats, jackets)
OPEN_FRONT_EDGE_M = 0.01

#: the envelope (`envelope.hang`) starts this far below the shoulder joints (about the armpit):
#: above, a section through the shoulders is two arcs beside the neck, not a ring round the
#: body, and its hull would throw the cloth off the shoulders
ENVELOPE_BELOW_SHOULDER_M = 0.05
#: ... and fades in over this height, so the cloth joins the shoulders without a step
ENVELOPE_FADE_M = 0.05


#: passes of Laplacian smoothing after the envelope (`bridge_concavities`): the envelope is made
#: of slices, and where the fall starts under the bust its slope changes at once (a crease
#: across the front); the passes round it off, fill what small hollows the slices miss and
#: spread out the vertices the envelope bunched together (about 1 ms each) ...
BRIDGE_PASSES = 50
#: ... each sliding a vertex along the surface by this share of its Laplacian (the part across
#: it, outwards only, stays a half step): small steps, as many as the reach needs (0.2 x 50
#: passes spread as far as 0.5 x 20). A half step overshot the small triangles the envelope
#: bunches under the bust's apex (its underside, pushed out level with it) and folded them
#: into a point that shaded like a nipple
BRIDGE_STEP = 0.2


def bridge_concavities(
    verts: torch.Tensor, faces: torch.Tensor, labels: torch.Tensor, passes: int = BRIDGE_PASSES
) -> torch.Tensor:
    """Round off the envelope (`hanging_cloth`): the trunk's interior vertices are smoothed
    (uniform Laplacian, `passes` times, edges held), outwards only across the surface, so what
    hollows remain fill and convex parts (the girths) stay; along the surface fully, so the
    vertices the envelope bunched together (the underside of the bust, pushed out level with
    its apex) spread out again instead of leaving a crumpled line. (N, 3) -> (N, 3)."""
    from render_engine.garment.geometry import boundary_vertices, relax_surface

    movable = torch.isin(labels, torch.tensor(TRUNK_REGIONS))
    movable &= ~boundary_vertices(faces, verts.shape[0])
    # only the outward part across the surface: hollows fill, convex parts (and so the
    # girths the size guide sets) stay where they are
    return relax_surface(verts, faces, movable, passes, BRIDGE_STEP, 0.5, outwards_only=True)


#: rings of vertices next to a draped garment's edges relaxed after the edges were
#: (`settle_edge_rows`), and the passes
EDGE_ROW_RINGS = 2
EDGE_ROW_PASSES = 4


def settle_edge_rows(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """The rows of vertices next to the draped garment's edges relaxed with them (uniform
    Laplacian, `EDGE_ROW_PASSES` half steps over `EDGE_ROW_RINGS` rings, the edges held; as
    `bridge_concavities`, fully along the surface and outwards only across it, so nothing
    moves into the body). The edges are relaxed along themselves after the drape
    (`cut.smooth_loops`) and the rows inside are not: where the edge moved, its last
    triangles tilted and the cloth's normal swung from one edge point to the next (the
    shirt's hem at the cleft of the buttocks: 43 degrees between neighbouring points on the
    look test's figure), a kink in the shading along the hem. (N, 3) -> (N, 3)."""
    from render_engine.garment.geometry import relax_surface, rows_next_to_edges

    movable = rows_next_to_edges(faces, verts.shape[0], EDGE_ROW_RINGS)
    return relax_surface(verts, faces, movable, EDGE_ROW_PASSES, 0.5, 0.5, outwards_only=True)


#: passes of the uniform Laplacian over the draped trunk (`smooth_drape`): enough to take out
#: the drape's millimetre wobble (Adam moves every vertex by about its learning rate a step,
#: 1.5 mm at first), not enough to change a girth (a section of 15 cm radius over centimetre
#: triangles comes in by about 0.3 mm in 4 half steps)
DRAPE_SMOOTH_PASSES = 4


def smooth_drape(
    verts: torch.Tensor,
    faces: torch.Tensor,
    labels: torch.Tensor,
    passes: int = DRAPE_SMOOTH_PASSES,
) -> torch.Tensor:
    """The draped trunk's interior (torso, skirt, waistband; edges held) relaxed by `passes`
    half steps of the uniform Laplacian's part across the surface. The drape's optimiser
    (Adam) moves each vertex by about its learning rate a step whatever the size of its
    gradient, so the draped cloth keeps a wobble of a millimetre or two from vertex to
    vertex: over centimetre triangles a turn of up to 10 degrees, which sharpened the
    rounded cap over the bust's apex (the profile through it turned by 20 degrees within a
    centimetre on the drape test's figure, against 15 before the drape). (N, 3) -> (N, 3)."""
    from render_engine.garment.geometry import boundary_vertices, relax_surface

    movable = torch.isin(labels, torch.tensor(TRUNK_REGIONS))
    movable &= ~boundary_vertices(faces, verts.shape[0])
    # across the surface only: the wobble is in height; sliding the vertices along it
    # would reshape the triangles an open front's lapels are cut across afterwards
    return relax_surface(verts, faces, movable, passes, 0.0, 0.5)


def _hang_on(
    movable: torch.Tensor, fall_from_y: float, slope: float | None, faces: torch.Tensor
) -> Callable[[torch.Tensor], torch.Tensor]:
    """`hang` of these vertices, as a function of the surface (for `respace_bunched`)."""
    return lambda verts: hang(verts, movable, fall_from_y, slope, faces=faces)


def hanging_cloth(
    piece_verts: torch.Tensor,
    faces: torch.Tensor,
    labels: torch.Tensor,
    body: GarmentBody,
    category: str,
    fit: str,
    cut: str | None,
) -> torch.Tensor:
    """The trunk of the garment (torso, skirt, waistband) moved onto its envelope
    (`envelope.hang`): across each slice the convex hull, below the bust the cloth falling
    with the fabric's slope. Each connected piece (a suit's jacket and its trousers, a dress's
    bodice and its skirt) hangs on its own: one is not pushed out to the other's hull. Sleeves
    and trouser legs hang on their own limb's envelope (`hanging_limbs`); the cloth under the
    fork of the legs spans it (`crotch.span_crotch`). (N, 3) -> (N, 3)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    j = body.joints
    armpit = min(float(j["shoulder_L"][1]), float(j["shoulder_R"][1])) - ENVELOPE_BELOW_SHOULDER_M
    crotch = body.crotch_y()
    y = piece_verts[:, 1]
    trunk = torch.isin(labels, torch.tensor(TRUNK_REGIONS))
    n = piece_verts.shape[0]
    ends = faces.reshape(-1).numpy()
    starts = faces[:, [1, 2, 0]].reshape(-1).numpy()
    graph = coo_matrix((ends * 0 + 1, (starts, ends)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    component_t = torch.from_numpy(component).long()
    slope = fall_slope(category, fit, cut)
    # fades: in below the armpit (the cloth joins the shoulders without a step) and, on a
    # piece with trouser legs, in above the crotch (below it the section is two legs, not a
    # ring round the body): whole from `CROTCH_ABOVE_M` up, so the front spans from one
    # thigh to the other down to the fork, where the membrane (`span_crotch`) takes over
    fade = ((armpit - y) / ENVELOPE_FADE_M).clamp(0.0, 1.0)
    hung = piece_verts.clone()
    for c in torch.unique(component_t[trunk]).tolist():
        mine = component_t == c
        movable = mine & trunk & (y < armpit)
        legs = bool((mine & (labels == GarmentRegion.LEG)).any())
        if legs:
            movable &= y > crotch
            fade = torch.where(mine, fade * ((y - crotch) / CROTCH_ABOVE_M).clamp(0, 1), fade)
        # the fall starts at the bust (the chest joint) and the shoulder blades beside it
        chest = float(j["chest"][1])
        moved = hang(piece_verts, movable, chest, slope, faces=faces)
        # what the move bunched under an overhang (the bust, the buttocks) is spread down
        # the envelope again (`respace_bunched`); on trousers behind the hip joints only:
        # respaced, the folds of the groin beside the fork turned over in front of it,
        # where `span_crotch` spans them
        respaced = movable
        if legs:
            respaced = movable & (piece_verts[:, 2] < float(j["hip_L"][2] + j["hip_R"][2]) / 2)
        rehang = _hang_on(movable, chest, slope, faces)
        moved = respace_bunched(piece_verts, moved, faces, respaced, rehang)
        hung = torch.where(mine[:, None], moved, hung)
    out = piece_verts + (hung - piece_verts) * fade[:, None]
    # over the bust the cloth runs straight from the upper chest to the apex (`span_bust`),
    # up to the shoulders; onto the hull across as far as the envelope's own fade reaches.
    # Not an open front (a coat, a jacket): its lapels are folded from the front as it hangs
    # beside the opening, which the tent would pull forward
    if (category, cut) not in OPEN_FRONT_CUTS:
        waist = float(j["waist"][1])
        for c in torch.unique(component_t[trunk]).tolist():
            out = span_bust(out, faces, (component_t == c) & trunk, waist, fade)
    out = hanging_limbs(out, faces, labels, body, category, fit, cut)
    if bool((labels == GarmentRegion.LEG).any()):
        # under the fork of the legs neither envelope places the cloth: it spans it
        out = span_crotch(out, faces, body)
    # where the body folds (the cleft between the buttocks) an edge's points land on the hull
    # out of order: straighten them (`untangle_loops`)
    return untangle_loops(out, boundary_loops(faces))


#: a sleeve's envelope starts this far down the arm from the shoulder joint (above, the
#: sleeve's head is the shoulder's cap, not a section round the arm) and fades in over
#: `ENVELOPE_FADE_M`; a trouser leg's starts at the crotch
SLEEVE_ENVELOPE_FROM_M = 0.05


def hanging_limbs(
    verts: torch.Tensor,
    faces: torch.Tensor,
    labels: torch.Tensor,
    body: GarmentBody,
    category: str,
    fit: str,
    cut: str | None,
) -> torch.Tensor:
    """Each sleeve and trouser leg moved onto its own envelope (`envelope.hang_limb`): across
    the limb the convex hull of its section, along it (when it points down) the cloth falling
    from the top with the fit's slope (`limb_fall_slope`: a loose sleeve or a wide trouser leg
    stands off the wrist or the calf, a slim one stays close), on the side facing the body
    coming in steeply (it cannot hang into the torso or the other leg). The slices are
    parallel to the limb's own edge (the cuff, across the arm bone; the trouser hem, level,
    so a trouser leg falls straight down as cloth does). (N, 3) -> (N, 3)."""
    j = body.joints
    slope = limb_fall_slope(category, fit, cut)
    loops = boundary_loops(faces)
    out = verts
    for region, top_name, bottom_name in (
        (GarmentRegion.SLEEVE, "shoulder", "wrist"),
        (GarmentRegion.LEG, "hip", "ankle"),
    ):
        mine = labels == region
        if not bool(mine.any()):
            continue
        left_top, right_top = j[f"{top_name}_L"], j[f"{top_name}_R"]
        middle = (left_top + right_top) / 2
        across = left_top - right_top
        for s, sign in (("L", 1.0), ("R", -1.0)):
            top, bottom = j[f"{top_name}_{s}"], j[f"{bottom_name}_{s}"]
            limb = mine & (sign * ((out - middle) @ across) > 0)
            if int(limb.sum()) < 3:
                continue
            axis = torch.nn.functional.normalize(bottom - top, dim=0)
            # the limb's end: the edge made mostly of this limb's vertices farthest down it
            ends = [lp for lp in loops if lp.numel() >= 8 and float(limb[lp].float().mean()) > 0.9]
            if ends:
                end = max(ends, key=lambda lp: float(((out[lp] - top) @ axis).mean()))
                normal = edge_plane_normal(out[end])
                axis = normal if float(normal @ axis) > 0 else -normal
            if region == GarmentRegion.SLEEVE:
                start = ((out - top) @ axis - SLEEVE_ENVELOPE_FROM_M) / ENVELOPE_FADE_M
            else:
                start = (body.crotch_y() - out[:, 1]) / ENVELOPE_FADE_M
            fade = start.clamp(0.0, 1.0)
            movable = limb & (fade > 0)
            inward = middle - top
            inward = inward - inward[1] * torch.tensor([0.0, 1.0, 0.0])
            # a long sleeve (its cuff below the elbow) falls from the forearm, sliced across it
            elbow = j[f"elbow_{s}"] if region == GarmentRegion.SLEEVE else None
            short = bool(ends) and float(((out[end] - elbow) @ axis).mean()) < (
                LIMB_FALL_BELOW_JOINT_M
            ) if elbow is not None else False
            if short:
                elbow = None  # a short sleeve: it falls from its top
            moved = hang_limb(out, movable, top, axis, inward, slope, fall_from=elbow)
            out = torch.where(limb[:, None], out + (moved - out) * fade[:, None], out)
    return out


def draped_trims(
    verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody, category: str, cut: str
) -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """The parts made on the draped garment (verts, faces) after the drape (`trims.py`), each
    as (verts, faces, `GarmentRegion` id): a shirt's collar, placket and buttons; a hoodie's
    hood."""
    from render_engine.garment.trims import buttons, collar, hood, neckline_loop, placket

    if category != "tops" or cut not in ("shirt", "hoodie") or faces.shape[0] == 0:
        return []
    if cut == "hoodie":
        return [(*hood(verts, faces, body), GarmentRegion.HOOD)]
    neck = verts[neckline_loop(verts, faces, body)]
    top_y = float(neck[:, 1].min()) - 0.012  # just under the collar's front ends
    bottom_y = float(verts[:, 1].min()) + 0.03
    cv, cf = collar(verts, faces, body)
    pv, pf = placket(verts, faces, body, top_y, bottom_y)
    gap = (top_y - bottom_y) * 0.08
    on = (pv, pf) if pf.shape[0] else (verts, faces)
    bv, bf = buttons(*on, body, top_y - 0.01, bottom_y + gap)
    return [
        (cv, cf, GarmentRegion.COLLAR),
        (pv, pf, GarmentRegion.PLACKET),
        (bv, bf, GarmentRegion.BUTTON),
    ]


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
    subcategory: str | None = None,
    clear_hands: bool = True,
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
    subcategory: the product's subcategory, choosing the cut (`cuts.cut_for`: shirt, hoodie,
    shorts, midi, open coat, bag, gown...); unknown ones get the category's default cut.
    clear_hands: lift the arms as far as the garment needs for the hands to hang clear of it
    (`clearance`; not for a product's own model, whose sleeves stay where it was made).
    """
    check_category(category)
    cut = cut_for(category, subcategory)
    check_fit_style(fit)
    measures = check_size(size_guide, size)
    color = parse_color_hex(color_hex)
    pictures = garment_textures(images) if images else None
    if steps is not None and (not isinstance(steps, int) or steps < 0):
        from render_engine.errors import InvalidRequest

        raise InvalidRequest(
            f"steps must be a non-negative integer, got {steps!r}", code="INVALID_REQUEST"
        )
    start, cpu_start = time.perf_counter(), time.process_time()
    settings = DrapeSettings() if steps is None else DrapeSettings(steps=steps)
    with intra_op_threads(settings.threads):
        garment_body = as_garment_body(body)

        def hung_piece(on: GarmentBody) -> Piece:
            made = build_pattern(on, category, measures, fit, style, cut)
            if model_glb is not None:
                made = model_piece(model_glb, made)
                if category in NECKLINE_CATEGORIES:
                    made = model_neckline(made, on)
            elif not made.rigid:
                made = weld_fine_detail(made, torch.tensor(TRUNK_REGIONS))
                made.verts = bridge_concavities(
                    hanging_cloth(made.verts, made.faces, made.labels, on, category, fit, cut),
                    made.faces,
                    made.labels,
                )
            return made

        piece = hung_piece(garment_body)
        # the hands hang clear of the garment: the arms lift as far as its trunk needs, and
        # the garment is made again on the lifted body (`clearance`); a product's own model
        # keeps its sleeves where it was made, so its arms stay
        lift = 0.0 if model_glb is not None or not clear_hands else arm_lift_deg(
            garment_body, piece.verts, piece.faces, piece.labels
        )
        if lift > 0.0:
            garment_body = lift_arms(garment_body, lift)
            piece = hung_piece(garment_body)
        collider = garment_body.collider()
        # the body and skirt of a garment pass behind arms that hang against them, rather
        # than being dented in around them; sleeves and legs still collide with everything
        ignore = torch.zeros(piece.verts.shape[0], collider.num_groups, dtype=torch.bool)
        trunk = torch.isin(piece.labels, torch.tensor(TRUNK_REGIONS))
        ignore[trunk, 1:3] = True
        collider.ignore = ignore
        if piece.rigid:  # a hat or a bag keeps its shape: placed, not draped
            result = DrapeResult(piece.verts, 0.0, 0.0, 0.0, 0.0, 0)
            verts = piece.verts
        else:
            try:
                result = drape(piece.verts, piece.faces, piece.rest_scale, collider, settings)
            finally:
                collider.ignore = None
            # the drape leaves a little wobble along the edges: relax them along themselves
            # (and straighten any place where the collisions turned one back on itself)
            loops = boundary_loops(piece.faces)
            # (not an open front: its lapels are cut across the draped front's triangles
            # afterwards, and a blazer's notch, rounded to 35-45 degrees, turned by 57 on
            # the smoothed front)
            draped = result.verts
            if (category, cut) not in OPEN_FRONT_CUTS:
                draped = smooth_drape(draped, piece.faces, piece.labels)
            verts = smooth_loops(untangle_loops(draped, loops), loops, iterations=4)
            # ... and the rows inside them with them, so the last triangles do not tilt
            verts = settle_edge_rows(verts, piece.faces)
        collider.ignore = None
        # cloth that passed into an arm is hidden by it: take it away, so none is inside. The
        # fast test flags candidates; the exact winding number decides (the tangent-plane
        # test errs near the shoulders, where it would punch holes in the back)
        collider.refresh(verts)
        sd, _ = collider.signed_distance(verts)
        collider.current = None
        inside_mask = torch.zeros(verts.shape[0], dtype=torch.bool)
        # candidates per body part: below the tangent plane of the part's nearest vertex
        # (no reach limit: a point deep in an arm is far from the arm's nearest vertex); the
        # exact winding number of the body's surface decides
        nearest = collider.current if collider.current is not None else collider.refresh(verts)
        candidate = torch.zeros(verts.shape[0], dtype=torch.bool)
        for g in range(collider.num_groups):
            ids = nearest[:, g]
            v = collider.body_verts[ids.clamp(min=0)]
            below = ((verts - v) * collider.body_normals[ids.clamp(min=0)]).sum(1) < -1e-3
            candidate |= (ids >= 0) & below & ((verts - v).norm(dim=1) < 0.1)
        sel = candidate.nonzero().squeeze(1)
        # the body's exact inside test, built once for both passes below
        surface = WindingSurface(garment_body.verts, garment_body.faces)
        if sel.numel():
            w = surface.winding_numbers(verts[sel])
            inside_mask[sel[w > 0.5]] = True
        collider.current = None
        removed = float(inside_mask.float().mean()) if verts.shape[0] else 0.0
        flagged_share = float((sd < 0).float().mean()) if sd.numel() else 0.0
        flagged = inside_mask.clone()
        faces, labels, source = piece.faces, piece.labels, piece.source
        if bool(inside_mask.any()):
            # cut along the arm's surface (the signed distance's zero), not along triangles,
            # so the opening is exactly the part the arm hides
            # (the zero shifted 3 mm out, so the new edge lies just outside the arm)
            field = torch.where(
                inside_mask, sd.clamp(max=-2e-3) - 0.003, (sd - 0.003).clamp(min=2e-3)
            )
            verts, faces, cmap = cut_surface(verts, faces, field)
            labels = cmap.apply(labels)
            # a cut vertex lies on the arm's surface; only whole old vertices can be inside
            flagged = (cmap.apply(flagged.float()) > 0.5) & (cmap.t == 0)
            if source is not None:
                source = cmap.apply(source)
        # what is left inside by the exact test (the cut keeps only its edge on the surface)
        # the armpit's crease can leave a few cut vertices inside: a last exact pass drops
        # the faces around whatever is still inside (hidden in the crease)
        collider.refresh(verts)
        nearest = collider.current if collider.current is not None else collider.refresh(verts)
        collider.current = None
        again = torch.zeros(verts.shape[0], dtype=torch.bool)
        for g in range(collider.num_groups):
            ids = nearest[:, g]
            v = collider.body_verts[ids.clamp(min=0)]
            below = ((verts - v) * collider.body_normals[ids.clamp(min=0)]).sum(1) < 0.0
            again |= (ids >= 0) & below & ((verts - v).norm(dim=1) < 0.1)
        sel = again.nonzero().squeeze(1)
        if sel.numel():
            w = surface.winding_numbers(verts[sel])
            still = torch.zeros(verts.shape[0], dtype=torch.bool)
            still[sel[w > 0.5]] = True
            if bool(still.any()):
                faces, kept = submesh(faces, ~still)
                verts, labels, flagged = verts[kept], labels[kept], flagged[kept]
                source = source[kept] if source is not None else None
        inside = float(flagged.float().mean()) if flagged.numel() else 0.0
        open_front = (category, cut) in OPEN_FRONT_CUTS and model_glb is None
        if open_front:
            # lapels folded back over the fronts, made from the draped front itself
            notched = (category, cut) in NOTCHED_LAPEL_CUTS  # a blazer's, a suit jacket's
            lv, lf = lapels(verts, faces, garment_body, notched=notched)
            if lf.shape[0]:
                faces = torch.cat([faces, lf + verts.shape[0]])
                labels = torch.cat(
                    [labels, torch.full((lv.shape[0],), GarmentRegion.LAPEL, dtype=labels.dtype)]
                )
                if source is not None:
                    source = torch.cat([source, torch.full((lv.shape[0],), -1).to(source)])
                verts = torch.cat([verts, lv])
                flagged = torch.cat([flagged, torch.zeros(lv.shape[0], dtype=torch.bool)])
        parts = draped_trims(verts, faces, garment_body, category, cut) if model_glb is None else []
        for part_verts, part_faces, region in parts:
            faces = torch.cat([faces, part_faces + verts.shape[0]])
            n_new = part_verts.shape[0]
            labels = torch.cat([labels, torch.full((n_new,), region, dtype=labels.dtype)])
            if source is not None:
                source = torch.cat([source, torch.full((n_new,), -1).to(source)])
            verts = torch.cat([verts, part_verts])
            flagged = torch.cat([flagged, torch.zeros(n_new, dtype=torch.bool)])
    covers = piece.covers
    if model_glb is not None:
        # the draped model lies on these body vertices (`outfit` draws them further in)
        # (only on the body parts the category's pattern covers)
        body_parts = garment_body.parts
        within = (
            None
            if covers is None
            else torch.isin(body_parts, torch.unique(body_parts[covers]))
        )
        source, covers = model_cover(verts, faces, garment_body.verts, within)
    colors = color.expand(verts.shape[0], 3).clone()
    # buttons in a darker shade of the cloth (horn on a shirt)
    colors[labels == GarmentRegion.BUTTON] *= BUTTON_SHADE
    mesh = TriMesh(
        verts=verts.float().contiguous(),
        faces=faces.long().contiguous(),
        colors=colors,
        labels=labels.long(),
        name=f"garment:{category}",
        extras={
            "category": category,
            "size": size,
            "fit": fit,
            "colorHex": color_hex,
            "fromModel": model_glb is not None,
            "covers": covers,
            "source": source,
            "material": material_for(material, category),
            "cut": cut,
            "openFront": open_front,
        },
    )
    if lift > 0.0:  # the body it was draped on: `outfit` draws that one
        mesh.extras["liftedBody"] = garment_body
    if open_front:  # a coat's front edge shows its thickness (`outfit.with_edge_band`)
        mesh.extras["edgeThickness"] = OPEN_FRONT_EDGE_M
    if pictures is not None:
        uv, front = wrapped_uv(mesh.verts, mesh.faces, labels, pictures.cloth)
        mesh.extras.update(texture=pictures.textures, uv=uv, front=front)
        # buttons keep their own darker colour, not the photo's
        mesh.extras["plainColor"] = labels == GarmentRegion.BUTTON
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
            "flagged_inside": flagged_share,
            "steps": float(result.steps),
            "arm_lift_deg": lift,
        },
    )
