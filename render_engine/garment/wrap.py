"""The product photo wrapped round the garment's tubes of cloth.

A flat-lay photo shows each panel from side seam to side seam. A flat projection of the
draped garment (`texture.planar_uv`) does not: seen from the front, cloth turning away at the
sides covers little width, so a print was drawn out into streaks there; and the garment's box
(its sleeves included) is not the photo's, so a top's hips fell beside the photo's cloth, on
its fill colour, and stripes stopped short of the side seams.

Here each tube (the trunk with its skirt, collar, placket and hood; each trouser leg) takes,
at each height, the photo's run of cloth in the matching row: the front half of its
cross-section, by arc length from its centre line, on the front photo's run, the back half on
the back photo's (mirrored, as the renderer reads it). Across, the photo keeps the scale it
has down the garment (the tube's length over the photo's rows), so a dot stays round; where
the garment's half is wider than the photo's panel (a flared skirt, whose cloth would fall in
folds), the print goes on mirrored at the panel's edge rather than stretched. A sleeve takes
the cloth of the trunk's side panel at its height (see `wrapped_uv`); shoes and bags keep the
projection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from render_engine.garment.pattern import GarmentRegion as R
from render_engine.garment.texture import planar_uv

#: regions that make up the trunk's tube
TRUNK = (R.TORSO, R.NECK, R.WAISTBAND, R.SKIRT, R.LAPEL, R.COLLAR, R.PLACKET, R.BUTTON, R.HOOD)
#: height of the slices in which a tube's width and depth are measured (m)
SLICE_M = 0.02
#: steps of the arc-length quadrature
ARC_STEPS = 16
#: Going up the photo, the trunk's run may widen by at most a quarter column a row (14
#: degrees from vertical: a fitted top's side from the waist to the bust leans less); a
#: sleeve leaves the trunk at its underarm at 30-60 degrees, and what lies beyond is sleeve.
UNDERARM_SLOPE = 0.25


Runs = list[list[tuple[int, int]]]


def cloth_runs(cloth: torch.Tensor) -> Runs:
    """(H, W) bool -> per row, the runs of cloth [start, end), left to right."""
    edges = torch.diff(torch.nn.functional.pad(cloth.to(torch.int8), (1, 1)), dim=1)
    starts = (edges == 1).nonzero().tolist()  # row-major: the rows' runs in order
    ends = (edges == -1).nonzero().tolist()
    runs: Runs = [[] for _ in range(cloth.shape[0])]
    for (row, start), (_, end) in zip(starts, ends, strict=True):
        runs[row].append((start, end))
    return runs


def _axis_column(cloth: torch.Tensor) -> float:
    """(H, W) bool -> the column of the garment's vertical axis (its cloth's mean column)."""
    counts = cloth.float().sum(dim=0)  # (W,)
    cols = torch.arange(cloth.shape[1], dtype=torch.float32) + 0.5
    return float((counts * cols).sum() / counts.sum().clamp(min=1.0))


def _nearest(present: torch.Tensor) -> torch.Tensor:
    """(B,) bool, at least one True -> (B,) the index of the nearest True entry."""
    have = present.nonzero().squeeze(1)
    return have[(torch.arange(present.shape[0])[:, None] - have[None]).abs().argmin(dim=1)]


def _filled(columns: list[tuple[float, float] | None]) -> torch.Tensor:
    """Per row [first, last) or None (no cloth) -> (H, 2), each None row taking the nearest
    row with cloth."""
    present = torch.tensor([c is not None for c in columns])
    if not bool(present.any()):
        return torch.tensor([[0.0, 1.0]]).expand(len(columns), 2).clone()
    table = torch.tensor([c if c is not None else (0.0, 0.0) for c in columns])  # (H, 2)
    return table[_nearest(present)]


@dataclass(frozen=True)
class PhotoRows:
    """A cut-out photo's runs of cloth per row, its axis column and its size (pixels)."""

    runs: Runs
    axis: float
    height: int
    width: int

    @classmethod
    def of(cls, cloth: torch.Tensor) -> PhotoRows:
        """(H, W) bool mask of cloth -> its rows."""
        return cls(cloth_runs(cloth), _axis_column(cloth), cloth.shape[0], cloth.shape[1])


def trunk_columns(cloth: torch.Tensor | PhotoRows) -> torch.Tensor:
    """(H, W) bool mask of a cut-out photo -> (H, 2) the trunk's [first, last) column in each
    row: the run on the garment's axis (or, where the axis is open, as at a neckline, a coat's
    front or a trouser fork, from the run left of it to the run right of it), kept from
    widening upwards faster than `UNDERARM_SLOPE` (where a t-shirt's sleeves join it)."""
    photo = cloth if isinstance(cloth, PhotoRows) else PhotoRows.of(cloth)
    axis = photo.axis
    found: list[tuple[float, float] | None] = []
    for runs in photo.runs:
        if not runs:
            found.append(None)
            continue
        left = [run for run in runs if run[0] <= axis]
        right = [run for run in runs if run[1] > axis]
        lo = left[-1][0] if left else right[0][0]
        hi = right[0][1] if right else left[-1][1]
        found.append((float(lo), float(hi)))
    columns = _filled(found).tolist()
    for r in range(len(columns) - 2, -1, -1):
        columns[r][0] = max(columns[r][0], columns[r + 1][0] - UNDERARM_SLOPE)
        columns[r][1] = min(columns[r][1], columns[r + 1][1] + UNDERARM_SLOPE)
    return torch.tensor(columns)


def leg_columns(cloth: torch.Tensor | PhotoRows, side: int) -> torch.Tensor:
    """(H, W) bool -> (H, 2) the [first, last) columns of the photo's left (side 0) or right
    (side 1) leg in each row: the first or last run where the legs stand apart, the run's
    half on that side of the axis above the fork."""
    photo = cloth if isinstance(cloth, PhotoRows) else PhotoRows.of(cloth)
    axis = photo.axis
    found: list[tuple[float, float] | None] = []
    for runs in photo.runs:
        if len(runs) >= 2:
            lo, hi = runs[0] if side == 0 else runs[-1]
            found.append((float(lo), float(hi)))
        elif runs:
            lo, hi = runs[0]
            found.append((float(lo), max(lo + 1.0, axis)) if side == 0
                         else (min(axis, hi - 1.0), float(hi)))
        else:
            found.append(None)
    return _filled(found)


def _smoothed(values: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """(B,) per-slice values, (B,) bool slices with vertices -> (B,) averaged with their
    neighbours (weights 1 2 1, over the slices that have vertices); an empty slice takes the
    nearest one's."""
    w = torch.nn.functional.pad(present.to(values.dtype), (1, 1))  # (B + 2,)
    v = torch.nn.functional.pad(torch.where(present, values, torch.zeros_like(values)), (1, 1))
    v = v * w
    num = v[:-2] + 2 * v[1:-1] + v[2:]
    den = w[:-2] + 2 * w[1:-1] + w[2:]
    return (num / den.clamp(min=1e-9))[_nearest(present)]


def arc_coordinates(verts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 3) the vertices of one tube -> (N,) where each lies across its half of the tube's
    cross-section, by arc length: 0 at the side seam on -x, 1 at the one on +x; and (N,) that
    half's length (m).

    The tube is measured in slices of `SLICE_M` (width and depth, smoothed with the slices
    above and below, then interpolated linearly between the slices' middles: a print's
    vertical lines would step at every slice otherwise) and taken as an ellipse there, of
    half width ``a`` and half depth ``b``; a vertex at (x, z) from its middle sits at angle
    atan2(x / a, |z| / b) on it (from z as well as x: near a seam x hardly changes, and an
    angle from x alone, asin(x / a), turned a few millimetres of drape into a jump of a
    quarter of the panel), and the fraction is the arc length from the -x seam over the
    half's whole length."""
    y = verts[:, 1]
    where = (y - y.min()) / SLICE_M  # (N,) in slices
    slice_of = where.floor().long()
    count = int(slice_of.max()) + 1
    present = torch.bincount(slice_of, minlength=count) > 0  # (B,)
    below = (where - 0.5).floor().long().clamp(0, count - 1)
    above = (below + 1).clamp(max=count - 1)
    share = (where - 0.5 - below.float()).clamp(0.0, 1.0)

    def measure(values: torch.Tensor, how: str) -> torch.Tensor:  # (N,) -> (N,) interpolated
        start = torch.full((count,), float("inf") if how == "amin" else float("-inf"))
        out = start.scatter_reduce(0, slice_of, values, reduce=how)
        per_slice = _smoothed(torch.where(present, out, torch.zeros_like(out)), present)
        return torch.lerp(per_slice[below], per_slice[above], share)

    x_lo, x_hi = measure(verts[:, 0], "amin"), measure(verts[:, 0], "amax")
    z_lo, z_hi = measure(verts[:, 2], "amin"), measure(verts[:, 2], "amax")
    a = ((x_hi - x_lo) / 2).clamp(min=1e-3)  # (N,)
    b = ((z_hi - z_lo) / 2).clamp(min=1e-3)
    across = (verts[:, 0] - (x_hi + x_lo) / 2) / a  # (N,)
    depth = (verts[:, 2] - (z_hi + z_lo) / 2).abs() / b  # (N,) the same on either half
    phi = torch.atan2(across, depth)  # (N,) in [-pi/2, pi/2], +-pi/2 at the seams

    def arc(upto: torch.Tensor) -> torch.Tensor:  # (N,) angle -> (N,) arc length from -pi/2
        steps = (torch.arange(ARC_STEPS, dtype=verts.dtype) + 0.5) / ARC_STEPS  # (K,)
        span = upto + math.pi / 2
        psi = -math.pi / 2 + span[:, None] * steps[None]  # (N, K)
        speed = torch.sqrt((a[:, None] * psi.cos()) ** 2 + (b[:, None] * psi.sin()) ** 2)
        return speed.mean(dim=1) * span

    half = arc(torch.full_like(phi, math.pi / 2)).clamp(min=1e-9)
    return arc(phi) / half, half


def reflected(columns: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """(N,) columns, (N,) run starts and ends -> (N,) the columns folded back into their
    run as a mirror does at each edge."""
    width = (hi - lo).clamp(min=1.0)
    along = torch.remainder(columns - lo, 2 * width)
    return lo + torch.where(along > width, 2 * width - along, along)


def _at_rows(columns: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, 2) columns per row, (N,) v in [0, 1] down the photo -> (N,) first, (N,) last."""
    rows = (v * columns.shape[0]).long().clamp(0, columns.shape[0] - 1)
    return columns[rows, 0], columns[rows, 1]


def wrapped_uv(
    verts: torch.Tensor,
    faces: torch.Tensor,
    labels: torch.Tensor,
    cloth: tuple[torch.Tensor, torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """(V, 3), (F, 3), (V,) regions, the front and back photos' (H, W) masks of cloth ->
    uv (V, 2), front (V,) as `texture.planar_uv` gives them, the trunk's, the legs' and the
    sleeves' vertices wrapped onto the photos' cloth row by row.

    ``v`` of the tubes runs from their top (collar, hood) to their lowest hem, the photo's
    top and bottom. A sleeve takes the cloth of the trunk's side panel at its own height, its
    centre line on the panel's side edge (mirrored inward): a flat-lay photo's sleeves are
    short or splayed, and a chest print or logo sits in the middle, not at the sides. Shoes
    and bags keep the projection's ``uv``."""
    uv, front = planar_uv(verts, faces)
    is_front = front > 0
    trunk = torch.isin(labels, torch.tensor(TRUNK, dtype=labels.dtype))
    legs = labels == R.LEG
    tubes = trunk | legs
    if not bool(tubes.any()):
        return uv, front
    x, y = verts[:, 0], verts[:, 1]
    top, bottom = float(y[tubes].max()), float(y[tubes].min())
    length = max(top - bottom, 1e-6)
    v = ((top - y) / length).clamp(0.0, 1.0)
    front_photo = PhotoRows.of(cloth[0])
    back_photo = front_photo if cloth[1] is cloth[0] else PhotoRows.of(cloth[1])
    # (members, front photo's columns, back photo's, where the centre line falls in each run:
    # 0 its first column, 0.5 its middle, 1 its last)
    groups: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, float, float]] = []
    if bool(trunk.any()):
        trunk_front, trunk_back = trunk_columns(front_photo), trunk_columns(back_photo)
        groups.append((trunk, trunk_front, trunk_back, 0.5, 0.5))
        sleeves = labels == R.SLEEVE
        middle = (float(x[trunk].min()) + float(x[trunk].max())) / 2
        # the wearer's right (-x) is on the front photo's left and the back photo's right
        for members, at_front in ((sleeves & (x < middle), 0.0), (sleeves & (x >= middle), 1.0)):
            if bool(members.any()):
                groups.append((members, trunk_front, trunk_back, at_front, 1.0 - at_front))
    if bool(legs.any()):
        middle = (float(x[legs].min()) + float(x[legs].max())) / 2
        for members, side in ((legs & (x < middle), 0), (legs & (x >= middle), 1)):
            if bool(members.any()):
                groups.append((members, leg_columns(front_photo, side),
                               leg_columns(back_photo, 1 - side), 0.5, 0.5))
    for members, front_cols, back_cols, at_front, at_back in groups:
        t, half = arc_coordinates(verts[members])  # (N,), (N,)
        from_centre = (t - 0.5) * half  # (N,) m along the cloth from the centre line, + to +x
        vm = v[members]
        u_sides = []
        for cols, photo, sign, at in ((front_cols, front_photo, 1.0, at_front),
                                      (back_cols, back_photo, -1.0, at_back)):
            lo, hi = _at_rows(cols, vm)
            # the photo's scale down the garment, across it too; seen from behind, the -x
            # seam is on the picture's right (sign -1)
            col = lo + at * (hi - lo) + sign * from_centre * photo.height / length
            u_sides.append(reflected(col, lo, hi) / photo.width)
        # the renderer reads the back photo at 1 - u
        uv[members, 0] = torch.where(is_front[members], u_sides[0], 1.0 - u_sides[1])
        uv[members, 1] = vm
    return uv, front
