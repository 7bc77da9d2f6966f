"""The trunk's own width where hanging arms lie against it: colour edges inside the outline.

With the arms hanging down in a front or back photo, the outline's run at the waist and hip
rows is the trunk and both arms together, and builds that trade the arms' thickness for the
trunk's look alike there (thinner arms and a fuller trunk fill the same run). Where the arms
and the trunk differ in colour (bare arms and a top, sleeves of another colour) the photo
shows where each arm ends: `trunk_runs` finds, on each profile row, the colour step between
each arm and the trunk inside the outline's run, and reports the trunk's visible width
between them. It reports a row only when the photo says so clearly: a step on both sides
that is large in CIELAB units (`MIN_STEP_DELTA_E`) and twice any step between it and the
centre (shading darkens a trunk towards its sides gradually), and the two arms more alike
each other than the trunk; a top of the skin's colour, or sleeves of the top's, gives few
rows (shading edges only) and the fit goes on with the outline.

All positions are in the fit's reference view (`camera.reference_transform`), at the
analysis size, sampled `OVERSAMPLE` times finer across the row from the photo itself.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from render_engine.scan import person as P
from render_engine.scan.camera import PhotoCamera, reference_transform
from render_engine.scan.protocol import CAMERA_DISTANCE_M, VERTICAL_FOV_DEG

#: Reference pixels are sampled this many times finer across a row (and averaged over one
#: reference pixel's height): an arm's edge is placed to a fraction of a pixel.
OVERSAMPLE = 4
#: Where an arm's inner edge may lie, measured in from the run's end (m at the person): a
#: hanging forearm, hand or elbow is 5-12 cm across as seen from the front.
ARM_SPAN_M = (0.03, 0.15)
#: Each side of a candidate edge is averaged over this width (m at the person).
SIDE_M = 0.012
#: A colour step counts as an arm's edge from this CIELAB distance: a clearly different
#: colour (about 2.3 is the least difference people notice). Shading is told apart by
#: its gradualness (see `trunk_ends`), not by this threshold.
MIN_STEP_DELTA_E = 15.0


def _lab(rgb: torch.Tensor) -> torch.Tensor:
    """(..., 3) sRGB in [0, 1] -> (..., 3) CIELAB."""
    from kornia.color import rgb_to_lab

    flat = rgb.reshape(-1, 3).T[None, :, :, None]  # (1, 3, M, 1)
    return rgb_to_lab(flat)[0, :, :, 0].T.reshape(rgb.shape)


def _sample_rows(
    rgb: np.ndarray, mask: np.ndarray, to_photo: np.ndarray, k: float, rows: list[float],
    width: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Colours (R, W S, 3) in CIELAB and mask coverage (R, W S) along each reference row
    (fractional), `OVERSAMPLE` (S) samples per reference pixel, each the mean over one
    reference pixel's height."""
    import torch.nn.functional as F

    image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).to(torch.float32) / 255
    cover = torch.from_numpy(mask.astype(np.float32))[None]
    planes = torch.cat([image, cover])[None]  # (1, 4, H, W)
    # shrink first (area) so that the sampling below is about 1:1 with the photo's pixels
    shrink = max(1, int(1 / max(k * OVERSAMPLE, 1e-6)))
    if shrink > 1:
        planes = F.avg_pool2d(planes, shrink, ceil_mode=True)
    s = OVERSAMPLE
    xs = (torch.arange(width * s, dtype=torch.float64) + 0.5) / s - 0.5
    dy = (torch.arange(s, dtype=torch.float64) + 0.5) / s - 0.5
    ys = torch.tensor(rows, dtype=torch.float64)[:, None] + dy[None]  # (R, S)
    gx, gy = torch.meshgrid(xs, ys.flatten(), indexing="xy")  # (R S, W S)
    points = torch.stack([gx, gy, torch.ones_like(gx)], dim=-1) @ torch.from_numpy(to_photo).T
    px, py = points[..., 0] / points[..., 2], points[..., 1] / points[..., 2]
    mh, mw = planes.shape[-2:]
    grid = torch.stack([px / shrink / mw * 2 - 1, py / shrink / mh * 2 - 1], dim=-1)
    sampled = F.grid_sample(planes, grid.to(torch.float32)[None], mode="bilinear",
                            align_corners=False)[0]  # (4, R S, W S)
    sampled = sampled.view(4, len(rows), s, -1).mean(dim=2)  # (4, R, W S)
    return _lab(sampled[:3].permute(1, 2, 0).clamp(0, 1)), sampled[3]


def _step(lab: np.ndarray, at: int, side: int) -> float:
    """CIELAB distance between the means over `side` samples left and right of `at`."""
    return float(np.linalg.norm(lab[at - side:at].mean(0) - lab[at:at + side].mean(0)))


def _run_around(inside: np.ndarray, centre: int) -> tuple[int, int]:
    """First and last sample of the run of `inside` around `centre`."""
    a = centre
    while a > 0 and inside[a - 1]:
        a -= 1
    b = centre
    while b + 1 < len(inside) and inside[b + 1]:
        b += 1
    return a, b


def row_trunk(lab: np.ndarray, inside: np.ndarray, centre: int, px_per_m: float) -> float:
    """The trunk's visible width (oversampled pixels) on one row (see `trunk_ends`), nan
    where its ends are not clear."""
    ends = trunk_ends(lab, inside, centre, px_per_m)
    return math.nan if ends is None else float(ends[1] - ends[0])


def trunk_ends(
    lab: np.ndarray, inside: np.ndarray, centre: int, px_per_m: float
) -> tuple[int, int] | None:
    """The trunk's visible ends on one row (oversampled sample boundaries: the trunk holds
    samples left .. right - 1): lab (W S, 3), inside (W S,) bool, the centre sample inside
    the outline's run; None unless each side's end of the trunk is clear (see the module).

    A side whose run ends with more of the outline beyond it within an arm's span (the arm
    apart from the trunk) ends at the trunk's own edge. A side with nothing beyond holds the
    arm in the run (or no arm at all): it needs a clear colour step within an arm's span of
    the run's end, and from there to the centre no step half as large (the trunk may shade
    darker towards its side, but gradually: an edge is sharp). Where both arms lie in the
    run, they must be more alike each other than either is like the trunk's centre."""
    if not inside[centre]:
        return None
    a, b = _run_around(inside, centre)
    side = max(2, int(round(SIDE_M * px_per_m)))
    lo, hi = (int(round(m * px_per_m)) for m in ARM_SPAN_M)
    lo = max(lo, side)
    core = lab[centre - side:centre + side + 1].mean(0)  # the trunk's own colour

    def distance(p: np.ndarray, q: np.ndarray) -> float:
        return float(np.linalg.norm(p - q))

    ends: list[int] = []
    arms: list[np.ndarray] = []
    for sign, end in ((-1, a), (1, b)):
        beyond = inside[max(0, a - hi):a] if sign < 0 else inside[b + 1:b + 1 + hi]
        if beyond.any():
            ends.append(end if sign < 0 else end + 1)  # the arm apart: the trunk's own edge
            continue
        if (centre - a if sign < 0 else b - centre) < hi + side:
            return None  # too narrow for an arm and half a trunk on this side
        candidates = range(a + lo, a + hi + 1) if sign < 0 else range(b + 1 - hi, b + 2 - lo)
        step, x = max((_step(lab, x, side), x) for x in candidates)
        # inwards of the step the trunk may darken towards its side (shading), but gradually:
        # no step there half as large as the arm's edge
        inner = (range(x + 2 * side, centre - side + 1) if sign < 0
                 else range(centre + side, x - 2 * side + 1))
        shade = max((_step(lab, y, side) for y in inner), default=0.0)
        if step < MIN_STEP_DELTA_E or shade >= step / 2:
            return None
        ends.append(x)
        arms.append(lab[a:x].mean(0) if sign < 0 else lab[x:b + 1].mean(0))
    if len(arms) == 2 and distance(arms[0], arms[1]) >= distance(arms[0], core):
        return None  # the two "arms" differ: something else lies there (a bag, a shadow)
    return ends[0], ends[1]


def trunk_runs(
    rgb: np.ndarray, detection: P.Detection, camera: PhotoCamera, size: tuple[int, int],
    rows: list[float],
) -> torch.Tensor:
    """(R,) the trunk's visible width (pixels of the reference view of `size` = (H, W)) at
    each profile row of a photo whose arms hang against the trunk, nan where the photo
    does not show both arms' inner edges clearly (see the module)."""
    to_photo, k = reference_transform(detection, camera, size)
    h, w = size
    lab, cover = _sample_rows(rgb, detection.mask, to_photo, k, rows, w)
    f0 = (h / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    px_per_m = OVERSAMPLE * f0 / CAMERA_DISTANCE_M
    inside = (cover > 0.5).numpy()
    # the outline's centre column, as `profile.central_runs` takes it (the person's mean)
    centre = int(round((w / 2 - 0.5 + 0.5) * OVERSAMPLE - 0.5))
    out = torch.full((len(rows),), math.nan)
    values = lab.numpy()
    for i in range(len(rows)):
        out[i] = row_trunk(values[i], inside[i], centre, px_per_m) / OVERSAMPLE
    return out
