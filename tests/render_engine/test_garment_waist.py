"""A jacket or a coat is one garment from the shoulders to the hem: its skirt hangs from the
body's own lower edge (`pattern.skirt_from_edge`), so no edge of the cloth crosses the waist
(a tube laid over the shell showed its top edge there as a ledge, like a pocket flap) and the
surface bends there no more than it does over the chest."""

from __future__ import annotations

import pytest
import torch

from render_engine.garment import GarmentBody, as_garment_body, dress
from render_engine.garment.categories import front_opening
from render_engine.garment.cut import boundary_loops
from render_engine.garment.pattern import GarmentRegion
from render_engine.mesh import TriMesh
from tests.conftest import GARMENT_FIGURES, standing_figure

GUIDE = {"M": {"chest": 100, "waist": 86, "hips": 106, "shoulder": 46}}
#: (category, subcategory): the cuts whose hem is below the crotch (a skirt from the waist)
LONG_CUTS = [("outerwear", "coats"), ("outerwear", "blazers"), ("formal", "suits")]
#: the open front's edges: boundary within this far (m) of the designed opening
OPENING_MARGIN_M = 0.03


@pytest.fixture(scope="module", params=sorted(GARMENT_FIGURES))
def standing(request: pytest.FixtureRequest) -> object:
    return standing_figure(request.param)


def _dressed(standing: object, category: str, subcategory: str) -> tuple[TriMesh, GarmentBody]:
    """The garment's mesh on `standing` in size M, and the body it hangs on (arms lifted)."""
    g = dress(standing, category, GUIDE, "M", "#1C2833", subcategory=subcategory)
    return g.mesh, _worn_on(g.mesh, standing)


def _trunk(mesh: TriMesh) -> torch.Tensor:
    assert mesh.labels is not None
    return torch.isin(mesh.labels, torch.tensor([GarmentRegion.TORSO, GarmentRegion.SKIRT]))


def _worn_on(mesh: TriMesh, body: object) -> GarmentBody:
    lifted = mesh.extras.get("liftedBody")
    return lifted if isinstance(lifted, GarmentBody) else as_garment_body(body)


def dihedral_deg(mesh: TriMesh, faces_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(E,) angles (degrees) between the normals of the two faces on each interior edge
    whose faces are both in `faces_mask`, and (E,) the height of the edge's midpoint."""
    f = mesh.faces
    v = mesh.verts
    n = torch.nn.functional.normalize(
        torch.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]], dim=1), dim=1
    )
    e = torch.cat([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    owner = torch.arange(f.shape[0]).repeat(3)
    key = torch.sort(e, dim=1).values
    flat = key[:, 0] * mesh.num_verts + key[:, 1]
    order = torch.argsort(flat)
    pair = (flat[order][1:] == flat[order][:-1]).nonzero().squeeze(1)
    fa, fb = owner[order[pair]], owner[order[pair + 1]]
    ok = faces_mask[fa] & faces_mask[fb]
    angle = torch.rad2deg(torch.acos((n[fa[ok]] * n[fb[ok]]).sum(1).clamp(-1.0, 1.0)))
    mid = v[key[order[pair]][ok]].mean(dim=1)[:, 1]
    return angle, mid


@pytest.mark.parametrize(("category", "subcategory"), LONG_CUTS)
def test_no_edge_of_the_cloth_crosses_the_waist(
    standing: object, category: str, subcategory: str
) -> None:
    m, body = _dressed(standing, category, subcategory)
    waist = float(body.joints["waist"][1])
    trunk = _trunk(m)
    # what the garment is made of round the waist: its trunk faces there (a coat, not gone)
    face_y = m.verts[m.faces].mean(dim=1)[:, 1]
    assert int((trunk[m.faces].all(1) & ((face_y - waist).abs() < 0.05)).sum()) > 100
    edge = torch.unique(torch.cat(boundary_loops(m.faces)))
    y = m.verts[edge, 1]
    # between 15 cm under the waist and 5 cm over it (the skirt's top was at the waist, the
    # body's lower edge 5 cm under it), only the open front's edges end the cloth
    band = trunk[edge] & (y > waist - 0.15) & (y < waist + 0.05)
    off_opening = front_opening(body, m.verts[edge]) > OPENING_MARGIN_M
    stray = edge[band & off_opening]
    assert stray.numel() == 0, (
        f"{stray.numel()} boundary vertices round the waist, at heights "
        f"{sorted({round(float(h) - waist, 2) for h in m.verts[stray, 1]})} m from it"
    )


@pytest.mark.parametrize(("category", "subcategory"), LONG_CUTS[:1] + LONG_CUTS[2:])
def test_the_cloth_bends_across_the_waist_no_more_than_over_the_chest(
    standing: object, category: str, subcategory: str
) -> None:
    m, body = _dressed(standing, category, subcategory)
    waist, chest = float(body.joints["waist"][1]), float(body.joints["chest"][1])
    faces_mask = _trunk(m)[m.faces].all(dim=1)
    angle, y = dihedral_deg(m, faces_mask)
    # the join: 5 cm under the waist, where the body's edge was; +-6 cm covers the blend's
    # first rings
    seam = angle[(y - (waist - 0.05)).abs() < 0.06]
    # reference: the same garment between the chest and the waist, one piece of cloth
    above = angle[(y > waist + 0.03) & (y < chest)]
    assert seam.numel() > 100 and above.numel() > 100
    assert float(seam.quantile(0.99)) <= float(above.quantile(0.99)) + 5.0
    assert float(seam.max()) <= float(above.max()) + 10.0
