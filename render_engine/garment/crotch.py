"""The crotch of trousers: cloth that spans the fork of the legs instead of following it.

Trousers are cut from the body's surface (`pattern.shell`), each vertex pushed out along the
body's normal. Where the thighs meet the pelvis the body folds (the creases between each
thigh and the crotch, narrower than the cloth's offset): pushed out from both sides of a
fold, the cloth crosses itself and its triangles turn over (dark swirls in a picture). The
trunk's envelope (`envelope.hang`) reaches down to the crotch and each trouser leg has its
own (`hang_limb`) below it, but under the fork, between the two, neither places the cloth.
There the cloth is a stretched membrane: each vertex at the mean of its neighbours (the
discrete harmonic surface spanning the cloth around it), resting `MIN_GAP_M` off the body
where it touches it (an obstacle problem: the vertices that would come closer are held there
and the rest solved again). It bridges the fork smoothly from the front rise to the back
rise; the drape then finds nothing at the fork to push out along the body's normals, which
there change direction from one thigh to the other within a centimetre.

Not done here: the crease between the buttocks above the fork, which the trunk's envelope
spans, can still leave a few faces turned over along the back's midline (the cloth there was
cut crossed, and the hull moves it out in the order it was in).
"""

from __future__ import annotations

import torch

from render_engine.garment.body_view import GarmentBody
from render_engine.garment.geometry import boundary_vertices, harmonic_fill, vertex_normals
from render_engine.garment.pattern import MIN_GAP_M

#: the membrane spans the cloth from this far above the crotch (the trunk's envelope fades in
#: over this height above it and is whole from here up, `hanging_cloth`) ...
CROTCH_ABOVE_M = 0.02
#: ... to this far below it (the trouser legs' envelopes fade in over this height below the
#: crotch and place the cloth round each thigh from here down, `hanging_limbs`)
CROTCH_BELOW_M = 0.05
#: ... between the legs: within this share of the hip joints' half distance of the midline
#: (the inner sides of the thighs at the crotch; the hips' sides are the envelope's)
CROTCH_HALF_WIDTH_SHARE = 0.5
#: rounds of the obstacle problem (each holds the vertices that came closer than the gap)
CONTACT_ROUNDS = 6


def crotch_zone(verts: torch.Tensor, body: GarmentBody) -> torch.Tensor:
    """(N,) bool: the cloth under the fork of the legs (verts (N, 3) m)."""
    j = body.joints
    cx = float((j["hip_L"][0] + j["hip_R"][0]) / 2)
    half = float((j["hip_L"][0] - j["hip_R"][0]).abs()) / 2 * CROTCH_HALF_WIDTH_SHARE
    crotch = body.crotch_y()
    y = verts[:, 1]
    return (
        ((verts[:, 0] - cx).abs() < half)
        & (y < crotch + CROTCH_ABOVE_M)
        & (y > crotch - CROTCH_BELOW_M)
    )


def resting_membrane(
    verts: torch.Tensor, faces: torch.Tensor, free: torch.Tensor, body: GarmentBody
) -> torch.Tensor:
    """The `free` (N,) bool vertices on the membrane spanning the others, `MIN_GAP_M` off the
    body where it touches it (those that would come closer are held there, the rest solved
    again). (N, 3) -> (N, 3)."""
    collider = body.collider()
    ids = free.nonzero().squeeze(1)
    resting = torch.zeros_like(free)
    x = verts
    for _ in range(CONTACT_ROUNDS):
        x = harmonic_fill(x, faces, free & ~resting)
        collider.refresh(x[ids])
        gap, _ = collider.signed_distance(x[ids])
        collider.current = None
        push = (MIN_GAP_M - gap).clamp(min=0.0)
        if float(push.max()) <= 1e-4:
            break
        # out along the membrane's own normal: smooth across the fork, where the body's
        # turns from one thigh to the other within a centimetre
        x = x.clone()
        x[ids] += push[:, None] * vertex_normals(x, faces)[ids]
        resting[ids[push > 0]] = True
    return x


def span_crotch(verts: torch.Tensor, faces: torch.Tensor, body: GarmentBody) -> torch.Tensor:
    """The cloth under the fork of the legs (`crotch_zone`, the garment's edges held) moved
    onto the membrane spanning the cloth around it (`resting_membrane`). (N, 3) -> (N, 3)."""
    free = crotch_zone(verts, body) & ~boundary_vertices(faces, verts.shape[0])
    return resting_membrane(verts, faces, free, body) if bool(free.any()) else verts
