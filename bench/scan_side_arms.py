# mypy: ignore-errors
# (a diagnostic script of one investigation, 2026-12-06: not typed; see docs/scan.md)
"""Where the chest error of a grid scan comes from, row by row: photo against bodies.

Usage: python bench/scan_side_arms.py --only 13,25 [--seed S] [--true-camera] [--capture DIR]

Runs the grid's scan (`bench/scan.py` `grid_scans`) through `scan_from_photos`, captures
the profile fit's inputs (the photos' widths and gaps, the photo poses, the spots), and
prints per view and profile row: the photo's width, the fitted body's and the true body's
(both posed as the scan estimated each photo, seen from the estimated spots), the row's
trust for the fitted body, and, for the side view, how far the arms reach beyond the
trunk's front and back edge on the true posed mesh (the photo's arms) and on the fitted
body posed as estimated (cm at the person): whether the side view's outline there is arm.
--true-camera gives each photo the shot's own camera instead of the estimate; --capture
saves the profile fit's inputs per scan (torch.save) for rerunning `fit.fit_profiles`
offline. Findings: docs/scan.md, Known limits, "Side photos".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def arm_reach(verts: torch.Tensor, yaw_side, fracs, height_m: float):  # noqa: ANN001
    """(V, 3) posed vertices on the floor -> per row fraction (front, back) reach (cm) of
    the arms beyond the trunk's front and back in the side view (the body's z), from the
    mesh cut exactly at the row's height, and the trunk's depth there (cm)."""
    from render_engine.body.fitted import _topology
    from render_engine.scan.posing import _arms

    faces = _topology()[0].numpy()
    _, chains = _arms()
    arm_w = chains.sum(dim=1).sum(dim=0).numpy()  # (V,)
    face_arm = arm_w[faces].mean(axis=1) > 0.5
    v = verts.detach().to(torch.float64).numpy()
    out = []
    for f in fracs:
        y = f * height_m
        zs: dict[bool, list[float]] = {True: [], False: []}
        fy = v[faces, 1]  # (F, 3)
        cut = (fy.min(axis=1) <= y) & (fy.max(axis=1) >= y)
        for k in np.nonzero(cut)[0]:
            tri = v[faces[k]]
            for a, b in ((0, 1), (1, 2), (2, 0)):
                ya, yb = tri[a, 1], tri[b, 1]
                if (ya - y) * (yb - y) <= 0 and ya != yb:
                    t = (y - ya) / (yb - ya)
                    zs[bool(face_arm[k])].append(tri[a, 2] + t * (tri[b, 2] - tri[a, 2]))
        if not zs[False]:
            out.append((np.nan, np.nan, np.nan))
            continue
        z0, z1 = min(zs[False]), max(zs[False])
        front = max(0.0, max(zs[True]) - z1) * 100 if zs[True] else 0.0
        back = max(0.0, z0 - min(zs[True])) * 100 if zs[True] else 0.0
        out.append((front, back, (z1 - z0) * 100))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dump", default="")
    parser.add_argument("--capture", default="", help="folder: save the profile fit's inputs")
    parser.add_argument("--true-camera", action="store_true",
                        help="each photo's camera is the shot's own, not estimated")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import bench.scan as bench_scan
    from bench.scan import BODIES, KEYS
    from render_engine.body.model import phenotype_tensor, rest_shape
    from render_engine.body.pose import pose_body
    from render_engine.scan import pipeline
    from render_engine.scan.fit import gap_agreement, join_weights, profile_widths
    from render_engine.scan.posing import pose_vertices
    from render_engine.scan.profile import ROW_FRACTIONS, profile_rows
    from render_engine.scan.silhouette import ANALYSIS_HEIGHT

    only = sorted(int(x) for x in args.only.split(","))
    captured: dict = {}
    original = pipeline.fit_profiles

    def capture(widths, poses, start, height_m, rows, weight_kg=None, **kw):
        fit = original(widths, poses, start, height_m, rows, weight_kg, **kw)
        captured.update(widths=widths, poses=poses, height_m=height_m, kw=kw, fit=fit,
                        start=start)
        return fit

    pipeline.fit_profiles = capture
    from bench.scan_mask import record_shots

    shots = record_shots()
    if args.true_camera:
        from bench.scan_mask import true_camera

        def shared(points):  # noqa: ANN001, ANN202
            return [true_camera(shots[-1].__dict__, h, w) for _, w, h, _ in points]

        def single(detection, w, h, *a, **k):  # noqa: ANN001, ANN202
            return true_camera(shots[-1].__dict__, h, w)

        pipeline.estimate_shared_focal = shared
        pipeline.estimate_camera = single
    dumps = []
    for i, truth, photos, row in bench_scan.grid_scans(args.seed, max(only) + 1, min(only)):
        if i not in only:
            continue
        captured.clear()
        result = pipeline.scan_from_photos(photos, height_cm=truth.measurements["height"])
        errors = {k: round(result.measurements[k] - truth.measurements[k], 2) for k in KEYS}
        if args.capture:
            Path(args.capture).mkdir(parents=True, exist_ok=True)
            torch.save({"widths": captured["widths"], "poses": captured["poses"],
                        "start": captured["start"], "height_m": captured["height_m"],
                        "kw": {k: v for k, v in captured["kw"].items() if k != "on_step"},
                        "fit": captured["fit"]._asdict(),
                        "truth": dict(truth.measurements), "row": row, "errors": errors,
                        "true_down": pose_body(truth, "standing_neutral").verts},
                       Path(args.capture) / f"s{args.seed}_{i}.pt")
        height_m = captured["height_m"]
        poses = captured["poses"]
        kw = captured["kw"]
        fit = captured["fit"]
        rows = profile_rows(height_m, ANALYSIS_HEIGHT)
        photo_poses = fit.photo_poses
        spots = kw["spots"]
        gaps = kw["photo_gaps"]
        print(f"== scan {i} body {row['body']} arms {row['arms']} exif {row['exif']} "
              f"errors {errors}")
        print("   poses:", [p.as_report() | {"raise": p.raise_deg, "fwd": p.forward_deg}
                            for p in photo_poses])
        print("   profile-fit phenotype:", {k: round(v, 3) for k, v in fit.phenotype.items()})
        print("   true phenotype:", BODIES[row["body"]])
        fitted_t = phenotype_tensor(fit.phenotype)
        true_t = phenotype_tensor(BODIES[row["body"]])
        with torch.no_grad():
            pf = profile_widths(fitted_t, poses, rows, ANALYSIS_HEIGHT, with_weight=False,
                                photo_poses=photo_poses, spots=spots)
            pt = profile_widths(true_t, poses, rows, ANALYSIS_HEIGHT, with_weight=False,
                                photo_poses=photo_poses, spots=spots)
        target = captured["widths"]
        seen = (target > 0).double()
        trust_f = join_weights(pf.clearance[0]) * seen * gap_agreement(gaps.double(), pf.gaps[0])
        trust_t = join_weights(pt.clearance[0]) * seen * gap_agreement(gaps.double(), pt.gaps[0])
        # arm reach in the side view: true posed mesh (photo) and the fitted body as posed
        side = next(v for v, p in enumerate(poses) if p.startswith("side"))
        is_down_side = row["arms"] in ("down", "down in side")
        true_verts = (pose_body(truth, "standing_neutral").verts if is_down_side
                      else truth.mesh.verts)
        true_verts = true_verts - torch.tensor([0.0, float(true_verts[:, 1].min()), 0.0])
        with torch.no_grad():
            fv, fh = rest_shape(fitted_t)
            lift = torch.tensor([0.0, float(fv[0, :, 1].min()), 0.0], dtype=fv.dtype)
            fposed = pose_vertices(fv - lift, fh - lift, photo_poses[side])[0]
            tv, th = rest_shape(true_t)
            tlift = torch.tensor([0.0, float(tv[0, :, 1].min()), 0.0], dtype=tv.dtype)
            tposed_est = pose_vertices(tv - tlift, th - tlift, photo_poses[side])[0]
        reach_true = arm_reach(true_verts, None, ROW_FRACTIONS, height_m)
        reach_fit = arm_reach(fposed, None, ROW_FRACTIONS, height_m)
        reach_true_est = arm_reach(tposed_est, None, ROW_FRACTIONS, height_m)
        for v, label in enumerate(poses):
            print(f"  view {label}: frac photo fit true | d(fit) d(true) | trust_f trust_t"
                  + (" | reach true-mesh f/b, true-as-est f/b, fit-as-est f/b, depth" if v == side
                     else ""))
            for r, frac in enumerate(ROW_FRACTIONS):
                line = (f"   {frac:.2f} {float(target[v, r]):6.1f} {float(pf.widths[0, v, r]):6.1f}"
                        f" {float(pt.widths[0, v, r]):6.1f} | "
                        f"{float(pf.widths[0, v, r] - target[v, r]):+5.1f} "
                        f"{float(pt.widths[0, v, r] - target[v, r]):+5.1f} | "
                        f"{float(trust_f[v, r]):.2f} {float(trust_t[v, r]):.2f}")
                if v == side:
                    a, b, c = reach_true[r], reach_true_est[r], reach_fit[r]
                    line += (f" | {a[0]:4.1f}/{a[1]:4.1f}  {b[0]:4.1f}/{b[1]:4.1f}  "
                             f"{c[0]:4.1f}/{c[1]:4.1f}  {a[2]:5.1f}")
                print(line)
        dumps.append({"scan": i, "errors": errors})
        sys.stdout.flush()
    if args.dump:
        Path(args.dump).write_text(json.dumps(dumps))


if __name__ == "__main__":
    main()
