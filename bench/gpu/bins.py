"""CUDA rasterizer sweep at 1080p and 4k: bin size x max_faces_per_bin (the measurements in
docs/benchmarks.md, "Render engine on a GPU"). Run from the repository root on the GPU machine
after bench/gpu/run.sh has unpacked .gpu/ into /tmp/site:

    PYTHONPATH=/tmp/site:$PWD TRYON_DEVICE=cuda python3 bench/gpu/bins.py
"""

import os
import statistics
import sys

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))

import render as bench  # noqa: E402  (bench/render.py)
from pytorch3d.renderer.mesh.rasterize_meshes import rasterize_meshes  # noqa: E402

meshes, _ = bench.dressed_avatar(".gpu/avatar.npz")
for size in ((1080, 1920), (2160, 3840)):
    ndc = bench.frame_ndc(meshes, size)
    n_faces = int(ndc.num_faces_per_mesh().max())
    ref = None
    for bin_size in (None, 96, 128, 192, 256):
        for bound in (n_faces, 10000, 4000, 2000):

            def run(bin_size=bin_size, bound=bound, ndc=ndc, size=size):  # type: ignore[no-untyped-def]
                return rasterize_meshes(ndc, image_size=size, faces_per_pixel=1,
                                        bin_size=bin_size, max_faces_per_bin=bound,
                                        perspective_correct=True)

            try:
                walls, outs = bench.timed(run, 1, 5)
            except Exception as exc:  # bins per side over PyTorch3D's limit of 22
                print(f"raster {size} bin {bin_size} mfpb {bound}: {exc}", flush=True)
                continue
            p2f = outs[-1][0]
            same = 1.0 if ref is None else float((p2f == ref).float().mean())
            ref = p2f if ref is None else ref
            print(f"raster {size} bin {bin_size} mfpb {bound}: "
                  f"{statistics.median(walls) * 1000:.2f} ms same {same:.6f}", flush=True)
