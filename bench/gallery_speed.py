"""Full 1080p try-on speed of this tree against a baseline tree, in one run.

    python bench/gallery_speed.py --baseline ../tryon-main   # another checkout; prints a table

A try-on here is what the worker does after the body is fitted: pose, dress a top (cut,
drape), finish the figure (`outfit`, where the tree has it) and `render_scene` at 1080p,
quality high, encoded as PNG. Each tree runs in its own process with two torch threads,
alternating (baseline, this, baseline, this...) so both see the same machine load; the load
average is printed beside the numbers. The body is fitted (or loaded with --body-params) once
per process and not timed.
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

CHILD = r"""
import json, sys, time, torch
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
spec = RenderSpec(output=OutputSpec(format="png", resolution="1080p", quality="high",
                                    background="white"))
try:
    from render_engine.garment.outfit import outfit
except ImportError:
    outfit = None
out = []
for i in range(int(sys.argv[3]) + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    posed = pose_figure(body, "standing_neutral", {})
    g = dress(posed, "tops", guide, "M", "#3366CC")
    mesh = posed.mesh if hasattr(posed, "mesh") else posed
    meshes = outfit(posed, [g.mesh], body_mesh=mesh) if outfit else [mesh, g.mesh]
    t1 = time.perf_counter()
    r = render_scene(meshes, spec)
    t2, c2 = time.perf_counter(), time.process_time()
    if i:  # the first is a warm-up
        out.append({"dress": t1 - t0, "render": t2 - t1, "total": t2 - t0, "cpu": c2 - c0,
                    "faces": sum(m.num_faces for m in meshes)})
print("RESULT " + json.dumps(out))
"""


def run_tree(tree: str, repeats: int, params: str) -> list[dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": tree}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(BODY), json.dumps(GUIDE), str(repeats), params],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    result: list[dict[str, float]] = json.loads(line[len("RESULT ") :])
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True, help="another checkout of the repository")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--body-params", default="", help="a saved body (avatar.json 'params'), not fitted"
    )
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        results["baseline"] += run_tree(args.baseline, args.repeats, args.body_params)
        loads.append(os.getloadavg()[0])
        results["this"] += run_tree(str(ROOT), args.repeats, args.body_params)
        loads.append(os.getloadavg()[0])
    print(f"load average (1 min) during the run: {', '.join(f'{x:.1f}' for x in loads)}")
    print("| tree | faces | dress + outfit s | render + encode s | total s | cpu s |")
    print("|---|---|---|---|---|---|")
    for name, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(
            f"| {name} | {int(med['faces'])} | {med['dress']:.2f} | {med['render']:.2f} | "
            f"{med['total']:.2f} | {med['cpu']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
