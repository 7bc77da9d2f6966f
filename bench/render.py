"""Render engine benchmark: prints a table and writes the results block of the "Render engine"
section of docs/benchmarks.md (through bench/report.py; other sections are left as they are).

    python bench/render.py                    # CPU, full run with stock PyTorch3D (minutes)
    python bench/render.py --no-stock         # skip the stock rasterizer comparison
    python bench/render.py --save-npz a.npz --export-only   # the dressed avatar, for a GPU box
    TRYON_DEVICE=cuda python bench/render.py --body-npz a.npz --no-write --json gpu.json
    python bench/render.py --gpu-json gpu.json   # GPU results into the "render-gpu" block

Measures on one dressed anny avatar (fit from measurements, posed, a top draped on it):
body fit, garment drape, and per render stage at 720p / 1080p / 4k; the full render
without encoding (`render_rgba`, the number a GPU target is about); the tiled rasterizer
next to PyTorch3D's stock CPU rasterizer on the same frame at 1080p (ratio, identical
pixels); on CUDA, PyTorch3D's own binned rasterizer instead. With --body-npz nothing
imports anny (a GPU machine without it can run this).

Timings: warm-up runs first (--warmup, default 1 on the CPU for the first configuration,
2 per configuration on CUDA), then --repeats runs (default 1 on the CPU, 7 on CUDA), each
between CUDA synchronisations; medians are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from pytorch3d.renderer import FoVPerspectiveCameras
    from pytorch3d.structures import Meshes

    from render_engine.raster.tiled import RasterOutput
    from render_engine.scene.lights import LightingRig

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from render_engine.mesh import TriMesh  # noqa: E402
from render_engine.render import (  # noqa: E402
    STAGES,
    prepare_scene,
    render_device,
    render_scene,
)
from render_engine.request import CameraSpec, OutputSpec, RenderSpec  # noqa: E402

GUIDE = {
    "S": {"chest": 91, "waist": 76, "shoulder": 43, "sleeve": 63},
    "M": {"chest": 97, "waist": 81, "shoulder": 46, "sleeve": 66},
    "L": {"chest": 102, "waist": 86, "shoulder": 48, "sleeve": 69},
}
CPU_CONFIGS = [
    ("720p", "medium"),
    ("1080p", "low"),
    ("1080p", "medium"),
    ("1080p", "high"),
    ("4k", "medium"),
]
CUDA_CONFIGS = [(r, q) for r in ("720p", "1080p", "4k") for q in ("low", "medium", "high")]
SUPERSAMPLING = {"low": 1, "medium": 2, "high": 3}


def dressed_avatar(body_npz: str | None) -> tuple[list[TriMesh], dict[str, float]]:
    """Body + top meshes, and the seconds spent on body fit, pose and drape."""
    times: dict[str, float] = {}
    if body_npz:
        import numpy as np

        data = np.load(body_npz)
        meshes = []
        for name in sorted({k.split("/")[0] for k in data.files}):
            meshes.append(
                TriMesh(
                    verts=torch.from_numpy(data[f"{name}/verts"]).float(),
                    faces=torch.from_numpy(data[f"{name}/faces"]).long(),
                    colors=torch.from_numpy(data[f"{name}/colors"]).float(),
                    name=name,
                )
            )
        return meshes, times
    from render_engine.body.fit import fit_measurements
    from render_engine.garment import dress

    start = time.perf_counter()
    body = fit_measurements(
        {"height": 175.0, "weight": 70.0, "chest": 95.0, "waist": 82.0, "hips": 98.0}
    )
    times["body fit"] = time.perf_counter() - start
    from render_engine.cli import pose_figure

    start = time.perf_counter()
    posed = pose_figure(body, "standing_neutral", {})
    times["pose"] = time.perf_counter() - start
    start = time.perf_counter()
    garment = dress(posed, "tops", GUIDE, "M", "#3366CC")
    times["garment drape"] = time.perf_counter() - start
    mesh = posed if isinstance(posed, TriMesh) else posed.mesh
    return [mesh, garment.mesh], times


def save_npz(meshes: list[TriMesh], path: str) -> None:
    import numpy as np

    arrays: dict[str, Any] = {}
    for m in meshes:
        name = m.name.replace("/", "_").replace(":", "_")
        arrays[f"{name}/verts"] = m.verts.detach().cpu().numpy()
        arrays[f"{name}/faces"] = m.faces.detach().cpu().numpy()
        arrays[f"{name}/colors"] = m.colors.detach().cpu().numpy()
    np.savez_compressed(path, **arrays)


def sync() -> None:
    if torch.cuda.is_available() and render_device().type == "cuda":
        torch.cuda.synchronize()


def timed(run: Callable[[], Any], warmup: int, repeats: int) -> tuple[list[float], list[Any]]:
    """Wall seconds of `repeats` runs after `warmup` runs, each between synchronisations."""
    for _ in range(warmup):
        run()
    walls, results = [], []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        results.append(run())
        sync()
        walls.append(time.perf_counter() - start)
    return walls, results


def frame_ndc(meshes: list[TriMesh], size: tuple[int, int]) -> Meshes:
    """The Meshes in NDC exactly as render_scene frames them (front, realistic)."""
    from render_engine.scene.cameras import frame_figure

    scene = prepare_scene(meshes, render_device())
    lo, hi = scene.mesh.bounds
    cam = frame_figure(lo, hi, size, CameraSpec(), device=render_device())
    view = cam.get_world_to_view_transform().transform_points(scene.mesh.verts)
    proj = cam.get_projection_transform().transform_points(view)
    ndc = torch.cat([proj[:, :2], view[:, 2:]], dim=1)
    return scene.meshes.update_padded(ndc[None])


def compare_rasterizers(
    meshes: list[TriMesh], stock: bool, warmup: int, repeats: int
) -> dict[str, Any]:
    """Tiled (CPU) or PyTorch3D's binned (CUDA) rasterizer vs stock PyTorch3D (bin_size=0,
    CPU only) at 1080p, K=1, same frame."""
    from pytorch3d.renderer.mesh.rasterize_meshes import rasterize_meshes

    from render_engine.raster import rasterize_tiled

    size = (1920, 1080)
    ndc = frame_ndc(meshes, size)
    result: dict[str, Any] = {"faces": int(ndc.num_faces_per_mesh()[0])}

    def tiled_run() -> tuple[RasterOutput, float]:
        start_cpu = time.process_time()
        out = rasterize_tiled(ndc, image_size=size, faces_per_pixel=1, perspective_correct=True)
        return out, time.process_time() - start_cpu

    walls, runs = timed(tiled_run, max(warmup, 1), max(repeats, 3))
    tiled = runs[-1][0]
    result["tiled_s"] = statistics.median(walls)
    result["tiled_cpu_s"] = statistics.median(r[1] for r in runs)
    if stock and ndc.device.type == "cpu":
        start, start_cpu = time.perf_counter(), time.process_time()
        ref = rasterize_meshes(
            ndc, image_size=size, faces_per_pixel=1, bin_size=0, perspective_correct=True
        )
        result["stock_s"] = time.perf_counter() - start
        result["stock_cpu_s"] = time.process_time() - start_cpu
        same = tiled.pix_to_face == ref[0]
        result["identical_pix_to_face"] = float(same.float().mean())
        hit = ref[0] >= 0
        result["zbuf_max_abs_diff"] = float((tiled.zbuf - ref[1]).abs()[same & hit].max())
        result["ratio"] = result["stock_s"] / result["tiled_s"]
    return result


def spec_of(resolution: str, quality: str) -> RenderSpec:
    return RenderSpec(
        output=OutputSpec(format="png", resolution=resolution, quality=quality, background="white")
    )


def stage_rows(
    meshes: list[TriMesh], configs: list[tuple[str, str]], warmup: int, repeats: int
) -> list[dict[str, Any]]:
    """Per configuration: median stage seconds, wall seconds and CPU seconds of render_scene."""
    rows = []
    for i, (resolution, quality) in enumerate(configs):
        spec = spec_of(resolution, quality)

        def run(spec: RenderSpec = spec) -> tuple[dict[str, float], float]:
            start_cpu = time.process_time()
            result = render_scene(meshes, spec)
            return result.stage_times, time.process_time() - start_cpu

        # on the CPU one warm-up (the first configuration) is enough: nothing is compiled
        n_warm = warmup if render_device().type == "cuda" or i == 0 else 0
        walls, runs = timed(run, n_warm, repeats)
        stages = {
            name: statistics.median(r[0].get(name, 0.0) for r in runs) for name in STAGES
        }
        rows.append(
            {
                "resolution": resolution,
                "quality": quality,
                "stages": stages,
                "wall_s": statistics.median(walls),
                "wall_all_s": walls,
                "cpu_s": statistics.median(r[1] for r in runs),
            }
        )
        print(f"  {resolution} {quality}: {rows[-1]['wall_s']:.3f} s", flush=True)
    return rows


def render_only_rows(
    meshes: list[TriMesh], configs: list[tuple[str, str]], warmup: int, repeats: int
) -> list[dict[str, Any]]:
    """Median seconds of `render_rgba` alone (rasterize, shade, anti-alias, composite; no
    encoding, no copy to the host), scene prepared once."""
    from render_engine.render import render_rgba
    from render_engine.scene.cameras import frame_figure
    from render_engine.scene.lights import lighting_rig

    device = render_device()
    scene = prepare_scene(meshes, device)
    lo, hi = scene.mesh.bounds
    rows: list[dict[str, Any]] = []
    for resolution, quality in configs:
        spec = spec_of(resolution, quality)
        size = spec.output.size
        camera = frame_figure(lo, hi, size, spec.camera, device=device)
        rig = lighting_rig(spec.lighting, device)
        factor = spec.output.supersampling

        def run(camera: FoVPerspectiveCameras = camera, size: tuple[int, int] = size,
                rig: LightingRig = rig, factor: int = factor) -> None:
            render_rgba(scene, camera, size, factor, rig, (1.0, 1.0, 1.0))

        walls, _ = timed(run, warmup, repeats)
        rows.append(
            {
                "resolution": resolution,
                "quality": quality,
                "supersampling": factor,
                "median_s": statistics.median(walls),
                "min_s": min(walls),
                "all_s": walls,
            }
        )
        print(f"  render_rgba {resolution} {quality}: {rows[-1]['median_s'] * 1000:.1f} ms")
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return f"{os.cpu_count()} CPU cores ({cpu}), torch threads {torch.get_num_threads()}{gpu}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "torch": torch.__version__}
    try:
        import pytorch3d

        out["pytorch3d"] = pytorch3d.__version__
    except Exception as exc:  # pragma: no cover - reported, not fatal
        out["pytorch3d"] = f"unavailable ({exc})"
    if torch.cuda.is_available():
        out["cuda"] = str(torch.version.cuda)
    return out


def results_markdown(res: dict[str, Any]) -> str:
    """The results block from a run's JSON (`main` builds it; `--gpu-json` reads it)."""
    meshes_faces = res["faces"]
    lines = [
        f"Measured {res['date']} on {res['machine']}, device `{res['device']}`, "
        f"versions {', '.join(f'{k} {v}' for k, v in res['versions'].items())}, "
        f"by `python bench/render.py {res['args']}`. Dressed anny avatar: {meshes_faces} "
        "triangles (body + top). "
        + (
            f"Load average (1 min) {res['load'][0]:.1f} at the start, {res['load'][1]:.1f} at "
            "the end: the development machine is shared with other jobs, so wall times "
            "include their load; `cpu` is this process's CPU time (all cores together). "
            if res["device"] == "cpu"
            else ""
        )
        + f"Medians of {res['repeats']} run(s) after warm-up.",
        "",
    ]
    prep = res.get("prep") or {}
    if prep:
        lines += ["| preparation | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in prep.items()]
        lines.append("")
    lines += [
        "Render stages in seconds (png, white background; `rendering` = rasterize + shade"
        " + anti-alias + composite + copy to the host, `optimization` = encode):",
        "",
        "| resolution | quality (AA) | " + " | ".join(STAGES) + " | total | cpu |",
        "|---|---|" + "---|" * (len(STAGES) + 2),
    ]
    for row in res["rows"]:
        factor = SUPERSAMPLING[row["quality"]]
        cells = " | ".join(f"{row['stages'].get(s, 0.0):.3f}" for s in STAGES)
        lines.append(
            f"| {row['resolution']} | {row['quality']} ({factor}x{factor} on edges) | {cells} "
            f"| {row['wall_s']:.2f} | {row['cpu_s']:.2f} |"
        )
    lines.append("")
    drape = prep.get("garment drape")
    if drape is not None:
        for row in res["rows"]:
            if row["resolution"] == "1080p":
                total = drape + row["wall_s"]
                lines.append(
                    f"Full 1080p try-on, quality {row['quality']}: drape {drape:.2f} s + render "
                    f"and encode {row['wall_s']:.2f} s = **{total:.2f} s** (target < 5 s on two "
                    "CPU cores)."
                )
        lines.append("")
    if res.get("render_only"):
        lines += [
            "`render_rgba` alone (rasterize, shade, anti-alias, composite; no encoding, no copy "
            "to the host), milliseconds:",
            "",
            "| resolution | quality | median ms | min ms |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['resolution']} | {r['quality']} | {r['median_s'] * 1000:.1f} "
            f"| {r['min_s'] * 1000:.1f} |"
            for r in res["render_only"]
        ]
        lines.append("")
    raster = res["raster"]
    name = "tiled (`render_engine.raster`)" if res["device"] == "cpu" else "PyTorch3D binned"
    lines += [
        f"Rasterizer at 1920x1080, faces_per_pixel 1, {raster['faces']} faces, same frame:",
        "",
        "| rasterizer | seconds | cpu |",
        "|---|---|---|",
        f"| {name}, `{res['device']}` | {raster['tiled_s']:.4f} | {raster['tiled_cpu_s']:.3f} |",
    ]
    if "stock_s" in raster:
        lines += [
            f"| stock PyTorch3D (bin_size=0) | {raster['stock_s']:.1f} "
            f"| {raster['stock_cpu_s']:.1f} |",
            "",
            f"Speed-up **{raster['ratio']:.0f}x** in wall time, "
            f"{raster['stock_cpu_s'] / raster['tiled_cpu_s']:.0f}x in CPU time "
            "(target >= 50x); identical `pix_to_face` on "
            f"{100 * raster['identical_pix_to_face']:.4f} % of pixels, "
            f"max |dz| {raster['zbuf_max_abs_diff']:.2e} where equal.",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-stock", action="store_true")
    parser.add_argument("--body-npz", help="load the dressed avatar from .npz (GPU machine)")
    parser.add_argument("--save-npz", help="save the dressed avatar to .npz and continue")
    parser.add_argument("--export-only", action="store_true", help="stop after --save-npz")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", help="also write the results as JSON to this path")
    parser.add_argument("--gpu-json", help="write a GPU run's JSON into the render-gpu block")
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.gpu_json:
        res = json.loads(Path(args.gpu_json).read_text())
        write_section("render-gpu", "Render engine on a GPU", results_markdown(res))
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = render_device()
    cuda = device.type == "cuda"
    warmup = args.warmup if args.warmup is not None else (2 if cuda else 1)
    repeats = args.repeats if args.repeats is not None else (7 if cuda else 1)

    load_before = os.getloadavg()[0]
    meshes, prep = dressed_avatar(args.body_npz)
    if args.save_npz:
        save_npz(meshes, args.save_npz)
        print(f"saved {args.save_npz}: {[m.name for m in meshes]}, {prep}")
        if args.export_only:
            return 0
    configs = CUDA_CONFIGS if cuda else CPU_CONFIGS
    print("render_scene:", flush=True)
    rows = stage_rows(meshes, configs, warmup, repeats)
    render_only = render_only_rows(meshes, configs, warmup, repeats) if cuda else []
    raster = compare_rasterizers(meshes, not args.no_stock, warmup, repeats)
    shown = " ".join(Path(a).name if "/" in a else a for a in sys.argv[1:])
    res = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "device": str(device),
        "versions": versions(),
        "args": shown,
        "faces": sum(m.num_faces for m in meshes),
        "load": [load_before, os.getloadavg()[0]],
        "repeats": repeats,
        "warmup": warmup,
        "prep": prep,
        "rows": rows,
        "render_only": render_only,
        "raster": raster,
    }
    text = results_markdown(res)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    if not args.no_write:
        write_section("render", "Render engine", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
