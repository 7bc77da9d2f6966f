"""The figure a shop shows: the body in its skin tone, a neutral base layer, shoes, the garments.

`outfit` turns a posed body and the garments tried on into the meshes to render:

* the body in the avatar's skin tone (`skin_tone`: a preset name or ``#RRGGBB``);
* a **base layer**: a plain bodysuit (scoop neck, armholes, high-cut leg openings) in a
  neutral stone colour, cut from the body like a garment (`cut`), 1.5 mm over the skin, so an
  avatar is never shown naked whatever is tried on;
* **plain shoes** (dark grey) when no shoes are tried on;
* a **plain white top** under a coat or jacket worn open (`inner_top`) when no top is tried
  on with it, so the open front shows a top, not underwear;
* the garments, each with a **hem band**: a strip folded in along every edge of the garment's
  own mesh (`EDGE_THICKNESS_M`), which shows the cloth's thickness at hems, cuffs, necklines;
* **layers in order**: the body under any layer, and the base layer under a garment, are drawn
  `HIDE_DEPTH_M` further in where that layer covers them (`Piece.covers`), so skin or underwear
  never shows through cloth that lies a few millimetres over it. This changes only what is
  drawn; the drape and the fit report use the real body.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from render_engine.errors import InvalidRequest
from render_engine.garment.body_view import GarmentBody, Part, as_garment_body
from render_engine.garment.categories import (
    above,
    armholes,
    below,
    field_min,
    neck_section,
    neck_top,
    neckline,
    shoulder_half_width,
    sleeve_end,
    sleeveless_keep,
)
from render_engine.garment.categories import shoes as shoe_piece
from render_engine.garment.color import parse_color_hex
from render_engine.garment.cut import boundary_loops
from render_engine.garment.geometry import (
    boundary_vertices,
    relax_surface,
    rows_next_to_edges,
    uniform_laplacian,
    unique_edges,
    vertex_normals,
)
from render_engine.garment.pattern import GarmentRegion, Piece, shell
from render_engine.mesh import TriMesh

#: skin tone presets (sRGB albedo), light to deep
SKIN_TONES: dict[str, tuple[float, float, float]] = {
    "porcelain": (0.92, 0.78, 0.70),
    "light": (0.87, 0.70, 0.60),
    "medium": (0.80, 0.62, 0.52),
    "olive": (0.70, 0.54, 0.40),
    "tan": (0.62, 0.45, 0.33),
    "brown": (0.47, 0.32, 0.23),
    "deep": (0.32, 0.21, 0.15),
}
BASE_LAYER_COLOR = (0.80, 0.77, 0.73)  # stone
SHOE_COLOR = (0.22, 0.22, 0.23)
HAIR_COLORS: dict[str, tuple[float, float, float]] = {
    "black": (0.06, 0.05, 0.05),
    "brown": (0.22, 0.14, 0.09),
    "blonde": (0.72, 0.58, 0.36),
    "red": (0.45, 0.18, 0.08),
    "grey": (0.62, 0.62, 0.62),
}
#: hair style -> (thickness over the scalp m, hairline drop at the back m)
HAIR_STYLES: dict[str, tuple[float, float]] = {
    "short": (0.012, 0.075),
    "buzz": (0.004, 0.06),
    "none": (0.0, 0.0),
}
#: the base layer's offset over the skin: 3 mm, as at 1.5 mm the skin and the bodysuit's
#: edge tied in depth where the surface turns away from the camera (a sawtooth along the leg
#: openings at the hips in the gallery's front views)
BASE_LAYER_GAP_M = 0.003
#: the base layer's neckline: this much wider than the widest of a garment's (a dress's or a
#: blouse's, 8 cm) and lower all round, so its edge never shows beside a garment's neckline;
#: 1.5 cm, as a garment's edge moves out with its envelope over the bust (`span_bust`) by up
#: to about half a centimetre and the base layer's must stay an edge band further out
BASE_NECK_MARGIN_M = 0.015
BASE_NECK_WIDTH_M = 0.08 + BASE_NECK_MARGIN_M
#: the base layer's armholes: this far inside the shoulder joints
BASE_ARMHOLE_INSET_M = 0.045
#: the narrowest strap of the base layer over a bare shoulder
BASE_STRAP_M = 0.03
#: the base layer's edges show this much of its thickness
BASE_LAYER_BAND_M = 0.0015
HIDE_DEPTH_M = 0.004
EDGE_THICKNESS_M = 0.004
#: the edge band's colour against the cloth's (it faces away from the light, and is shadowed)
EDGE_BAND_SHADE = 0.92


def skin_rgb(skin_tone: str) -> tuple[float, float, float]:
    """A preset name of `SKIN_TONES` or ``#RRGGBB`` -> sRGB albedo."""
    if skin_tone in SKIN_TONES:
        return SKIN_TONES[skin_tone]
    try:
        rgb = parse_color_hex(skin_tone)
    except InvalidRequest as exc:
        raise InvalidRequest(
            f"skin tone {skin_tone!r} is neither #RRGGBB nor one of {', '.join(SKIN_TONES)}",
            code="INVALID_SKIN_TONE",
        ) from exc
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]))


def base_layer(body: GarmentBody, bare_shoulders: bool = False) -> Piece:
    """A plain bodysuit: scoop neck, armholes 4.5 cm inside the shoulders, leg openings cut
    high on the hips (a plane per leg rising 0.45 m per m from the crotch to the side).

    Under a garment its neckline lies outside every garment's, hidden under it: wider beside
    the neck than the widest (`neckline_at` widens a garment's to 2 cm beside a thick neck),
    and lower. With `bare_shoulders` (nothing worn over them) it is a tank's instead, leaving
    each strap at least `BASE_STRAP_M` wide: on narrow shoulders the hidden cut left a strap
    of 7 mm, which the cut broke into slivers on the shoulder tops."""
    cx = float((body.joints["hip_L"][0] + body.joints["hip_R"][0]) / 2)
    leg = body.verts[:, 1] - (body.crotch_y() - 0.01 + 0.45 * (body.verts[:, 0] - cx).abs())
    neck_half = neck_section(body)[2]
    width = max(BASE_NECK_WIDTH_M, neck_half + 0.02 + BASE_NECK_MARGIN_M)
    if bare_shoulders:
        armhole = shoulder_half_width(body) - BASE_ARMHOLE_INSET_M
        width = max(neck_half + 0.02, min(width, armhole - BASE_STRAP_M))
    field = field_min(
        neckline(body, width, 0.11, 0.04, lower=BASE_NECK_MARGIN_M),
        below(body, neck_top(body)),
        armholes(body, BASE_ARMHOLE_INSET_M),
        leg,
    )
    keep = sleeveless_keep(body)
    n = body.num_verts
    return shell(
        body,
        keep,
        torch.full((n,), BASE_LAYER_GAP_M),
        torch.ones(n),
        torch.full((n,), GarmentRegion.TORSO, dtype=torch.int64),
        field,
        final=True,
    )


#: the plain top under a coat worn open when no top is tried on: white, 4 mm over the skin
INNER_TOP_COLOR = (0.93, 0.92, 0.90)
INNER_TOP_GAP_M = 0.004


def inner_top(body: GarmentBody) -> TriMesh:
    """A plain white crew-neck top with short sleeves, cut like a garment `INNER_TOP_GAP_M`
    over the skin (between the base layer and a coat): what shows in an open front."""
    torso = body.mask(Part.CHEST, Part.ABDOMEN, Part.PELVIS, Part.THIGH, Part.NECK)
    keep = torso | body.mask(Part.UPPER_ARM)
    field = field_min(
        above(body, body.crotch_y() + 0.06),
        neckline(body, 0.07, 0.03),
        below(body, neck_top(body)),
        sleeve_end(body, 0.12),
    )
    n = body.num_verts
    piece = shell(
        body,
        keep,
        torch.full((n,), INNER_TOP_GAP_M),
        torch.ones(n),
        torch.full((n,), GarmentRegion.TORSO, dtype=torch.int64),
        field,
        final=True,
    )
    piece.verts = relax_edge_rows(piece.verts, piece.faces)
    mesh = _solid(piece, INNER_TOP_COLOR, "inner_top", "cotton")
    mesh.extras.update(category="tops", covers=piece.covers, source=piece.source)
    return mesh


#: rings of vertices next to an undraped layer's edges relaxed with it, and how many passes
EDGE_ROW_RINGS = 2
EDGE_ROW_PASSES = 4


def relax_edge_rows(
    verts: torch.Tensor, faces: torch.Tensor, rings: int = EDGE_ROW_RINGS
) -> torch.Tensor:
    """The rows of vertices next to a cut layer's edges relaxed (uniform Laplacian,
    `EDGE_ROW_PASSES` passes, the edges held), for a layer that is not draped (the plain top
    under a coat). Its edges were relaxed along themselves (`cut.smooth_loops`), which now
    and then moves an edge vertex past the vertex next to it inside: that triangle turns over
    and the edge, seen from the front, shows a jag of the body's triangle size (the plain
    top's neckline on gallery body a: 9 turned faces). A drape undoes this for a garment;
    here the rows next to the edge follow it instead. (N, 3) -> (N, 3)."""
    movable = rows_next_to_edges(faces, verts.shape[0], rings)
    return relax_surface(verts, faces, movable, EDGE_ROW_PASSES, 0.5, 0.5)


def hair(body: GarmentBody, style: str = "short") -> Piece | None:
    """A hair cap: the scalp above a hairline (7 cm under the crown at the forehead, dropping
    towards the nape by the style's amount), lifted by the style's thickness and smoothed so
    it reads as hair, not as a shaved head. None for style ``none``."""
    if style not in HAIR_STYLES:
        raise InvalidRequest(
            f"unknown hair style {style!r}; expected one of {', '.join(HAIR_STYLES)}",
            code="INVALID_HAIR",
        )
    thickness, drop = HAIR_STYLES[style]
    if thickness <= 0:
        return None
    head = body.mask(Part.HEAD)
    pts = body.verts[head]
    top = float(pts[:, 1].max())
    cz = float(pts[:, 2].mean())
    back = ((cz - body.verts[:, 2]) / 0.09 * 0.5 + 0.5).clamp(0.0, 1.0)
    field = body.verts[:, 1] - (top - 0.07 - drop * back)
    n = body.num_verts
    piece = shell(
        body,
        head,
        torch.full((n,), thickness),
        torch.ones(n),
        torch.full((n,), GarmentRegion.HEAD, dtype=torch.int64),
        field,
    )
    inner = ~boundary_vertices(piece.faces, piece.verts.shape[0])
    # soften ears' and brows' detail out of the cap
    piece.verts = relax_surface(piece.verts, piece.faces, inner, 6, 0.5, 0.5)
    return piece


def _solid(piece: Piece, color: tuple[float, float, float], name: str, material: str) -> TriMesh:
    rgb = torch.tensor(color, dtype=torch.float32).expand(piece.verts.shape[0], 3).clone()
    return TriMesh(
        piece.verts.float(),
        piece.faces.long(),
        rgb,
        piece.labels,
        name=name,
        extras={"material": material},
    )


def with_edge_band(mesh: TriMesh, thickness: float = EDGE_THICKNESS_M) -> TriMesh:
    """The mesh plus a strip folded `thickness` inwards along every boundary loop.

    Each boundary vertex gets a twin moved against its vertex normal; each boundary edge
    (u, w) a quad (u, w, w', u'). Seen at a hem or neckline, the strip is the cloth's edge.
    The strip starts from copies of the edge's vertices (from ``edgeBandFrom + B``, B the
    edge's points; its middle row, half the thickness out across the edge and in, from
    ``edgeBandFrom + 2B``), not from the edge's own: a folded hem is a crease, and the renderer's
    vertex normals average every face round a vertex, so shared with the strip (square to
    the cloth) the edge's normals tilted half way into it and the cloth's last row of
    triangles shaded dark in a scalloped line, one scallop per triangle (gallery tops a,
    three-quarter: the hem and cuffs read as a wavy edge).
    """
    loops = boundary_loops(mesh.faces)
    if not loops:
        return mesh
    normals = vertex_normals(mesh.verts, mesh.faces)
    ids = torch.cat(loops)  # (B,)
    count = ids.shape[0]
    twin = mesh.num_verts + torch.arange(count)
    own = twin + count  # the edge's points again, the strip's own
    nxt_own = torch.cat(
        [
            own[o : o + loop.shape[0]].roll(-1)
            for o, loop in zip(_offsets(loops), loops, strict=True)
        ]
    )
    nxt_twin = torch.cat(
        [
            twin[o : o + loop.shape[0]].roll(-1)
            for o, loop in zip(_offsets(loops), loops, strict=True)
        ]
    )
    # the fold: from the edge out across it and in, half the thickness each way (a bevel
    # between the cloth's face and the strip's), so the edge reads as a rounded fold along
    # its whole length; `out_dir` leaves the cloth square to the edge in its tangent plane
    mid = twin + 2 * count
    nxt_mid = nxt_twin + 2 * count
    p = mesh.verts[ids]
    n = normals[ids]
    nxt = torch.cat([loop.roll(-1) for loop in loops])
    prv = torch.cat([loop.roll(1) for loop in loops])
    along = torch.nn.functional.normalize(mesh.verts[nxt] - mesh.verts[prv], dim=1)
    out_dir = torch.nn.functional.normalize(torch.linalg.cross(along, n), dim=1)
    inward = uniform_laplacian(mesh.verts, unique_edges(mesh.faces))[ids]
    out_dir = out_dir * torch.where((out_dir * inward).sum(dim=1, keepdim=True) > 0, -1.0, 1.0)
    faces = torch.cat(
        [
            mesh.faces,
            torch.stack([own, mid, nxt_own], 1),
            torch.stack([nxt_own, mid, nxt_mid], 1),
            torch.stack([mid, twin, nxt_mid], 1),
            torch.stack([nxt_mid, twin, nxt_twin], 1),
        ]
    )
    half = 0.5 * thickness
    verts = torch.cat([mesh.verts, p - n * thickness, p, p + (out_dir - n) * half])
    band_colors = mesh.colors[ids] * EDGE_BAND_SHADE
    colors = torch.cat([mesh.colors, band_colors, mesh.colors[ids], band_colors])
    both = torch.cat([ids, ids, ids])
    labels = None if mesh.labels is None else torch.cat([mesh.labels, mesh.labels[both]])
    extras = dict(mesh.extras)
    extras["edgeBandFrom"] = mesh.num_verts
    for key in ("uv", "front", "plainColor", "shade"):
        value = extras.get(key)
        if isinstance(value, torch.Tensor) and value.shape[0] == mesh.num_verts:
            extras[key] = torch.cat([value, value[both]])
    if isinstance(extras.get("texture"), torch.Tensor):
        # a pictured cloth's colour is its picture's: its band darkens as a plain one's does
        shade = extras.get("shade")
        if not isinstance(shade, torch.Tensor) or shade.shape[0] != verts.shape[0]:
            shade = torch.ones(verts.shape[0])
        shade = shade.clone()
        shade[mesh.num_verts :] *= EDGE_BAND_SHADE
        extras["shade"] = shade
    return TriMesh(verts, faces, colors, labels, name=mesh.name, extras=extras)


def _offsets(loops: list[torch.Tensor]) -> list[int]:
    out, total = [], 0
    for loop in loops:
        out.append(total)
        total += int(loop.shape[0])
    return out


def _shoulders_covered(body: GarmentBody, covers: torch.Tensor) -> bool:
    """Whether garments cover (V,) `covers` most of the shoulder tops between the neck and
    the armholes, where the base layer's straps would show."""
    j = body.joints
    cx = float((j["shoulder_L"][0] + j["shoulder_R"][0]) / 2)
    armpit = float(j["shoulder_L"][1] + j["shoulder_R"][1]) / 2 - 0.06
    x = (body.verts[:, 0] - cx).abs()
    tops = (body.verts[:, 1] > armpit) & (x > neck_section(body)[2] + 0.02) & (
        x < shoulder_half_width(body) - BASE_ARMHOLE_INSET_M
    ) & body.mask(Part.CHEST, Part.NECK, Part.UPPER_ARM)
    return bool(tops.any()) and float(covers[tops].float().mean()) > 0.5


def _sink(verts: torch.Tensor, normals: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
    return verts - normals * (HIDE_DEPTH_M * where.float())[:, None]


def outfit(
    body: object,
    garments: Sequence[TriMesh],
    skin_tone: str | None = None,
    body_mesh: TriMesh | None = None,
    hair_style: str = "short",
    hair_color: str = "brown",
) -> list[TriMesh]:
    """Meshes to render for a posed `body` wearing `garments` (dressed meshes, inner first).

    body: anything `as_garment_body` accepts; body_mesh: its posed TriMesh when `body` is not
    one (its colours are the skin unless `skin_tone` is given). hair_style: `HAIR_STYLES`
    (short, buzz, none); hair_color: `HAIR_COLORS` or ``#RRGGBB``.
    """
    gbody = as_garment_body(body)
    # a garment draped on the body with its arms lifted clear of it (`clearance`) brings
    # that body: the figure is drawn in it
    lifted = [g.extras["liftedBody"] for g in garments if "liftedBody" in g.extras]
    if lifted and isinstance(lifted[0], GarmentBody):
        gbody = lifted[0]
    if any(g.extras.get("openFront") for g in garments) and not any(
        g.extras.get("category") == "tops" for g in garments
    ):
        # a coat worn open shows what is under it: a plain top, not the base layer
        garments = [inner_top(gbody), *garments]
    mesh = body_mesh if body_mesh is not None else _mesh_of(body)
    colors = mesh.colors.detach().float().clone()
    if skin_tone is not None:
        colors[:] = torch.tensor(skin_rgb(skin_tone))
    garment_covers = torch.zeros(gbody.num_verts, dtype=torch.bool)
    for g in garments:
        cov = g.extras.get("covers")
        if isinstance(cov, torch.Tensor) and cov.shape[0] == gbody.num_verts:
            garment_covers |= cov
    base = base_layer(gbody, bare_shoulders=not _shoulders_covered(gbody, garment_covers))
    covers_body = base.covers.clone() if base.covers is not None else torch.zeros(gbody.num_verts)
    covers_body = covers_body | garment_covers
    out = [
        TriMesh(
            _sink(gbody.verts, gbody.normals, covers_body),
            gbody.faces,
            colors,
            mesh.labels,
            name="body",
            extras={"material": "skin"},
        )
    ]
    # the base layer sinks (and its faces covered whole are not drawn) where a garment covers
    # the body vertices it was cut from, as any layer under a later one
    base_mesh = _solid(base, BASE_LAYER_COLOR, "base_layer", "cotton")
    base_mesh.extras["source"] = base.source
    base_mesh = _under_later_layers(base_mesh, garments, gbody.faces, gbody.num_verts)
    out.append(with_edge_band(base_mesh, BASE_LAYER_BAND_M))
    shod = torch.zeros(gbody.num_verts, dtype=torch.bool)
    for g in garments:
        covers = g.extras.get("covers")
        if g.extras.get("category") == "shoes" and isinstance(covers, torch.Tensor):
            shod |= covers
    if not any(g.extras.get("category") == "shoes" for g in garments):
        plain = shoe_piece(gbody)
        if plain.covers is not None:
            shod |= plain.covers
        out.append(with_edge_band(_solid(plain, SHOE_COLOR, "plain_shoes", "leather")))
    for i, g in enumerate(garments):
        band = g.extras.get("edgeThickness", EDGE_THICKNESS_M)
        thickness = float(band) if isinstance(band, int | float) else EDGE_THICKNESS_M
        out.append(
            with_edge_band(
                _under_later_layers(g, garments[i + 1 :], gbody.faces, gbody.num_verts),
                thickness,
            )
        )
    cap = hair(gbody, hair_style)
    if cap is not None:
        if hair_color in HAIR_COLORS:
            color = HAIR_COLORS[hair_color]
        else:
            red, green, blue = (float(c) for c in parse_color_hex(hair_color))
            color = (red, green, blue)
        cap_mesh = _solid(cap, color, "hair", "silk")
        cap_mesh.extras["source"] = cap.source
        # under a hat
        out.append(_under_later_layers(cap_mesh, garments, gbody.faces, gbody.num_verts))
    # what a layer covers whole is never seen: not drawing it saves the rasterizer the work
    # (a closed shoe hides the foot, cloth the skin under it, a garment the base layer)
    # (two rings in from a layer's edge only: near an edge one can see under the cloth)
    body_out = out[0]
    hidden = shod | _erode(gbody.faces, covers_body, 2)
    body_out.faces = body_out.faces[~hidden[body_out.faces].all(dim=1)]
    below_waist = float(gbody.joints["waist"][1]) - 0.03
    hem_shadows(out, [m for m in out if m.name.startswith("garment")], below_waist)
    return out


#: the shadow a garment's lower hem casts on what hangs below it (a jacket's on its
#: trousers, a coat's on the legs): darkest (`HEM_SHADOW`) right under the hem, fading over
#: `HEM_SHADOW_DROP_M` down and over `HEM_SHADOW_REACH_M` sideways from it
HEM_SHADOW = 0.6
HEM_SHADOW_DROP_M = 0.04
HEM_SHADOW_REACH_M = 0.1


def hem_points(mesh: TriMesh) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, 3) points along the lower hems of a garment's body (torso and skirt regions):
    the midpoints of its boundary edges whose face lies above them (the cloth hangs from
    there: the way from the edge into its face, square to the edge, rises by more than half
    its length, i.e. at more than 30 degrees); and (H,) one vertex of each such edge."""
    from render_engine.garment.pattern import GarmentRegion

    faces = mesh.faces
    band_from = mesh.extras.get("edgeBandFrom")
    if isinstance(band_from, int):  # the cloth's own edges, not its edge band's inner ones
        faces = faces[(faces < band_from).all(dim=1)]
    if faces.shape[0] == 0:
        return torch.zeros(0, 3), torch.zeros(0, dtype=torch.int64)
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])  # (3F, 2)
    owner = torch.arange(faces.shape[0]).repeat(3)
    key = torch.sort(e, dim=1).values
    n = int(faces.max()) + 1
    flat = key[:, 0] * n + key[:, 1]
    _, inverse, counts = torch.unique(flat, return_inverse=True, return_counts=True)
    edge, face = e[counts[inverse] == 1], owner[counts[inverse] == 1]
    if mesh.labels is not None:
        trunk = torch.tensor([GarmentRegion.TORSO, GarmentRegion.SKIRT])
        edge_ok = torch.isin(mesh.labels[edge], trunk).all(dim=1)
        edge, face = edge[edge_ok], face[edge_ok]
    ends = mesh.verts[edge]  # (B, 2, 3)
    mid = ends.mean(dim=1)  # (B, 3)
    rise = mesh.verts[faces[face]].mean(dim=1) - mid
    # the way into the cloth square to the edge: along a hem it points up; along a vertical
    # edge (an open front's) it is level, whatever the triangle's shape (the face's centre
    # alone rose over the edge's middle on half the faces of an open front's V, and the
    # plain top in the opening was shaded as if under a hem)
    along = torch.nn.functional.normalize(ends[:, 1] - ends[:, 0], dim=1)
    rise = rise - (rise * along).sum(dim=1, keepdim=True) * along
    hangs = rise[:, 1] > 0.5 * rise.norm(dim=1)
    return mid[hangs], edge[hangs, 0]


def hem_shadows(
    meshes: Sequence[TriMesh], garments: Sequence[TriMesh], below_y: float
) -> None:
    """Bake the shadow under each garment's lower hem (its part under `below_y`: not the
    open front's V, nor the armholes) into the ``shade`` of every mesh's vertices below it
    (in place; the garment's own piece that the hem ends is left alone).
    The renderer's ambient occlusion sees a jacket's hem 1-2 cm over its trousers as a
    small step in depth: a suit read as one piece. Under a real hem there is a dark line."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    for g in garments:
        hems, hem_verts = hem_points(g)
        low = hems[:, 1] < below_y
        hems, hem_verts = hems[low], hem_verts[low]
        if hems.shape[0] == 0:
            continue
        own: torch.Tensor | None = None
        for m in meshes:
            if m.num_verts == 0:
                continue
            # every hem point shades what hangs under it (the nearest across alone would not
            # do: a garment's inner edges, hidden under its own skirt, lie nearer across but
            # far above); only vertices in the hems' height range are looked at
            y = m.verts[:, 1].detach()
            darken = torch.zeros(m.num_verts)
            cand = (
                ((y < float(hems[:, 1].max())) & (y > float(hems[:, 1].min()) - HEM_SHADOW_DROP_M))
                .nonzero()
                .squeeze(1)
            )
            for chunk in torch.split(cand, 4096):
                side = torch.cdist(m.verts[chunk][:, [0, 2]].detach(), hems[:, [0, 2]])
                drop = hems[None, :, 1] - y[chunk, None]  # (n, H) how far under each
                near = (drop > 0) & (drop < HEM_SHADOW_DROP_M) & (side < HEM_SHADOW_REACH_M)
                depth = (1 - drop / HEM_SHADOW_DROP_M).clamp(0, 1) ** 1.5
                width = (1 - (side / HEM_SHADOW_REACH_M) ** 2).clamp(0, 1)
                dark = torch.where(near, HEM_SHADOW * depth * width, torch.zeros_like(drop))
                darken[chunk] = dark.amax(dim=1)
            if m is g:
                if own is None:
                    # the pieces of the garment its hems end (a suit's jacket, not its trousers)
                    f = m.faces
                    ends = f.reshape(-1).numpy()
                    starts = f[:, [1, 2, 0]].reshape(-1).numpy()
                    graph = coo_matrix(
                        (ends * 0 + 1, (starts, ends)), shape=(m.num_verts, m.num_verts)
                    )
                    comp = torch.from_numpy(connected_components(graph, directed=False)[1])
                    own = torch.isin(comp, torch.unique(comp[hem_verts]))
                darken = torch.where(own, torch.zeros_like(darken), darken)
            if not bool((darken > 0).any()):
                continue
            factor = 1 - darken
            shade = m.extras.get("shade")
            if not isinstance(shade, torch.Tensor) or shade.shape[0] != m.num_verts:
                shade = torch.ones(m.num_verts)
            m.extras["shade"] = shade * factor


#: a garment under a later layer sinks only this many rings (of the body's mesh) inside the
#: body vertices the later layer covers, and drops its faces only this many rings inside
#: (`_under_later_layers`)
UNDER_SINK_INSIDE_RINGS = 1
UNDER_DROP_INSIDE_RINGS = 3
#: passes over the garment's own mesh over which its sink fades in (`_under_later_layers`)
UNDER_SINK_FADE_PASSES = 6


def _under_later_layers(
    garment: TriMesh, later: Sequence[TriMesh], body_faces: torch.Tensor, body_verts: int
) -> TriMesh:
    """The garment sunk `HIDE_DEPTH_M` (and its wholly covered faces dropped) where a garment
    worn over it covers the body vertices it lies on (`extras["source"]`).

    Only inside what the later layers cover: a layer's `covers` ends where its cut edge
    crosses the body's triangles, and a garment cut along the same edge (a top's neckline
    under a coat's: the same neckline field) has the vertices of its own edge on both sides
    of it (`source` is the nearer end of the crossed edge). Sunk or dropped by that, every
    other vertex of the top's neckline went 4 mm in and the faces between them away: a ragged
    edge of shards beside the neck. So the sink starts `UNDER_SINK_INSIDE_RINGS` inside the
    covered body vertices and fades in over the garment's own mesh (`UNDER_SINK_FADE_PASSES`
    of averaging), and faces are dropped only `UNDER_DROP_INSIDE_RINGS` inside: the garment's
    own edges stay whole wherever they lie near a later layer's edge."""
    source = garment.extras.get("source")
    covered = torch.zeros(body_verts, dtype=torch.bool)
    for g in later:
        cov = g.extras.get("covers")
        if isinstance(cov, torch.Tensor) and cov.shape[0] == body_verts:
            covered |= cov
    if not isinstance(source, torch.Tensor) or not bool(covered.any()):
        return garment
    on_body = source >= 0
    src = source.clamp(min=0)
    inside = _erode(body_faces, covered, UNDER_SINK_INSIDE_RINGS)
    deep = _erode(body_faces, covered, UNDER_DROP_INSIDE_RINGS)
    weight = (on_body & inside[src]).float()[:, None]
    edges = unique_edges(garment.faces)
    for _ in range(UNDER_SINK_FADE_PASSES):
        weight = weight + 0.5 * uniform_laplacian(weight, edges)
    normals = vertex_normals(garment.verts, garment.faces)
    verts = garment.verts - normals * (HIDE_DEPTH_M * weight)
    dropped = on_body & deep[src]
    faces = garment.faces[~dropped[garment.faces].all(dim=1)]
    return _drop_unused(
        TriMesh(verts, faces, garment.colors, garment.labels, garment.name, dict(garment.extras))
    )


def _erode(faces: torch.Tensor, mask: torch.Tensor, rings: int) -> torch.Tensor:
    """(V,) bool mask without its outer `rings` rings of vertices (over the mesh's edges)."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = torch.cat([e, e.flip(1)])
    out = mask.clone()
    for _ in range(rings):
        outside = torch.zeros_like(out).index_fill_(0, e[~out[e[:, 1]], 0], True)
        out = out & ~outside
    return out


def _drop_unused(mesh: TriMesh) -> TriMesh:
    """The mesh without vertices no face uses (so its boundary is only real edges)."""
    used = torch.unique(mesh.faces)
    remap = torch.full((mesh.num_verts,), -1, dtype=torch.int64)
    remap[used] = torch.arange(used.shape[0])
    labels = None if mesh.labels is None else mesh.labels[used]
    extras = dict(mesh.extras)
    for key in ("uv", "front", "source", "plainColor", "shade"):  # per-vertex extras follow
        value = extras.get(key)
        if isinstance(value, torch.Tensor) and value.shape[0] == mesh.num_verts:
            extras[key] = value[used]
    return TriMesh(
        mesh.verts[used], remap[mesh.faces], mesh.colors[used], labels, mesh.name, extras
    )


def _mesh_of(body: object) -> TriMesh:
    if isinstance(body, TriMesh):
        return body
    mesh = getattr(body, "mesh", None)
    if isinstance(mesh, TriMesh):
        return mesh
    if isinstance(body, GarmentBody):
        skin = torch.tensor(SKIN_TONES["medium"]).expand(body.num_verts, 3).clone()
        return TriMesh(body.verts, body.faces, skin, name="body")
    raise InvalidRequest("body has no mesh to render", code="INVALID_BODY")
