"""Fitting a body to the photos' silhouettes, in two steps.

1. `fit_profiles` (the main fit): Levenberg-Marquardt on the trunk's width profiles (see
   `profile`): rows at fixed fractions of the user's height, widths measured on the photos'
   silhouettes and on hard silhouettes of the candidate bodies rendered by the protocol's
   camera (tiled PyTorch3D rasterizer), Jacobian by batched forward differences, Cauchy
   weights against rows spoiled by a hand overlapping the trunk, the user's height (and
   weight) as extra residuals. Fast (7 bodies x views per Jacobian, no backward pass) and,
   unlike Adam on soft silhouettes, it does not stall in the muscle/weight trade-off.
2. `fit_silhouettes` (refinement): Adam on PyTorch3D's soft silhouettes (SoftSilhouetteShader
   over a rasterizer with blur_radius and faces_per_pixel), loss

       sum_pixels (alpha - target)^2 / views
     + HEIGHT_WEIGHT * ((height - user height) / 1 cm)^2  (+ weight term when given)
     + a pull towards the starting phenotype,

   on the phenotype and the body's place on the floor, phenotype projected into its bounds.

Bodies are the coarse proxy of `proxy.fitting_proxy` (its vertices are anny vertices).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from render_engine.body.fit import PHENOTYPE_BOUNDS
from render_engine.body.measures import body_measures
from render_engine.body.model import PHENOTYPE_LABELS, phenotype_tensor, rest_shape
from render_engine.scan.proxy import fitting_proxy
from render_engine.scan.render import place_in_views, soft_silhouettes

HEIGHT_WEIGHT = 30.0
WEIGHT_WEIGHT = 1.0
PRIOR_WEIGHT = 5.0
PROFILE_FD_STEP = 0.04  # phenotype step of the profile fit's forward differences
PROFILE_PIXEL_TOLERANCE = 1.0  # pixels (at 256 rows) of width error worth one unit of loss
ROBUST_SCALE = 3.0  # Cauchy scale of the width residuals, in units of the tolerance
SIGMA = 1e-4  # soft-edge width of the silhouettes, squared NDC units (about 0.5 px at 128 rows)


@dataclass
class SilhouetteFit:
    phenotype: dict[str, float]
    offset: tuple[float, float, float]  # metres, the body's place on the floor
    iou: float  # mean hard-silhouette IoU of the fit over the views
    steps: int


def _bodies(
    params: torch.Tensor, idx: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, 6) phenotypes -> proxy vertices standing on y = 0 (B, P, 3) float32, heights (B,)
    and weights (B,) kg."""
    verts, heads = rest_shape(params)  # (B, V, 3), (B, J, 3)
    floor = verts[:, :, 1].min(dim=1).values  # (B,)
    lift = torch.stack([torch.zeros_like(floor), floor, torch.zeros_like(floor)], dim=1)  # (B, 3)
    proxy = verts[:, idx] - lift[:, None]
    height = verts[:, :, 1].max(dim=1).values - floor
    return proxy.to(torch.float32), height, body_measures(verts, heads)["weight"]


def soft_targets(coverage: torch.Tensor, sigma: float = None) -> torch.Tensor:
    """Photo coverages (N, H, W) in [0, 1] -> the soft silhouettes a perfectly fitting body
    would render: PyTorch3D's soft edge only grows outwards (a pixel at NDC distance d
    outside the body gets sigmoid(-d^2 / sigma)), so the same fringe is added to the target
    (distance by kornia's distance transform). Without it the fit shrinks every body."""
    from kornia.contrib import distance_transform

    sigma = SIGMA if sigma is None else sigma
    n, h, w = coverage.shape
    inside = (coverage > 0.5).to(torch.float32)[:, None]  # (N, 1, H, W)
    dist_px = distance_transform(inside, kernel_size=5)[
        :, 0
    ]  # (N, H, W) to the nearest inside pixel
    dist_ndc = dist_px * (2.0 / min(h, w))
    fringe = torch.sigmoid(-(dist_ndc**2) / sigma)
    return torch.where(coverage > 0.5, torch.ones_like(coverage), torch.maximum(coverage, fringe))


def hard_silhouettes(
    proxy: torch.Tensor, poses: list[str], height: int, faces: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, P, 3) bodies -> (B, N, H, W) bool hard silhouettes (one face per pixel).

    faces: (F, 3) of the bodies; the proxy's faces when None."""
    from pytorch3d.structures import Meshes

    from render_engine.scan.protocol import make_cameras
    from render_engine.scan.render import _rasterizer

    if faces is None:
        faces = fitting_proxy()[1]
    views = torch.cat([place_in_views(v, poses) for v in proxy])  # (B*N, P, 3)
    cameras = make_cameras(views.shape[0])
    meshes = Meshes(verts=list(views), faces=[faces] * views.shape[0])
    hit = _rasterizer(cameras, height, 0.0, 1)(meshes).pix_to_face[..., 0] >= 0
    return hit.reshape(proxy.shape[0], len(poses), *hit.shape[1:])


def fit_profiles(
    photo_widths: torch.Tensor,
    poses: list[str],
    start: dict[str, float],
    height_m: float,
    rows: int,
    weight_kg: float | None = None,
    iterations: int = 8,
    on_step: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, float], float]:
    """Levenberg-Marquardt on the width profiles (see `profile`): the phenotype whose
    rendered silhouettes are as wide as the photos' at every profile row, at the user's
    height. photo_widths: (N, R) pixels at `rows` image rows. Jacobian by forward
    differences of `PROFILE_FD_STEP`, the 7 bodies rendered in one batch. Returns the
    phenotype and its robust loss (Cauchy on the widths, squares on the rest)."""
    from render_engine.scan.profile import central_widths, profile_rows

    # the proxy: rendering the full mesh instead gave the same errors (bench/scan.py) at
    # four times the cost
    idx, faces = fitting_proxy()
    prior = phenotype_tensor(start)
    lo = torch.tensor([PHENOTYPE_BOUNDS[k][0] for k in PHENOTYPE_LABELS], dtype=prior.dtype)
    hi = torch.tensor([PHENOTYPE_BOUNDS[k][1] for k in PHENOTYPE_LABELS], dtype=prior.dtype)
    row_pos = profile_rows(height_m, rows)
    target = photo_widths.to(prior.dtype).flatten()
    n_widths = target.numel()

    def residuals(x: torch.Tensor) -> torch.Tensor:  # (B, 6) -> (B, R')
        proxy, heights, weights = _bodies(x, idx)
        masks = hard_silhouettes(proxy, poses, rows, faces)  # (B, N, H, W)
        widths = torch.stack(
            [torch.cat([central_widths(m, row_pos) for m in body]) for body in masks]
        ).to(x.dtype)  # (B, N*R)
        parts = [
            (widths - target) / PROFILE_PIXEL_TOLERANCE,
            ((heights - height_m) / 0.001)[:, None],
            math.sqrt(PRIOR_WEIGHT) * (x - prior),
        ]
        if weight_kg is not None:
            parts.append((weights - weight_kg)[:, None] / 1.5)
        return torch.cat(parts, dim=1)

    x = prior[0].clamp(lo, hi)
    damping = 1e-3
    with torch.no_grad():
        for it in range(iterations):
            h = torch.where(x + PROFILE_FD_STEP > hi, -PROFILE_FD_STEP, PROFILE_FD_STEP).to(x.dtype)
            r = residuals(torch.cat([x[None], x[None] + torch.diag(h)]))  # (7, R')
            r0, jac = r[0], ((r[1:] - r[0]) / h[:, None]).T
            # iteratively reweighted: Cauchy weights on the width residuals, so that a row
            # where a hand overlaps the trunk in one image does not drag the whole fit
            weight = torch.ones_like(r0)
            weight[:n_widths] = 1.0 / torch.sqrt(1.0 + (r0[:n_widths] / ROBUST_SCALE) ** 2)
            r0, jac = r0 * weight, jac * weight[:, None]
            loss = float((r0**2).sum())
            jtj, jtr = jac.T @ jac, jac.T @ r0
            pinned = ((x <= lo) & (jtr > 0)) | ((x >= hi) & (jtr < 0))
            free = (~pinned).to(x.dtype)
            jtj = jtj * free[:, None] * free[None, :] + torch.diag(1.0 - free)
            jtr = jtr * free
            improved = False
            for _ in range(4):
                a = jtj + damping * (
                    torch.diag(torch.diag(jtj)) + 1e-9 * torch.eye(6, dtype=x.dtype)
                )
                candidate = torch.maximum(torch.minimum(x + torch.linalg.solve(a, -jtr), hi), lo)
                if float(((residuals(candidate[None])[0] * weight) ** 2).sum()) < loss:
                    x, improved = candidate, True
                    damping = max(damping / 5.0, 1e-6)
                    break
                damping *= 10.0
            if on_step is not None:
                on_step(it + 1, iterations)
            if not improved:
                break
    final_r = residuals(x[None])[0]
    c2 = ROBUST_SCALE**2
    final = float(
        (c2 * torch.log1p(final_r[:n_widths] ** 2 / c2)).sum() + (final_r[n_widths:] ** 2).sum()
    )
    return {k: float(x[i]) for i, k in enumerate(PHENOTYPE_LABELS)}, final


def fit_silhouettes(
    targets: torch.Tensor,
    poses: list[str],
    start: dict[str, float],
    height_m: float,
    weight_kg: float | None = None,
    steps: int = 40,
    lr: float = 0.02,
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0),
    on_step: Callable[[int, int], None] | None = None,
) -> SilhouetteFit:
    """Fit the phenotype and floor offset to (N, H, W) target coverages in [0, 1] seen in
    `poses` by the protocol's camera (see `protocol`). Returns the best fit seen."""
    idx, faces = fitting_proxy()
    height = targets.shape[1]
    prior = phenotype_tensor(start)  # (1, 6)
    lo = torch.tensor([[PHENOTYPE_BOUNDS[k][0] for k in PHENOTYPE_LABELS]], dtype=prior.dtype)
    hi = torch.tensor([[PHENOTYPE_BOUNDS[k][1] for k in PHENOTYPE_LABELS]], dtype=prior.dtype)
    params = prior.clone().clamp(lo, hi).requires_grad_(True)
    place = torch.tensor(offset, dtype=torch.float32).requires_grad_(True)  # (3,), y unused
    optimiser = torch.optim.Adam([{"params": [params], "lr": lr}, {"params": [place], "lr": 0.005}])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=steps, eta_min=lr * 0.05)
    floor_only = torch.tensor([1.0, 0.0, 1.0])
    best: tuple[float, torch.Tensor, torch.Tensor] = (
        math.inf,
        params.detach().clone(),
        place.detach().clone(),
    )
    for step in range(steps):
        optimiser.zero_grad()
        verts, body_height, body_weight = _bodies(params, idx)
        views = place_in_views(verts[0], poses, place * floor_only)  # (N, P, 3)
        alpha = soft_silhouettes(views, faces, height, sigma=SIGMA)  # (N, H, W)
        loss = ((alpha - targets) ** 2).sum() / len(poses)
        loss = loss + HEIGHT_WEIGHT * ((body_height[0] - height_m) / 0.01) ** 2
        if weight_kg is not None:
            loss = loss + WEIGHT_WEIGHT * (body_weight[0] - weight_kg) ** 2
        loss = loss + PRIOR_WEIGHT * ((params - prior) ** 2).sum()
        if float(loss.detach()) < best[0]:
            best = (float(loss.detach()), params.detach().clone(), place.detach().clone())
        loss.backward()
        optimiser.step()
        schedule.step()
        with torch.no_grad():
            params.copy_(torch.maximum(torch.minimum(params, hi), lo))
        if on_step is not None:
            on_step(step + 1, steps)
    _, p, o = best
    with torch.no_grad():
        verts, _, _ = _bodies(p, idx)
        alpha = soft_silhouettes(
            place_in_views(verts[0], poses, o * floor_only), faces, height, sigma=SIGMA
        )
        inter = torch.minimum(alpha > 0.5, targets > 0.5).flatten(1).sum(1).float()
        union = torch.maximum(alpha > 0.5, targets > 0.5).flatten(1).sum(1).float().clamp_min(1)
    return SilhouetteFit(
        phenotype={k: float(p[0, i]) for i, k in enumerate(PHENOTYPE_LABELS)},
        offset=tuple(float(x) for x in (o * floor_only)),
        iou=float((inter / union).mean()),
        steps=steps,
    )
