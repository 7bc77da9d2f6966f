"""A suit reads as a jacket over trousers: the jacket's hem casts a shadow line on the
trousers (`outfit.hem_shadows`), and only there."""

from __future__ import annotations

import dataclasses

import torch

from render_engine.garment import as_garment_body, dress
from render_engine.garment.outfit import (
    HEM_SHADOW_DROP_M,
    HEM_SHADOW_REACH_M,
    hem_points,
    outfit,
)
from render_engine.garment.pattern import GarmentRegion

GUIDE = {"M": {"chest": 100, "waist": 86, "hips": 106, "shoulder": 46}}


def test_a_suit_jackets_hem_shades_the_trousers_under_it_and_nothing_above() -> None:
    from render_engine.body.fitted import build_body
    from render_engine.body.pose import pose_body

    torch.set_num_threads(2)
    fitted = build_body({"gender": 0.9, "weight": 0.6})
    body = dataclasses.replace(fitted, mesh=pose_body(fitted, "standing_neutral"))
    suit = dress(body, "formal", GUIDE, "M", "#1C2833", subcategory="blazers")
    hems, _ = hem_points(suit.mesh)
    jacket_hem = float(hems[hems[:, 1] < float(as_garment_body(body).joints["waist"][1]), 1].min())
    meshes = outfit(body, [suit.mesh])
    g = next(m for m in meshes if m.name.startswith("garment"))
    shade = g.extras.get("shade", torch.ones(g.num_verts))
    assert isinstance(shade, torch.Tensor) and g.labels is not None
    band_from = g.extras.get("edgeBandFrom", g.num_verts)
    assert isinstance(band_from, int)
    band = torch.arange(g.num_verts) >= band_from
    y = g.verts[:, 1]
    legs = (g.labels == GarmentRegion.LEG) & ~band
    # the trousers right under the hem (within half the shadow's reach of it across, 5 cm:
    # the jacket hangs from the chest, so on this heavy figure its hem stands 3-6 cm off the
    # trousers; it was 3 cm when its skirt was a tube of its own), are darker
    across = torch.cdist(g.verts[:, [0, 2]], hems[:, [0, 2]]).min(dim=1).values
    under = legs & (y < jacket_hem - 0.005) & (y > jacket_hem - HEM_SHADOW_DROP_M / 2)
    under &= across < HEM_SHADOW_REACH_M / 2
    assert int(under.sum()) >= 8
    assert float(shade[under].median()) < 0.85
    # ... fading out further down, and the jacket itself (but its edge band) untouched
    assert float(shade[legs & (y < jacket_hem - HEM_SHADOW_DROP_M - 0.01)].min()) == 1.0
    jacket = torch.isin(g.labels, torch.tensor([GarmentRegion.TORSO, GarmentRegion.SKIRT]))
    assert float(shade[jacket & ~band].min()) == 1.0


def test_an_open_fronts_edges_cast_no_hem_shadow_into_the_opening() -> None:
    """The open front's V runs down the coat: its edges are no hems. On half of its faces
    the face's centre rose over the edge's middle (triangles leaning up along a vertical
    edge), so those edges counted as hems and shaded the plain top and the base layer in
    the opening by up to 54 % (gallery body a): a dark grey gap down to the crotch."""
    from render_engine.body.fitted import build_body
    from render_engine.body.pose import pose_body

    torch.set_num_threads(2)
    fitted = build_body({"gender": 0.9, "weight": 0.6})
    body = dataclasses.replace(fitted, mesh=pose_body(fitted, "standing_neutral"))
    gbody = as_garment_body(body)
    coat = dress(body, "outerwear", GUIDE, "M", "#8B6F47", subcategory="coats")
    hems, _ = hem_points(coat.mesh)
    below_waist = hems[:, 1] < float(gbody.joints["waist"][1]) - 0.03
    # the coat's lower hems are all its skirt's hem, below the crotch
    assert int(below_waist.sum()) >= 20
    assert float(hems[below_waist, 1].max()) < gbody.crotch_y()
    meshes = outfit(body, [coat.mesh])
    for name in ("inner_top", "base_layer"):
        layer = next(m for m in meshes if m.name == name)
        shade = layer.extras.get("shade", torch.ones(layer.num_verts))
        assert isinstance(shade, torch.Tensor)
        assert float(shade.min()) == 1.0, name
