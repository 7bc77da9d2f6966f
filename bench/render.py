"""Render engine benchmark: prints a table and writes the "Render engine" section of
docs/benchmarks.md (other sections are left as they are).

    python bench/render.py            # full run, stock PyTorch3D at 1080p once (minutes)
    python bench/render.py --no-stock # skip the stock comparison
    TRYON_DEVICE=cuda python bench/render.py --body-npz body.npz   # GPU machine, no anny

Measures on one dressed anny avatar (fit from measurements, posed, a top draped on it):
body fit, garment drape, and per render stage at 720p / 1080p / 4k; the tiled rasterizer
next to PyTorch3D's stock CPU rasterizer on the same frame at 1080p (ratio, identical
pixels); on CUDA, PyTorch3D's own binned rasterizer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from render_engine.mesh import TriMesh  # noqa: E402
from render_engine.render import prepare_scene, render_device, render_scene  # noqa: E402
from render_engine.request import CameraSpec, OutputSpec, RenderSpec  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Render engine"
GUIDE = {
    "S": {"chest": 91, "waist": 76, "shoulder": 43, "sleeve": 63},
    "M": {"chest": 97, "waist": 81, "shoulder": 46, "sleeve": 66},
    "L": {"chest": 102, "waist": 86, "shoulder": 48, "sleeve": 69},
}


def dressed_avatar(body_npz: str | None) -> tuple[list[TriMesh], dict[str, float]]:
    """Body + top meshes, and the seconds spent on body fit and drape."""
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

    arrays = {}
    for m in meshes:
        name = m.name.replace("/", "_").replace(":", "_")
        arrays[f"{name}/verts"] = m.verts.numpy()
        arrays[f"{name}/faces"] = m.faces.numpy()
        arrays[f"{name}/colors"] = m.colors.numpy()
    np.savez_compressed(path, **arrays)


def frame_ndc(meshes: list[TriMesh], size: tuple[int, int]):
    """The Meshes in NDC exactly as render_scene frames them (front, realistic)."""
    from render_engine.scene.cameras import frame_figure

    scene = prepare_scene(meshes, render_device())
    lo, hi = scene.mesh.bounds
    cam = frame_figure(lo, hi, size, CameraSpec(), device=render_device())
    view = cam.get_world_to_view_transform().transform_points(scene.mesh.verts)
    proj = cam.get_projection_transform().transform_points(view)
    ndc = torch.cat([proj[:, :2], view[:, 2:]], dim=1)
    return scene.meshes.update_padded(ndc[None])


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def compare_rasterizers(meshes: list[TriMesh], stock: bool) -> dict[str, object]:
    """Tiled vs stock PyTorch3D (bin_size=0, CPU) at 1080p, K=1, same frame."""
    from pytorch3d.renderer.mesh.rasterize_meshes import rasterize_meshes

    from render_engine.raster import rasterize_tiled

    size = (1920, 1080)
    ndc = frame_ndc(meshes, size)
    result: dict[str, object] = {"faces": int(ndc.num_faces_per_mesh()[0])}
    runs, cpu = [], []
    for _ in range(3):
        sync()
        start, start_cpu = time.perf_counter(), time.process_time()
        tiled = rasterize_tiled(ndc, image_size=size, faces_per_pixel=1, perspective_correct=True)
        sync()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    result["tiled_s"], result["tiled_cpu_s"] = min(runs), min(cpu)
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


def stage_rows(meshes: list[TriMesh]) -> list[tuple[str, str, dict[str, float], float, float]]:
    """(resolution, quality, stage seconds, wall seconds, CPU seconds of this process)."""
    rows = []
    for resolution, quality in [
        ("720p", "medium"),
        ("1080p", "low"),
        ("1080p", "medium"),
        ("1080p", "high"),
        ("4k", "medium"),
    ]:
        spec = RenderSpec(
            output=OutputSpec(
                format="png", resolution=resolution, quality=quality, background="white"
            )
        )
        render_scene(meshes, spec) if resolution == "720p" else None  # warm up once
        sync()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = render_scene(meshes, spec)
        sync()
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        rows.append((resolution, quality, result.stage_times, wall, cpu))
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return f"{os.cpu_count()} CPU cores ({cpu}), torch threads {torch.get_num_threads()}{gpu}"


def write_section(text: str) -> None:
    DOC.parent.mkdir(exist_ok=True)
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    # the section runs to the next heading or marker comment of another section
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |^<!--|\Z)", re.S | re.M)
    doc = pattern.sub(text, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text
    DOC.write_text(doc)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-stock", action="store_true")
    parser.add_argument("--body-npz", help="load the dressed avatar from .npz (GPU machine)")
    parser.add_argument("--save-npz", help="save the dressed avatar to .npz and continue")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)

    load_before = os.getloadavg()[0]
    meshes, prep = dressed_avatar(args.body_npz)
    if args.save_npz:
        save_npz(meshes, args.save_npz)
    rows = stage_rows(meshes)
    raster = compare_rasterizers(meshes, stock=not args.no_stock)
    device = render_device()

    stage_names = [
        "asset_loading",
        "mesh_fitting",
        "texture_mapping",
        "lighting_setup",
        "rendering",
        "optimization",
    ]
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} on {machine()}, device `{device}`, "
        f"by `python bench/render.py`. Dressed anny avatar: "
        f"{sum(m.num_faces for m in meshes)} triangles (body + top). "
        f"Load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        "end: the development machine is shared with other jobs, so wall times include "
        "their load; `cpu` is this process's CPU time (both cores together).",
        "",
    ]
    if prep:
        lines += ["| preparation | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in prep.items()]
        lines.append("")
    lines += [
        "Render stages in seconds (png, white background; `rendering` = rasterize + shade"
        " + anti-alias + composite, `optimization` = encode):",
        "",
        "| resolution | quality (SSAA) | " + " | ".join(stage_names) + " | total | cpu |",
        "|---|---|" + "---|" * (len(stage_names) + 2),
    ]
    for resolution, quality, times, total, cpu in rows:
        factor = {"low": 1, "medium": 2, "high": 3}[quality]
        cells = " | ".join(f"{times.get(s, 0.0):.3f}" for s in stage_names)
        lines.append(
            f"| {resolution} | {quality} ({factor}x) | {cells} | {total:.2f} | {cpu:.2f} |".replace(
                "| |", "|"
            )
        )
    lines.append("")
    drape = prep.get("garment drape")
    if drape is not None:
        for resolution, quality, _, total, _cpu in rows:
            if resolution == "1080p":
                lines.append(
                    f"Full 1080p try-on, quality {quality}: drape {drape:.2f} s + render and "
                    f"encode {total:.2f} s = **{drape + total:.2f} s** (target < 5 s)."
                )
        lines.append("")
    lines += [
        f"Rasterizer at 1920x1080, faces_per_pixel 1, {raster['faces']} faces, same frame:",
        "",
        "| rasterizer | seconds | cpu |",
        "|---|---|---|",
        f"| tiled (`render_engine.raster`, `{device}`) | {raster['tiled_s']:.3f} "
        f"| {raster['tiled_cpu_s']:.3f} |",
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
    lines.append("")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
