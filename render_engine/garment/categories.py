"""The spec's product categories as garment patterns cut from the body.

=============  =====================================================================
category       pieces (defaults when the size guide has no length/sleeve/inseam key)
=============  =====================================================================
tops           torso to 4 cm above the crotch, short sleeves (35 % of the arm)
bottoms        trousers: waist to the ankles (``inseam`` from the crotch)
dresses        sleeveless bodice neck to waist, A-line skirt from the waist to above the knee
outerwear      thicker (+12 mm) coat: torso, long sleeves, straight skirt to mid-thigh
shoes          the feet and ankles, a 6 mm upper and a 14 mm sole
accessories    ``style`` hat (crown of the head), scarf (neck) or belt (waist band);
               guessed from the guide's keys when not given (head -> hat, neck -> scarf,
               else belt)
activewear     tight top (slim ease at most, short sleeves) and leggings to the ankles
formal         long-sleeved jacket (+8 mm) to the top of the thigh, and trousers
=============  =====================================================================

Size-guide keys used for the shape: ``chest``, ``waist``, ``hips`` (girth ease ->
radial offset), ``length`` (cm from the base of the neck down, tops/dresses/outerwear/formal
jacket), ``sleeve`` (cm from the shoulder joint along the arm), ``inseam`` (cm from the crotch
down). A missing girth key takes the fit style's designed ease (`sizing.TARGET_EASE_CM`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from render_engine.errors import InvalidRequest
from render_engine.garment.body_view import GarmentBody, Part
from render_engine.garment.cut import cut_patch, cut_surface
from render_engine.garment.cuts import DEFAULT_CUTS, SUBCATEGORY_CUTS
from render_engine.garment.geometry import uniform_laplacian, unique_edges
from render_engine.garment.pattern import (
    GarmentRegion,
    Piece,
    limb_profile,
    merge,
    radial_offset,
    shell,
    skirt_from_edge,
    torso_profile,
    tube,
)
from render_engine.garment.sizing import GUIDE_KEYS, normalise_key, target_ease_cm
from render_engine.garment.trims import smooth_min

CATEGORIES: tuple[str, ...] = (
    "tops",
    "bottoms",
    "dresses",
    "outerwear",
    "shoes",
    "accessories",
    "activewear",
    "formal",
)
ACCESSORY_STYLES: tuple[str, ...] = ("hat", "scarf", "belt", "bag")


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise InvalidRequest(
            f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}",
            code="INVALID_CATEGORY",
        )
    return category


# ---- edge fields: smooth scalars over the body, >= 0 where the garment is, zero at its edge --


def above(body: GarmentBody, y0: float) -> torch.Tensor:
    """(V,) field of a horizontal hem at height y0: the garment keeps what is above."""
    return body.verts[:, 1] - y0


def below(body: GarmentBody, y0: float) -> torch.Tensor:
    """(V,) field of a horizontal edge at y0 (a waistband, a neck top): keeps what is below."""
    return y0 - body.verts[:, 1]


def neckline(
    body: GarmentBody, width: float, front: float, back: float = 0.01, lower: float = 0.0
) -> torch.Tensor:
    """(V,) field of a neckline around the base of the neck (`neckline_at` the body's
    vertices)."""
    return neckline_at(body, body.verts, width, front, back, lower)


def neckline_at(
    body: GarmentBody,
    points: torch.Tensor,
    width: float,
    front: float,
    back: float = 0.01,
    lower: float = 0.0,
) -> torch.Tensor:
    """(N,) field of a neckline around the base of the neck at any points (N, 3).

    The cloth is kept outside an upright elliptic cylinder of half width `width` (m) around
    the neck, or below a level that drops `front` m under the neck joint at the front and
    `back` m at the back (a crew neck has a small `front`, a scoop a large one), and `lower`
    m all round (beside the neck too). The two are joined by a smooth maximum (rounding
    2 cm), so the contour is one smooth curve.
    In front the cylinder reaches 2 cm past the neck's front-most point (`neck_front`): the
    throat leans forward out of a cylinder fitted higher up, and the cloth kept there above
    the level was an island on the throat (the base layer's jagged ring under the chin) or a
    band across it over a hole (a dress's).
    """
    neck = body.joints["neck"]
    cx, cz, half_x, half_z = neck_section(body)
    rel_x = points[:, 0] - cx
    rel_z = points[:, 2] - cz
    width = max(width, half_x + 0.02)
    depth = max(width * 0.8, half_z + 0.02)
    ahead = max(depth, neck_front(body) - cz + 0.02)  # the front half's semi-axis
    across = torch.where(rel_z > 0, rel_z / ahead, rel_z / depth)
    radial = (torch.sqrt((rel_x / width) ** 2 + across**2) - 1.0) * depth
    toward_front = (rel_z / depth).clamp(-1, 1)
    drop = torch.where(toward_front > 0, front * toward_front, -back * toward_front)
    level = float(neck[1]) - 0.005 - lower - drop - points[:, 1]
    return smooth_max(radial, level, 0.02)


def neck_section(body: GarmentBody) -> tuple[float, float, float, float]:
    """(centre x, centre z, half width, half depth) in m of the neck 3 cm above its base."""
    neck = body.joints["neck"]
    sel = body.mask(Part.NECK) & ((body.verts[:, 1] - (neck[1] + 0.03)).abs() < 0.01)
    if int(sel.sum()) < 3:
        return float(neck[0]), float(neck[2]), 0.06, 0.06
    pts = body.verts[sel][:, [0, 2]]
    lo, hi = pts.amin(0), pts.amax(0)
    mid = (lo + hi) / 2
    half = (hi - lo) / 2
    return float(mid[0]), float(mid[1]), float(half[0]), float(half[1])


def neck_front(body: GarmentBody) -> float:
    """z (m, forwards) of the neck's front-most point, from its base to `neck_top`."""
    neck = body.joints["neck"]
    y = body.verts[:, 1]
    sel = body.mask(Part.NECK) & (y > neck[1] - 0.03) & (y < neck_top(body))
    return float(body.verts[sel, 2].max()) if bool(sel.any()) else float(neck[2])


def smooth_max(a: torch.Tensor, b: torch.Tensor, k: float) -> torch.Tensor:
    """max(a, b) with its corner rounded over about `k` (the union of two kept sides)."""
    return (a + b + torch.sqrt((a - b) ** 2 + k * k)) / 2


def sleeve_end(body: GarmentBody, sleeve_m: float) -> torch.Tensor:
    """(V,) field of a cuff `sleeve_m` down the arm: a plane across the bone there; +1 off the
    arms (the cuff does not cut the torso)."""
    t = body.arm_coordinate()
    return torch.where(torch.isfinite(t), sleeve_m - t, torch.ones_like(t))


def shoulder_half_width(body: GarmentBody) -> float:
    """Half the distance (m) between the shoulder joints, across."""
    j = body.joints
    return float((j["shoulder_L"][0] - j["shoulder_R"][0]).abs()) / 2


def armholes(body: GarmentBody, inset: float = 0.03) -> torch.Tensor:
    """(V,) field of sleeveless armholes: vertical planes `inset` inside the shoulder joints
    down to the armpits (8 cm under the shoulder joints), the torso kept whole below; the two
    are joined by a smooth maximum so each armhole is one rounded curve."""
    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    half = shoulder_half_width(body) - inset
    armpit = float(j["shoulder_L"][1] + j["shoulder_R"][1]) / 2 - 0.08
    return smooth_max(half - (body.verts[:, 0] - cx).abs(), below(body, armpit), 0.03)


def sleeveless_keep(body: GarmentBody) -> torch.Tensor:
    """(V,) bool: the torso and the shoulder tops (arm vertices above the armpits), which the
    `armholes` field then cuts."""
    j = body.joints
    armpit = float(j["shoulder_L"][1] + j["shoulder_R"][1]) / 2 - 0.06
    torso = body.mask(Part.CHEST, Part.ABDOMEN, Part.PELVIS, Part.THIGH, Part.NECK)
    return torso | (body.mask(Part.UPPER_ARM) & (body.verts[:, 1] > armpit))


def field_min(*fields: torch.Tensor) -> torch.Tensor:
    """The intersection of several edges' kept sides."""
    return torch.stack(fields).amin(dim=0)


def eases_cm(body: GarmentBody, measures: Mapping[str, float], fit: str) -> dict[str, float]:
    """Girth/width eases (cm) for the shape: from the guide where it has the key, else the fit's."""
    given = {normalise_key(k): float(v) for k, v in measures.items()}
    out: dict[str, float] = {}
    for key in ("chest", "waist", "hips", "shoulder"):
        body_key = GUIDE_KEYS[key]
        if key in given and body_key in body.measurements:
            out[key] = given[key] - float(body.measurements[body_key])
        else:
            out[key] = target_ease_cm(fit, key)
    out["arm"] = target_ease_cm(fit, "arm")
    out["thigh"] = target_ease_cm(fit, "thigh")
    return out


def _lengths(body: GarmentBody, measures: Mapping[str, float]) -> dict[str, float | None]:
    given = {normalise_key(k): float(v) / 100.0 for k, v in measures.items()}
    return {k: given.get(k) for k in ("length", "sleeve", "inseam")}


def _arm_length_m(body: GarmentBody) -> float:
    j = body.joints
    return float(
        torch.linalg.norm(j["elbow_L"] - j["shoulder_L"])
        + torch.linalg.norm(j["wrist_L"] - j["elbow_L"])
    )


def upper_garment(
    body: GarmentBody,
    ease: dict[str, float],
    hem_y: float,
    sleeve_m: float,
    extra_m: float = 0.0,
    include_neck_base: bool = True,
    skirt_flare: float = 0.05,
    open_front: bool = False,
    neck: tuple[float, float] = (0.07, 0.03),
) -> Piece:
    """Torso shell (neck excluded) with sleeves of `sleeve_m` along the arm, down to `hem_y`.

    A hem below the crotch turns the lower part into a tube from the waist down (radii never
    shrinking, flared by `skirt_flare`), so coats and jackets do not turn into shorts.
    open_front: cut the centre front open (`front_opening`), as a coat or jacket worn open.
    neck: the neckline's half width and front drop (`neckline`).
    """
    crotch = body.crotch_y()
    waist = float(body.joints["waist"][1])
    long_hem = hem_y < crotch + 0.01
    shell_bottom = waist - 0.05 if long_hem else hem_y
    torso = body.mask(Part.CHEST, Part.ABDOMEN, Part.PELVIS, Part.THIGH, Part.NECK)
    arm_t = body.arm_coordinate()  # (V,)
    # a long sleeve ends 2 cm short of the wrist, so the cuff is cut across the forearm
    sleeve_m = min(sleeve_m, _arm_length_m(body) - 0.02)
    arms = body.mask(Part.UPPER_ARM, Part.FOREARM) & torch.isfinite(arm_t)
    keep = torso | arms if sleeve_m > 0 else sleeveless_keep(body)
    # the hem's level cuts the body, not the arms: a coat's shell ends 5 cm under the waist
    # (its skirt is a tube), and with the arms hanging that level crossed the forearms, so a
    # coat's or suit jacket's sleeve ended there, half way down the forearm; the cuff
    # (`sleeve_end`) alone ends a sleeve (the arms meet the body only above the armpits, where
    # the level is far above zero, so the field has no new zero there)
    bottom = above(body, shell_bottom)
    bottom = torch.where(arms & ~torso, torch.ones_like(bottom), bottom)
    edges = [bottom, neckline(body, *neck), below(body, neck_top(body))]
    edges.append(sleeve_end(body, sleeve_m) if sleeve_m > 0 else armholes(body))
    if open_front:
        edges.append(front_opening(body, body.verts))
    field = field_min(*edges)
    off_t, sc_t = torso_profile(body, ease, extra_m)
    girth_arm = 2 * 3.1416 * 5.0  # ~31 cm upper arm
    off_a, sc_a = limb_profile(body, ease["arm"], girth_arm, extra_m)
    offset = torch.where(arms & ~torso, torch.full_like(off_t, off_a), off_t)
    scale = torch.where(arms & ~torso, torch.full_like(sc_t, sc_a), sc_t)
    labels = torch.where(arms & ~torso, GarmentRegion.SLEEVE, GarmentRegion.TORSO)
    body_piece = shell(body, keep, offset, scale, labels, field)
    if not long_hem:
        return body_piece
    # the skirt hangs from the shell's own lower edge: one surface across the waist (a tube
    # laid over the shell showed its top edge there as a ledge)
    whole = skirt_from_edge(
        body_piece,
        body,
        shell_bottom,
        hem_y,
        ease["hips"],
        skirt_flare,
        GarmentRegion.SKIRT,
        extra_m + 0.004,
    )
    if open_front:
        # the opening goes on down the skirt; the shell keeps all of its own (already cut)
        opening = front_opening(body, whole.verts)
        n0 = body_piece.verts.shape[0]
        opening[:n0] = opening[:n0].clamp(min=1e-3)
        whole = cut_piece(whole, opening)
    return whole


#: the opening of an open front: half width (m) at the waist (the fronts nearly meet there),
#: and how much wider it gets per metre below the waist (the fronts hang apart)
OPENING_AT_WAIST_M = 0.012
OPENING_SPREAD = 0.04


def opening_half_width(body: GarmentBody, y: torch.Tensor) -> torch.Tensor:
    """(N,) half width (m) of an open front at heights `y`: a V from the neckline (wider than
    the neck) down to the waist, where the fronts nearly meet, then spreading a little."""
    neck_y = float(body.joints["neck"][1])
    break_y = float(body.joints["waist"][1]) + 0.03
    _, _, half_x, _ = neck_section(body)
    top = half_x + 0.03
    up = ((y - break_y) / max(neck_y - break_y, 1e-3)).clamp(0, 1)
    return (
        OPENING_AT_WAIST_M
        + (top - OPENING_AT_WAIST_M) * up
        + OPENING_SPREAD * (break_y - y).clamp(min=0)
    )


def front_depth(body: GarmentBody, y: torch.Tensor) -> torch.Tensor:
    """(N,) depth z (m) that parts the front of the body from its back at heights `y`: the
    chest joint's up to the chest, the neck's own centre (`neck_section`) at the neck joint
    and above, in between a straight line. (The chest joint alone left the throat behind
    the front on a body whose neck is set back, body b of the gallery: an open front was
    closed across the throat by a band of cloth.)"""
    j = body.joints
    chest_y, chest_z = float(j["chest"][1]), float(j["chest"][2])
    neck_y = float(j["neck"][1])
    _, neck_z, _, _ = neck_section(body)
    up = ((y - chest_y) / max(neck_y - chest_y, 1e-3)).clamp(0, 1)
    return chest_z + (neck_z - chest_z) * up


def front_opening(body: GarmentBody, points: torch.Tensor) -> torch.Tensor:
    """(N,) field of an open front at `points` (N, 3) (body vertices or a tube's): negative in
    a vertical band down the centre front (`opening_half_width`), on the front half only (in
    front of `front_depth`); the two sides are joined by a smooth maximum."""
    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    cz = front_depth(body, points[:, 1])
    half = opening_half_width(body, points[:, 1])
    return smooth_max((points[:, 0] - cx).abs() - half, cz - points[:, 2], 0.02)


def cut_piece(piece: Piece, field: torch.Tensor) -> Piece:
    """A piece without the part where `field` < 0 (cut along its zero, `cut.cut_surface`)."""
    verts, faces, cmap = cut_surface(piece.verts, piece.faces, field)
    source = None if piece.source is None else cmap.apply(piece.source)
    return Piece(
        verts=verts,
        faces=faces,
        labels=cmap.apply(piece.labels),
        rest_scale=cmap.apply(piece.rest_scale),
        covers=piece.covers,
        source=source,
    )


#: lapels: width (m) at the top of the chest, folded over the front this far (m) out
LAPEL_WIDTH_M = 0.065
LAPEL_LIFT_M = 0.004
#: lapels: radius (m) of the rounded point at the break, and how far (m) inside the front's
#: edge they start (so a lapel's outline is its own smooth curve, never the front's edge)
LAPEL_POINT_M = 0.02
LAPEL_INSET_M = 0.004
#: lapels are cut from the part of the front this close (m) to their outline, refined
LAPEL_MARGIN_M = 0.04


def opening_edge(
    verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody, up_to: float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The garment's own front edges as segments (starts (S, 3), ends (S, 3)): its boundary
    in front of `front_depth` within 3 cm of the designed opening (not a hole an arm left), from
    10 cm under the break point up to the height `up_to` (default: 1 cm over the neck joint),
    wherever the drape put it."""
    from render_engine.garment.cut import boundary_loops

    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    break_y = float(j["waist"][1]) + 0.03
    neck_y = float(j["neck"][1])
    starts, ends = [torch.zeros(0, 3)], [torch.zeros(0, 3)]
    for loop in boundary_loops(faces):
        p = verts[loop]
        on = (
            (p[:, 2] > front_depth(body, p[:, 1]))
            & ((p[:, 0] - cx).abs() < opening_half_width(body, p[:, 1]) + 0.03)
            & (p[:, 1] > break_y - 0.1)
            & (p[:, 1] < (neck_y + 0.01 if up_to is None else up_to))
        )
        both = on & on.roll(-1)
        starts.append(p[both])
        ends.append(p.roll(-1, dims=0)[both])
    return torch.cat(starts), torch.cat(ends)


def edge_distance(points: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N,) distance (m) of `points` (N, 3) from the nearest of the segments a -> b (S, 3):
    the coordinate across a lapel, measured on the draped cloth from its edge."""
    if a.shape[0] == 0:
        return torch.full((points.shape[0],), float("inf"))
    ab = b - a
    t = ((points[:, None] - a[None]) * ab[None]).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-12)
    closest = a[None] + t.clamp(0, 1)[..., None] * ab[None]  # (N, S, 3)
    distance: torch.Tensor = (points[:, None] - closest).norm(dim=-1).amin(dim=1)
    return distance


def uneven_capsule(
    p: torch.Tensor, pa: tuple[float, float], pb: tuple[float, float], ra: float, rb: float
) -> torch.Tensor:
    """(N,) signed distance of 2-D points `p` (N, 2) to the convex hull of two discs (centres
    `pa`, `pb`, radii `ra`, `rb`): a rounded taper, its outline tangent-continuous all round
    (after Inigo Quilez's uneven capsule)."""
    q0 = p - torch.tensor(pa)
    ba = torch.tensor(pb) - torch.tensor(pa)
    h = float((ba * ba).sum())
    qx = (q0[:, 0] * ba[1] - q0[:, 1] * ba[0]).abs() / h
    qy = (q0[:, 0] * ba[0] + q0[:, 1] * ba[1]) / h
    b = ra - rb
    c = (math.sqrt(max(h - b * b, 1e-12)), b)
    k = c[0] * qy - c[1] * qx
    m = c[0] * qx + c[1] * qy
    near_a = torch.sqrt(h * (qx * qx + qy * qy)) - ra
    near_b = torch.sqrt(h * (qx * qx + (qy - 1) ** 2)) - rb
    return torch.where(k < 0, near_a, torch.where(k > c[0], near_b, m - ra))


#: notched lapels (blazers, suit jackets; `NOTCHED_LAPEL_CUTS`): a V cut into the lapel's
#: outer side where the collar meets it. Its apex lies `NOTCH_DEPTH_M` in from the lapel's
#: widest point and `NOTCH_BELOW_WIDEST_M` under it; its lower side (the lapel's top edge, the
#: gorge) rises outwards at `NOTCH_LOWER_DEG` over the level, its upper side (the collar's end)
#: at `NOTCH_UPPER_DEG`: a notch opening by 60 degrees, the lapel's point rising, as a suit's
NOTCH_DEPTH_M = 0.04
NOTCH_BELOW_WIDEST_M = 0.012
NOTCH_LOWER_DEG = 25.0
NOTCH_UPPER_DEG = 85.0
#: rounding (m) of the notch's apex and of its outer corners (the lapel's point, the collar's)
NOTCH_APEX_ROUNDING_M = 0.012
NOTCH_ROUNDING_M = 0.015
#: the cuts whose lapels are notched: (category, cut)
NOTCHED_LAPEL_CUTS = {("outerwear", "blazer"), ("formal", "suit")}


def notch(plane: torch.Tensor, apex: tuple[float, float]) -> torch.Tensor:
    """(N,) field of a lapel's notch over the lapel's 2-D coordinates `plane` (N, 2)
    (distance from the front's edge, height): negative inside a V with its apex at `apex`,
    opening away from the front's edge between `NOTCH_LOWER_DEG` and `NOTCH_UPPER_DEG`
    above the level; its apex rounded (smooth maximum over `NOTCH_APEX_ROUNDING_M`)."""
    q = plane - torch.tensor(apex)
    lo, hi = math.radians(NOTCH_LOWER_DEG), math.radians(NOTCH_UPPER_DEG)
    # signed distances from the two sides' lines: under the lower side, over the upper side
    under = q[:, 0] * math.sin(lo) - q[:, 1] * math.cos(lo)
    over = q[:, 1] * math.cos(hi) - q[:, 0] * math.sin(hi)
    return smooth_max(under, over, NOTCH_APEX_ROUNDING_M)


def lapels(
    verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody, notched: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """The lapels of an open front, made from the draped garment's own mesh (verts (N, 3),
    faces (M, 3)): beside each front edge (`opening_edge`, `edge_distance`), a rounded taper from a
    point at the break (radius `LAPEL_POINT_M`) to `LAPEL_WIDTH_M` at the top of the chest
    (`uneven_capsule` over distance-from-the-edge and height), `LAPEL_INSET_M` inside the
    edge, cut across the triangles along that smooth outline (`cut.cut_surface`), the
    outline relaxed along itself and lifted `LAPEL_LIFT_M` off the front along its normals,
    as a lapel folded back over it. `notched`: a V cut into its outer side where the collar
    meets the lapel (`notch`), its corners rounded (a blazer's, a suit jacket's). Returns the
    lapels' verts and faces (their own mesh)."""

    j = body.joints
    break_y = float(j["waist"][1]) + 0.03
    top_y = float(j["neck"][1]) - 0.03
    ra, rb = LAPEL_POINT_M, LAPEL_WIDTH_M / 2
    # the front's edge up to the lapels' top only: above, it turns outwards into the
    # neckline, and distances from that turn squeezed the lapels' tops (and the notch) flat
    segments = opening_edge(verts, faces, body, up_to=top_y)
    apex = (LAPEL_INSET_M + 2 * rb - NOTCH_DEPTH_M, top_y - rb - NOTCH_BELOW_WIDEST_M)

    def outline(points: torch.Tensor) -> torch.Tensor:
        plane = torch.stack([edge_distance(points, *segments), points[:, 1]], dim=1)
        taper = -uneven_capsule(
            plane,
            (LAPEL_INSET_M + ra, break_y + ra),
            (LAPEL_INSET_M + rb, top_y - rb),
            ra,
            rb,
        )
        if not notched:
            return taper
        return smooth_min(taper, notch(plane, apex), NOTCH_ROUNDING_M)

    # the patch of the front around the lapels, its triangles split in four: the rounded
    # point at the break is a few centimetres across, about the cloth's triangle size
    lv, lf, normals = cut_patch(verts, faces, outline, LAPEL_MARGIN_M, iterations=4)
    return lv + normals * LAPEL_LIFT_M, lf


def lower_garment(
    body: GarmentBody,
    ease: dict[str, float],
    hem_y: float,
    extra_m: float = 0.0,
    ankle_taper: float = 0.6,
) -> Piece:
    """Trousers/leggings shell: from just below the waist joint down to `hem_y`; the legs'
    ease tapers from the thigh's to `ankle_taper` of it at the ankle."""
    y = body.verts[:, 1]
    top_y = float(body.joints["waist"][1]) - 0.02
    keep = body.mask(Part.ABDOMEN, Part.PELVIS, Part.THIGH, Part.SHIN, Part.FOOT)
    field = field_min(below(body, top_y), above(body, hem_y))
    off_t, sc_t = torso_profile(body, ease, extra_m)
    girth_thigh = body.measurements.get("hips", 95.0) * 0.6
    off_l, sc_l = limb_profile(body, ease["thigh"], girth_thigh, extra_m)
    legs = body.mask(Part.THIGH, Part.SHIN) & (y < body.crotch_y())
    # trouser legs taper from the thigh ease to `ankle_taper` of it at the ankle
    knee, ankle = float(body.joints["knee_L"][1]), float(body.joints["ankle_L"][1])
    taper = ((y - ankle) / max(knee - ankle, 1e-3)).clamp(0, 1) * (1 - ankle_taper) + ankle_taper
    leg_off = torch.clamp(off_l * taper, min=radial_offset(0.0, extra_m))
    offset = torch.where(legs, leg_off, off_t)
    scale = torch.where(legs, torch.full_like(sc_t, sc_l), sc_t)
    labels = torch.where(legs, GarmentRegion.LEG, GarmentRegion.WAISTBAND)
    return shell(body, keep, offset, scale, labels, field)


def dress_garment(
    body: GarmentBody, ease: dict[str, float], hem_y: float, flare: float = 0.3
) -> Piece:
    """Sleeveless bodice from the neck to below the waist and a skirt to `hem_y`, flared by
    `flare` m of radius per m below the waist."""
    waist = float(body.joints["waist"][1])
    keep = sleeveless_keep(body)
    field = field_min(
        above(body, waist - 0.04),
        neckline(body, 0.08, 0.09),
        below(body, neck_top(body)),
        armholes(body),
    )
    off_t, sc_t = torso_profile(body, ease, 0.0)
    labels = torch.full_like(body.parts, GarmentRegion.TORSO)
    bodice = shell(body, keep, off_t, sc_t, labels, field)
    # the skirt starts at the waist over the bodice's lower edge; its radii never shrink going
    # down, so it falls from the hips like an A-line skirt, then flares
    skirt = tube(body, waist, hem_y, ease["hips"], flare, GarmentRegion.SKIRT, 0.004)
    return merge([bodice, skirt])


def skirt_garment(body: GarmentBody, ease: dict[str, float], hem_y: float) -> Piece:
    """A skirt alone: an A-line tube from 2 cm under the waist joint down to `hem_y`."""
    top = float(body.joints["waist"][1]) - 0.02
    return tube(body, top, hem_y, ease["hips"], 0.25, GarmentRegion.SKIRT, 0.004)


def shoes(body: GarmentBody, collar_m: float = 0.03) -> Piece:
    """Both feet and ankles: a 6 mm upper, 14 mm more under the sole; the collar is a plane
    sloping down to the front, `collar_m` above the ankle at the back (boots: higher)."""
    keep = body.mask(Part.FOOT, Part.SHIN)
    ankle = body.joints["ankle_L"]
    slope = 0.3 if collar_m < 0.06 else 0.1  # a boot's shaft is nearly level all round
    collar = float(ankle[1]) + collar_m - slope * (body.verts[:, 2] - float(ankle[2]))
    field = collar - body.verts[:, 1]
    offset = torch.full((body.num_verts,), 0.008)
    offset = offset + 0.014 * (body.normals[:, 1] < -0.5).float()
    piece = shell(
        body,
        keep,
        offset,
        torch.ones(body.num_verts),
        torch.full_like(body.parts, GarmentRegion.FOOT),
        field,
    )
    # a shoe is a closed last, not a glove: the toe box is the foot's convex hull (no toe shows
    # through), then the whole is smoothed without shrinking (the foot inside is not drawn:
    # `outfit` hides the body faces a shoe covers)
    edges = unique_edges(piece.faces)
    x = close_toe_box(piece.verts, edges, body)
    # Taubin's smoothing (a shrinking pass, then an inflating one): plain Laplacian passes
    # shrink the last back inside the toes, and the drape's collisions push the toes out again
    for _ in range(12):
        x = x + 0.6 * uniform_laplacian(x, edges)
        x = x - 0.63 * uniform_laplacian(x, edges)
    piece.verts = x
    return piece


#: The toe box begins this far ahead of the ankle joint (m) and is whole 5 cm further on.
TOE_BOX_START_M = 0.05
TOE_BOX_RAMP_M = 0.05
TOE_BOX_RELAX = 80


def close_toe_box(verts: torch.Tensor, edges: torch.Tensor, body: GarmentBody) -> torch.Tensor:
    """Shoe vertices ahead of the ankle lifted out onto the convex hull of their own foot's
    shoe: the hollows between and over the toes (and under the arch) are bridged, as the
    stiff upper and the sole of a shoe do. Behind the ankle nothing moves; in between, a
    smooth ramp along the foot, so the collar and the heel keep their cut. Lifting alone
    bunches the vertices of the toes' sides onto the hull's planes (crumpled shading): the
    lifted vertices are relaxed along the hull, a Laplacian pass and a lift at a time."""
    from scipy.spatial import ConvexHull

    ankles = torch.stack([body.joints["ankle_L"], body.joints["ankle_R"]]).float()
    side = torch.cdist(verts.float(), ankles).argmin(dim=1)
    weight = torch.zeros(verts.shape[0], dtype=torch.float64)
    planes: list[torch.Tensor] = []
    for s in range(2):
        sel = side == s
        if int(sel.sum()) < 8:
            planes.append(torch.zeros(0, 4, dtype=torch.float64))
            continue
        pts = verts[sel].double()
        ahead = pts - ankles[s].double()
        ahead[:, 1] = 0.0  # along the ground
        toe = ahead[ahead.norm(dim=1).argmax()]
        forward = toe / toe.norm().clamp(min=1e-6)
        t = (ahead * forward).sum(1)
        weight[sel] = ((t - TOE_BOX_START_M) / TOE_BOX_RAMP_M).clamp(0, 1)
        # n . x + d <= 0 inside
        # of every 3rd point: a hull of a third of the faces, as round (the shoe is smooth)
        planes.append(torch.from_numpy(ConvexHull(pts[::3].numpy()).equations))

    # only the vertices that move, and only the edges that reach them, take part
    moving = [((side == s) & (weight > 0)).nonzero().squeeze(1) for s in range(2)]
    hulls = [h.float() for h in planes]
    near = edges[(weight[edges] > 0).any(dim=1)]

    def lifted(x: torch.Tensor) -> torch.Tensor:
        out = x.clone()
        for sel, hull in zip(moving, hulls, strict=True):
            if sel.numel() == 0 or hull.shape[0] == 0:
                continue
            depth = x[sel] @ hull[:, :3].T + hull[:, 3]
            lift, nearest = depth.max(dim=1)  # the face plane each point is closest under
            out[sel] = x[sel] - hull[nearest, :3] * lift.clamp(max=0)[:, None]
        return out

    x0 = verts.float()
    x = x0
    w = weight.float()[:, None]
    for n in range(TOE_BOX_RELAX):
        if n % 4 == 0:  # a lift every 4th pass (the cost); the last lift below is exact
            x = x0 + (lifted(x) - x0) * w
        x = x + 0.7 * w * uniform_laplacian(x, near)
    return (x0 + (lifted(x) - x0) * w).to(verts.dtype)


def neck_top(body: GarmentBody) -> float:
    """Height (m) above which nothing but a hat is worn: 7 cm above the neck joint."""
    return float(body.joints["neck"][1]) + 0.07


def accessory(body: GarmentBody, style: str, ease: dict[str, float]) -> Piece:
    y = body.verts[:, 1]
    ones = torch.ones(body.num_verts)
    if style == "hat":
        return hat(body)
    if style == "bag":
        return bag(body)
    if style == "scarf":
        return scarf(body)
    if style == "belt":
        belt_y = (float(body.joints["waist"][1]) + float(body.joints["hip_L"][1])) / 2 + 0.02
        keep = body.mask(Part.ABDOMEN, Part.PELVIS, Part.CHEST)
        off = radial_offset(max(ease["waist"], 0.0) * 0.3, 0.004)
        return shell(
            body,
            keep,
            torch.full_like(ones, off),
            ones,
            torch.full_like(body.parts, GarmentRegion.WAISTBAND),
            0.022 - (y - belt_y).abs(),
        )
    raise InvalidRequest(
        f"unknown accessory style {style!r}; expected one of {', '.join(ACCESSORY_STYLES)}",
        code="INVALID_STYLE",
    )


#: a hat's brim sits this far under the top of the head (m); the crown stands this much clear
#: of the head (over the hair) and the brim reaches this far out
HAT_BRIM_DROP_M = 0.085
HAT_EASE_M = 0.02
HAT_BRIM_M = 0.055


def hat(body: GarmentBody, around: int = 64) -> Piece:
    """A brimmed hat: a surface of revolution over the head's own section at the brim's
    height (an ellipse, `HAT_EASE_M` clear of it): a crown rising a little above the head,
    closed by a domed top, and a brim `HAT_BRIM_M` wide with an upper and an under side 8 mm
    apart joined by a rounded rim (the brim's visible thickness). Rigid: not draped."""
    head = body.mask(Part.HEAD)
    pts = body.verts[head]
    top = float(pts[:, 1].max())
    brim_y = top - HAT_BRIM_DROP_M
    slab = pts[(pts[:, 1] - brim_y).abs() < 0.012]
    lo, hi = slab[:, [0, 2]].amin(0), slab[:, [0, 2]].amax(0)
    cx, cz = float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2)
    a, b = float(hi[0] - lo[0]) / 2 + HAT_EASE_M, float(hi[1] - lo[1]) / 2 + HAT_EASE_M
    # profile from the top down: (share of the crown's ellipse, metres beyond it, height)
    profile = [
        (0.35, 0.0, top + 0.030),
        (0.65, 0.0, top + 0.026),
        (0.86, 0.0, top + 0.018),
        (0.96, 0.0, top + 0.004),
        (0.99, 0.0, brim_y + 0.040),
        (1.0, 0.0, brim_y + 0.010),
        (1.0, 0.012, brim_y + 0.001),
        (1.0, HAT_BRIM_M * 0.6, brim_y - 0.002),
        (1.0, HAT_BRIM_M, brim_y - 0.006),
        (1.0, HAT_BRIM_M + 0.004, brim_y - 0.010),
        (1.0, HAT_BRIM_M, brim_y - 0.014),
        (1.0, HAT_BRIM_M * 0.6, brim_y - 0.010),
        (1.0, 0.004, brim_y - 0.007),
    ]
    theta = torch.arange(around, dtype=torch.float32) * (2 * math.pi / around)
    cos, sin = torch.cos(theta), torch.sin(theta)
    rings = [
        torch.stack(
            [cx + (s * a + e) * cos, torch.full_like(cos, h), cz + (s * b + e) * sin], dim=1
        )
        for s, e, h in profile
    ]
    apex = torch.tensor([[cx, top + 0.031, cz]])
    verts = torch.cat([apex, *rings])
    k = torch.arange(around)
    fan = torch.stack([torch.zeros_like(k), 1 + (k + 1) % around, 1 + k], dim=1)
    quads = []
    for r in range(len(profile) - 1):
        a0, a1 = 1 + r * around + k, 1 + r * around + (k + 1) % around
        b0, b1 = a0 + around, a1 + around
        quads += [torch.stack([a0, a1, b0], 1), torch.stack([a1, b1, b0], 1)]
    faces = _outward(verts, torch.cat([fan, *quads]), torch.tensor([cx, brim_y + 0.05, cz]))
    n = verts.shape[0]
    crown_covers = head & (body.verts[:, 1] > brim_y)
    return Piece(
        verts=verts,
        faces=faces,
        labels=torch.full((n,), GarmentRegion.HEAD, dtype=torch.int64),
        rest_scale=torch.ones(n),
        covers=crown_covers,
        source=None,
        rigid=True,
    )


def _outward(verts: torch.Tensor, faces: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """Faces turned so that most face normals point away from `centre`."""
    tri = verts[faces]
    n = torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=1)
    if float((n * (tri.mean(1) - centre)).sum()) < 0:
        return faces[:, [0, 2, 1]]
    return faces


#: a crossbody bag (m): width, height, depth; the strap's width and thickness
BAG_SIZE_M = (0.22, 0.16, 0.07)
STRAP_WIDTH_M = 0.032
STRAP_THICKNESS_M = 0.004
#: the strap's ends reach this far (m) below the bag's top edge (behind the bag at the front)
STRAP_TUCK_M = 0.03


def bag(body: GarmentBody) -> Piece:
    """A crossbody bag: a rounded box at the front of the left hip and a strap from it
    across the chest, over the right shoulder and down the back. The strap lies in the plane
    through the top of the right shoulder and the bag's top edge; it follows the convex hull
    of the torso's section in that plane (a taut strap bridges the hollows), 8 mm out, as a
    flat band `STRAP_WIDTH_M` wide and `STRAP_THICKNESS_M` thick, from the bag's top edge at
    the front to the same height at the back (`STRAP_TUCK_M` below it). Rigid: not draped."""
    from scipy.spatial import ConvexHull

    j = body.joints
    v = body.verts
    width, height, depth = BAG_SIZE_M
    cx = float((j["hip_L"][0] + j["hip_R"][0]) / 2)
    bag_x = cx + 0.75 * float(j["hip_L"][0] - cx)
    bag_top = float(j["hip_L"][1]) + 0.07
    trunk = body.mask(Part.CHEST, Part.ABDOMEN, Part.PELVIS, Part.THIGH)
    foot = trunk & ((v[:, 0] - bag_x).abs() < width / 2) & (v[:, 1] < bag_top)
    foot &= v[:, 1] > bag_top - height
    front = float(v[foot, 2].max()) if bool(foot.any()) else float(j["hip_L"][2]) + 0.12
    centre = torch.tensor([bag_x, bag_top - height / 2, front + depth / 2 + 0.012])
    box_v, box_f = _rounded_box(centre, (width / 2, height / 2, depth / 2))

    # the strap's plane: the top of the right shoulder (halfway from the neck to the shoulder
    # joint, 5 cm above it) and the bag's top edge, front and back
    shoulder = torch.stack(
        [
            (j["neck"][0] + j["shoulder_R"][0]) / 2,
            j["shoulder_R"][1] + 0.05,
            (j["neck"][2] + j["shoulder_R"][2]) / 2,
        ]
    ).float()
    at_front = torch.tensor([bag_x, bag_top, front])
    at_back = torch.tensor([bag_x, bag_top, front - 0.3])
    normal = torch.nn.functional.normalize(
        torch.cross(at_front - shoulder, at_back - at_front, dim=0), dim=0
    )
    near = body.mask(Part.CHEST, Part.ABDOMEN, Part.PELVIS, Part.NECK) & (
        ((v - shoulder) @ normal).abs() < 0.01
    )
    # in-plane coordinates: u along the strap's climb, w across it
    u_axis = torch.nn.functional.normalize(at_front - shoulder, dim=0)
    w_axis = torch.cross(normal, u_axis, dim=0)
    rel = v[near] - shoulder
    flat = torch.stack([rel @ u_axis, rel @ w_axis], dim=1).double()
    hull = flat[torch.from_numpy(ConvexHull(flat.numpy()).vertices)].float()  # (H, 2) ccw
    loop = _resample_closed(hull, 200)
    mid = loop.mean(0)
    out2 = torch.nn.functional.normalize(
        torch.roll(loop, -1, 0) - torch.roll(loop, 1, 0), dim=1
    ) @ torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # the curve's normal
    if float(((loop - mid) * out2).sum()) < 0:
        out2 = -out2
    outer = loop + out2 * 0.008
    inner = outer - out2 * STRAP_THICKNESS_M

    def to3d(p: torch.Tensor) -> torch.Tensor:
        return shoulder + p[:, :1] * u_axis + p[:, 1:] * w_axis

    # the strap ends at the bag's top, front and back: below it, and along the hull's
    # underside (facing down), the section's hull runs through the hip; cutting that away
    # after the fact cost an exact winding number per point
    facing_down = (out2[:, :1] * u_axis + out2[:, 1:] * w_axis)[:, 1] < -0.5
    ends_below = (to3d(loop)[:, 1] < bag_top - STRAP_TUCK_M) | facing_down
    if bool(ends_below.any()):
        # the arc starts just after the stretch below the bag (which may wrap round)
        first = int(torch.nonzero(ends_below & ~ends_below.roll(-1))[0]) + 1
        order = torch.roll(torch.arange(loop.shape[0]), -first)
        arc = order[~ends_below[order]]
        loop, outer, inner = loop[arc], outer[arc], inner[arc]

    half = normal * (STRAP_WIDTH_M / 2)
    # four corners per point around the band's cross-section
    sections = [to3d(outer) + half, to3d(outer) - half, to3d(inner) - half, to3d(inner) + half]
    m = loop.shape[0]
    closed = not bool(ends_below.any())
    strap_v = torch.stack(sections, dim=1).reshape(-1, 3)  # (m * 4, 3)
    i = torch.arange(m if closed else m - 1)[:, None]
    c = torch.arange(4)[None]
    a0, a1 = i * 4 + c, i * 4 + (c + 1) % 4
    b0, b1 = ((i + 1) % m) * 4 + c, ((i + 1) % m) * 4 + (c + 1) % 4
    strap_f = torch.cat(
        [torch.stack([a0, b0, a1], -1).reshape(-1, 3), torch.stack([a1, b0, b1], -1).reshape(-1, 3)]
    )
    strap_f = _outward_band(strap_v, strap_f, to3d(mid[None])[0])
    verts = torch.cat([box_v, strap_v])
    faces = torch.cat([box_f, strap_f + box_v.shape[0]])
    labels = torch.cat(
        [
            torch.full((box_v.shape[0],), GarmentRegion.BAG, dtype=torch.int64),
            torch.full((strap_v.shape[0],), GarmentRegion.STRAP, dtype=torch.int64),
        ]
    )
    n = verts.shape[0]
    return Piece(verts, faces, labels, torch.ones(n), covers=None, source=None, rigid=True)


def _outward_band(verts: torch.Tensor, faces: torch.Tensor, middle: torch.Tensor) -> torch.Tensor:
    """The band's faces turned so the outer side's normals point away from its `middle`."""
    tri = verts[faces]
    n = torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=1)
    # the faces of the outer side are the farthest from the middle: judge by them
    d = (tri.mean(1) - middle).norm(dim=1)
    far = d > d.median()
    if float((n[far] * (tri.mean(1)[far] - middle)).sum()) < 0:
        return faces[:, [0, 2, 1]]
    return faces


def _resample_closed(points: torch.Tensor, count: int) -> torch.Tensor:
    """A closed polygon (P, 2) resampled to `count` points evenly along its length, then
    smoothed a little (its corners rounded)."""
    closed = torch.cat([points, points[:1]])
    seg = (closed[1:] - closed[:-1]).norm(dim=1)
    cum = torch.cat([torch.zeros(1), seg.cumsum(0)])
    t = torch.linspace(0, float(cum[-1]), count + 1)[:-1]
    idx = torch.searchsorted(cum, t, right=True).clamp(1, closed.shape[0] - 1)
    w = ((t - cum[idx - 1]) / seg[idx - 1].clamp(min=1e-9))[:, None]
    out: torch.Tensor = closed[idx - 1] * (1 - w) + closed[idx] * w
    for _ in range(3):
        out = (torch.roll(out, 1, 0) + 2 * out + torch.roll(out, -1, 0)) / 4
    return out


def _rounded_box(
    centre: torch.Tensor, half: tuple[float, float, float]
) -> tuple[torch.Tensor, torch.Tensor]:
    """A box with rounded edges (a superellipsoid of exponent 8) around `centre`."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=3)
    d = torch.tensor(sphere.vertices, dtype=torch.float32)
    p = 8.0
    d = d / (d.abs() ** p).sum(1, keepdim=True) ** (1 / p)
    verts = centre + d * torch.tensor(half)
    faces = torch.tensor(sphere.faces, dtype=torch.int64)
    return verts, _outward(verts, faces, centre)


def scarf(body: GarmentBody) -> Piece:
    """A scarf: a band wrapped round the neck (5 cm either side of the neck joint, 18 mm out)
    and its two ends hanging down the front side by side to above the waist (strips on the
    chest, 2 cm out, cut by smooth fields; the drape lets them hang)."""
    j = body.joints
    ones = torch.ones(body.num_verts)
    neck_y = float(j["neck"][1])
    wrap = shell(
        body,
        body.mask(Part.NECK, Part.CHEST),
        torch.full_like(ones, 0.018),
        ones,
        torch.full_like(body.parts, GarmentRegion.NECK),
        field_min(above(body, neck_y - 0.05), below(body, neck_y + 0.05)),
    )
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    cz = float(j["chest"][2])
    ends_top = neck_y - 0.045
    ends_bottom = float(j["waist"][1]) + 0.04
    x = body.verts[:, 0] - cx
    # two strips 8 cm wide: one from 1 cm left of the centre, one crossing a little right
    strip = smooth_max(0.04 - (x - 0.035).abs(), 0.04 - (x + 0.05).abs(), 0.01)
    field = field_min(strip, below(body, ends_top), above(body, ends_bottom))
    field = field_min(field, body.verts[:, 2] - cz - 0.02)
    ends = shell(
        body,
        body.mask(Part.CHEST, Part.ABDOMEN),
        torch.full_like(ones, 0.02),
        ones,
        torch.full_like(body.parts, GarmentRegion.TORSO),
        field,
    )
    return merge([wrap, ends])


def guess_accessory_style(measures: Mapping[str, float]) -> str:
    keys = {normalise_key(k).lower() for k in measures}
    if keys & {"head", "headcircumference", "hat"}:
        return "hat"
    if "neck" in keys:
        return "scarf"
    return "belt"


def build_pattern(
    body: GarmentBody,
    category: str,
    measures: Mapping[str, float],
    fit: str,
    style: str | None = None,
    cut: str | None = None,
) -> Piece:
    """The undraped garment of `category` for one size's `measures` (cm) on `body`, in the
    given `cut` (`cuts.cut_for`; None: the category's default). An accessory's `style`
    (hat, scarf, belt, bag) wins over its cut."""
    check_category(category)
    cut = cut or DEFAULT_CUTS[category]
    known = set(SUBCATEGORY_CUTS[category].values()) | {DEFAULT_CUTS[category]}
    if cut not in known:
        raise InvalidRequest(
            f"unknown cut {cut!r} for {category}; expected one of {', '.join(sorted(known))}",
            code="INVALID_STYLE",
        )
    ease = eases_cm(body, measures, fit)
    lengths = _lengths(body, measures)
    j = body.joints
    neck_y = float(j["neck"][1])
    hip_y = float(j["hip_L"][1])
    crotch = body.crotch_y()
    knee_y, ankle_y = float(j["knee_L"][1]), float(j["ankle_L"][1])
    arm = _arm_length_m(body)
    floor = float(body.verts[:, 1].min())

    def hem(default: float) -> float:
        return max(neck_y - lengths["length"], floor + 0.02) if lengths["length"] else default

    def sleeve(default: float) -> float:
        return lengths["sleeve"] if lengths["sleeve"] else default

    def trouser_hem(default: float | None = None) -> float:
        if lengths["inseam"]:
            return max(crotch - lengths["inseam"], floor + 0.03)
        return ankle_y + 0.02 if default is None else default

    slim = {k: min(v, target_ease_cm("slim", k)) for k, v in ease.items()}
    if category == "tops":
        if cut == "shirt":
            return upper_garment(body, ease, hem(crotch + 0.04), sleeve(arm), neck=(0.065, 0.05))
        if cut == "blouse":
            return upper_garment(
                body, ease, hem(crotch + 0.06), sleeve(arm), neck=(0.08, 0.08)
            )
        if cut in ("sweater", "hoodie"):
            return upper_garment(body, ease, hem(crotch + 0.05), sleeve(arm), extra_m=0.003)
        return upper_garment(body, ease, hem(crotch + 0.06), sleeve(0.35 * arm))
    if category == "bottoms":
        if cut == "shorts":
            return lower_garment(body, ease, trouser_hem(crotch - 0.18))
        if cut == "skirt":
            return skirt_garment(body, ease, hem(knee_y + 0.06))
        return lower_garment(body, ease, trouser_hem())
    if category == "dresses":
        if cut == "midi":
            return dress_garment(body, ease, hem((knee_y + ankle_y) / 2), flare=0.25)
        if cut == "bodycon":
            return dress_garment(body, slim, hem(knee_y + 0.06), flare=0.02)
        if cut == "maxi":
            return dress_garment(body, ease, hem(ankle_y + 0.03), flare=0.2)
        return dress_garment(body, ease, hem(knee_y + 0.04))
    if category == "outerwear":
        if cut == "jacket":
            return upper_garment(
                body, ease, hem(crotch + 0.02), sleeve(arm), extra_m=0.01, open_front=True
            )
        if cut == "blazer":
            return upper_garment(
                body,
                ease,
                hem(crotch - 0.03),
                sleeve(arm),
                0.008,
                skirt_flare=0.03,
                open_front=True,
            )
        return upper_garment(
            body,
            ease,
            hem(crotch - 0.14),
            sleeve(arm),
            extra_m=0.012,
            skirt_flare=0.1,
            open_front=True,
        )
    if category == "shoes":
        return shoes(body, 0.12 if cut == "boots" else 0.03)
    if category == "accessories":
        if style is None and cut != "guessed":
            style = cut
        return accessory(body, style or guess_accessory_style(measures), ease)
    if category == "activewear":
        top = upper_garment(body, slim, hem(hip_y - 0.02), sleeve(0.2 * arm))
        leggings = lower_garment(body, slim, trouser_hem())
        if cut == "leggings":
            return leggings
        if cut == "tight top":
            return top
        return merge([top, leggings])
    # formal
    if cut == "gown":
        return dress_garment(body, ease, hem(floor + 0.03), flare=0.25)
    jacket = upper_garment(
        body,
        ease,
        hem(crotch - 0.03),
        sleeve(arm),
        extra_m=0.008,
        skirt_flare=0.03,
        open_front=True,
    )
    # a suit's trousers are tailored, not jeans: more room at the thigh (the fit's thigh ease
    # plus `SUIT_TROUSER_THIGH_EXTRA_CM`) and a nearly straight leg down to the shoe
    roomy = {**ease, "thigh": ease["thigh"] + SUIT_TROUSER_THIGH_EXTRA_CM}
    trousers = lower_garment(body, roomy, trouser_hem(), extra_m=0.002, ankle_taper=0.85)
    return merge([jacket, trousers])


#: a suit's trousers: this much more thigh ease (cm of girth) than the fit's own (the fit's
#: regular 5 cm is a jean's; tailored trousers stand some 10 cm off the thigh)
SUIT_TROUSER_THIGH_EXTRA_CM = 5.0


#: cuts worn open at the front (with lapels, over a top): (category, cut)
OPEN_FRONT_CUTS = {("outerwear", "coat"), ("outerwear", "jacket"), ("outerwear", "blazer")}
OPEN_FRONT_CUTS |= {("formal", "suit")}
