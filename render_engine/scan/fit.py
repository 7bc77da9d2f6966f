"""Fitting a body to the photos' silhouettes, in two steps.

1. `fit_profiles` (the main fit): Levenberg-Marquardt on the trunk's width profiles (see
   `profile`): rows at fixed fractions of the user's height, widths measured on the photos'
   silhouettes and cut exactly from the full anny mesh of each candidate body as the
   protocol's camera sees it (`profile.mesh_widths`: continuous in the phenotype, no pixel
   steps), Jacobian by batched forward differences, Cauchy weights against rows spoiled by
   a hand overlapping the trunk, rows whose run is about to join or split (a leg, arm or
   hand near the trunk) weighed down, the user's height (and weight) as extra residuals.
   Started from the measurement fit's phenotype and a few other builds (local minima lie
   between builds that look alike in silhouette); the lowest loss wins. Fast (7 bodies x
   views per Jacobian, no rendering, no backward pass) and, unlike Adam on soft
   silhouettes, it does not stall in the muscle/weight trade-off.
2. `fit_silhouettes` (refinement): Adam on PyTorch3D's soft silhouettes (SoftSilhouetteShader
   over a rasterizer with blur_radius and faces_per_pixel), loss

       sum_pixels (alpha - target)^2 / views
     + HEIGHT_WEIGHT * ((height - user height) / 1 cm)^2  (+ weight term when given)
     + a pull towards the starting phenotype,

   on the phenotype and the body's place on the floor, phenotype projected into its bounds.
   Bodies there are the coarse proxy of `proxy.fitting_proxy` (its vertices are anny
   vertices).

Both steps are deterministic: the same photos give the same body whatever ran before in
the process (no state is kept between scans but caches of values that do not change).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch

from render_engine.body.fit import PHENOTYPE_BOUNDS
from render_engine.body.measures import body_measures
from render_engine.body.model import PHENOTYPE_LABELS, phenotype_tensor, rest_shape
from render_engine.scan.posing import PhotoPose, arms_hang, pose_vertices, turn_matrix
from render_engine.scan.protocol import CAMERA_DISTANCE_M, CAMERA_HEIGHT_M, VERTICAL_FOV_DEG
from render_engine.scan.proxy import fitting_proxy
from render_engine.scan.render import place_in_views, soft_silhouettes

HEIGHT_WEIGHT = 30.0
WEIGHT_WEIGHT = 1.0
PRIOR_WEIGHT = 5.0
PROFILE_FD_STEP = 0.02  # phenotype step of the profile fit's forward differences
PROFILE_ITERATIONS = 15
PROFILE_SCOUT_ITERATIONS = 4
JOIN_MARGIN_PX = 2.0  # clearance (pixels) from which a profile row counts fully
#: Other starts of the profile fit, laid over the measurement fit's phenotype: the
#: silhouettes leave builds (muscle against weight and proportions, the gender axis) with
#: local minima between them. Each gender end, each corner of muscle and weight, and each
#: gender end with each corner: the basins lie along both axes at once (held-out seed 22
#: scan 5, a slim man of little muscle, was fitted as a fuller, more muscular build halfway
#: to female, chest +6.2 cm, at a higher loss than his own build's: starts that moved
#: gender or build alone never reached it).
PROFILE_STARTS: tuple[dict[str, float], ...] = (
    {"gender": 0.15},
    {"gender": 0.85},
    *({"muscle": m, "weight": w} for m in (0.3, 0.7) for w in (0.3, 0.7)),
    *({"gender": g, "muscle": m, "weight": w}
      for g in (0.15, 0.85) for m in (0.3, 0.7) for w in (0.3, 0.7)),
)
#: The scouts of lowest loss carried on to `PROFILE_ITERATIONS` steps each: four steps
#: rank the basins only roughly (with one carried, a start that scouted lowest could end
#: higher than another start's basin: `test_scan_trunk`'s misread hanging arms).
PROFILE_CARRIED = 2
#: Arms hanging down in a front or back photo: how far (degrees) the profile fit may lower or
#: raise them from the landmarks' estimate, its prior spread, and its difference step. A hand
#: lies beside the hips there, and BlazePose's wrist a few centimetres off anny's: 2-3 cm at
#: the hand, a few pixels of the hips' rows, which the fit would otherwise read as hips.
ARM_REFINE_DEG = 8.0
ARM_REFINE_SD_DEG = 4.0
ARM_REFINE_STEP_DEG = 0.5
PROFILE_PIXEL_TOLERANCE = 1.0  # pixels (at 256 rows) of width error worth one unit of loss
ROBUST_SCALE = 3.0  # Cauchy scale of the width residuals, in units of the tolerance
SIGMA = 1e-4  # soft-edge width of the silhouettes, squared NDC units (about 0.5 px at 128 rows)


class Profiles(NamedTuple):
    """What `profile_widths` measures on candidate bodies (B of them, N views, R rows)."""

    widths: torch.Tensor  # (B, N, R) pixels
    clearance: torch.Tensor  # (B, N, R) pixels, see `profile.mesh_widths`
    gaps: torch.Tensor  # (B, N, R, 2) pixels beside the trunk's run, left and right
    heights: torch.Tensor  # (B,) m
    weights: torch.Tensor | None  # (B,) kg
    #: (B, N, R) the widths without the arms in side views whose photo shows the arms
    #: over the trunk (`PhotoPose.arms_over_trunk`), the widths elsewhere
    trunk: torch.Tensor | None = None
    #: (B, T, R) the trunk's visible width between the arms in the views `trunk_views`
    #: (`profile.mesh_trunk_widths`), None when none is asked for
    visible: torch.Tensor | None = None


class ProfileFit(NamedTuple):
    """What `fit_profiles` found."""

    phenotype: dict[str, float]
    loss: float  # robust: Cauchy on the widths, squares on the rest
    photo_poses: list[PhotoPose] | None  # the views' poses, hanging arms as refined


@dataclass
class SilhouetteFit:
    phenotype: dict[str, float]
    offset: tuple[float, float, float]  # metres, the body's place on the floor
    iou: float  # mean hard-silhouette IoU of the fit over the views
    steps: int


def _bodies(
    params: torch.Tensor,
    idx: torch.Tensor,
    poses: list[str],
    photo_poses: list[PhotoPose] | None,
    offset: torch.Tensor | None = None,
    spots: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(1, 6) phenotype -> its proxy vertices standing on y = 0, posed and placed in each
    view (N, P, 3) float32 (see `posed_views`; offset (N, 1, 3); seen from each photo's
    spot, `from_photo_spots`), its height (1,) and weight (1,) kg."""
    verts, heads = rest_shape(params)  # (1, V, 3), (1, J, 3)
    floor = verts[:, :, 1].min(dim=1).values  # (1,)
    lift = torch.stack([torch.zeros_like(floor), floor, torch.zeros_like(floor)], dim=1)  # (1, 3)
    if photo_poses is None:
        views = place_in_views(verts[0, idx] - lift, poses)
    else:
        views = posed_views(verts[0] - lift, heads[0] - lift, poses, photo_poses)[:, idx]
    views = views.to(torch.float32)
    if offset is not None:
        views = views + offset
    views = from_photo_spots(views, spots)
    height = verts[:, :, 1].max(dim=1).values - floor
    return views, height, body_measures(verts, heads)["weight"]


def soft_targets(coverage: torch.Tensor, sigma: float | None = None) -> torch.Tensor:
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


def posed_views(
    verts: torch.Tensor,
    heads: torch.Tensor,
    poses: list[str],
    photo_poses: list[PhotoPose] | None,
    offset: torch.Tensor | None = None,
) -> torch.Tensor:
    """(V, 3) vertices and (J, 3) bone heads of a body on the floor -> (N, V, 3): posed as
    in each photo (`posing`; rest pose when `photo_poses` is None), turned by the label's
    yaw and the photo's turn, moved by `offset` (N, 1, 3)."""
    if photo_poses is None:
        return place_in_views(verts, poses, offset)
    views = []
    for label, pose in zip(poses, photo_poses, strict=True):
        posed = pose_vertices(verts[None], heads[None], pose)[0]
        views.append(posed @ turn_matrix(pose, label).to(verts).T)
    out = torch.stack(views)
    return out if offset is None else out + offset


def turned_views(
    points: torch.Tensor, poses: list[str], photo_poses: list[PhotoPose] | None
) -> torch.Tensor:
    """(K, 3) points -> (N, K, 3) turned by each view's label and turn, not posed."""
    if photo_poses is None:
        return place_in_views(points, poses)
    return torch.stack([
        points @ turn_matrix(pose, label).to(points).T
        for label, pose in zip(poses, photo_poses, strict=True)
    ])


def from_photo_spots(views: torch.Tensor, spots: torch.Tensor | None) -> torch.Tensor:
    """(N, P, 3) points placed in each view -> the points that the reference camera
    (`protocol`) sees where each photo's own camera saw the originals, up to the scale and
    shift that bring the photo into the reference view (`camera.reference_mask`).

    spots: (N, 2) each photo's camera distance to the person's axis and lens height (m),
    or (N, 3) with the person's place right of the photo's optical axis (m) as well;
    None for the reference's own. The photo is levelled and scaled so that points on the
    axis plane (z = 0) land where the reference camera would see them; points off that plane
    (a side view's arms, 20 cm nearer or farther; a belly, a bust) were seen by a camera at
    another distance and height, with another parallax. Seen from distance d and lens height
    h, a point (x, y, z) lands on the reference image where the reference camera sees
    (x + L z / d, y - (h - H0) z / d, z D0 / d) (D0, H0: the reference's distance and lens
    height; L the person's place right of the axis, 0 when not given):
    the same column and row for every depth, so the widths and silhouettes of the bodies
    are those of each photo's perspective."""
    if spots is None:
        return views
    d = spots[:, 0].to(views.dtype)[:, None]  # (N, 1)
    h = spots[:, 1].to(views.dtype)[:, None]
    x, y, z = views.unbind(-1)
    if spots.shape[1] > 2:
        # the person stood L right of the optical axis: seen obliquely, a point nearer the
        # camera (z > 0) lands farther out, by L z / d, once the axis is brought to the centre
        x = x + spots[:, 2].to(views.dtype)[:, None] * z / d
    return torch.stack(
        [x, y - (h - CAMERA_HEIGHT_M) * z / d, z * (CAMERA_DISTANCE_M / d)], dim=-1
    )


#: Bones along the trunk's axis, from the pelvis up: inside the trunk in every view, they
#: pick the trunk's run on each profile row (see `profile.mesh_widths`).
AXIS_BONES = ("root", "spine04", "spine03", "spine02", "spine01", "neck01")


@functools.lru_cache(maxsize=1)
def _axis_index() -> torch.Tensor:
    from render_engine.body.fitted import _topology

    labels = _topology()[2]
    return torch.tensor([labels.index(b) for b in AXIS_BONES])


def profile_widths(
    params: torch.Tensor,
    poses: list[str],
    rows: list[float],
    height: int,
    with_weight: bool = True,
    faces: torch.Tensor | None = None,
    photo_poses: list[PhotoPose] | None = None,
    spots: torch.Tensor | None = None,
    body_poses: list[list[PhotoPose]] | None = None,
    trunk_views: list[int] | None = None,
) -> Profiles:
    """(B, 6) phenotypes -> their `Profiles`: width profiles (B, N, R) in pixels at `height`
    rows, seen in `poses` by the protocol's camera (`profile.mesh_widths` on the full mesh),
    the rows' clearances (B, N, R) and gaps beside the trunk (B, N, R, 2) (see
    `mesh_widths`), heights (B,) and weights (B,) kg (None unless `with_weight`).
    faces: the faces to cut (all of anny's when None; see
    `band_faces`). photo_poses: each view's pose (`posing`), the rest pose when None.
    spots: (N, 2) or (N, 3) each photo's spot (`from_photo_spots`). body_poses: each
    body's own view poses (B lists of N), instead of `photo_poses` for all. trunk_views:
    the views whose trunk's visible width between the arms is wanted too."""
    from render_engine.body.fitted import _topology
    from render_engine.scan.profile import mesh_trunk_widths, mesh_widths

    if faces is None:
        faces = _topology()[0]
    verts, heads = rest_shape(params)  # (B, V, 3), (B, J, 3)
    floor = verts[:, :, 1].min(dim=1).values  # (B,)
    lift = torch.stack([torch.zeros_like(floor), floor, torch.zeros_like(floor)], dim=1)[:, None]
    heights = verts[:, :, 1].max(dim=1).values - floor
    weights = body_measures(verts, heads)["weight"] if with_weight else None
    axis = heads[:, _axis_index()] - lift  # (B, K, 3)
    b = verts.shape[0]
    floored = heads - lift
    per_body = body_poses if body_poses is not None else [photo_poses] * verts.shape[0]
    views = torch.cat([
        posed_views(v, hd, poses, pp)
        for v, hd, pp in zip(verts - lift, floored, per_body, strict=True)
    ])  # (B N, V, 3)
    # the spine does not move with the arms: only turned
    axes = torch.cat([turned_views(a, poses, photo_poses) for a in axis])  # (B N, K, 3)
    if spots is not None:
        views = from_photo_spots(views, spots.repeat(b, 1))
        axes = from_photo_spots(axes, spots.repeat(b, 1))
    widths, clearance, gaps = mesh_widths(views, faces, rows, height, axes)  # (B N, R[, 2])
    trunk = widths
    over = [n for n, p in enumerate(per_body[0] or []) if p.arms_over_trunk]
    trunk_faces = without_arms(faces) if over or trunk_views else faces
    if over:
        pick = torch.tensor([i * len(poses) + n for i in range(b) for n in over])
        trunk = widths.clone()
        trunk[pick] = mesh_widths(views[pick], trunk_faces, rows, height, axes[pick])[0]
    visible = None
    if trunk_views:
        pick = torch.tensor([i * len(poses) + n for i in range(b) for n in trunk_views])
        visible = mesh_trunk_widths(
            views[pick], trunk_faces, arms_only(faces), rows, height, axes[pick]
        ).reshape(b, len(trunk_views), len(rows))
    shape = (b, len(poses), len(rows))
    return Profiles(
        widths.reshape(shape), clearance.reshape(shape), gaps.reshape(*shape, 2), heights,
        weights, trunk.reshape(shape), visible,
    )


def _on_arm(faces: torch.Tensor) -> torch.Tensor:
    """(F,) whether each face of anny's mesh is on an arm (`posing`'s arm chains, upper and
    lower, carry over half of its skinning weight)."""
    from render_engine.scan.posing import _arms

    _, chains = _arms()
    on_arm = chains.sum(dim=(0, 1)).to(torch.float32)  # (V,)
    return on_arm[faces].mean(dim=1) > 0.5


def without_arms(faces: torch.Tensor) -> torch.Tensor:
    """(F, 3) faces of anny's mesh -> those not on an arm (see `_on_arm`)."""
    return faces[~_on_arm(faces)]


def arms_only(faces: torch.Tensor) -> torch.Tensor:
    """(F, 3) faces of anny's mesh -> those on an arm (see `_on_arm`)."""
    return faces[_on_arm(faces)]


def band_faces(phenotype: torch.Tensor, margin: float = 0.1) -> torch.Tensor:
    """(F', 3) the faces of anny's mesh with a corner between the lowest and highest profile
    rows' heights, widened by `margin` of the body's height, on the body of `phenotype`
    (1, 6): the only faces a width profile can cut, for a fit that keeps the height."""
    from render_engine.body.fitted import _topology
    from render_engine.scan.profile import ROW_FRACTIONS

    faces = _topology()[0]
    with torch.no_grad():
        verts = rest_shape(phenotype)[0][0]  # (V, 3)
    y = verts[:, 1] - verts[:, 1].min()
    tall = float(y.max())
    lo, hi = (ROW_FRACTIONS[0] - margin) * tall, (ROW_FRACTIONS[-1] + margin) * tall
    inside = (y >= lo) & (y <= hi)  # (V,)
    return faces[inside[faces].any(dim=1)]


#: Gaps beside the trunk (pixels at 256 rows, about 1.1 cm each) from which an arm counts as
#: clearly apart from it, and the disagreement between a photo's gap and a body's up to
#: which a row is trusted fully (none from twice that).
APART_PX = 6.0
GAP_TOLERANCE_PX = 2.0


def gap_agreement(photo: torch.Tensor, body: torch.Tensor) -> torch.Tensor:
    """(..., 2) gaps beside the trunk (left, right) on a photo's row and on a body's ->
    (...) trust in that row's width, 0..1: whether the photo and the body agree on what
    lies beside the trunk there. An arm joined to the trunk's run in one and apart in the
    other (inf against a few pixels), or apart by different gaps, means the body's arm is
    not where the photo's is: the row's width then measures the arm's pose, not the trunk,
    and the row is left out, however near the widths happen to be. A side with an arm apart
    in one and none (inf: joined, or no arm at that height) in the other never agrees; both
    apart by `APART_PX` or more, or neither apart, agree whatever the gaps."""
    both_apart = (torch.minimum(photo, body) >= APART_PX) & (photo.isinf() == body.isinf())
    diff = torch.nan_to_num((photo - body).abs(), nan=0.0, posinf=1e9)
    t = (2.0 - diff / GAP_TOLERANCE_PX).clamp(0.0, 1.0)
    side = torch.where(both_apart, torch.ones_like(t), t * t * (3.0 - 2.0 * t))
    return side.prod(dim=-1)


def join_weights(clearance: torch.Tensor) -> torch.Tensor:
    """Row weights from clearances: 0 where a run is about to join or split, rising
    smoothly to 1 at `JOIN_MARGIN_PX`."""
    t = (clearance / JOIN_MARGIN_PX).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _levenberg_marquardt(
    residuals: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    x: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    n_robust: int,
    iterations: int,
    on_step: Callable[[], None] | None = None,
    fd_step: torch.Tensor | None = None,
) -> tuple[torch.Tensor, float]:
    """Projected, iteratively reweighted Levenberg-Marquardt from x (P,) within [lo, hi].

    `residuals` maps (B, P) to (B, R') residuals and (B, n_robust) trust (0..1) in the
    first `n_robust` (the widths: `join_weights` of their clearance times `gap_agreement`).
    Each step weighs those by their trust and by Cauchy weights (scale `ROBUST_SCALE`),
    both taken at the step's start and held through it (so a row whose run joins within a
    difference step is already out), and the rest by 1; Jacobian by forward differences
    of `fd_step` (P,) (`PROFILE_FD_STEP` for each when None), all P + 1 points in one
    batch. Returns the parameters and their robust loss (`_robust_loss`)."""
    damping = 1e-3
    n = x.shape[0]
    step = torch.full_like(x, PROFILE_FD_STEP) if fd_step is None else fd_step.to(x)
    for _ in range(iterations):
        h = torch.where(x + step > hi, -step, step)
        r, trust = residuals(torch.cat([x[None], x[None] + torch.diag(h)]))  # (P + 1, R')
        r0, jac = r[0], ((r[1:] - r[0]) / h[:, None]).T
        # iteratively reweighted: Cauchy weights on the width residuals, so that a row
        # where a hand overlaps the trunk in one image does not drag the whole fit
        weight = torch.ones_like(r0)
        joined = trust[0]
        weight[:n_robust] = joined / torch.sqrt(1.0 + (joined * r0[:n_robust] / ROBUST_SCALE) ** 2)
        r0, jac = r0 * weight, jac * weight[:, None]
        loss = float((r0**2).sum())
        jtj, jtr = jac.T @ jac, jac.T @ r0
        pinned = ((x <= lo) & (jtr > 0)) | ((x >= hi) & (jtr < 0))
        free = (~pinned).to(x.dtype)
        jtj = jtj * free[:, None] * free[None, :] + torch.diag(1.0 - free)
        jtr = jtr * free
        improved = False
        new_loss = loss
        for _ in range(4):
            a = jtj + damping * (torch.diag(torch.diag(jtj)) + 1e-9 * torch.eye(n, dtype=x.dtype))
            candidate = torch.maximum(torch.minimum(x + torch.linalg.solve(a, -jtr), hi), lo)
            new_loss = float(((residuals(candidate[None])[0][0] * weight) ** 2).sum())
            if new_loss < loss:
                x, improved = candidate, True
                damping = max(damping / 5.0, 1e-6)
                break
            damping *= 10.0
        if on_step is not None:
            on_step()
        if not improved or loss - new_loss < 1e-4 * loss:
            break
    r, trust = residuals(x[None])
    return x, _robust_loss(r[0], trust[0], n_robust)


def _robust_loss(r: torch.Tensor, trust: torch.Tensor, n_robust: int) -> float:
    """Cauchy loss of the first `n_robust` residuals weighed by their trust, plus the
    squares of the rest."""
    c2 = ROBUST_SCALE**2
    widths = trust * r[:n_robust]
    return float((c2 * torch.log1p(widths**2 / c2)).sum() + (r[n_robust:] ** 2).sum())


def fit_profiles(
    photo_widths: torch.Tensor,
    poses: list[str],
    start: dict[str, float],
    height_m: float,
    rows: int,
    weight_kg: float | None = None,
    iterations: int = PROFILE_ITERATIONS,
    on_step: Callable[[int, int], None] | None = None,
    photo_poses: list[PhotoPose] | None = None,
    spots: torch.Tensor | None = None,
    photo_gaps: torch.Tensor | None = None,
    photo_trunks: torch.Tensor | None = None,
) -> ProfileFit:
    """Levenberg-Marquardt on the width profiles (see `profile`): the phenotype whose
    silhouettes are as wide as the photos' at every profile row, at the user's height,
    weakly pulled towards `start`. photo_widths: (N, R) pixels at `rows` image rows;
    photo_gaps: (N, R, 2) the gaps beside the trunk on them (`profile.central_runs`): a
    row counts only where the body's arms lie beside its trunk as the photo's do
    (`gap_agreement`), and only where the photo's centre falls on the person.
    photo_trunks: (N, R) the trunk's visible width between arms hanging against it
    (`trunk.trunk_runs`; nan where a photo does not show it): where known, the body's
    (`profile.mesh_trunk_widths`) is held to it too, so that the arms' thickness and the
    trunk's no longer trade against each other in those rows.

    The bodies' widths are measured exactly on the full mesh (`profile_widths`), so they
    change continuously with the phenotype. Builds that trade muscle against weight and
    proportions look alike in silhouette and the loss has local minima between them, so
    `PROFILE_SCOUT_ITERATIONS` steps are taken from `start` and from each of
    `PROFILE_STARTS` (laid over `start`), the `PROFILE_CARRIED` of lowest loss are carried
    on to `iterations` steps each, and the lowest loss is kept. Arms hanging down in front
    and back views (`posing.arms_hang`) are lowered or raised with the body, within
    `ARM_REFINE_DEG` of `photo_poses`. Returns a `ProfileFit`. Deterministic: the same
    photos give the same phenotype in any process state.
    """
    from render_engine.scan.profile import profile_rows

    prior = phenotype_tensor(start)
    lo = torch.tensor([PHENOTYPE_BOUNDS[k][0] for k in PHENOTYPE_LABELS], dtype=prior.dtype)
    hi = torch.tensor([PHENOTYPE_BOUNDS[k][1] for k in PHENOTYPE_LABELS], dtype=prior.dtype)
    row_pos = profile_rows(height_m, rows)
    target = photo_widths.to(prior.dtype).flatten()
    n_widths = target.numel()
    faces = band_faces(prior)

    seen = (target > 0).to(prior.dtype)  # the photo's centre on the person
    # the views and rows where the photo shows the trunk between hanging arms
    known = (
        torch.zeros(0, len(row_pos), dtype=torch.bool) if photo_trunks is None
        else photo_trunks.isfinite()
    )
    trunk_views = [v for v in range(known.shape[0]) if bool(known[v].any())]
    trunk_target = (
        photo_trunks[trunk_views].to(prior.dtype)[known[trunk_views]]
        if photo_trunks is not None and trunk_views else torch.zeros(0, dtype=prior.dtype)
    )
    n_trunk = trunk_target.numel()
    gaps = None if photo_gaps is None else photo_gaps.to(prior.dtype).flatten(0, 1)  # (N R, 2)
    # front and back views with the arms hanging: their lowering refined with the body
    hanging = [] if photo_poses is None else [
        v for v, (label, pose) in enumerate(zip(poses, photo_poses, strict=True))
        if label in ("front", "back") and arms_hang(pose)
    ]
    k = len(hanging)
    lo = torch.cat([lo, torch.full((k,), -ARM_REFINE_DEG, dtype=lo.dtype)])
    hi = torch.cat([hi, torch.full((k,), ARM_REFINE_DEG, dtype=hi.dtype)])
    fd_step = torch.cat([
        torch.full((6,), PROFILE_FD_STEP, dtype=lo.dtype),
        torch.full((k,), ARM_REFINE_STEP_DEG, dtype=lo.dtype),
    ])

    def posed_as(extra: torch.Tensor) -> list[list[PhotoPose]] | None:
        """(B, k) arm refinements -> each body's view poses."""
        if photo_poses is None or not k:
            return None
        out = []
        for row in extra.tolist():
            views = list(photo_poses)
            for v, delta in zip(hanging, row, strict=True):
                pose = views[v]
                views[v] = dataclasses.replace(
                    pose, raise_deg=(pose.raise_deg[0] + delta, pose.raise_deg[1] + delta)
                )
            out.append(views)
        return out

    def residuals(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 6 + k) -> (B, R') residuals, (B, N R) trust in the widths."""
        ph, extra = x[:, :6], x[:, 6:]
        p = profile_widths(
            ph, poses, row_pos, rows, with_weight=weight_kg is not None, faces=faces,
            photo_poses=photo_poses, spots=spots, body_poses=posed_as(extra),
            trunk_views=trunk_views,
        )
        # a row of a side view whose photo shows the arms over the trunk is only known to
        # lie between the body's trunk and the body with its arms, which the landmarks
        # may have posed a little off: no evidence while the photo's width lies between
        full, trunk = p.widths.flatten(1), p.trunk.flatten(1) if p.trunk is not None else None
        seen_as = full if trunk is None else torch.clamp(
            target, torch.minimum(trunk, full), torch.maximum(trunk, full)
        )
        parts = [(seen_as - target) / PROFILE_PIXEL_TOLERANCE]
        if n_trunk:
            assert p.visible is not None
            visible = p.visible[:, known[trunk_views]]  # (B, n_trunk)
            parts.append((visible - trunk_target) / PROFILE_PIXEL_TOLERANCE)
        parts += [
            ((p.heights - height_m) / 0.001)[:, None],
            math.sqrt(PRIOR_WEIGHT) * (ph - prior),
            extra / ARM_REFINE_SD_DEG,
        ]
        if p.weights is not None and weight_kg is not None:
            parts.append((p.weights - weight_kg)[:, None] / 1.5)
        trust = join_weights(p.clearance.flatten(1)) * seen
        if gaps is not None:
            trust = trust * gap_agreement(gaps[None], p.gaps.flatten(1, 2))
        trust = torch.cat([trust, torch.ones(trust.shape[0], n_trunk, dtype=trust.dtype)], dim=1)
        return torch.cat(parts, dim=1), trust

    starts = [
        torch.cat([x0, torch.zeros(k, dtype=x0.dtype)])
        for x0 in [prior[0]] + [phenotype_tensor({**start, **s})[0] for s in PROFILE_STARTS]
    ]
    total = len(starts) * PROFILE_SCOUT_ITERATIONS + min(PROFILE_CARRIED, len(starts)) * iterations
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if on_step is not None:
            on_step(min(done, total), total)

    with torch.no_grad():
        scouts = [
            _levenberg_marquardt(
                residuals, x0.clamp(lo, hi), lo, hi, n_widths + n_trunk,
                PROFILE_SCOUT_ITERATIONS, step, fd_step,
            )
            for x0 in starts
        ]
        # the lowest scouts carried on (each kept as scouted if its steps found no lower
        # loss), the lowest of them kept; sort and min take the first of equals: deterministic
        carried = []
        for scout in sorted(scouts, key=lambda fit: fit[1])[:PROFILE_CARRIED]:
            fit = _levenberg_marquardt(
                residuals, scout[0], lo, hi, n_widths + n_trunk, iterations, step, fd_step
            )
            carried.append(fit if fit[1] <= scout[1] else scout)
        x, final = min(carried, key=lambda fit: fit[1])
    if on_step is not None:
        on_step(total, total)
    refined = posed_as(x[None, 6:])
    return ProfileFit(
        {k: float(x[i]) for i, k in enumerate(PHENOTYPE_LABELS)}, final,
        refined[0] if refined is not None else photo_poses,
    )


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
    photo_poses: list[PhotoPose] | None = None,
    spots: torch.Tensor | None = None,
) -> SilhouetteFit:
    """Fit the phenotype and floor offset to (N, H, W) target coverages in [0, 1] seen in
    `poses` by the protocol's camera (see `protocol`). Returns the best fit seen."""
    idx, faces = fitting_proxy()
    height = targets.shape[1]
    prior = phenotype_tensor(start)  # (1, 6)
    lo = torch.tensor([[PHENOTYPE_BOUNDS[k][0] for k in PHENOTYPE_LABELS]], dtype=prior.dtype)
    hi = torch.tensor([[PHENOTYPE_BOUNDS[k][1] for k in PHENOTYPE_LABELS]], dtype=prior.dtype)
    params = prior.clone().clamp(lo, hi).requires_grad_(True)
    # each photo has its own camera, so each view its own lateral place (x); the depth (z)
    # is shared. Started where the start body's silhouette centre meets the photo's.
    place = torch.tensor(offset, dtype=torch.float32).repeat(len(poses), 1)  # (N, 3), y unused
    with torch.no_grad():
        views, _, _ = _bodies(params, idx, poses, photo_poses, spots=spots)
        alpha = soft_silhouettes(views, faces, height, sigma=SIGMA)
        cols = torch.arange(alpha.shape[2], dtype=torch.float32)
        drawn = ((alpha > 0.5).float().sum(1) * cols).sum(1) / (alpha > 0.5).float().sum((1, 2))
        wanted = ((targets > 0.5).float().sum(1) * cols).sum(1) / (
            (targets > 0.5).float().sum((1, 2)).clamp_min(1)
        )
        span = 2 * CAMERA_DISTANCE_M * math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
        metres_per_px = span / height
        place[:, 0] += (wanted - drawn) * metres_per_px
    place.requires_grad_(True)
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
        views, body_height, body_weight = _bodies(
            params, idx, poses, photo_poses, (place * floor_only)[:, None], spots
        )  # (N, P, 3)
        alpha = soft_silhouettes(views, faces, height, sigma=SIGMA)  # (N, H, W)
        loss = ((alpha - targets) ** 2).sum() / len(poses)
        loss = loss + HEIGHT_WEIGHT * ((body_height[0] - height_m) / 0.01) ** 2
        if weight_kg is not None:
            loss = loss + WEIGHT_WEIGHT * (body_weight[0] - weight_kg) ** 2
        loss = loss + PRIOR_WEIGHT * ((params - prior) ** 2).sum()
        if float(loss.detach()) < best[0]:
            best = (float(loss.detach()), params.detach().clone(), place.detach().clone())
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        schedule.step()
        with torch.no_grad():
            params.copy_(torch.maximum(torch.minimum(params, hi), lo))
        if on_step is not None:
            on_step(step + 1, steps)
    _, p, o = best
    with torch.no_grad():
        views, _, _ = _bodies(p, idx, poses, photo_poses, (o * floor_only)[:, None], spots)
        alpha = soft_silhouettes(views, faces, height, sigma=SIGMA)
        inter = torch.minimum(alpha > 0.5, targets > 0.5).flatten(1).sum(1).float()
        union = torch.maximum(alpha > 0.5, targets > 0.5).flatten(1).sum(1).float().clamp_min(1)
    mean = (o * floor_only).mean(dim=0)
    return SilhouetteFit(
        phenotype={k: float(p[0, i]) for i, k in enumerate(PHENOTYPE_LABELS)},
        offset=(float(mean[0]), float(mean[1]), float(mean[2])),
        iou=float((inter / union).mean()),
        steps=steps,
    )
