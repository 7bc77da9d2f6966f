"""Hands clear of the garment: the try-on pose lifts the arms sideways as far as the garment
needs.

A figure standing with its arms hanging (`standing_neutral`) has its hands against the hips.
A garment with ease there (a suit's trousers, a coat's flared skirt) stands out past the
hands; the cloth then passes through them, and the drape's last step takes away the cloth
inside an arm, so the picture showed holes round the hands, or a hand inside a coat's hem.
A shop's model holds the hands clear of the clothes. So, before the garment is draped,
`arm_lift_deg` measures the garment's trunk as it will hang (the pattern on its envelope,
`hanging_cloth`) against the hands and forearms, and `lift_arms` turns both arms outwards
about the shoulder joints by the smallest angle (steps of `LIFT_STEP_DEG`, at most
`MAX_LIFT_DEG`) at which every hand and forearm vertex, and every vertex of a sleeve over the
forearm, lies at least `CLEARANCE_M` outside that surface. The garment is then cut and draped on
the lifted body, so sleeves follow the arms; `dress` hands the lifted body on with the garment
(``mesh.extras["liftedBody"]``, which `outfit` draws; ``stats["arm_lift_deg"]``). Only
arms that hang are lifted (`arms_hang`): hands a pose puts on the hips stay there.

The turn is one more rotation of the arm's bones, blended over the body by the skinning
weights of the arm chain (upper arm down to the fingers), as linear blend skinning does:
the shoulder's vertices, shared by the arm and the clavicle, turn partly.
"""

from __future__ import annotations

import math

import torch

from render_engine.garment.body_view import GarmentBody, Part, from_skinned_mesh
from render_engine.garment.geometry import vertex_normals
from render_engine.garment.pattern import GarmentRegion

#: every hand and forearm vertex lies at least this far outside the garment's trunk (the
#: drape's collision margin and the cloth's own thickness, and a visible gap)
CLEARANCE_M = 0.012
#: a test point farther than this from the trunk's nearest vertex is clear of it
REACH_M = 0.12
#: a test point more than this to the side of its nearest trunk vertex (along the cloth) is
#: past the cloth's edge (below a hem), not over the cloth
EDGE_REACH_M = 0.025
LIFT_STEP_DEG = 1.0
MAX_LIFT_DEG = 30.0
#: forearms within this many degrees of the vertical hang (`arms_hang`)
HANGING_DEG = 40.0
#: bones of the arm chain (their weights carry a vertex with the arm), by name prefix
ARM_CHAIN = ("upperarm", "lowerarm", "wrist", "finger", "metacarpal", "thumb")


def arm_chain_weights(body: GarmentBody) -> torch.Tensor | None:
    """(V, 2) the weight of the left and the right arm chain at each body vertex, or None
    when the body carries no skinning."""
    if body.weights is None or body.bone_labels is None:
        return None
    out = torch.zeros(body.num_verts, 2)
    for col, side in enumerate((".L", ".R")):
        ids = [
            i
            for i, b in enumerate(body.bone_labels)
            if b.endswith(side) and b.split(".")[0].startswith(ARM_CHAIN)
        ]
        if ids:
            out[:, col] = body.weights[:, ids].sum(dim=1)
    return out


def _turn_about_z(deg: float) -> torch.Tensor:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return torch.tensor([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def turn_arms(
    points: torch.Tensor, chain: torch.Tensor, body: GarmentBody, deg: float
) -> torch.Tensor:
    """Points (N, 3) with arm chain weights (N, 2) turned as the arms lifted `deg` outwards:
    the left arm about the forward axis through its shoulder joint towards +X, the right one
    towards -X, each blended by its weight."""
    out = points
    for col, (side, sign) in enumerate((("L", 1.0), ("R", -1.0))):
        w = chain[:, col : col + 1]
        if not bool((w > 0).any()):
            continue
        head = body.joints[f"shoulder_{side}"]
        turned = (points - head) @ _turn_about_z(sign * deg).T + head
        out = out + w * (turned - points)
    return out


def lift_arms(body: GarmentBody, deg: float) -> GarmentBody:
    """The body with both arms lifted `deg` degrees outwards (`turn_arms`), joints and
    normals recomputed; the body itself when it carries no skinning or `deg` is 0."""
    chain = arm_chain_weights(body)
    if chain is None or deg == 0.0 or body.weights is None or body.bone_labels is None:
        return body
    verts = turn_arms(body.verts, chain, body, deg)
    return from_skinned_mesh(
        verts, body.faces, body.weights, body.bone_labels, dict(body.measurements)
    )


def too_close(
    points: torch.Tensor,
    surface: torch.Tensor,
    normals: torch.Tensor,
    clearance: float = CLEARANCE_M,
) -> torch.Tensor:
    """(N,) bool: points less than `clearance` outside the cloth `surface` (M, 3) with outward
    `normals` (M, 3), measured along the normal of the nearest cloth vertex; points beyond
    `REACH_M` or past an edge (`EDGE_REACH_M` to the side of it) are clear."""
    from scipy.spatial import cKDTree

    if surface.shape[0] == 0 or points.shape[0] == 0:
        return torch.zeros(points.shape[0], dtype=torch.bool)
    dist, idx = cKDTree(surface.numpy()).query(points.numpy())
    idx_t = torch.from_numpy(idx).long()
    rel = points - surface[idx_t]
    n = normals[idx_t]
    along = (rel * n).sum(dim=1)
    side = (rel - along[:, None] * n).norm(dim=1)
    near = torch.from_numpy(dist).float() < REACH_M
    close: torch.Tensor = near & (along < clearance) & (side < EDGE_REACH_M)
    return close


def arm_test_points(
    body: GarmentBody, verts: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The points that must hang clear of the garment's trunk, (N, 3), with their arm chain
    weights (N, 2): the body's hand and forearm vertices, and the garment's sleeve vertices
    over the forearm (a long sleeve's lower half)."""
    from scipy.spatial import cKDTree

    chain = arm_chain_weights(body)
    assert chain is not None
    lower = body.mask(Part.FOREARM, Part.HAND) & (chain.sum(dim=1) > 0.5)
    points, weights = [body.verts[lower]], [chain[lower]]
    sleeve = labels == GarmentRegion.SLEEVE
    if bool(sleeve.any()):
        _, idx = cKDTree(body.verts.numpy()).query(verts[sleeve].numpy())
        idx_t = torch.from_numpy(idx).long()
        over = lower[idx_t]
        points.append(verts[sleeve][over])
        weights.append(chain[idx_t][over])
    return torch.cat(points), torch.cat(weights)


def arms_hang(body: GarmentBody) -> bool:
    """Whether both forearms hang (point down within `HANGING_DEG` of the vertical): the
    lift is for arms that hang at the sides; a pose that puts the hands somewhere (on the
    hips) keeps them there."""
    for side in ("L", "R"):
        down = body.joints[f"elbow_{side}"] - body.joints[f"wrist_{side}"]
        if float(down[1]) < math.cos(math.radians(HANGING_DEG)) * float(down.norm()):
            return False
    return True


def arm_lift_deg(
    body: GarmentBody, verts: torch.Tensor, faces: torch.Tensor, labels: torch.Tensor
) -> float:
    """The smallest outward lift of the arms (degrees) at which the hands, forearms and lower
    sleeves hang `CLEARANCE_M` clear of the garment's trunk (every vertex but the sleeves'),
    given the garment as it will hang (verts, faces, labels on `body`); 0 when they already
    do or the body carries no skinning; at most `MAX_LIFT_DEG`."""
    if arm_chain_weights(body) is None or faces.shape[0] == 0 or not arms_hang(body):
        return 0.0
    trunk = labels != GarmentRegion.SLEEVE
    if not bool(trunk.any()):
        return 0.0
    normals = vertex_normals(verts, faces)
    surface, surface_n = verts[trunk], normals[trunk]
    points, chain = arm_test_points(body, verts, labels)
    deg = 0.0
    while deg <= MAX_LIFT_DEG:
        if not bool(too_close(turn_arms(points, chain, body, deg), surface, surface_n).any()):
            return deg
        deg += LIFT_STEP_DEG
    return MAX_LIFT_DEG
