"""Trims made after the drape, on the draped garment itself: a shirt's collar, placket and
buttons, a hoodie's hood (the open front's lapels are in `categories.lapels`).

Every trim's outline is the zero of a smooth field cut across its own triangles
(`cut.cut_surface`) and relaxed along itself (`cut.smooth_loops`), like every other edge of a
garment, so no edge turns sharply; every trim lies outside the draped cloth it sits on (and
so outside the body the cloth is outside of).
"""

from __future__ import annotations

import math

import torch

from render_engine.garment.body_view import GarmentBody
from render_engine.garment.cut import boundary_loops, cut_patch, cut_surface, smooth_loops
from render_engine.garment.geometry import face_normals, vertex_normals

#: a shirt collar (m): the band standing up from the neckline, the fall folded down over it
#: (at the centre back; the points at the front reach `COLLAR_POINT_M` further), the fold's
#: radius (the cloth's double thickness), how far the fall's front edge slants back from the
#: stand's front end at its points, and the gap between the stand's two front ends
COLLAR_STAND_M = 0.03
COLLAR_FALL_M = 0.045
COLLAR_POINT_M = 0.02
COLLAR_FOLD_M = 0.006
COLLAR_SLANT_M = 0.03
COLLAR_FRONT_GAP_M = 0.006
#: the band is this much lower at its front ends (a share of its height at the back)
COLLAR_FRONT_LOWER = 0.4
#: the collar's sheet is made of rows this far apart (m) across it, `along` points round
COLLAR_STEP_M = 0.0035
#: ... and this far apart on the band and the fall, away from the fold
COLLAR_WIDE_STEP_M = 0.006
#: the fall flares out this much (m per m down) and stays this far off the cloth under it
COLLAR_FLARE = 0.25
TRIM_CLEARANCE_M = 0.004
#: passes of smoothing over the push that keeps a collar off the cloth and the body
PUSH_SMOOTHING = 24
#: corners of a trim's outline are rounded over about this much (m)
ROUND_M = 0.008

#: a shirt's placket: half width and lift (m) off the front; buttons: count, radius, height
PLACKET_HALF_M = 0.017
PLACKET_LIFT_M = 0.0015
BUTTONS = 6
BUTTON_RADIUS_M = 0.0055
BUTTON_HEIGHT_M = 0.0025
#: buttons are this much darker than the cloth (a matching, darker horn colour)
BUTTON_SHADE = 0.45

#: a hood lying down on the back: half width, length down the back from the neckline, how far
#: it stands off the back at its roll (just below the neck) and at its lower end (m)
HOOD_HALF_M = 0.15
HOOD_LENGTH_M = 0.28
HOOD_ROLL_M = 0.045
HOOD_BOTTOM_M = 0.015
#: the hood's opening rolled round the neck: how high it stands (m)
HOOD_RIM_M = 0.02


def smooth_min(a: torch.Tensor, b: torch.Tensor, k: float = ROUND_M) -> torch.Tensor:
    """min(a, b) with its corner rounded over about `k` (the intersection of two kept sides)."""
    return (a + b - torch.sqrt((a - b) ** 2 + k * k)) / 2


def neckline_loop(verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody) -> torch.Tensor:
    """The draped garment's neckline: the boundary loop nearest the neck joint, as ids."""
    neck = body.joints["neck"].float()
    loops = [lp for lp in boundary_loops(faces) if lp.shape[0] >= 8]
    return min(loops, key=lambda lp: float((verts[lp].mean(0) - neck).norm()))


def _resample(points: torch.Tensor, count: int) -> torch.Tensor:
    """A closed 3-D polyline (P, 3) resampled to `count` points evenly along its length,
    then relaxed a little (the drape's last wobble)."""
    closed = torch.cat([points, points[:1]])
    seg = (closed[1:] - closed[:-1]).norm(dim=1)
    cum = torch.cat([torch.zeros(1), seg.cumsum(0)])
    at = torch.linspace(0, float(cum[-1]), count + 1)[:-1]
    i = (torch.searchsorted(cum, at, right=True) - 1).clamp(0, points.shape[0] - 1)
    t = ((at - cum[i]) / seg[i].clamp(min=1e-9))[:, None]
    out: torch.Tensor = closed[i] + t * (closed[i + 1] - closed[i])
    for _ in range(6):
        out = 0.5 * out + 0.25 * (out.roll(1, 0) + out.roll(-1, 0))
    return out


def _grid_faces(rows: int, cols: int, closed: bool) -> torch.Tensor:
    """Faces of a (rows, cols) grid of vertices (row-major), closed round the columns."""
    r = torch.arange(rows - 1)[:, None]
    c = torch.arange(cols if closed else cols - 1)[None]
    a0, a1 = r * cols + c, r * cols + (c + 1) % cols
    b0, b1 = a0 + cols, a1 + cols
    return torch.cat(
        [torch.stack([a0, b0, a1], -1).reshape(-1, 3), torch.stack([a1, b0, b1], -1).reshape(-1, 3)]
    )


def _push_out(
    points: torch.Tensor, surface: torch.Tensor, normals: torch.Tensor, clearance: float
) -> torch.Tensor:
    """Points moved out along the normal of their nearest `surface` vertex until they stand
    `clearance` in front of it (those already farther out stay)."""
    from scipy.spatial import cKDTree

    _, found = cKDTree(surface.double().numpy()).query(points.double().numpy())
    nearest = torch.from_numpy(found).long()
    depth = ((points - surface[nearest]) * normals[nearest]).sum(1)
    return points + (clearance - depth).clamp(min=0)[:, None] * normals[nearest]


def collar(
    verts: torch.Tensor,
    faces: torch.Tensor,
    body: GarmentBody,
    along: int = 80,
    *,
    stand: float = COLLAR_STAND_M,
    fall: float = COLLAR_FALL_M,
    fold: float = COLLAR_FOLD_M,
    point: float = COLLAR_POINT_M,
    slant: float = COLLAR_SLANT_M,
    flare: float = COLLAR_FLARE,
    ring_front: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A turn-down shirt collar on the draped garment (verts (N, 3), faces (M, 3)).

    Over the neckline (`neckline_loop`, resampled to `along` points): a sheet standing up
    `COLLAR_STAND_M` (the band), folded outwards over a radius of `COLLAR_FOLD_M` and falling
    `COLLAR_FALL_M` back down over the band (the fall), flaring out as it falls and kept off
    the cloth and the body under it (`_push_out`). Its outline is a smooth field over two
    coordinates of the sheet, the arc length round the neckline from the centre back and the
    length across (up the band, over the fold, down the fall): the band ends
    `COLLAR_FRONT_GAP_M` either side of the centre front; the fall's front edge slants back by
    `COLLAR_SLANT_M` and reaches `COLLAR_POINT_M` lower there: the collar's points. Returns the
    collar's verts and faces (its own mesh)."""
    j = body.joints
    loop = _resample(verts[neckline_loop(verts, faces, body)], along)
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    centre = loop.mean(0)
    # start the loop at its centre back, so arc length is measured from there
    back = int(torch.argmin(loop[:, 2] + 10 * (loop[:, 0] - cx).abs()))
    loop = loop.roll(-back, 0)
    front = int(torch.argmax(loop[:, 2] - 10 * (loop[:, 0] - cx).abs()))
    seg = (loop.roll(-1, 0) - loop).norm(dim=1)
    cum = torch.cat([torch.zeros(1), seg.cumsum(0)[:-1]])
    total = float(seg.sum())
    half = total / 2
    # signed arc length from the centre back, each side scaled to reach the front at +-half
    to_front = max(float(cum[front]), 1e-6)
    s = torch.where(
        torch.arange(along) <= front,
        cum / to_front * half,
        -(total - cum) / max(total - to_front, 1e-6) * half,
    )
    out = loop - centre
    out[:, 1] = 0.0
    out = torch.nn.functional.normalize(out, dim=1)  # horizontal, away from the neck
    up = torch.tensor([0.0, 1.0, 0.0])
    # across the sheet: below the neckline (cut away), up the band, over the fold, down
    fold_len = math.pi * fold
    across_max = stand + fold_len + fall + point + 0.004
    # rows: `COLLAR_STEP_M` apart over the fold (the sheet turns there), wider elsewhere (fewer
    # faces to draw: the try-on's render time grows with them)
    fold_start, fold_end = stand * (1 - COLLAR_FRONT_LOWER) - 0.003, stand + fold_len + 0.003
    w = torch.cat(
        [
            torch.linspace(
                -0.004, fold_start, max(2, round((fold_start + 0.004) / COLLAR_WIDE_STEP_M) + 1)
            ),
            torch.arange(fold_start, fold_end, COLLAR_STEP_M)[1:],
            torch.linspace(
                fold_end,
                across_max,
                max(2, round((across_max - fold_end) / COLLAR_WIDE_STEP_M) + 1),
            ),
        ]
    )
    # the band is lower at the front (by `COLLAR_FRONT_LOWER` at its ends), clear of the
    # throat: (rows, along) from here on
    toward_front = ((s.abs() / half - 0.5) / 0.5).clamp(0, 1) ** 2
    band = (stand * (1 - COLLAR_FRONT_LOWER * toward_front))[None]
    ww = w[:, None]
    phi = ((ww - band) / fold).clamp(0, math.pi)
    down = (ww - band - fold_len).clamp(min=0)
    rise = torch.minimum(ww, band) + fold * torch.sin(phi) - down
    lean = fold * (1 - torch.cos(phi)) + flare * down
    grid = loop[None] + rise[..., None] * up + lean[..., None] * out[None]
    rows = w.shape[0]
    start = grid.reshape(-1, 3)
    # keep the fall off the cloth and the body around the neck: pushed out, the push
    # smoothed over the sheet (the nearest vertex's normal jumps from vertex to vertex),
    # then pushed out again (what the smoothing took back)
    near = (verts - centre).norm(dim=1) < 0.25
    normals = vertex_normals(verts, faces)
    body_near = (body.verts - centre).norm(dim=1) < 0.25

    def pushed(p: torch.Tensor) -> torch.Tensor:
        p = _push_out(p, verts[near], normals[near], TRIM_CLEARANCE_M)
        return _push_out(p, body.verts[body_near], body.normals[body_near], 2 * TRIM_CLEARANCE_M)

    push = (pushed(start) - start).reshape(rows, along, 3)
    for _ in range(PUSH_SMOOTHING):
        padded = torch.cat([push[:1], push, push[-1:]])
        push = (2 * push + push.roll(1, 1) + push.roll(-1, 1) + padded[:-2] + padded[2:]) / 6
    points = pushed(start + push.reshape(-1, 3))
    grid_faces = _grid_faces(rows, along, closed=True)
    # the outline over (arc length from the back, length across the sheet)
    a = s.abs()[None].expand(rows, -1)
    wv = w[:, None].expand(-1, along)
    into_fall = ((wv - band) / (fold_len + fall)).clamp(0, 1)
    front_end = half - COLLAR_FRONT_GAP_M - slant * into_fall
    lower_end = band + fold_len + fall
    # the points: the fall reaches lower towards the front
    reach = lower_end + point * ((a - (half - 0.09)) / 0.06).clamp(0, 1) ** 2
    if ring_front is None:
        # the band's front ends meet the neckline where it drops steeply: round that corner
        # widely, or it turns sharply seen in 3-D
        field = smooth_min(smooth_min(wv, front_end - a, 0.02), reach - wv, 0.012).reshape(-1)
    else:  # a closed ring, narrowing smoothly to `ring_front` at the centre front
        at_back = ((1 + torch.cos(math.pi * a / half)) / 2) ** 0.7
        ring_reach = ring_front + (lower_end - ring_front) * at_back
        field = torch.minimum(wv, ring_reach - wv).reshape(-1)
    cv, cf, _ = cut_surface(points, grid_faces, field)
    if cf.shape[0] == 0:
        return cv, cf
    return smooth_loops(cv, boundary_loops(cf), iterations=6), cf


def placket(
    verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody, top_y: float, bottom_y: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """A shirt's front placket: a strip `PLACKET_HALF_M` either side of the centre front from
    `top_y` (under the collar) to `bottom_y`, cut from the draped front itself (its triangles
    split in four, cut along a rounded outline) and lifted `PLACKET_LIFT_M` off it."""
    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    cz = float(j["chest"][2])

    def outline(p: torch.Tensor) -> torch.Tensor:
        across = PLACKET_HALF_M - (p[:, 0] - cx).abs()
        ends = smooth_min(top_y - p[:, 1], p[:, 1] - bottom_y)
        return smooth_min(smooth_min(across, ends, 0.006), p[:, 2] - cz, 0.006)

    pv, pf, normals = cut_patch(verts, faces, outline, 0.03, iterations=4)
    return pv + normals * PLACKET_LIFT_M, pf


def surface_hits(
    verts: torch.Tensor, faces: torch.Tensor, origins: torch.Tensor, direction: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first hit of rays from `origins` (R, 3) along `direction` (3,) on the surface
    (Möller-Trumbore against every face): (R, 3) points and (R, 3) face normals turned
    against the ray (NaN where a ray misses)."""
    a, b, c = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    e1, e2 = b - a, c - a
    p = torch.cross(direction.expand_as(e2), e2, dim=1)
    det = (e1 * p).sum(1)
    inv = 1.0 / torch.where(det.abs() < 1e-12, torch.full_like(det, 1e-12), det)
    tvec = origins[:, None] - a[None]  # (R, F, 3)
    u = (tvec * p[None]).sum(-1) * inv
    q = torch.cross(tvec, e1[None].expand_as(tvec), dim=-1)
    v = (q * direction).sum(-1) * inv
    t = (q * e2[None]).sum(-1) * inv
    hit = (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0) & (det.abs() > 1e-12)
    t = torch.where(hit, t, torch.full_like(t, float("inf")))
    best = t.argmin(dim=1)
    tbest = t.gather(1, best[:, None]).squeeze(1)
    points = origins + tbest[:, None] * direction
    n = face_normals(verts, faces)[best]
    n = torch.where(((n * direction).sum(1) > 0)[:, None], -n, n)
    missed = ~torch.isfinite(tbest)
    points[missed] = float("nan")
    return points, n


def button(
    centre: torch.Tensor, normal: torch.Tensor, around: int = 14
) -> tuple[torch.Tensor, torch.Tensor]:
    """A button: a short closed cylinder (`BUTTON_RADIUS_M`, `BUTTON_HEIGHT_M`) standing on
    `centre` along `normal`, its top slightly domed. Returns verts, faces."""
    n = torch.nn.functional.normalize(normal, dim=0)
    helper = torch.tensor([0.0, 1.0, 0.0]) if abs(float(n[1])) < 0.9 else torch.tensor([1.0, 0, 0])
    e1 = torch.nn.functional.normalize(torch.cross(n, helper, dim=0), dim=0)
    e2 = torch.cross(n, e1, dim=0)
    theta = torch.arange(around) * (2 * math.pi / around)
    ring = torch.cos(theta)[:, None] * e1 + torch.sin(theta)[:, None] * e2  # (K, 3)
    r, h = BUTTON_RADIUS_M, BUTTON_HEIGHT_M
    verts = torch.cat(
        [
            centre[None],  # bottom centre
            centre + ring * r,
            centre + ring * r + n * h,
            centre + ring * (0.6 * r) + n * (h * 1.25),
            (centre + n * (h * 1.35))[None],  # top centre
        ]
    )
    k = torch.arange(around)
    k1 = (k + 1) % around
    bottom = torch.stack([torch.zeros_like(k), 1 + k1, 1 + k], 1)
    side = torch.cat(
        [
            torch.stack([1 + k, 1 + k1, 1 + around + k], 1),
            torch.stack([1 + k1, 1 + around + k1, 1 + around + k], 1),
        ]
    )
    shoulder = torch.cat(
        [
            torch.stack([1 + around + k, 1 + around + k1, 1 + 2 * around + k], 1),
            torch.stack([1 + around + k1, 1 + 2 * around + k1, 1 + 2 * around + k], 1),
        ]
    )
    top_id = 1 + 3 * around
    top = torch.stack([1 + 2 * around + k, 1 + 2 * around + k1, torch.full_like(k, top_id)], 1)
    return verts, torch.cat([bottom, side, shoulder, top])


def buttons(
    verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody, top_y: float, bottom_y: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """`BUTTONS` buttons down the centre front from `top_y` to `bottom_y`, each standing on
    the front surface (verts, faces: the placket, or the draped front) where a ray from in
    front of the figure first meets it, along that surface's normal. Returns verts, faces."""
    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    ys = torch.linspace(top_y, bottom_y, BUTTONS)
    origins = torch.stack([torch.full_like(ys, cx), ys, torch.full_like(ys, 5.0)], dim=1)
    hits, normals = surface_hits(verts, faces, origins, torch.tensor([0.0, 0.0, -1.0]))
    bv, bf = [torch.zeros(0, 3)], [torch.zeros(0, 3, dtype=torch.long)]
    count = 0
    for p, n in zip(hits, normals, strict=True):
        if not bool(torch.isfinite(p).all()):
            continue
        v, f = button(p + n * 0.0005, n)
        bv.append(v)
        bf.append(f + count)
        count += v.shape[0]
    return torch.cat(bv), torch.cat(bf)


def hood(
    verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody
) -> tuple[torch.Tensor, torch.Tensor]:
    """A hood lying down on the upper back, made from the draped back itself: the back under
    the neckline inside a U (half an ellipse `HOOD_HALF_M` wide either side, `HOOD_LENGTH_M`
    long, its top 2 cm under the back neckline), its triangles split in four, cut along that
    smooth outline, and lifted off the back along its normals by a rounded profile: nothing at
    the outline, `HOOD_ROLL_M` at the roll under the neck, `HOOD_BOTTOM_M` at the lower end,
    so it reads as a hood's shell gathered behind the neck; and round the neckline its
    opening's edge, rolled over (`collar` with a thick fold, `HOOD_RIM_M` standing,
    the roll falling onto the shell). Returns verts, faces (both parts, one mesh)."""
    j = body.joints
    loop = verts[neckline_loop(verts, faces, body)]
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    neck_z = float(j["neck"][2])
    behind = loop[loop[:, 2] < neck_z]
    top = float(behind[:, 1].min()) - 0.02 if behind.shape[0] else float(j["neck"][1]) - 0.02
    rv, rf = collar(
        verts,
        faces,
        body,
        stand=HOOD_RIM_M,
        fall=0.035,
        fold=0.012,
        point=0.0,
        slant=0.0,
        flare=0.6,
        ring_front=0.015,
    )

    def outline(p: torch.Tensor) -> torch.Tensor:
        a = (p[:, 0] - cx) / HOOD_HALF_M
        b = (top - p[:, 1]) / HOOD_LENGTH_M
        ellipse = (1 - torch.sqrt(a * a + b * b)) * HOOD_HALF_M
        inside = smooth_min(ellipse, top - p[:, 1], 0.03)
        return smooth_min(inside, neck_z - 0.01 - p[:, 2], 0.02)

    hv, hf, normals = cut_patch(verts, faces, outline, 0.03, iterations=12)
    if hf.shape[0] == 0:
        return rv, rf
    # the shell's height: a quarter ellipse up from the outline (a rounded edge), thickest
    # at the roll under the neck
    depth = outline(hv).clamp(min=0)
    down = ((top - hv[:, 1]) / HOOD_LENGTH_M).clamp(0, 1)
    height = HOOD_BOTTOM_M + (HOOD_ROLL_M - HOOD_BOTTOM_M) * (1 - down) ** 2
    rounded = torch.sqrt(1 - (1 - (depth / 0.04).clamp(max=1)) ** 2)
    lift = TRIM_CLEARANCE_M + height * rounded
    shell = hv + normals * lift[:, None]
    return torch.cat([shell, rv]), torch.cat([hf, rf + shell.shape[0]])
