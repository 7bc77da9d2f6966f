"""Silhouette width profiles: how wide the trunk looks, row by row, in each view.

For rows at fixed heights above the floor (fractions of the person's height, from the crotch
to the armpits) the width in pixels of the run of silhouette pixels around the body's centre
line. The same numbers are measured on the photos' pixels (`central_runs`) and exactly on
the bodies' meshes seen by the protocol's camera in the same pose (`mesh_widths`), so
whatever the arms do in a view, they do it in both.
"""

from __future__ import annotations

import math

import torch

from render_engine.scan.protocol import CAMERA_DISTANCE_M, CAMERA_HEIGHT_M, VERTICAL_FOV_DEG

#: Heights of the profile rows, as fractions of the body's height: from just above the
#: crotch (the inseam is 0.45-0.50 of the height; a row through the crotch flips between
#: "one trunk" and "gap between the legs": `mesh_widths` reports how near a row is to such
#: a flip, and the fit weighs it down) to the armpits (0.77): the bust line lies at 0.73 on
#: anny's bodies, so rows above it hold the chest. There the A-pose arms meet the trunk; a
#: row counts only where the photo's and the body's arms agree (`fit.gap_agreement`).
ROW_FRACTIONS = tuple(0.49 + 0.02 * i for i in range(15))


def row_of_height(y_m: float, rows: int, depth_m: float = CAMERA_DISTANCE_M) -> float:
    """Image row (float, 0 at the top) where a point y_m above the floor at `depth_m` from
    the camera appears, for an image `rows` pixels tall."""
    f_px = (rows / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    return rows / 2 - 0.5 - f_px * (y_m - CAMERA_HEIGHT_M) / depth_m


def central_runs(
    coverage: torch.Tensor, rows: list[float], closing_px: float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, W) silhouette coverage in [0, 1] (or bool) -> (R,) widths and (R, 2) gaps, in
    pixels, of the run (pixels over 0.5) around the centre column at each (fractional) row,
    after gaps of at most `closing_px` (`CLOSING_GAP_PX` when None) between runs are
    closed, as `mesh_widths` closes them on the meshes. Each end of the run is placed
    within its pixel by the coverage of the two pixels across it (an edge at e between
    pixels a - 1 and a covers (a + 1) - e of them), so a width is not rounded to whole
    pixels (a pixel is 1-3 % of a trunk's width at the analysis size). Widths interpolate
    linearly between the two nearest pixel rows where both show the same parts
    (`_same_parts`), else are the nearest row's (an arm joins the run between them); gaps
    (to the next silhouette pixel left and right of the run: an arm beside the trunk; inf
    where there is none) are the nearest pixel row's. Width 0 and gaps inf where the
    centre pixel is background."""
    closing = CLOSING_GAP_PX if closing_px is None else closing_px
    cover = coverage.to(torch.float32).clamp(0.0, 1.0)
    mask = cover > 0.5
    h, w = mask.shape
    n = len(rows)
    widths = torch.zeros(n)
    gaps = torch.full((n, 2), math.inf)
    if not bool(mask.any()):
        return widths, gaps
    centre = int(torch.nonzero(mask)[:, 1].float().mean().round())
    lines = mask.cpu().numpy()
    values = cover.cpu().numpy()

    def run_at(r: int) -> tuple[float, float, float]:
        if not 0 <= r < h or not lines[r, centre]:
            return 0.0, math.inf, math.inf
        line = lines[r].astype("int8")
        edges = (line[1:] - line[:-1]).nonzero()[0] + 1
        bounds = [0, *edges.tolist(), w]
        runs = [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if line[a]]
        merged: list[list[int]] = []
        for a, b in runs:
            if merged and a - merged[-1][1] <= closing:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        k = next(i for i, (a, b) in enumerate(merged) if a <= centre < b)
        a, b = merged[k]
        left = a - merged[k - 1][1] if k > 0 else math.inf
        right = merged[k + 1][0] - b if k + 1 < len(merged) else math.inf
        v = values[r]
        outside = (float(v[a - 1]) if a > 0 else 0.0) + (float(v[b]) if b < w else 0.0)
        # the run's own end pixels count in full when it is a single pixel wide
        inside = float(v[a]) + float(v[b - 1]) if b - a >= 2 else 2.0
        width = (b - a - 2) + inside + outside
        return width, float(left), float(right)

    for i, pos in enumerate(rows):
        r0 = math.floor(pos)
        frac = pos - r0
        lo, hi = run_at(r0), run_at(r0 + 1)
        near = lo if frac < 0.5 else hi
        if _same_parts(lo, hi):
            widths[i] = (1 - frac) * lo[0] + frac * hi[0]
        else:
            # the run joins an arm (or a gap closes) between the two pixel rows: a blend of
            # the trunk's width and the trunk-and-arm's would match neither the body's cut
            # at this row nor the gaps reported with it, so the nearest row's run counts
            widths[i] = near[0]
        gaps[i, 0], gaps[i, 1] = near[1], near[2]
    return widths, gaps


def _same_parts(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    """Two pixel rows' runs (width, left gap, right gap; `central_runs`) are the same parts
    of the silhouette: both on the person or both not, and apart from (or joined to) what
    lies beside them on each side alike."""
    return (a[0] > 0) == (b[0] > 0) and all(
        math.isinf(x) == math.isinf(y) for x, y in zip(a[1:], b[1:], strict=True))


def profile_rows(height_m: float, rows: int) -> list[float]:
    """Image rows of `ROW_FRACTIONS` of a person `height_m` tall standing at the protocol's spot."""
    return [row_of_height(f * height_m, rows) for f in ROW_FRACTIONS]


def _axis_columns(axis: torch.Tensor, pos: torch.Tensor, f_px: float, height: int) -> torch.Tensor:
    """(G, K) axis points -> (G, R) their image column (pixels right of the optical axis)
    at each row of `pos`, linearly interpolated between the points, constant beyond them."""
    depth = (CAMERA_DISTANCE_M - axis[..., 2]).clamp_min(1e-6)
    u = f_px * axis[..., 0] / depth  # (G, K)
    r = height / 2 - 0.5 - f_px * (axis[..., 1] - CAMERA_HEIGHT_M) / depth  # (G, K)
    r, order = torch.sort(r, dim=1)
    u = u.gather(1, order)
    k = r.shape[1]
    p = pos[None].expand(r.shape[0], -1).contiguous()  # (G, R)
    hi = torch.searchsorted(r, p).clamp(1, k - 1)
    r0, r1 = r.gather(1, hi - 1), r.gather(1, hi)
    u0, u1 = u.gather(1, hi - 1), u.gather(1, hi)
    t = ((p - r0) / (r1 - r0).clamp_min(1e-9)).clamp(0.0, 1.0)
    return u0 + t * (u1 - u0)


def _row_intervals(
    views: torch.Tensor, faces: torch.Tensor, pos: torch.Tensor, height: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Where each face's projection crosses each row: (P,) group (view * R + index into
    `pos`, the rows sorted), (P,) left and right ends (pixels right of the optical axis),
    (G, V) every vertex's column and (P,) the face's depth (its corners' mean z: larger is
    nearer the camera). views (G, V, 3), faces (F, 3), pos (R,) sorted."""
    g, n_rows = views.shape[0], pos.shape[0]
    device = views.device
    v = views.to(torch.float64)
    f_px = (height / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    depth = (CAMERA_DISTANCE_M - v[..., 2]).clamp_min(1e-6)  # (G, V)
    u = f_px * v[..., 0] / depth  # (G, V) pixels right of the optical axis
    r = height / 2 - 0.5 - f_px * (v[..., 1] - CAMERA_HEIGHT_M) / depth  # (G, V) image row
    # (view, face, row) triples where the row's line crosses the face's projection
    fr = r[:, faces]  # (G, F, 3)
    first = torch.searchsorted(pos, fr.amin(dim=2).contiguous())  # (G, F) first row inside
    last = torch.searchsorted(pos, fr.amax(dim=2).contiguous(), right=True)  # one past
    count = (last - first).clamp_min(0).flatten()  # (G F,)
    pair = torch.repeat_interleave(torch.arange(count.shape[0], device=device), count)
    offset = torch.cumsum(count, 0) - count
    row = first.flatten()[pair] + torch.arange(pair.shape[0], device=device) - offset[pair]
    view = torch.div(pair, faces.shape[0], rounding_mode="floor")
    corner_r = fr.flatten(0, 1)[pair]  # (P, 3)
    corner_u = u.gather(1, faces.flatten()[None].expand(g, -1)).view(g, -1, 3).flatten(0, 1)
    corner_u = corner_u[pair]  # (P, 3)
    a_r, b_r = corner_r, corner_r.roll(-1, dims=1)  # the three edges (0-1, 1-2, 2-0)
    a_u, b_u = corner_u, corner_u.roll(-1, dims=1)
    p = pos[row][:, None]  # (P, 1)
    crosses = (torch.minimum(a_r, b_r) <= p) & (p <= torch.maximum(a_r, b_r)) & (a_r != b_r)
    t = (p - a_r) / torch.where(a_r != b_r, b_r - a_r, torch.ones_like(a_r))
    x = a_u + t * (b_u - a_u)  # (P, 3)
    lo = torch.where(crosses, x, torch.full_like(x, math.inf)).amin(dim=1)  # (P,)
    hi = torch.where(crosses, x, torch.full_like(x, -math.inf)).amax(dim=1)
    ok = crosses.any(dim=1)
    z = v[..., 2].gather(1, faces.flatten()[None].expand(g, -1)).view(g, -1, 3).mean(dim=2)
    return (view * n_rows + row)[ok], lo[ok], hi[ok], u, z.flatten()[pair][ok]


#: Gaps between two parts of a silhouette row narrower than this (pixels at the profile's
#: image height) are closed, as the photos' silhouettes are by a 3 x 3 morphological closing.
CLOSING_GAP_PX = 2.0


def mesh_widths(
    views: torch.Tensor,
    faces: torch.Tensor,
    rows: list[float],
    height: int,
    axis: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Widths in pixels (image `height` rows tall, the protocol's camera) of the run of the
    bodies' silhouettes around their centre at each row: `central_runs` measured exactly
    on the meshes instead of on pixels, so that a width changes continuously with the body
    (no pixel steps for a fit to stall on).

    views: (G, V, 3) world vertices (bodies as placed in their views); faces (F, 3);
    axis: (G, K, 3) points inside the trunk from the pelvis up (the spine's joints), placed
    like the vertices. Each face's projection cut by a row's line gives an interval;
    intervals that overlap, or leave a gap narrower than `CLOSING_GAP_PX`, join; the width
    is that of the joined run containing the axis at that row (the photos' centre column,
    the silhouette's mean, falls inside the trunk too, so both pick the same run).
    Returns (G, R) float64 widths, 0 where the centre falls outside the silhouette, and
    (G, R) clearances: how far (pixels) the gaps that decide that run (inside it, beside
    it, or the one the centre falls into) are from `CLOSING_GAP_PX`. Near 0, a small
    change of the body joins or splits the run and the width jumps (a leg, arm or hand
    about to touch the trunk): a fit should not trust that row. And (G, R, 2) gaps
    (pixels) from that run to the next run on its left and right (inf where none; see
    `central_runs`, the same on pixels).
    """
    widths, clearance, gaps, _ = _mesh_runs(views, faces, rows, height, axis)
    return widths, clearance, gaps


def _mesh_runs(
    views: torch.Tensor,
    faces: torch.Tensor,
    rows: list[float],
    height: int,
    axis: torch.Tensor,
    intervals: tuple[torch.Tensor, ...] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """`mesh_widths`, and (G, R, 3) the run's left and right ends and the centre column
    (pixels right of the optical axis; nan ends where the centre is outside the run).
    intervals: `_row_intervals` of these views and faces at the sorted rows, when the
    caller has them already."""
    g, n_rows = views.shape[0], len(rows)
    device = views.device
    f_px = (height / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    pos, row_order = torch.sort(torch.tensor(rows, dtype=torch.float64, device=device))
    centre = _axis_columns(axis.to(torch.float64), pos, f_px, height)  # (G, R)
    group, lo, hi, u, _ = intervals or _row_intervals(views, faces, pos, height)
    # per (view, row) group: intervals by left end; a group's values are shifted by
    # group * SPAN so that one sort and one running maximum serve all groups at once
    span = 4.0 * (float(u.abs().max()) + CLOSING_GAP_PX + 1.0)
    key = lo + group * span
    key, order = torch.sort(key)
    group, hi = group[order], hi[order] + group[order] * span
    reach = torch.cummax(hi, dim=0).values  # right end of the run so far
    n_groups = g * n_rows
    if key.numel() == 0:
        zeros = torch.zeros(g, n_rows, dtype=torch.float64, device=device)
        far = torch.full_like(zeros, math.inf)
        return zeros, far, far[..., None].expand(g, n_rows, 2).clone(), torch.full_like(
            far[..., None].expand(g, n_rows, 3), math.nan
        )
    # gap before each interval in its group (inf for a group's first): a new run starts
    # where it exceeds the closing gap; `close` says how near it is to that threshold
    space = torch.full_like(key, math.inf)
    same = group[1:] == group[:-1]
    space[1:] = torch.where(same, key[1:] - reach[:-1], space[1:])
    starts = space > CLOSING_GAP_PX
    close = torch.where(space > 0, (space - CLOSING_GAP_PX).abs(), torch.full_like(space, math.inf))
    run = torch.cumsum(starts.to(torch.int64), 0) - 1  # (P',) run id of each interval
    n_runs = int(run[-1]) + 1
    run_lo = torch.full((n_runs,), math.inf, dtype=key.dtype, device=device)
    run_lo = run_lo.scatter_reduce(0, run, key, reduce="amin")
    run_hi = torch.full((n_runs,), -math.inf, dtype=key.dtype, device=device)
    run_hi = run_hi.scatter_reduce(0, run, hi, reduce="amax")
    # nearest-to-threshold gap inside each run or on its left, and the one on its right
    run_close = torch.full((n_runs,), math.inf, dtype=key.dtype, device=device)
    run_close = run_close.scatter_reduce(0, run, close, reduce="amin")
    first = starts.nonzero().squeeze(1)  # (runs,) first interval of each run
    right_close = torch.full((n_runs,), math.inf, dtype=key.dtype, device=device)
    right_close[:-1] = torch.where(
        group[first[1:]] == group[first[:-1]], close[first[1:]], right_close[:-1]
    )

    groups = torch.arange(n_groups, device=device)
    c = centre.flatten() + groups * span  # (G R,) in shifted units
    j = torch.searchsorted(key, c, right=True) - 1  # last interval starting left of it
    jc = j.clamp_min(0)
    valid = (j >= 0) & (group[jc] == groups)
    mine = run[jc]
    left, right = run_lo[mine], run_hi[mine]
    found = valid & (right >= c) & (left <= c)
    width = torch.where(found, right - left, torch.zeros_like(c))
    inf = torch.full_like(c, math.inf)
    # the gaps to the neighbouring runs of the same view and row (an arm beside the trunk)
    run_group = group[first]  # (runs,)
    prev = (mine - 1).clamp_min(0)
    nxt = (mine + 1).clamp_max(n_runs - 1)
    gap_left = torch.where(
        found & (mine > 0) & (run_group[prev] == groups), left - run_hi[prev], inf
    )
    gap_right = torch.where(
        found & (mine + 1 < n_runs) & (run_group[nxt] == groups), run_lo[nxt] - right, inf
    )
    clearance = torch.where(
        found,
        torch.minimum(run_close[mine], right_close[mine]),
        torch.where(valid, right_close[mine], inf),
    )
    # back to the caller's row order
    out = torch.empty_like(width).view(g, n_rows)
    out[:, row_order] = width.view(g, n_rows)
    out_clear = torch.empty_like(out)
    out_clear[:, row_order] = clearance.view(g, n_rows)
    out_gaps = torch.empty(g, n_rows, 2, dtype=out.dtype, device=device)
    out_gaps[:, row_order] = torch.stack([gap_left, gap_right], dim=-1).view(g, n_rows, 2)
    nan = torch.full_like(c, math.nan)
    shift = groups * span
    ends = torch.stack(
        [torch.where(found, left - shift, nan), torch.where(found, right - shift, nan), c - shift],
        dim=-1,
    )
    out_ends = torch.empty(g, n_rows, 3, dtype=out.dtype, device=device)
    out_ends[:, row_order] = ends.view(g, n_rows, 3)
    return out, out_clear, out_gaps, out_ends


def mesh_trunk_widths(
    views: torch.Tensor,
    trunk_faces: torch.Tensor,
    arm_faces: torch.Tensor,
    rows: list[float],
    height: int,
    axis: torch.Tensor,
) -> torch.Tensor:
    """(G, R) the trunk's visible width (pixels) at each row, as `trunk.trunk_runs`
    measures it on a photo whose arms hang against the trunk: the run of the trunk's own
    faces around the centre (`mesh_widths` on `trunk_faces`), less what the arms' faces
    cover of it from each side (an arm against the trunk hides its edge; one apart hides
    nothing). Which of arm and trunk is nearer the camera is judged where the arm's face
    ends towards the centre, against the trunk's faces over that point (the nearest of
    them): an upper arm behind the chest's side hides nothing. 0 where the centre falls
    outside the trunk. views, axis as `mesh_widths`."""
    g, n_rows = views.shape[0], len(rows)
    device = views.device
    size = g * n_rows
    pos, row_order = torch.sort(torch.tensor(rows, dtype=torch.float64, device=device))
    trunk = _row_intervals(views, trunk_faces, pos, height)
    _, _, _, ends = _mesh_runs(views, trunk_faces, rows, height, axis, trunk)  # (G, R, 3)
    # the trunk's intervals per (view, sorted row) group, padded into (G R, M)
    t_group, t_lo, t_hi, _, t_z = trunk
    order = torch.argsort(t_group, stable=True)
    t_group, t_lo, t_hi, t_z = t_group[order], t_lo[order], t_hi[order], t_z[order]
    counts = torch.bincount(t_group, minlength=size)
    first = torch.cumsum(counts, 0) - counts
    slot = torch.arange(t_group.shape[0], device=device) - first[t_group]
    m = int(counts.max()) if t_group.numel() else 0
    pad_lo = torch.full((size, m), math.inf, dtype=t_lo.dtype, device=device)
    pad_hi = torch.full((size, m), -math.inf, dtype=t_lo.dtype, device=device)
    pad_z = torch.full((size, m), -math.inf, dtype=t_lo.dtype, device=device)
    pad_lo[t_group, slot], pad_hi[t_group, slot], pad_z[t_group, slot] = t_lo, t_hi, t_z
    # the arms' intervals, each judged at its end towards the centre
    group, lo, hi, _, z = _row_intervals(views, arm_faces, pos, height)
    view, row = torch.div(group, n_rows, rounding_mode="floor"), group % n_rows
    flat = view * n_rows + row_order[row]  # (view, caller's row)
    centre = ends[..., 2].flatten()[flat]
    on_left = (lo + hi) / 2 < centre
    end = torch.where(on_left, hi, lo)  # (P,)
    # only an arm's face ending over the trunk's run can hide its edge
    over = (end > ends[..., 0].flatten()[flat]) & (end < ends[..., 1].flatten()[flat])
    group, lo, hi, z, flat, on_left, end = (
        t[over] for t in (group, lo, hi, z, flat, on_left, end)
    )
    covers = (pad_lo[group] <= end[:, None]) & (end[:, None] <= pad_hi[group])  # (P, M)
    trunk_z = torch.where(covers, pad_z[group], torch.full_like(pad_z[group], -math.inf))
    hides = z > trunk_z.amax(dim=1)
    left_arm, right_arm = hides & on_left, hides & ~on_left
    inner_left = torch.full((size,), -math.inf, dtype=lo.dtype, device=device)
    inner_left = inner_left.scatter_reduce(0, flat[left_arm], hi[left_arm], reduce="amax")
    inner_right = torch.full((size,), math.inf, dtype=lo.dtype, device=device)
    inner_right = inner_right.scatter_reduce(0, flat[right_arm], lo[right_arm], reduce="amin")
    left = torch.maximum(ends[..., 0].flatten(), inner_left)
    right = torch.minimum(ends[..., 1].flatten(), inner_right)
    width = torch.nan_to_num((right - left).clamp_min(0.0), nan=0.0)
    return width.view(g, n_rows)
