"""Draping by optimisation: move the garment's vertices to balance

* collision: no vertex closer to the body than ``margin`` (squared violation, by far the
  strongest term),
* stretch: edge lengths against their rest lengths (relative strain squared),
* bending: the change of the dihedral cosine across every interior edge against its rest value,
* smoothness: the uniform Laplacian against its rest value,
* gravity: the mean height of the garment (a small pull down, so loose cloth sags),

with Adam on the vertex positions (torch autograd), the learning rate decaying to a tenth.
After the last step every vertex still closer than the margin is projected out along its
nearest body normal (a few passes), so the collision constraint holds on exit.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from render_engine.garment.collision import BodyCollider
from render_engine.garment.geometry import (
    edge_face_pairs,
    face_normals,
    uniform_laplacian,
    unique_edges,
)


@dataclass
class DrapeSettings:
    steps: int = 40
    lr: float = 1.5e-3  # m per step, Adam
    margin: float = 0.003  # m between skin and cloth
    w_collision: float = 10.0
    w_stretch: float = 1.0
    w_bend: float = 0.2
    w_smooth: float = 0.5
    w_gravity: float = 2e-3
    refresh_every: int = 20  # exact nearest-vertex search every this many steps
    projection_passes: int = 4
    #: torch intra-op threads while draping. The tensors are small (a few thousand vertices):
    #: one thread does the work in ~0.2 s of CPU, while two threads on two busy cores mostly
    #: spin (measured 5-10x the CPU time). The previous setting is restored afterwards.
    threads: int = 1


@dataclass
class DrapeResult:
    verts: torch.Tensor  # (N, 3)
    inside_fraction: float  # share of vertices with signed distance < 0
    mean_strain: float  # mean |edge / rest - 1|
    seconds: float  # wall clock
    cpu_seconds: float  # CPU time of the process while draping
    steps: int


@contextlib.contextmanager
def intra_op_threads(n: int) -> Iterator[None]:
    """Run a block with `n` torch intra-op threads, restoring the previous count."""
    previous = torch.get_num_threads()
    if n > 0 and n != previous:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def rest_lengths(
    verts: torch.Tensor, edges: torch.Tensor, rest_scale: torch.Tensor
) -> torch.Tensor:
    """(E,) rest lengths: current lengths, shrunk by the vertices' rest scale across the body
    (horizontal edges fully, vertical edges not)."""
    d = verts[edges[:, 1]] - verts[edges[:, 0]]  # (E, 3)
    length = d.norm(dim=1)
    horizontal = 1.0 - (d[:, 1] / length.clamp(min=1e-9)) ** 2  # (E,) in [0, 1]
    s = (rest_scale[edges[:, 0]] + rest_scale[edges[:, 1]]) / 2
    rest: torch.Tensor = length * (1.0 + (s - 1.0) * horizontal)  # (E,)
    return rest


def project_out(
    verts: torch.Tensor, collider: BodyCollider, margin: float, passes: int
) -> torch.Tensor:
    """Push every vertex closer than `margin` out along its nearest body normal."""
    x = verts.detach().clone()
    collider.refresh(x)
    for _ in range(passes):
        sd, normal = collider.signed_distance(x)
        push = (margin - sd).clamp(min=0.0)  # (N,)
        if float(push.max()) <= 0:
            break
        x = x + push[:, None] * normal
    return x


def drape(
    verts: torch.Tensor,
    faces: torch.Tensor,
    rest_scale: torch.Tensor,
    collider: BodyCollider,
    settings: DrapeSettings | None = None,
) -> DrapeResult:
    """Drape a garment (verts (N, 3), faces (M, 3), rest_scale (N,)) on the collider's body."""
    s = settings or DrapeSettings()
    with intra_op_threads(s.threads):
        return _drape(verts, faces, rest_scale, collider, s)


def _drape(
    verts: torch.Tensor,
    faces: torch.Tensor,
    rest_scale: torch.Tensor,
    collider: BodyCollider,
    s: DrapeSettings,
) -> DrapeResult:
    start, cpu_start = time.perf_counter(), time.process_time()
    x0 = verts.detach().float()
    edges = unique_edges(faces)  # (E, 2)
    pairs = edge_face_pairs(faces)  # (P, 2)
    rest = rest_lengths(x0, edges, rest_scale).clamp(min=1e-5)  # (E,)
    fn0 = face_normals(x0, faces)
    rest_cos = (fn0[pairs[:, 0]] * fn0[pairs[:, 1]]).sum(-1)  # (P,)
    rest_lap = uniform_laplacian(x0, edges)  # (N, 3)
    mean_edge = float(rest.mean())

    collider.refresh(x0)
    x = x0.clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=s.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=max(s.steps, 1), eta_min=s.lr * 0.1
    )
    for step in range(s.steps):
        if step > 0 and step % s.refresh_every == 0:
            collider.refresh(x.detach())
        opt.zero_grad(set_to_none=True)
        sd, _ = collider.signed_distance(x)
        e_col = ((s.margin - sd).clamp(min=0.0) / s.margin).pow(2).mean()
        length = (x[edges[:, 1]] - x[edges[:, 0]]).norm(dim=1)
        e_stretch = ((length - rest) / rest).pow(2).mean()
        fn = face_normals(x, faces)
        cos = (fn[pairs[:, 0]] * fn[pairs[:, 1]]).sum(-1)
        e_bend = (cos - rest_cos).pow(2).mean() if pairs.numel() else x.sum() * 0
        e_smooth = ((uniform_laplacian(x, edges) - rest_lap) / mean_edge).pow(2).sum(-1).mean()
        e_grav = (x[:, 1] - x0[:, 1]).mean() / 0.01
        energy = (
            s.w_collision * e_col
            + s.w_stretch * e_stretch
            + s.w_bend * e_bend
            + s.w_smooth * e_smooth
            + s.w_gravity * e_grav
        )
        energy.backward()
        opt.step()
        sched.step()

    out = project_out(x, collider, s.margin, s.projection_passes)
    collider.refresh(out)
    sd, _ = collider.signed_distance(out)
    inside = float((sd < 0).float().mean()) if sd.numel() else 0.0
    length = (out[edges[:, 1]] - out[edges[:, 0]]).norm(dim=1)
    strain = float(((length - rest) / rest).abs().mean()) if rest.numel() else 0.0
    return DrapeResult(
        out, inside, strain, time.perf_counter() - start, time.process_time() - cpu_start, s.steps
    )
