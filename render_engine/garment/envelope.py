"""Cloth that hangs: the garment's starting surface is an envelope of the body, not an offset.

Cloth touches the body only where the body is convex. Two rules build the envelope of a
garment's trunk (torso, skirt, waistband) before the drape:

* **across** (a tape measure): in every horizontal slice the cloth lies on the convex hull of
  its own section (the body's section pushed out by the region's ease), so it spans the gap
  between the breasts, the navel and the small of the back instead of following them;
* **down** (gravity): below the chest the cloth falls from whatever supports it (bust, shoulder
  blades, belly, buttocks) and comes back towards the body only gradually: the section's
  envelope may shrink by at most ``slope`` metres per metre of drop (`fall_slope`: a stiff
  fabric or a loose fit falls straighter). So under the bust a top hangs nearly straight.

Both are done on the support function of each slice's section, sampled in `DIRECTIONS`
horizontal directions: h(u) = max over the slice's points p of p.u. The hull is the
intersection of the half-planes x.u <= h(u); falling is h_below(u) >= h_above(u) - slope * dy
(the section above, shrunk inwards by slope * dy). Every trunk vertex then moves out along its
ray from its slice's centre to where the ray leaves that polygon, never in: the girths the size
guide sets are where the body is convex, and they stay. Vectorised over vertices and directions;
one short loop over the slices (about a hundred) for the fall. The drape (`drape.py`) then keeps
the shape (its rest lengths and Laplacian are taken from it), adds gravity and collisions.

A third rule holds over the bust (`span_bust`): **up**, in tension from the shoulders, the
cloth runs straight from the upper chest to the bust's apex (in each direction ahead, the
sections' support raised to its concave majorant in height), rounded over the apex with the
cloth's bending radius.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

#: horizontal directions of the support function; the polygon they cut circumscribes the true
#: hull by at most 1 / cos(pi / 64) - 1 = 0.12 % of its radius
DIRECTIONS = 64
#: height of one slice (m): about one garment triangle
SLICE_M = 0.01

#: how far (m per m of drop) the hanging cloth may come back towards the body, per fit style.
#: A slim garment is cut to follow the waist; regular and looser cuts have the fabric's weight
#: and the cut's ease to fall straight from the bust or the shoulder blades.
FALL_SLOPE: dict[str, float] = {"slim": 0.6, "regular": 0.3, "relaxed": 0.2, "oversized": 0.12}
#: stiffer fabrics (coats, tailoring) fall straighter: their slope is scaled by this
STIFF_CATEGORIES: dict[str, float] = {"outerwear": 0.6, "formal": 0.6}
#: categories whose cloth is held against the body (elastic): the hull across, no fall
TIGHT_CATEGORIES = ("activewear",)
#: cuts made to follow the figure (a bodycon dress) fall like a slim fit whatever the style
SLIM_CUTS = ("bodycon",)


def fall_slope(category: str, fit: str, cut: str | None = None) -> float | None:
    """The slope (m/m) the cloth may come in by below its supports; None: it does not fall
    (elastic, held against the body)."""
    if category in TIGHT_CATEGORIES:
        return None
    slope = FALL_SLOPE["slim" if cut in SLIM_CUTS else fit]
    return slope * STIFF_CATEGORIES.get(category, 1.0)


#: how far (m per m along the limb) a sleeve or a trouser leg may come in towards the limb
#: below its top, per fit style (None: it keeps its offset surface, close to the limb). From
#: the leg openings of the usual cuts: a trouser leg about 62 cm round the thigh comes to a
#: hem of 40 cm (straight, regular), 46-50 cm (relaxed, wide) or about 56 cm (oversized, wide
#: leg) over some 70 cm of leg, i.e. its radius comes in by 0.05, 0.03 or 0.015 m per metre;
#: a sleeve from about 38 cm round the biceps to a 24 cm cuff over 45 cm, the same 0.05 for a
#: regular shirt. A slim cut follows the limb (its opening is the limb's girth plus ease).
LIMB_FALL_SLOPE: dict[str, float | None] = {
    "slim": None,
    "regular": 0.05,
    "relaxed": 0.03,
    "oversized": 0.015,
}
#: a limb's cloth falls along the limb only when the limb points down within this many
#: degrees of the vertical (an A pose's arms, about 50 degrees out, still hang); a raised
#: arm's sleeve gets the hull across only
LIMB_FALL_MAX_TILT_DEG = 60.0


#: a long sleeve's cloth falls from this far below the elbow (`hang_limb`)
LIMB_FALL_BELOW_JOINT_M = 0.04


def limb_fall_slope(category: str, fit: str, cut: str | None = None) -> float | None:
    """The slope (m/m) a sleeve or trouser leg may come in by along the limb (stiff fabrics
    fall straighter, as the trunk's `fall_slope`); None: it keeps close to the limb (slim,
    bodycon, elastic activewear)."""
    if category in TIGHT_CATEGORIES or cut in SLIM_CUTS:
        return None
    slope = LIMB_FALL_SLOPE[fit]
    return None if slope is None else slope * STIFF_CATEGORIES.get(category, 1.0)


def _directions() -> torch.Tensor:
    angle = torch.arange(DIRECTIONS, dtype=torch.float32) * (2 * math.pi / DIRECTIONS)
    return torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # (U, 2)


def _exit_radius(
    centre: torch.Tensor, ray: torch.Tensor, support: torch.Tensor, dirs: torch.Tensor
) -> torch.Tensor:
    """Distance from `centre` (N, 2) along unit `ray` (N, 2) to the boundary of the polygon
    {x: x.u <= support(u)} (support (N, U)). (N,), inf where unbounded."""
    facing = ray @ dirs.T  # (N, U)
    gap = support - centre @ dirs.T  # (N, U)
    dist = torch.where(facing > 1e-3, gap / facing.clamp(min=1e-3), torch.full_like(gap, math.inf))
    return dist.min(dim=1).values


def _slice_supports(
    xz: torch.Tensor, sid: torch.Tensor, num: int, dirs: torch.Tensor, band: bool = True
) -> torch.Tensor:
    """The support function of each of `num` horizontal slices (xz (n, 2) horizontal
    positions, sid (n,) their slice) in the directions `dirs` (U, 2): (num, U), -inf where a
    slice is empty. A slice holds few vertices: each also counts its neighbours' (a 3 cm
    band)."""
    proj = xz @ dirs.T  # (n, U)
    support = torch.full((num, dirs.shape[0]), -math.inf)
    support = support.scatter_reduce(
        0, sid[:, None].expand(-1, dirs.shape[0]), proj, reduce="amax", include_self=True
    )
    if not band:
        return support
    padded = torch.cat([support[:1], support, support[-1:]])
    return torch.maximum(torch.maximum(padded[:-2], padded[1:-1]), padded[2:])


def _slice_centres(support: torch.Tensor) -> torch.Tensor:
    """Each slice's centre: the middle of its polygon's extent along x and z (inside the
    polygon, whatever the spread of the vertices that made it). (S, `DIRECTIONS`) -> (S, 2)."""
    quarter = DIRECTIONS // 4
    centre = torch.stack(
        [
            (support[:, 0] - support[:, 2 * quarter]) / 2,
            (support[:, quarter] - support[:, 3 * quarter]) / 2,
        ],
        dim=1,
    )
    return torch.nan_to_num(centre, nan=0.0, posinf=0.0, neginf=0.0)


def hang(
    verts: torch.Tensor,
    movable: torch.Tensor,
    fall_from_y: float,
    slope: float | torch.Tensor | None,
    own_centre: bool = False,
    faces: torch.Tensor | None = None,
) -> torch.Tensor:
    """The envelope of the movable vertices (verts (N, 3) m, y up; movable (N,) bool): each
    moves out horizontally onto its slice's convex hull and, below `fall_from_y`, onto the
    cloth falling from above with `slope` (None: no fall; a (`DIRECTIONS`,) tensor: a slope
    per horizontal direction of `_directions`). Each moves along its ray from the slice's
    centre: that of the envelope, or with `own_centre` that of the slice's own section (a
    limb's: the envelope falling from a bent elbow can lie off to one side of the forearm,
    and rays from its centre would scramble the order of a cuff's points). With the mesh's
    `faces` (F, 3), each slice's section is the exact one at its height with the slice's own
    vertices (`_section_supports`); without, the slice's vertices with its neighbours' (a
    limb's slices are tilted: their exact sections are not level). (N, 3) -> (N, 3)."""
    ids = movable.nonzero().squeeze(1)
    if ids.numel() < 3:
        return verts
    p = verts[ids]
    xz = p[:, [0, 2]]
    top = float(p[:, 1].max())
    # slice 0 at the top; a vertex's position between slice centres drives the interpolation
    pos = (top - p[:, 1]) / SLICE_M  # (n,)
    sid = pos.round().long()
    num = int(sid.max()) + 1
    dirs = _directions()
    if faces is None:
        support = _slice_supports(xz, sid, num, dirs)
    else:
        # the exact section at each slice's height (where the mesh's edges cross it) and the
        # slice's own vertices: no band of neighbours, which held the hull out at a bust's
        # apex for a slice below it, so the fall began with a kink under the apex
        from render_engine.garment.geometry import unique_edges

        edges = unique_edges(faces)
        edges = edges[movable[edges].all(dim=1)]
        heights = top - SLICE_M * torch.arange(num, dtype=torch.float32)
        support = torch.maximum(
            _slice_supports(xz, sid, num, dirs, band=False),
            _section_supports(verts, edges, heights, dirs),
        )
    own = support
    if slope is not None:
        start = max(1, math.ceil((top - fall_from_y) / SLICE_M))
        drop = slope * SLICE_M  # a number, or one per direction
        rows = list(support.unbind(0))
        for i in range(start, num):
            # the section above shrunk by the fall, or this slice's own hull if wider
            rows[i] = torch.maximum(rows[i], rows[i - 1] - drop)
        support = torch.stack(rows)
    centre = _slice_centres(own if own_centre else support)
    # each vertex between the two nearest slice centres, by linear interpolation
    lo = pos.floor().long().clamp(0, num - 1)
    hi = (lo + 1).clamp(max=num - 1)
    t = (pos - lo.float()).clamp(0, 1)
    radius = torch.zeros(ids.numel())
    if own_centre:
        # a limb's slices' centres wander with the bent limb: rays from the nearer one would
        # jump between neighbours on an edge across the slices (a zigzag); one ray from the
        # centre interpolated between the two, to both slices' polygons
        c = centre[lo] * (1 - t)[:, None] + centre[hi] * t[:, None]
        offset = xz - c
        r = offset.norm(dim=1).clamp(min=1e-6)
        for slice_ids, weight in ((lo, 1 - t), (hi, t)):
            out = _exit_radius(c, offset / r[:, None], support[slice_ids], dirs)
            out = torch.where(torch.isfinite(out), out, r)
            radius = radius + weight * torch.maximum(out, r)
    else:
        for slice_ids, weight in ((lo, 1 - t), (hi, t)):
            c = centre[slice_ids]
            offset = xz - c
            r = offset.norm(dim=1).clamp(min=1e-6)
            out = _exit_radius(c, offset / r[:, None], support[slice_ids], dirs)
            out = torch.where(torch.isfinite(out), out, r)
            radius = radius + weight * torch.maximum(out, r)
        # out along the vertex's own ray from its slice's centre (the nearer centre's ray)
        c = torch.where((t < 0.5)[:, None], centre[lo], centre[hi])
        offset = xz - c
        r = offset.norm(dim=1).clamp(min=1e-6)
    grow = (radius - r).clamp(min=0.0)
    moved = xz + offset / r[:, None] * grow[:, None]
    result = verts.clone()
    result[ids, 0] = moved[:, 0]
    result[ids, 2] = moved[:, 1]
    return result


#: cloth does not compress: a face the move onto the envelope shrinks to under this share of
#: its area (or turns over) was bunched there (`respace_bunched`)
BUNCHED_AREA = 0.5
#: rings of vertices round the bunched faces that are respaced with them, and the passes
RESPACE_RINGS = 3
RESPACE_PASSES = 40


def respace_bunched(
    before: torch.Tensor,
    after: torch.Tensor,
    faces: torch.Tensor,
    movable: torch.Tensor,
    rehang: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """The envelope (`hang`) with the cloth it bunched respaced down it.

    `hang` moves each vertex out horizontally at its own height. Under an overhang (the
    underside of a bust, of the buttocks) the body's surface runs nearly level, then back
    up into the crease: its vertices all land on the envelope at about one height, and those
    going back up land above the ones before them, so their faces turn over (gallery body
    a's shirt: a fold of 157 degrees 4 cm under each bust apex, which the smoothing and the
    drape left as a 40-degree point with a crease under it). Cloth does not compress, so
    where a face shrank to under `BUNCHED_AREA` of its area, or turned over, the heights of
    its vertices and of `RESPACE_RINGS` rings round them are relaxed (`RESPACE_PASSES` passes
    of the uniform Laplacian of the height alone: the vertices spread out down the surface,
    in order) and the result is hung again (`rehang`, the same envelope). before, after:
    (N, 3) the surface before and after `hang`; faces (F, 3); movable (N,) bool. (N, 3)."""
    from render_engine.garment.geometry import boundary_vertices, uniform_laplacian, unique_edges

    f = faces[movable[faces].all(dim=1)]
    if f.shape[0] == 0:
        return after

    def doubled_areas(v: torch.Tensor) -> torch.Tensor:
        return torch.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]], dim=1)

    was, now = doubled_areas(before), doubled_areas(after)
    bunched = (was * now).sum(dim=1) <= 0
    bunched |= now.norm(dim=1) < BUNCHED_AREA * was.norm(dim=1)
    if not bool(bunched.any()):
        return after
    edges = unique_edges(f)
    region = torch.zeros(before.shape[0], dtype=torch.bool)
    region[f[bunched].reshape(-1)] = True
    for _ in range(RESPACE_RINGS):
        grow = region.clone()
        grow[edges[region[edges[:, 1]], 0]] = True
        grow[edges[region[edges[:, 0]], 1]] = True
        region = grow
    # a hem or a neckline keeps its height: relaxed, an edge vertex (its neighbours all on
    # one side) moved up into the cloth, and a top's hem rose in an arch over the groin
    region &= movable & ~boundary_vertices(faces, before.shape[0])
    x = before.clone()
    for _ in range(RESPACE_PASSES):
        step = 0.5 * uniform_laplacian(x, edges)[:, 1]
        x[:, 1] = torch.where(region, x[:, 1] + step, x[:, 1])
    return rehang(x)


#: the tent over the bust (`span_bust`) is full in the directions within the first of these
#: angles (degrees) of straight ahead and fades out by the second: the bust holds the cloth
#: out in the directions it faces, while towards the sides the front panel turns into the
#: armhole, where the sleeve (not moved by it) joins it
TENT_DEG = (30.0, 60.0)


def _tent_weight(ahead: torch.Tensor) -> torch.Tensor:
    """The tent's weight of horizontal unit directions by their component ahead (+z)."""
    full, none = (math.cos(math.radians(a)) for a in TENT_DEG)
    return ((ahead - none) / (full - none)).clamp(0.0, 1.0)


def tent_weights() -> torch.Tensor:
    """How much of the tent each of the `DIRECTIONS` horizontal directions takes: 1 near
    ahead (+z), falling to 0 towards the sides (`TENT_DEG`). (U,)."""
    return _tent_weight(_directions()[:, 1])


def concave_majorant(values: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
    """Per column of `values` (S, D), over the rows 0..last[d] (last (D,) long), the least
    function of the row that is concave and not below the values: the upper hull of the
    points (row, value), a ruler laid over them. Rows after `last` (and rows whose value is
    not finite, which never hold the ruler up) keep their values. (S, D) -> (S, D)."""
    rows = values.shape[0]
    idx = torch.arange(rows)
    finite = torch.isfinite(values)
    v = torch.where(finite, values, torch.full_like(values, -1e9))
    # the chord from row j to row k at row i, for j < i < k <= last: (J, I, K, D)
    j, i, k = idx[:, None, None], idx[None, :, None], idx[None, None, :]
    share = ((i - j).float() / (k - j).clamp(min=1).float())[..., None]
    chord = v[:, None, None, :] + share * (v[None, None, :, :] - v[:, None, None, :])
    usable = (j < i) & (i < k)
    usable = usable[..., None] & (k[..., None] <= last[None, None, None, :])
    usable = usable & finite[:, None, None, :] & finite[None, None, :, :]
    chord = torch.where(usable, chord, torch.full_like(chord, -math.inf))
    ruler = chord.amax(dim=(0, 2))  # (I, D)
    above = idx[:, None] <= last[None, :]
    return torch.where(above & finite, torch.maximum(values, ruler), values)


#: cloth does not bend over a point more tightly than this radius (m), so over the tip of a
#: conical bust it makes a rounded cap, not a cone (`round_over_apex`). 3 cm (a shirting's
#: bending length, 2-4 cm in the cantilever test) turned the profile through the apex by
#: 15-24 degrees within a centimetre, and the cap shaded as a small bright point at 1080p.
#: Cloth over a bust rests on the breast's rounded mound, not on its tip: the turn from the
#: tent above (about 25 degrees) to the fall below (about 17) is spread over the 4-6 cm the
#: mound's front spans; at 6 cm the turn is 9-14 degrees a centimetre (2026-12-06)
BEND_RADIUS_M = 0.06


def round_over_apex(profile: torch.Tensor, apex: torch.Tensor) -> torch.Tensor:
    """Each column of `profile` (S, D: a direction's support in sections `SLICE_M` apart)
    rounded over its `apex` row (D,): dilated by a half disc of `BEND_RADIUS_M` less that
    radius, so where the cloth turns over the apex (from the tent above to the fall below) it
    bends no more tightly than that, reaching no farther there and standing off the straight
    parts by at most radius * (sqrt(1 + slope^2) - 1) (2.6 mm for a tent's 0.3 m/m). Full
    within one radius of the apex, fading out over the next. (S, D) -> (S, D)."""
    rows, cols = profile.shape
    k = round(BEND_RADIUS_M / SLICE_M)
    shift = torch.arange(-k, k + 1)
    cap = torch.sqrt(BEND_RADIUS_M**2 - (shift * SLICE_M).float() ** 2) - BEND_RADIUS_M
    edge = torch.full((k, cols), -math.inf)
    padded = torch.cat([edge, profile, edge])
    shifted = torch.stack([padded[k + d : k + d + rows] for d in shift.tolist()])  # (2k+1, S, D)
    dilated = (shifted + cap[:, None, None]).amax(dim=0)
    away = (torch.arange(rows)[:, None] - apex[None, :]).abs().float()
    weight = (2.0 - away / k).clamp(0.0, 1.0)
    rounded = profile + weight * (dilated - profile).clamp(min=0.0)
    return torch.where(torch.isfinite(profile), rounded, profile)


def _section_supports(
    verts: torch.Tensor, edges: torch.Tensor, heights: torch.Tensor, dirs: torch.Tensor
) -> torch.Tensor:
    """The support function of the mesh's exact section at each height (where its edges
    (E, 2) cross the horizontal plane; verts (N, 3)) in the directions `dirs` (U, 2):
    (S, U) for heights (S,), -inf where no edge crosses."""
    a, b = verts[edges[:, 0]], verts[edges[:, 1]]
    low, high = torch.minimum(a[:, 1], b[:, 1]), torch.maximum(a[:, 1], b[:, 1])
    out = torch.full((heights.numel(), dirs.shape[0]), -math.inf)
    for i, y in enumerate(heights.tolist()):
        crossing = (low <= y) & (high > y)
        if not bool(crossing.any()):
            continue
        ea, eb = a[crossing], b[crossing]
        t = ((y - ea[:, 1]) / (eb[:, 1] - ea[:, 1]))[:, None]
        points = (ea + t * (eb - ea))[:, [0, 2]]  # (k, 2)
        out[i] = (points @ dirs.T).amax(dim=0)
    return out


def span_bust(
    verts: torch.Tensor,
    faces: torch.Tensor,
    movable: torch.Tensor,
    lowest_y: float,
    ring: torch.Tensor,
) -> torch.Tensor:
    """Cloth over the bust hangs from the shoulders in tension: from the upper chest it runs
    straight down to the bust's apex (a tent) and straight across from one breast to the
    other, instead of following the upper curve of the breasts, their nipples, the cleavage
    and the hollow under the collarbones. In each direction ahead (`tent_weights`), the
    support function of the movable part's exact horizontal sections (every `SLICE_M`), from
    its top down to the section that reaches farthest (the apex, searched down to
    `lowest_y`: the waist), is raised to its concave majorant in height
    (`concave_majorant`): the sections of the convex hull of the chest above the apex.

    Each movable vertex then moves out along its ray from its section's centre. Where the
    section is a ring round the body (`ring` (N,) 1: below the armpits) a vertex facing ahead
    goes onto that hull, across the cleavage too; where it is not (0: the shoulders, two
    arcs beside the neck) a vertex moves by as much as the hull rises where its ray leaves
    the section, so one inside (a neckline's dip) keeps its depth under it; in between, and
    for rays turning sideways (`tent_weights` of the ray), a blend of the two. Below the
    apex nothing moves: the fall (`hang`) takes over. verts (N, 3) m, y up; faces (F, 3);
    movable (N,) bool -> (N, 3)."""
    from render_engine.garment.geometry import unique_edges

    ids = (movable & (verts[:, 1] >= lowest_y)).nonzero().squeeze(1)
    if ids.numel() < 3:
        return verts
    edges = unique_edges(faces)
    edges = edges[movable[edges].all(dim=1)]
    p = verts[ids]
    xz = p[:, [0, 2]]
    top = float(p[:, 1].max())
    pos = (top - p[:, 1]) / SLICE_M  # (n,) 0 at the top section
    num = int(pos.ceil().long().max()) + 1
    heights = top - SLICE_M * torch.arange(num, dtype=torch.float32)
    dirs = _directions()
    own = _section_supports(verts, edges, heights, dirs)  # (S, U)
    weight = tent_weights()
    ahead = (weight > 0).nonzero().squeeze(1)
    # the apex in each direction: the section that reaches farthest
    apex = own[:, ahead].nan_to_num(neginf=-1e9).argmax(dim=0)  # (D,)
    # the sections above the bust and the cap round its apex: down to the lowest apex of the
    # directions fully ahead, and as far again as the cap reaches below it
    lowest = int(apex[weight[ahead] >= 1.0].max()) + 2 * round(BEND_RADIUS_M / SLICE_M)
    raised = own.clone()
    tent = round_over_apex(concave_majorant(own[:, ahead], apex), apex)
    raised[:, ahead] = own[:, ahead] + weight[ahead] * (tent - own[:, ahead])
    centre = _slice_centres(own)
    lo = pos.floor().long().clamp(0, num - 1)
    hi = (lo + 1).clamp(max=num - 1)
    t = (pos - lo.float()).clamp(0, 1)
    c = centre[lo] * (1 - t)[:, None] + centre[hi] * t[:, None]
    offset = xz - c
    r = offset.norm(dim=1).clamp(min=1e-6)
    ray = offset / r[:, None]
    # the tent moves the cloth facing ahead (a vertex facing sideways, by the armhole, stays
    # with the sleeve it joins); how far a vertex goes onto the hull rather than keeping its
    # depth under it
    facing = _tent_weight(ray[:, 1])
    onto = ring[ids]
    grow = torch.zeros(ids.numel())
    for slice_ids, w in ((lo, 1 - t), (hi, t)):
        before = _exit_radius(c, ray, own[slice_ids], dirs)
        after = _exit_radius(c, ray, raised[slice_ids], dirs)
        bounded = torch.isfinite(before) & torch.isfinite(after)
        rise = torch.where(bounded, after - before, 0.0).clamp(min=0.0)
        reach = torch.where(bounded, after - r, 0.0).clamp(min=0.0)
        grow = grow + w * torch.where(slice_ids <= lowest, rise + onto * (reach - rise), 0.0)
    moved = xz + ray * (facing * grow)[:, None]
    result = verts.clone()
    result[ids, 0] = moved[:, 0]
    result[ids, 2] = moved[:, 1]
    return result


def hang_limb(
    verts: torch.Tensor,
    movable: torch.Tensor,
    top: torch.Tensor,
    axis: torch.Tensor,
    inward: torch.Tensor,
    slope: float | None,
    fall_from: torch.Tensor | None = None,
) -> torch.Tensor:
    """The envelope of one sleeve or trouser leg (`hang` in the limb's own frame): sliced
    across `axis` (unit, pointing down the limb from the joint `top`: the normal of the
    sleeve's cuff or the trouser's hem, so that the slices are parallel to the edge and
    none holds only part of a section), each slice's section onto its convex hull and, when
    the axis points down (within `LIMB_FALL_MAX_TILT_DEG`), falling from the top with
    `slope`; no vertex moves towards the body (`inward`, horizontal: towards the body's
    centre line), so a sleeve does not hang into the torso nor a trouser leg into the other
    (there is no cloth-cloth collision). The fall starts at the top or, when given, no higher
    than `LIMB_FALL_BELOW_JOINT_M` below the joint `fall_from` (the elbow: sliced across the
    forearm, the upper arm above a bent elbow lies off to one side and would throw the
    forearm's cloth out there). verts (N, 3), movable (N,) bool -> (N, 3)."""
    forward = torch.tensor([0.0, 0.0, 1.0])
    e1 = forward - (forward @ axis) * axis
    if float(e1.norm()) < 0.3:  # a limb pointing forwards: any perpendicular will do
        e1 = torch.tensor([1.0, 0.0, 0.0]) - axis[0] * axis
    e1 = torch.nn.functional.normalize(e1, dim=0)
    e2 = torch.linalg.cross(axis, e1)
    rel = verts - top
    # the limb's frame as `hang` wants it: y up the limb, x and z across it
    local = torch.stack([rel @ e1, -(rel @ axis), rel @ e2], dim=1)
    down = float(-axis[1])
    falls = slope is not None and down >= math.cos(math.radians(LIMB_FALL_MAX_TILT_DEG))
    if not bool(movable.any()):
        return verts
    start = float(local[movable, 1].max())
    if fall_from is not None:
        start = min(start, float(-((fall_from - top) @ axis)) - LIMB_FALL_BELOW_JOINT_M)
    moved = hang(local, movable, start, slope if falls else None, own_centre=True)
    delta = moved - local
    shift = delta[:, :1] * e1 + delta[:, 2:] * e2
    towards = torch.nn.functional.normalize(inward, dim=0)
    shift = shift - (shift @ towards).clamp(min=0.0)[:, None] * towards
    out: torch.Tensor = verts + shift
    return out


def edge_plane_normal(points: torch.Tensor) -> torch.Tensor:
    """The unit normal of the plane that best fits an edge's points (K, 3): the direction of
    their least spread."""
    centred = points - points.mean(dim=0)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)
    normal: torch.Tensor = vh[-1]
    return normal


#: half width (points) of the window an edge's fold-back is straightened over
UNTANGLE_HALF_WINDOW = 3


def untangle_loops(verts: torch.Tensor, loops: list[torch.Tensor], rounds: int = 3) -> torch.Tensor:
    """Straighten every place where a garment edge doubles back on itself. An edge that ran
    into a narrow fold of the body (the cleft between the buttocks) lands on the hull's
    straight line with its points out of order: a zigzag a millimetre wide, but a 180 degree
    turn, which no amount of smoothing removes from points on a line. Each step that runs
    against the edge's direction over `UNTANGLE_HALF_WINDOW` points either side has the
    window's points respaced evenly between its ends. (N, 3) -> (N, 3)."""
    out = verts.clone()
    k = UNTANGLE_HALF_WINDOW
    for loop in loops:
        n = loop.numel()
        if n < 4 * k:
            continue
        for _ in range(rounds):
            pts = out[loop]
            chord = pts.roll(-k, dims=0) - pts.roll(k, dims=0)
            step = pts.roll(-1, dims=0) - pts
            bad = ((step * chord).sum(dim=1) <= 0).nonzero().squeeze(1).tolist()
            if not bad:
                break
            for i in bad:
                idx = torch.arange(i - k, i + k + 2) % n
                a, b = pts[idx[0]], pts[idx[-1]]
                t = torch.linspace(0.0, 1.0, idx.numel())[:, None]
                pts[idx] = a + t * (b - a)
            out[loop] = pts
    return out
