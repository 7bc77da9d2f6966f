"""Garment surfaces cut out of the body's own regions, before draping.

Two kinds of piece:

* a **shell**: the body's surface over some parts (torso and arms for a top, hips and legs for
  trousers, feet for shoes...), each vertex pushed out along its normal by the radial ease
  ``ease / (2 pi)`` of its level (a girth grows by ``2 pi d`` when the surface moves out by
  ``d``), at least `MIN_GAP_M`. Cuts (hem, sleeve end, trouser hem) are made on the body's
  vertices: by height, and along the arm by `GarmentBody.arm_coordinate`.
* a **tube**: rings around the body's vertical axis from one height down to another, each ring
  the angular envelope of the body's slice (legs together), pushed out by the ease and flared
  below its top: skirts of dresses, the lower part of coats and jackets.

Every piece carries, per vertex, a rest scale: where the ease is negative (a garment smaller
than the body), the surface cannot sit inside the body, so it starts just outside and its rest
edge lengths are shrunk by ``(girth + ease) / (girth + 2 pi d)``; the drape then pulls it tight.

Lengths and the categories' default cuts are documented in `render_engine.garment.categories`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from render_engine.garment.body_view import GarmentBody, Part
from render_engine.garment.cut import CutMap, boundary_loops, cut_surface, smooth_loops

#: Smallest gap between the body and a freshly cut garment (m): above the drape's margin.
MIN_GAP_M = 0.006
#: passes of 1-D relaxation along every cut edge (`cut.smooth_loops`)
EDGE_SMOOTHING = 8


class GarmentRegion:
    """Region ids stored in the garment mesh's `labels`."""

    TORSO = 0
    SLEEVE = 1
    LEG = 2
    SKIRT = 3
    FOOT = 4
    HEAD = 5
    NECK = 6
    WAISTBAND = 7
    BAG = 8
    STRAP = 9
    LAPEL = 10
    COLLAR = 11
    PLACKET = 12
    BUTTON = 13
    HOOD = 14

    NAMES = {
        0: "torso",
        1: "sleeve",
        2: "leg",
        3: "skirt",
        4: "foot",
        5: "head",
        6: "neck",
        7: "waistband",
        8: "bag",
        9: "strap",
        10: "lapel",
        11: "collar",
        12: "placket",
        13: "button",
        14: "hood",
    }


@dataclass
class Piece:
    """One garment piece: verts (N, 3) m, faces (M, 3), labels (N,) `GarmentRegion`,
    rest_scale (N,) in (0, 1] shrinking the rest lengths where the ease is negative;
    covers: (V,) bool over the *body's* vertices, those the piece lies on (None: unknown, as
    for tubes that hang away from the body)."""

    verts: torch.Tensor
    faces: torch.Tensor
    labels: torch.Tensor
    rest_scale: torch.Tensor
    covers: torch.Tensor | None = None
    #: (N,) the body vertex each vertex was cut from (nearest end of its edge), None for tubes
    source: torch.Tensor | None = None
    #: a stiff, constructed thing (a hat, a bag): placed, not draped
    rigid: bool = False


def radial_offset(ease_cm: float, extra_m: float = 0.0) -> float:
    """Offset (m) of the surface for a girth ease (cm), at least `MIN_GAP_M`, plus thickness."""
    return max(ease_cm / (2.0 * math.pi) / 100.0, MIN_GAP_M) + extra_m


def rest_scale(girth_cm: float, ease_cm: float, offset_m: float) -> float:
    """Rest-length scale for a girth: garment girth over the girth of the offset surface (<= 1)."""
    if girth_cm <= 0:
        return 1.0
    return min(1.0, max(0.5, (girth_cm + ease_cm) / (girth_cm + 2.0 * math.pi * offset_m * 100.0)))


def _interp(y: torch.Tensor, knots_y: list[float], values: list[float]) -> torch.Tensor:
    """Piecewise-linear profile over height, constant beyond the end knots (any knot order)."""
    ys = torch.tensor(knots_y, dtype=torch.float32)
    vs = torch.tensor(values, dtype=torch.float32)
    order = torch.argsort(ys)
    ys, vs = ys[order], vs[order]
    out = torch.empty_like(y)
    yc = y.clamp(min=float(ys[0]), max=float(ys[-1]))
    idx = torch.searchsorted(ys, yc).clamp(1, len(ys) - 1)
    y0, y1, v0, v1 = ys[idx - 1], ys[idx], vs[idx - 1], vs[idx]
    w = ((yc - y0) / (y1 - y0).clamp(min=1e-6)).clamp(0, 1)
    out[:] = v0 + w * (v1 - v0)
    return out


def shell(
    body: GarmentBody,
    keep: torch.Tensor,
    offset: torch.Tensor,
    scale: torch.Tensor,
    labels: torch.Tensor,
    field: torch.Tensor | None = None,
    final: bool = False,
) -> Piece:
    """The body surface over the kept parts, cut along ``field``'s zero, pushed out along the
    normals.

    keep (V,) bool: the body parts the piece may cover; field (V,) float: where it ends, a
    smooth scalar (>= 0 on the piece, metres) whose zero is the piece's edges (`cut`); offset
    (V,) m; scale (V,) rest scale; labels (V,) garment regions. The edges are the field's
    contour across the body's triangles; only where `keep` ends inside the field's positive
    side does an edge follow the body's triangles (the field is -5 cm outside `keep`).
    final: the piece is drawn as cut (the base layer), not draped: its edges relax within
    the surface (`smooth_loops` with normals), so they stay at `offset` over the skin.
    """
    f = torch.ones(body.num_verts) if field is None else field.float()
    keep = fill_pinholes(body.faces, keep)
    f = torch.where(keep, f, torch.full_like(f, -0.05))
    _, faces, cmap = cut_surface(body.verts, body.faces, f)
    faces = drop_crumbs(faces, cmap.a.shape[0])
    used = torch.unique(faces)
    remap = torch.full((cmap.a.shape[0],), -1, dtype=torch.int64)
    remap[used] = torch.arange(used.shape[0])
    faces = remap[faces]
    cmap = CutMap(cmap.a[used], cmap.b[used], cmap.t[used])
    base = cmap.apply(body.verts)
    normals = torch.nn.functional.normalize(cmap.apply(body.normals), dim=1)
    verts = base + normals * cmap.apply(offset.float())[:, None]  # (N, 3)
    # the contour of a field over a bumpy, nearly level surface (shoulder tops) wanders at the
    # scale of the triangles: relax each edge along itself, within the surface
    verts = smooth_loops(
        verts, boundary_loops(faces), iterations=EDGE_SMOOTHING, normals=normals if final else None
    )
    return Piece(
        verts=verts,
        faces=faces,
        labels=cmap.apply(labels.long()),
        rest_scale=cmap.apply(scale.float()),
        covers=f >= 0,
        source=torch.where(cmap.t < 0.5, cmap.a, cmap.b),
    )


#: the cloth's smallest edge (m): a piece cut from the body's surface inherits its finest
#: detail (the fans of millimetre triangles round the nipples and in the navel), which the
#: drape, moving each vertex by up to its step (`DrapeSettings.lr`, 1.5 mm) at a time, folds
#: into a crumpled disc that shades like a nipple painted on the cloth (`weld_fine_detail`)
MIN_EDGE_M = 0.005


def weld_fine_detail(piece: Piece, regions: torch.Tensor, rounds: int = 4) -> Piece:
    """The piece with every group of interior vertices of `regions` (garment region ids)
    joined by edges shorter than `MIN_EDGE_M` welded into one, placed at the mean of the
    vertices round it (its label, rest scale and source those of the group's first vertex);
    the triangles that collapse are dropped. Edges (hems, necklines) are never welded. Again
    (up to `rounds` times) where a weld's new place brings it that close to a neighbour."""
    for _ in range(rounds):
        welded = _weld_once(piece, regions)
        if welded is None:
            break
        piece = welded
    return piece


def _weld_once(piece: Piece, regions: torch.Tensor) -> Piece | None:
    """`weld_fine_detail`'s one pass; None when no edge is short."""
    from render_engine.garment.geometry import (
        boundary_vertices,
        submesh,
        uniform_laplacian,
        unique_edges,
    )

    n = piece.verts.shape[0]
    if piece.faces.shape[0] == 0:
        return None
    weldable = torch.isin(piece.labels, regions) & ~boundary_vertices(piece.faces, n)
    edges = unique_edges(piece.faces)
    length = (piece.verts[edges[:, 0]] - piece.verts[edges[:, 1]]).norm(dim=1)
    short = edges[(length < MIN_EDGE_M) & weldable[edges].all(dim=1)]
    if short.shape[0] == 0:
        return None
    # each group's smallest vertex index, by propagating the minimum along the short edges
    group = torch.arange(n)
    both = torch.cat([short, short.flip(1)])
    for _ in range(n):
        new = group.scatter_reduce(0, both[:, 0], group[both[:, 1]], reduce="amin")
        new = new[new]
        if torch.equal(new, group):
            break
        group = new
    welded = torch.zeros(n).index_add(0, group, torch.ones(n)) > 1
    faces = group[piece.faces]
    faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2])
                  & (faces[:, 2] != faces[:, 0])]
    # the weld lies on the surface round it: the detail (a nipple's tip, the navel's dent) is
    # no part of the cloth
    ring = uniform_laplacian(piece.verts, unique_edges(faces))
    verts = torch.where(welded[:, None], piece.verts + ring, piece.verts)
    faces, kept = submesh(faces, torch.ones(n, dtype=torch.bool))
    return Piece(
        verts=verts[kept],
        faces=faces,
        labels=piece.labels[kept],
        rest_scale=piece.rest_scale[kept],
        covers=piece.covers,
        source=None if piece.source is None else piece.source[kept],
        rigid=piece.rigid,
    )


def drop_crumbs(faces: torch.Tensor, num_verts: int, share: float = 0.02) -> torch.Tensor:
    """Faces of the connected pieces holding at least `share` of all faces: a field's contour
    can close a small island off the garment (a crumb at the throat), which is no cloth."""
    if faces.shape[0] == 0:
        return faces
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]]])
    e = torch.cat([e, e.flip(1)])  # (2E, 2) both directions
    label = torch.arange(num_verts)
    for _ in range(num_verts):  # min-label propagation with pointer jumping
        new = label.scatter_reduce(0, e[:, 0], label[e[:, 1]], reduce="amin")
        new = new[new]
        if torch.equal(new, label):
            break
        label = new
    comp_of_face = label[faces[:, 0]]
    sizes = torch.bincount(comp_of_face, minlength=num_verts)
    return faces[sizes[comp_of_face] >= share * faces.shape[0]]


def fill_pinholes(faces: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """(V,) bool keep with every left-out vertex whose neighbours are all kept put back: a
    stray vertex of another body part inside a region would cut a pinhole in the cloth."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = torch.cat([e, e.flip(1)])  # (2E', 2) both directions, duplicates harmless
    n = keep.shape[0]
    total = torch.zeros(n).index_add_(0, e[:, 0], torch.ones(e.shape[0]))
    kept = torch.zeros(n).index_add_(0, e[:, 0], keep[e[:, 1]].float())
    return keep | ((kept == total) & (total > 0))


def torso_profile(
    body: GarmentBody, ease_cm: dict[str, float], extra_m: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(V,) offset and (V,) rest scale over the torso from the chest, waist and hips eases."""
    j = body.joints
    m = body.measurements
    knots = [float(j["chest"][1]), float(j["waist"][1]), float(j["hip_L"][1]) - 0.02]
    keys = ["chest", "waist", "hips"]
    offs = [radial_offset(ease_cm[k], extra_m) for k in keys]
    scales = [rest_scale(m.get(k, 0.0), ease_cm[k], o) for k, o in zip(keys, offs, strict=True)]
    y = body.verts[:, 1]
    return _interp(y, knots, offs), _interp(y, knots, scales)


def limb_profile(
    body: GarmentBody, ease_cm: float, girth_cm: float, extra_m: float
) -> tuple[float, float]:
    off = radial_offset(ease_cm, extra_m)
    return off, rest_scale(girth_cm, ease_cm, off)


def tube_profile(
    body: GarmentBody,
    y_top: float,
    y_hem: float,
    ease_cm: float,
    flare: float,
    extra_m: float = 0.0,
    around: int = 56,
    ring_step: float = 0.02,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, tuple[float, float]]:
    """The rings of a skirt-like tube from `y_top` down to `y_hem` (`tube`): their heights
    (R,), radii (R, A) at the angles ``2 pi a / A`` round the centre, the body's own envelope
    there (R, A) (the radii less the ease and the flare, never shrinking going down either),
    and the centre (x, z)."""
    rings = max(2, int(math.ceil((y_top - y_hem) / ring_step)) + 1)
    ys = torch.linspace(y_top, y_hem, rings)  # (R,)
    lower = body.mask(Part.ABDOMEN, Part.PELVIS, Part.THIGH, Part.SHIN, Part.FOOT, Part.CHEST)
    pts = body.verts[lower]  # (P, 3)
    centre_x = float((body.joints["hip_L"][0] + body.joints["hip_R"][0]) / 2)
    top_slab = pts[(pts[:, 1] - y_top).abs() < 0.03]
    centre_z = float(top_slab[:, 2].mean()) if top_slab.shape[0] else float(body.joints["hip_L"][2])
    rel = pts[:, [0, 2]] - torch.tensor([centre_x, centre_z])  # (P, 2)
    ang = torch.atan2(rel[:, 1], rel[:, 0]) % (2 * math.pi)
    sector = (ang / (2 * math.pi / around)).long().clamp(max=around - 1)  # (P,)
    dist = rel.norm(dim=1)
    offset = radial_offset(ease_cm, extra_m)
    radii = torch.zeros(rings, around)
    envelope = torch.zeros(rings, around)
    prev = torch.zeros(around)
    prev_env = torch.zeros(around)
    for i, y in enumerate(ys.tolist()):
        sel = (pts[:, 1] - y).abs() < 0.03
        r = torch.zeros(around)
        if bool(sel.any()):
            r = r.scatter_reduce(0, sector[sel], dist[sel], reduce="amax", include_self=True)
        # widen over +-2 sectors so that thin gaps between sampled vertices are bridged
        r = torch.stack([r.roll(k) for k in (-2, -1, 0, 1, 2)]).amax(0)
        envelope[i] = prev_env = torch.maximum(r, prev_env)
        r = torch.maximum(r + offset + flare * (y_top - y), prev)
        radii[i] = r
        prev = r
    return ys, radii, envelope, (centre_x, centre_z)


def _outward_faces(
    faces: torch.Tensor, verts: torch.Tensor, centre: tuple[float, float]
) -> torch.Tensor:
    """Faces turned, all together, so that they face away from the vertical axis through
    `centre` (x, z) (counter-clockwise seen from outside)."""
    tri = verts[faces]
    n = torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=1)
    outward = tri.mean(1) - torch.tensor([centre[0], 0.0, centre[1]])
    outward[:, 1] = 0
    if float((n * outward).sum()) < 0:
        return faces[:, [0, 2, 1]]
    return faces


def tube(
    body: GarmentBody,
    y_top: float,
    y_hem: float,
    ease_cm: float,
    flare: float,
    label: int,
    extra_m: float = 0.0,
    around: int = 56,
    ring_step: float = 0.02,
) -> Piece:
    """A skirt-like tube from `y_top` down to `y_hem` around the body's lower parts.

    Each ring's radius per angle is the largest radial distance of the body's slice (torso and
    legs, arms and hands excluded) in that angular sector, widened over neighbouring sectors,
    plus the radial ease; radii never shrink going down; ``flare`` adds that many metres of
    radius per metre below the top. Returns rings * around vertices.
    """
    ys, radii, _, (centre_x, centre_z) = tube_profile(
        body, y_top, y_hem, ease_cm, flare, extra_m, around, ring_step
    )
    rings = ys.shape[0]
    theta = torch.arange(around, dtype=torch.float32) * (2 * math.pi / around)  # (A,)
    x = centre_x + radii * torch.cos(theta)[None]  # (R, A)
    z = centre_z + radii * torch.sin(theta)[None]
    verts = torch.stack([x, ys[:, None].expand(-1, around), z], dim=-1).reshape(-1, 3)
    ring = torch.arange(rings - 1)[:, None] * around
    k = torch.arange(around)[None]
    a, b = ring + k, ring + (k + 1) % around  # (R-1, A)
    c, d = a + around, b + around
    # counter-clockwise seen from outside (+radial): (a, b, c) with a/b on the upper ring
    faces = torch.cat(
        [torch.stack([a, b, c], -1).reshape(-1, 3), torch.stack([b, d, c], -1).reshape(-1, 3)]
    )
    faces = _outward_faces(faces, verts, (centre_x, centre_z))
    labels = torch.full((verts.shape[0],), label, dtype=torch.int64)
    return Piece(verts=verts, faces=faces, labels=labels, rest_scale=torch.ones(verts.shape[0]))


#: a skirt hung from a shell's lower edge (`skirt_from_edge`) comes out from the edge's own
#: radius to its tube's over this height (m)
SKIRT_BLEND_M = 0.10
#: the shell's lower edge: its boundary vertices within this height (m) of the cut's level (the
#: offset along the normals moves them up or down by up to 1.5 cm where the body curves)
EDGE_BAND_M = 0.03


def lower_edge(piece: Piece, y_edge: float) -> tuple[torch.Tensor, bool]:
    """The piece's lower edge at about `y_edge`: (K,) vertex ids in walking order along its
    boundary and whether they close a loop (a closed hem) or are an arc (a hem that an open
    front interrupts; the arc's steep ends, up the opening's edges, left out)."""
    best, closed = torch.zeros(0, dtype=torch.int64), False
    for lp in boundary_loops(piece.faces):
        low = (piece.verts[lp, 1] - y_edge).abs() < EDGE_BAND_M
        if bool(low.all()):
            if lp.numel() > best.numel():
                best, closed = lp, True
            continue
        if not bool(low.any()):
            continue
        # the longest run of low vertices along the loop (cyclically)
        start = int((~low).nonzero()[0])
        order = lp.roll(-start)
        flags = low.roll(-start).tolist()
        run: list[int] = []
        runs: list[list[int]] = []
        for vid, f in zip(order.tolist(), flags, strict=True):
            if f:
                run.append(vid)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        longest = max(runs, key=len)
        if len(longest) > best.numel():
            best, closed = torch.tensor(longest, dtype=torch.int64), False
    if not closed and best.numel() >= 2:
        # the arc's ends climb the opening's edges: trim the segments steeper than level
        v = piece.verts[best]
        seg = v[1:] - v[:-1]
        level = seg[:, [0, 2]].norm(dim=1) > seg[:, 1].abs()
        ok = level.nonzero().squeeze(1)
        if ok.numel():
            best = best[int(ok[0]) : int(ok[-1]) + 2]
    return best, closed


def skirt_from_edge(
    shell_piece: Piece,
    body: GarmentBody,
    y_edge: float,
    y_hem: float,
    ease_cm: float,
    flare: float,
    label: int,
    extra_m: float = 0.0,
    ring_step: float = 0.02,
) -> Piece:
    """The shell with a skirt hung from its lower edge down to `y_hem`: one surface, the
    skirt's top ring being the shell's own edge (`lower_edge`), so no seam shows across the
    waist. Each edge vertex is carried straight down through the rings of the skirt's tube
    (`tube_profile` from `y_edge`), at its own angle round the tube's centre; its radius
    comes out from the edge's own to the tube's over `SKIRT_BLEND_M` (smoothly), never less
    than the body's envelope there plus `MIN_GAP_M`. Without a lower edge the tube is merged
    beside the shell (`tube`)."""
    edge, closed = lower_edge(shell_piece, y_edge)
    if edge.numel() < 3:
        return merge(
            [shell_piece, tube(body, y_edge, y_hem, ease_cm, flare, label, extra_m, 56, ring_step)]
        )
    ys, radii, envelope, centre = tube_profile(
        body, y_edge, y_hem, ease_cm, flare, extra_m, 56, ring_step
    )
    around = radii.shape[1]
    top = shell_piece.verts[edge]  # (K, 3)
    rel = top[:, [0, 2]] - torch.tensor(centre)
    theta = torch.atan2(rel[:, 1], rel[:, 0]) % (2 * math.pi)  # (K,)
    r_edge = rel.norm(dim=1)
    # the tube's radius at each edge vertex's angle: linear between its sectors
    pos = theta / (2 * math.pi / around)
    lo = pos.floor().long() % around
    hi = (lo + 1) % around
    w = pos - pos.floor()
    r_tube = radii[:, lo] * (1 - w) + radii[:, hi] * w  # (R, K)
    r_env = envelope[:, lo] * (1 - w) + envelope[:, hi] * w
    down = (y_edge - ys[1:]) / SKIRT_BLEND_M  # (R-1,)
    s = down.clamp(0, 1)
    blend = (s * s * (3 - 2 * s))[:, None]  # smoothstep
    r = r_edge[None] + (r_tube[1:] - r_edge[None]) * blend
    r = torch.maximum(r, r_env[1:] + MIN_GAP_M)  # (R-1, K)
    # the edge's own height wobble fades out with the blend, so the hem is level
    y = ys[1:, None] + (top[None, :, 1] - y_edge) * (1 - blend)
    x = centre[0] + r * torch.cos(theta)[None]
    z = centre[1] + r * torch.sin(theta)[None]
    new = torch.stack([x, y.expand_as(x), z], dim=-1).reshape(-1, 3)  # ((R-1) * K, 3)
    n0, k_n = shell_piece.verts.shape[0], edge.shape[0]
    rows = [edge] + [n0 + i * k_n + torch.arange(k_n) for i in range(ys.shape[0] - 1)]
    grid = torch.stack(rows)  # (R, K) vertex ids, row 0 the shell's edge
    cols = torch.arange(k_n) if closed else torch.arange(k_n - 1)
    a, b = grid[:-1][:, cols], grid[:-1][:, (cols + 1) % k_n]
    c, d = grid[1:][:, cols], grid[1:][:, (cols + 1) % k_n]
    faces = torch.cat(
        [torch.stack([a, b, c], -1).reshape(-1, 3), torch.stack([b, d, c], -1).reshape(-1, 3)]
    )
    verts = torch.cat([shell_piece.verts, new])
    faces = _outward_faces(faces, verts, centre)
    source = None
    if shell_piece.source is not None:
        source = torch.cat([shell_piece.source, torch.full((new.shape[0],), -1)])
    return Piece(
        verts=verts,
        faces=torch.cat([shell_piece.faces, faces]),
        labels=torch.cat(
            [shell_piece.labels, torch.full((new.shape[0],), label, dtype=torch.int64)]
        ),
        rest_scale=torch.cat([shell_piece.rest_scale, torch.ones(new.shape[0])]),
        covers=shell_piece.covers,
        source=source,
    )


def merge(pieces: list[Piece]) -> Piece:
    """Concatenate pieces into one (faces re-indexed)."""
    verts, faces, labels, scales, base = [], [], [], [], 0
    for p in pieces:
        verts.append(p.verts)
        faces.append(p.faces + base)
        labels.append(p.labels)
        scales.append(p.rest_scale)
        base += p.verts.shape[0]
    covers = [p.covers for p in pieces if p.covers is not None]
    union = torch.stack(covers).any(dim=0) if covers else None
    source = None
    if any(p.source is not None for p in pieces):
        source = torch.cat(
            [
                p.source
                if p.source is not None
                else torch.full((p.verts.shape[0],), -1, dtype=torch.int64)
                for p in pieces
            ]
        )
    return Piece(
        torch.cat(verts),
        torch.cat(faces),
        torch.cat(labels),
        torch.cat(scales),
        union,
        source,
        rigid=all(p.rigid for p in pieces),
    )
