"""Scan benchmark: photo scans of known anny bodies taken by varied phones in varied rooms.

Usage: python bench/scan.py [--scans N] [--first K] [--only I,J] [--threads T] [--seed S]
       [--weight-sd KG] [--new-bodies] [--sensor-pitch-sd DEG] [--out FILE] [--no-write]
       [--report]

Each scan draws, with a fixed seed: a body (one of `BODIES`, 10 adult builds), a camera
(distance 1.8-4 m, lens height 0.6-1.6 m, vertical field of view 45-80 degrees, aspect 3:4,
9:16, 1:1 or 4:3 landscape, pitch +-10 degrees, roll +-3 degrees, the person up to 0.3 m off
the optical axis; redrawn until the whole person is in the frame), a background (plain,
gradient, furnished room), tight clothing of a colour, a skin tone, arms in the A-pose,
down in the side photo or down in every photo, and whether the JPEGs carry the focal length
in EXIF. Three photos
(front, side_left, back) from one spot; the stated height is the body's. Each scan's
errors (scan minus truth, cm) go to a JSON-lines file as it finishes (`--out`; several
files, comma-separated, for --report), the table and summary to docs/benchmarks.md
(section "scan"). Targets (issue 11): every scan completes, height within 1 cm,
chest/waist/hips mean error <= 2 cm and max <= 4 cm, a scan <= 30 s on two cores.

With ``--weight-sd KG`` each person also states their weight, as the services a shopper
compares us with ask: the true (anny) weight plus a Gaussian error of KG kilograms (a
bathroom scale, the time of day), drawn from a generator of its own per scan so that the
grid's scans stay the same. Its table goes to the section "scan_weight".

With ``--new-bodies`` each scan's body is not one of `BODIES` but a phenotype of its own,
drawn from a generator of its own per seed and scan (`new_body`): adults of any build
within anny's range short of its extremes, so that a run shows how the scan does on
bodies nobody looked at while developing it (every other grid of this benchmark uses the
ten `BODIES`). Its table goes to the section "scan_new_bodies" (with ``--weight-sd`` too,
it prints only).

With ``--sensor-pitch-sd DEG`` each photo comes with its camera's pitch as a phone's motion
sensor would report it (`scan_from_photos`'s ``camera_pitches``): the true pitch plus a
Gaussian error of DEG degrees (0: the true pitch), drawn from a generator of its own per
scan (`sensor_pitches`). It prints only (its records go to `--out`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from render_engine.body.fitted import FittedBody
    from render_engine.scan.photoshoot import Shot

BODIES = [
    {"gender": 0.1, "age": 0.8, "muscle": 0.6, "weight": 0.4, "height": 0.55, "proportions": 0.5},
    {"gender": 0.9, "age": 0.75, "muscle": 0.3, "weight": 0.75, "height": 0.35,
     "proportions": 0.4},
    {"gender": 0.5, "age": 0.9, "muscle": 0.5, "weight": 0.55, "height": 0.45, "proportions": 0.6},
    {"gender": 0.2, "age": 0.7, "muscle": 0.8, "weight": 0.3, "height": 0.75, "proportions": 0.7},
    {"gender": 0.8, "age": 0.85, "muscle": 0.4, "weight": 0.3, "height": 0.25, "proportions": 0.3},
    {"gender": 0.3, "age": 0.95, "muscle": 0.3, "weight": 0.8, "height": 0.5, "proportions": 0.5},
    {"gender": 0.7, "age": 0.7, "muscle": 0.6, "weight": 0.6, "height": 0.6, "proportions": 0.8},
    {"gender": 0.1, "age": 0.75, "muscle": 0.2, "weight": 0.2, "height": 0.3, "proportions": 0.2},
    {"gender": 0.95, "age": 0.8, "muscle": 0.5, "weight": 0.45, "height": 0.7, "proportions": 0.6},
    {"gender": 0.4, "age": 0.9, "muscle": 0.7, "weight": 0.7, "height": 0.4, "proportions": 0.35},
]
ASPECTS = {"3:4": 3 / 4, "9:16": 9 / 16, "1:1": 1.0, "4:3": 4 / 3}
POSES = ["front", "side_left", "back"]
KEYS = ("height", "chest", "waist", "hips")
#: The range `new_body` draws each phenotype value from: adults (anny's age 2/3 is a young
#: adult, 1 old), every build short of the parameter's extremes.
NEW_BODY_RANGES = {
    "gender": (0.0, 1.0), "age": (0.68, 1.0), "muscle": (0.1, 0.9), "weight": (0.1, 0.9),
    "height": (0.1, 0.9), "proportions": (0.1, 0.9),
}


def new_body(seed: int, scan: int) -> dict[str, float]:
    """A phenotype none of `BODIES` is: each value uniform in `NEW_BODY_RANGES`, from a
    generator of the seed and scan's own (the grid's other draws stay put)."""
    rng = random.Random(f"body-{seed}-{scan}")
    return {k: round(rng.uniform(lo, hi), 3) for k, (lo, hi) in NEW_BODY_RANGES.items()}


def draw_shot(rng: random.Random, verts: torch.Tensor, index: int) -> tuple[Shot, str]:
    """A `Shot` of the grid whose frame holds the whole person (25-95 % of its height)."""
    from render_engine.scan.photoshoot import BACKGROUNDS, Shot, camera_pixels

    aspect_name = list(ASPECTS)[index % len(ASPECTS)]
    while True:
        shot = Shot(
            distance_m=rng.uniform(1.8, 4.0), lens_height_m=rng.uniform(0.6, 1.6),
            vfov_deg=rng.uniform(45.0, 80.0), aspect=ASPECTS[aspect_name],
            pitch_deg=rng.uniform(-10.0, 10.0), roll_deg=rng.uniform(-3.0, 3.0),
            offset_m=rng.uniform(-0.3, 0.3), rows=rng.choice([720, 960, 1280]),
            background=BACKGROUNDS[index % len(BACKGROUNDS)], exif=index % 2 == 0,
        )
        h, w = shot.size
        ok = True
        for yaw in (0.0, 90.0):
            a = math.radians(yaw)
            turned = verts @ torch.tensor(
                [[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]]
            ).T
            pix = camera_pixels(turned, shot)
            top, bottom = float(pix[:, 1].min()), float(pix[:, 1].max())
            left, right = float(pix[:, 0].min()), float(pix[:, 0].max())
            tall = (bottom - top) / h
            ok &= 0.03 * h < top and bottom < 0.97 * h and 0.02 * w < left and right < 0.98 * w
            ok &= 0.3 <= tall <= 0.9
        if ok:
            return shot, aspect_name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--first", type=int, default=0, help="skip the grid's first scans")
    parser.add_argument("--only", default="", help="comma-separated scan indices to run")
    parser.add_argument("--out", default="bench/scan_grid.jsonl")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--report", action="store_true", help="only tabulate --out")
    parser.add_argument("--weight-sd", type=float, default=None,
                        help="each person states their weight, true +- this SD (kg)")
    parser.add_argument("--new-bodies", action="store_true",
                        help="bodies drawn anew (new_body), not BODIES")
    parser.add_argument("--sensor-pitch-sd", type=float, default=None,
                        help="each photo's pitch as a phone's sensor reports it, true +- this "
                             "SD (degrees); prints only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not args.report:
        run_grid(args)
    # each section holds one kind of run; a run of two kinds at once prints only
    one_kind = args.sensor_pitch_sd is None and not (
        args.new_bodies and args.weight_sd is not None)
    if not args.no_write and one_kind:
        write_report(args)


def grid_scans(seed: int, count: int, first: int = 0, new_bodies: bool = False) -> Iterator[
    tuple[int, FittedBody, list[tuple[str, bytes | torch.Tensor]], dict[str, Any]]
]:
    """Yield (index, truth body, [(pose, JPEG bytes)], row) of the grid's scans `first` ..
    `count` - 1 (the draws of earlier ones are made and skipped, so scan i is the same
    whatever `first` is); with `new_bodies` each body is `new_body`'s, not one of `BODIES`."""
    from render_engine.body import build_body
    from render_engine.body.pose import pose_body
    from render_engine.scan.photoshoot import (
        CLOTHING,
        SKIN_TONES,
        dressed_colors,
        jpeg_bytes,
        take_photo,
    )

    rng = random.Random(seed)
    for i in range(count):
        body_index = i % len(BODIES)
        phenotype = new_body(seed, i) if new_bodies else BODIES[body_index]
        truth = build_body(phenotype)
        # arms: the rest A-pose, down in the side photo, or down in every photo
        arms = {0: "A", 1: "down in side", 2: "down", 3: "A"}[i % 4]
        verts = truth.mesh.verts
        down = pose_body(truth, "standing_neutral").verts
        shot, aspect = draw_shot(rng, verts, i)
        skin = list(SKIN_TONES)[i % len(SKIN_TONES)]
        clothing = list(CLOTHING)[(i // 2) % len(CLOTHING)]
        if i < first:
            continue

        def posed(pose: str, arms: str = arms, down: torch.Tensor = down,
                  verts: torch.Tensor = verts) -> torch.Tensor:
            if arms == "down" or (arms == "down in side" and pose.startswith("side")):
                return down
            return verts

        colours = dressed_colors(truth, skin, clothing)
        photos: list[tuple[str, bytes | torch.Tensor]] = [
            (p, jpeg_bytes(take_photo(posed(p), truth.mesh.faces, colours, p, shot, seed=i),
                           shot))
            for p in POSES
        ]
        row = {
            "scan": i, "body": body_index, "aspect": aspect, "rows": shot.rows,
            "distance": round(shot.distance_m, 2), "lens": round(shot.lens_height_m, 2),
            "vfov": round(shot.vfov_deg, 1), "pitch": round(shot.pitch_deg, 1),
            "roll": round(shot.roll_deg, 1), "background": shot.background, "skin": skin,
            "clothing": clothing, "arms": arms, "exif": shot.exif,
        }
        if new_bodies:
            row["body"] = "new"
            row["phenotype"] = phenotype
        yield i, truth, photos, row


def stated_weight(true_kg: float, scan: int, sd_kg: float | None) -> float | None:
    """The weight the person of `scan` states: None unless `sd_kg` is given, else the true
    weight with an error drawn from the scan's own generator (the grid's draws stay put)."""
    if sd_kg is None:
        return None
    return true_kg + random.Random(f"weight-{scan}").gauss(0.0, sd_kg)


def sensor_pitches(true_deg: float, scan: int, sd_deg: float | None,
                   count: int) -> list[float | None] | None:
    """Each of a scan's `count` photos' pitch as its phone's motion sensor reports it: None
    unless `sd_deg` is given, else the true pitch with an error drawn from the scan's own
    generator (the grid's draws stay put)."""
    if sd_deg is None:
        return None
    rng = random.Random(f"pitch-{scan}")
    return [true_deg + rng.gauss(0.0, sd_deg) for _ in range(count)]


def run_grid(args: argparse.Namespace) -> None:
    from render_engine.scan import ScanRejected, scan_from_photos

    out = Path(args.out)
    only = {int(x) for x in args.only.split(",")} if args.only else None
    for i, truth, photos, row in grid_scans(args.seed, args.scans, args.first, args.new_bodies):
        if only is not None and i not in only:
            continue
        row["load"] = round(os.getloadavg()[0], 1)
        weight = stated_weight(truth.measurements["weight"], i, args.weight_sd)
        if weight is not None:
            row["statedWeight"] = round(weight, 1)
        start = time.perf_counter()
        try:
            result = scan_from_photos(
                photos, height_cm=truth.measurements["height"], weight_kg=weight,
                camera_pitches=sensor_pitches(row["pitch"], i, args.sensor_pitch_sd, len(photos)),
            )
        except ScanRejected as exc:
            row.update(seconds=round(time.perf_counter() - start, 1), rejected=exc.code,
                       reasons=exc.reasons)
        else:
            scan = result.body.extras["scan"]
            assert isinstance(scan, dict)
            row.update(
                seconds=round(time.perf_counter() - start, 1),
                errors={k: round(result.measurements[k] - truth.measurements[k], 2)
                        for k in KEYS},
                cameras=[r.camera.as_report() for r in result.photo_reports if r.camera],
                poses=scan["photoPoses"],
            )
        print(json.dumps(row), flush=True)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")


def write_report(args: argparse.Namespace) -> None:
    by_scan: dict[int, dict[str, Any]] = {}  # the first record of each scan (parallel runs overlap)
    for name in args.out.split(","):
        for line in Path(name).read_text().splitlines():
            if line:
                row = json.loads(line)
                by_scan.setdefault(row["scan"], row)
    rows = [by_scan[k] for k in sorted(by_scan)]
    done = [r for r in rows if "errors" in r]

    def body(r: dict[str, Any]) -> str:
        if "phenotype" not in r:
            return str(r["body"])
        return "new: " + " ".join(f"{k[0]}{v:.2f}" for k, v in r["phenotype"].items())

    lines = [
        f"| {r['scan']} | {body(r)}"
        + (f" ({r['statedWeight']} kg)" if "statedWeight" in r else "")
        + f" | {r['aspect']} {r['rows']}px | {r['distance']} m, "
        f"{r['lens']} m, {r['vfov']} deg, pitch {r['pitch']}, roll {r['roll']} | "
        f"{r['background']} | {r['skin']}/{r['clothing']} | {r['arms']} | "
        f"{'yes' if r['exif'] else 'no'} | {r['seconds']} ({r['load']}) | "
        + (" | ".join(f"{r['errors'][k]:+.1f}" for k in KEYS) if "errors" in r
           else f"refused: {r['rejected']} {r.get('reasons')} | | |")
        + " |"
        for r in rows
    ]
    summary = [f"{len(done)} of {len(rows)} scans completed."]
    if len(rows) < args.scans:
        summary.insert(0, f"Partial run: {len(rows)} of the grid's {args.scans} scans measured.")
    if done:
        for k in KEYS:
            errs = [abs(r["errors"][k]) for r in done]
            summary.append(f"{k}: mean {statistics.mean(errs):.1f} cm, max {max(errs):.1f} cm.")
        secs = [r["seconds"] for r in done]
        summary.append(f"Scan time: mean {statistics.mean(secs):.1f} s, max {max(secs):.1f} s.")
    text = "\n".join([
        f"Measured {dt.date.today()} on {os.cpu_count()} CPU cores ({platform.machine()}) shared "
        f"with other jobs (load average in brackets after each time), torch threads "
        f"{args.threads}, python {platform.python_version()}, torch {torch.__version__}. "
        f"Grid seed {args.seed}; errors are scan minus truth (cm); photos front, side_left, back "
        "from one spot; "
        + ("each person states only their height." if args.weight_sd is None else
           f"each person states their height and their weight, the true weight with a "
           f"Gaussian error of SD {args.weight_sd:g} kg (stated weight in brackets after the "
           "body).")
        + (" Bodies drawn anew (`new_body`: g gender, a age, m muscle, w weight, h height, "
           "p proportions)." if args.new_bodies else ""),
        "",
        "| scan | body | frame | camera (distance, lens height, vertical FOV) | background "
        "| skin/clothing | arms | EXIF | s (load) | height | chest | waist | hips |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *lines,
        "",
        " ".join(summary),
    ])
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.report import write_section

    if args.new_bodies:
        write_section("scan_new_bodies", "Photo scans of bodies drawn anew (issue 11)", text)
    elif args.weight_sd is None:
        write_section("scan", "Photo scans (issue 11 grid)", text)
    else:
        write_section("scan_weight", "Photo scans with a stated weight (issue 11 grid)", text)


if __name__ == "__main__":
    main()
