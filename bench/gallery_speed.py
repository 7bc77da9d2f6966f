"""Full 1080p try-on speed of this tree against a baseline tree, in one run.

    python bench/gallery_speed.py --baseline ../tryon-main   # another checkout; prints a table
    python bench/gallery_speed.py --baseline ../tryon-main --garments tshirt coat bag

A try-on here is what the worker does after the body is fitted: pose, dress a garment (cut,
drape), finish the figure (`outfit`, where the tree has it) and `render_scene` at 1080p,
quality high, encoded as PNG. Garments: `top` (the tops default, no subcategory), or by
subcategory `tshirt`, `coat`, `bag`, `shirt`, `hoodie`, `suit`; `trousers` (the bottoms
default).
Each tree runs in its own process with two torch threads, alternating (baseline, this,
baseline, this...) so both see the same machine load; the load average is printed beside
the numbers. The body is fitted (or loaded with --body-params) once per process and not
timed; each garment is tried on once untimed first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BODY = {"height": 175.0, "weight": 70.0, "chest": 95.0, "waist": 82.0, "hips": 98.0}
GUIDE = {"M": {"chest": 97, "waist": 81, "shoulder": 46, "sleeve": 66}}
#: garment name -> (category, subcategory or "" for the category's default cut)
GARMENTS = {
    "top": ("tops", ""),
    "tshirt": ("tops", "tshirt"),
    "coat": ("outerwear", "coat"),
    "bag": ("accessories", "bag"),
    "shirt": ("tops", "shirts"),
    "hoodie": ("tops", "hoodies"),
    "trousers": ("bottoms", ""),
    "suit": ("formal", "blazers"),
}

CHILD = r"""
import json, sys, time
import render_engine  # first, as in the worker: the engine's process settings before torch
import torch
torch.set_num_threads(2)
from render_engine.body.fit import fit_measurements
from render_engine.cli import pose_figure
from render_engine.garment import dress
from render_engine.render import render_scene
from render_engine.request import OutputSpec, RenderSpec
if sys.argv[4]:
    from render_engine.body.fitted import body_from_params
    body = body_from_params(json.loads(open(sys.argv[4]).read()))
else:
    body = fit_measurements(json.loads(sys.argv[1]))
guide = json.loads(sys.argv[2])
garments = json.loads(sys.argv[5])
photos = sys.argv[6] == "1"
spec = RenderSpec(output=OutputSpec(format="png", resolution="1080p", quality="high",
                                    background="white"))
try:
    from render_engine.garment.outfit import outfit
except ImportError:
    outfit = None
out = {}
for name, (category, sub) in garments.items():
    rows = out[name] = []
    extra = {"subcategory": sub} if sub else {}
    if photos:  # the product's own photo (checks), cut out and wrapped round the garment
        from render_engine.garment.product_images import product_photo
        kind = {"bottoms": "bottoms", "dresses": "dresses"}.get(category, "tops")
        extra["images"] = [product_photo("#3366CC", "checks", kind)]
    for i in range(int(sys.argv[3]) + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        posed = pose_figure(body, "standing_neutral", {})
        t1 = time.perf_counter()
        g = dress(posed, category, guide, "M", "#3366CC", **extra)
        t2 = time.perf_counter()
        mesh = posed.mesh if hasattr(posed, "mesh") else posed
        meshes = outfit(posed, [g.mesh], body_mesh=mesh) if outfit else [mesh, g.mesh]
        t3 = time.perf_counter()
        r = render_scene(meshes, spec)
        t4, c4 = time.perf_counter(), time.process_time()
        if i:  # the first is a warm-up
            rows.append({"pose": t1 - t0, "dress_only": t2 - t1, "outfit": t3 - t2,
                         "dress": t3 - t0, "render": t4 - t3,
                         "encode": r.stage_times.get("optimization", 0.0),
                         "total": t4 - t0, "cpu": c4 - c0,
                         "faces": sum(m.num_faces for m in meshes)})
print("RESULT " + json.dumps(out))
"""


def run_tree(
    tree: str, repeats: int, params: str, garments: dict[str, tuple[str, str]],
    photos: bool = False,
) -> dict[str, list[dict[str, float]]]:
    env = {**os.environ, "PYTHONPATH": tree}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            json.dumps(BODY),
            json.dumps(GUIDE),
            str(repeats),
            params,
            json.dumps(garments),
            "1" if photos else "0",
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    result: dict[str, list[dict[str, float]]] = json.loads(line[len("RESULT ") :])
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True, help="another checkout of the repository")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--body-params", default="", help="a saved body (avatar.json 'params'), not fitted"
    )
    parser.add_argument("--garments", nargs="*", default=["top"], choices=sorted(GARMENTS))
    parser.add_argument("--photos", action="store_true",
                        help="dress each garment with a product photo (checks): the cut-out "
                        "and its wrapping round the garment are timed with the drape")
    args = parser.parse_args()
    garments = {name: GARMENTS[name] for name in args.garments}
    results: dict[str, dict[str, list[dict[str, float]]]] = {
        tree: {name: [] for name in garments} for tree in ("baseline", "this")
    }
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for tree, path in (("baseline", args.baseline), ("this", str(ROOT))):
            for name, rows in run_tree(path, args.repeats, args.body_params, garments,
                                       args.photos).items():
                results[tree][name] += rows
            loads.append(os.getloadavg()[0])
    print(f"load average (1 min) during the run: {', '.join(f'{x:.1f}' for x in loads)}")
    print(
        "| garment | tree | faces | pose s | dress s | outfit s | render + encode s "
        "(encode) | total s | cpu s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in garments:
        for tree in ("baseline", "this"):
            rows = results[tree][name]
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(
                f"| {name} | {tree} | {int(med['faces'])} | {med['pose']:.2f} | "
                f"{med['dress_only']:.2f} | {med['outfit']:.2f} | {med['render']:.2f} "
                f"({med['encode']:.2f}) | {med['total']:.2f} | {med['cpu']:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
