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

from collections.abc import Mapping

import torch

from render_engine.errors import InvalidRequest
from render_engine.garment.body_view import GarmentBody, Part
from render_engine.garment.geometry import uniform_laplacian, unique_edges
from render_engine.garment.pattern import (
    GarmentRegion,
    Piece,
    limb_profile,
    merge,
    radial_offset,
    shell,
    torso_profile,
    tube,
)
from render_engine.garment.sizing import GUIDE_KEYS, normalise_key, target_ease_cm

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
ACCESSORY_STYLES: tuple[str, ...] = ("hat", "scarf", "belt")


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


def neckline(body: GarmentBody, width: float, front: float, back: float = 0.01) -> torch.Tensor:
    """(V,) field of a neckline around the base of the neck.

    The cloth is kept outside an upright elliptic cylinder of half width `width` (m) around
    the neck, or below a level that drops `front` m under the neck joint at the front and
    `back` m at the back (a crew neck has a small `front`, a scoop a large one). The two are
    joined by a smooth maximum (rounding 2 cm), so the contour is one smooth curve.
    """
    neck = body.joints["neck"]
    cx, cz, half_x, half_z = neck_section(body)
    rel_x = body.verts[:, 0] - cx
    rel_z = body.verts[:, 2] - cz
    width = max(width, half_x + 0.02)
    depth = max(width * 0.8, half_z + 0.02)
    radial = (torch.sqrt((rel_x / width) ** 2 + (rel_z / depth) ** 2) - 1.0) * depth
    toward_front = (rel_z / depth).clamp(-1, 1)
    drop = torch.where(toward_front > 0, front * toward_front, -back * toward_front)
    level = float(neck[1]) - 0.005 - drop - body.verts[:, 1]
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


def smooth_max(a: torch.Tensor, b: torch.Tensor, k: float) -> torch.Tensor:
    """max(a, b) with its corner rounded over about `k` (the union of two kept sides)."""
    return (a + b + torch.sqrt((a - b) ** 2 + k * k)) / 2


def sleeve_end(body: GarmentBody, sleeve_m: float) -> torch.Tensor:
    """(V,) field of a cuff `sleeve_m` down the arm: a plane across the bone there; +1 off the
    arms (the cuff does not cut the torso)."""
    t = body.arm_coordinate()
    return torch.where(torch.isfinite(t), sleeve_m - t, torch.ones_like(t))


def armholes(body: GarmentBody, inset: float = 0.03) -> torch.Tensor:
    """(V,) field of sleeveless armholes: vertical planes `inset` inside the shoulder joints
    down to the armpits (8 cm under the shoulder joints), the torso kept whole below; the two
    are joined by a smooth maximum so each armhole is one rounded curve."""
    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    half = float((j["shoulder_L"][0] - j["shoulder_R"][0]).abs()) / 2 - inset
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
) -> Piece:
    """Torso shell (neck excluded) with sleeves of `sleeve_m` along the arm, down to `hem_y`.

    A hem below the crotch turns the lower part into a tube from the waist down (radii never
    shrinking, flared by `skirt_flare`), so coats and jackets do not turn into shorts.
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
    edges = [above(body, shell_bottom), neckline(body, 0.07, 0.03), below(body, neck_top(body))]
    edges.append(sleeve_end(body, sleeve_m) if sleeve_m > 0 else armholes(body))
    field = field_min(*edges)
    off_t, sc_t = torso_profile(body, ease, extra_m)
    girth_arm = 2 * 3.1416 * 5.0  # ~31 cm upper arm
    off_a, sc_a = limb_profile(body, ease["arm"], girth_arm, extra_m)
    offset = torch.where(arms & ~torso, torch.full_like(off_t, off_a), off_t)
    scale = torch.where(arms & ~torso, torch.full_like(sc_t, sc_a), sc_t)
    labels = torch.where(arms & ~torso, GarmentRegion.SLEEVE, GarmentRegion.TORSO)
    pieces = [shell(body, keep, offset, scale, labels, field)]
    if long_hem:
        pieces.append(
            tube(
                body, waist, hem_y, ease["hips"], skirt_flare, GarmentRegion.SKIRT, extra_m + 0.004
            )
        )
    return merge(pieces)


def lower_garment(
    body: GarmentBody, ease: dict[str, float], hem_y: float, extra_m: float = 0.0
) -> Piece:
    """Trousers/leggings shell: from just below the waist joint down to `hem_y`."""
    y = body.verts[:, 1]
    top_y = float(body.joints["waist"][1]) - 0.02
    keep = body.mask(Part.ABDOMEN, Part.PELVIS, Part.THIGH, Part.SHIN, Part.FOOT)
    field = field_min(below(body, top_y), above(body, hem_y))
    off_t, sc_t = torso_profile(body, ease, extra_m)
    girth_thigh = body.measurements.get("hips", 95.0) * 0.6
    off_l, sc_l = limb_profile(body, ease["thigh"], girth_thigh, extra_m)
    legs = body.mask(Part.THIGH, Part.SHIN) & (y < body.crotch_y())
    # trouser legs taper from the thigh ease to 60 % of it at the ankle
    knee, ankle = float(body.joints["knee_L"][1]), float(body.joints["ankle_L"][1])
    taper = ((y - ankle) / max(knee - ankle, 1e-3)).clamp(0, 1) * 0.4 + 0.6
    leg_off = torch.clamp(off_l * taper, min=radial_offset(0.0, extra_m))
    offset = torch.where(legs, leg_off, off_t)
    scale = torch.where(legs, torch.full_like(sc_t, sc_l), sc_t)
    labels = torch.where(legs, GarmentRegion.LEG, GarmentRegion.WAISTBAND)
    return shell(body, keep, offset, scale, labels, field)


def dress_garment(body: GarmentBody, ease: dict[str, float], hem_y: float) -> Piece:
    """Sleeveless bodice from the neck to below the waist and a flared skirt to `hem_y`."""
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
    skirt = tube(body, waist, hem_y, ease["hips"], 0.3, GarmentRegion.SKIRT, 0.004)
    return merge([bodice, skirt])


def shoes(body: GarmentBody) -> Piece:
    """Both feet and ankles: a 6 mm upper, 14 mm more under the sole; the collar is a plane
    sloping down to the front, 3 cm above the ankle at the back."""
    keep = body.mask(Part.FOOT, Part.SHIN)
    ankle = body.joints["ankle_L"]
    collar = float(ankle[1]) + 0.03 - 0.3 * (body.verts[:, 2] - float(ankle[2]))
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
        head = body.mask(Part.HEAD)
        top = float(y[head].max())
        return shell(
            body,
            head,
            torch.full_like(ones, 0.012),
            ones,
            torch.full_like(body.parts, GarmentRegion.HEAD),
            above(body, top - 0.085),
        )
    if style == "scarf":
        neck_y = float(body.joints["neck"][1])
        keep = body.mask(Part.NECK, Part.CHEST)
        return shell(
            body,
            keep,
            torch.full_like(ones, 0.018),
            ones,
            torch.full_like(body.parts, GarmentRegion.NECK),
            field_min(above(body, neck_y - 0.05), below(body, neck_y + 0.05)),
        )
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
) -> Piece:
    """The undraped garment of `category` for one size's `measures` (cm) on `body`."""
    check_category(category)
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

    def trouser_hem() -> float:
        return (
            max(crotch - lengths["inseam"], floor + 0.03) if lengths["inseam"] else ankle_y + 0.02
        )

    if category == "tops":
        return upper_garment(body, ease, hem(crotch + 0.06), sleeve(0.35 * arm))
    if category == "bottoms":
        return lower_garment(body, ease, trouser_hem())
    if category == "dresses":
        return dress_garment(body, ease, hem(knee_y + 0.04))
    if category == "outerwear":
        return upper_garment(
            body, ease, hem(crotch - 0.14), sleeve(arm), extra_m=0.012, skirt_flare=0.1
        )
    if category == "shoes":
        return shoes(body)
    if category == "accessories":
        return accessory(body, style or guess_accessory_style(measures), ease)
    if category == "activewear":
        tight = {k: min(v, target_ease_cm("slim", k)) for k, v in ease.items()}
        top = upper_garment(body, tight, hem(hip_y - 0.02), sleeve(0.2 * arm))
        leggings = lower_garment(body, tight, trouser_hem())
        return merge([top, leggings])
    # formal
    jacket = upper_garment(
        body, ease, hem(crotch - 0.03), sleeve(arm), extra_m=0.008, skirt_flare=0.03
    )
    trousers = lower_garment(body, ease, trouser_hem())
    return merge([jacket, trousers])
