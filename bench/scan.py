"""Scan benchmark: fit time and error of scans from synthetic photos of known anny bodies.

Usage: python bench/scan.py [--bodies N] [--threads T] [--no-write]
Prints one line per body (seconds per stage, errors in cm) and a summary, and records them in
docs/benchmarks.md (the "scan" section); the bodies are drawn with a fixed seed over adult anny
phenotypes (the extremes of height and build excluded: gender, muscle, weight, proportions in
[0.1, 0.9], height in [0.2, 0.8]). Target: a scan from 3 photos under 60 s on two CPU cores,
height within 2 cm, chest/waist/hips within 4 cm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--photo-height", type=int, default=480)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    lines: list[str] = []
    torch.set_num_threads(args.threads)

    from render_engine.body import build_body, fit_measurements
    from render_engine.scan import scan_from_photos
    from render_engine.scan.render import encode_png, flat_shaded_photos

    rng = random.Random(7)
    poses = ["front", "side_left", "back"]
    keys = ("height", "chest", "waist", "hips", "weight")
    errors: dict[str, list[float]] = {k: [] for k in keys}
    times, fit_times = [], []
    for i in range(args.bodies):
        phenotype = {
            "gender": rng.uniform(0.1, 0.9),
            "age": rng.uniform(2 / 3, 1.0),
            "muscle": rng.uniform(0.1, 0.9),
            "weight": rng.uniform(0.1, 0.9),
            "height": rng.uniform(0.2, 0.8),
            "proportions": rng.uniform(0.1, 0.9),
        }
        truth = build_body(phenotype)
        mesh = truth.mesh
        images = flat_shaded_photos(
            mesh.verts, mesh.faces, mesh.colors, poses, height=args.photo_height
        )
        photos = [(p, encode_png(im)) for p, im in zip(poses, images, strict=True)]
        start = time.perf_counter()
        result = scan_from_photos(photos, height_cm=truth.measurements["height"])
        times.append(time.perf_counter() - start)
        fit_times.append(result.timings["mesh_generation"] + result.timings["optimization"])
        err = {k: result.measurements[k] - truth.measurements[k] for k in keys}
        for k in keys:
            errors[k].append(abs(err[k]))
        stages = " ".join(f"{k}={v:.1f}s" for k, v in result.timings.items())
        print(f"body {i}: {stages}  errors " + " ".join(f"{k}={err[k]:+.1f}" for k in keys))
        lines.append(f"| {i} | {times[-1]:.1f} | {fit_times[-1]:.1f} | "
                     + " | ".join(f"{err[k]:+.1f}" for k in keys) + " |")
    t0 = time.perf_counter()
    fit_measurements({"height": 175.0, "chest": 98.0, "waist": 84.0, "hips": 100.0})
    measurement_fit = time.perf_counter() - t0
    print(
        f"scan from 3 photos, {args.threads} threads: mean {statistics.mean(times):.1f} s, "
        f"max {max(times):.1f} s (fit stages mean {statistics.mean(fit_times):.1f} s)"
    )
    print(
        "abs error mean/max: "
        + ", ".join(
            f"{k} {statistics.mean(v):.1f}/{max(v):.1f} {'kg' if k == 'weight' else 'cm'}"
            for k, v in errors.items()
        )
    )
    print(f"measurement fit (height, chest, waist, hips): {measurement_fit:.2f} s")
    if args.no_write:
        return
    load = os.getloadavg()[0]
    text = "\n".join([
        f"Measured {dt.date.today()} on {os.cpu_count()} CPU cores ({platform.machine()}), "
        f"torch threads {args.threads}, photos {args.photo_height} px high (front, side_left, "
        f"back), python {platform.python_version()}, torch {torch.__version__}; load average "
        f"{load:.1f} at the end. {args.bodies} bodies, errors are scan minus truth (cm, kg).",
        "",
        "| body | scan s | fit stages s | height | chest | waist | hips | weight |",
        "|---|---|---|---|---|---|---|---|",
        *lines,
        "",
        f"Scan from 3 photos: mean {statistics.mean(times):.1f} s, max {max(times):.1f} s "
        "(target < 60 s). Absolute error mean/max: "
        + ", ".join(f"{k} {statistics.mean(v):.1f}/{max(v):.1f} "
                    f"{'kg' if k == 'weight' else 'cm'}" for k, v in errors.items())
        + " (targets: height 2 cm, chest/waist/hips 4 cm). Measurement fit alone: "
        f"{measurement_fit:.2f} s.",
    ])
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.report import write_section

    write_section("scan", "Photo scans", text)


if __name__ == "__main__":
    main()
