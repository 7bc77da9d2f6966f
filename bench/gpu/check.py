"""GPU smoke check before the benchmark: pytorch3d's CUDA kernels, then the render engine on
CUDA against the same render on the CPU (correctness of the GPU path), pictures into $OUT."""

import os
import sys
import time

import numpy as np
import torch

out = os.environ.get("OUT", ".")
dev = os.environ.get("CHECK_DEVICE", "cuda")  # "cpu" to try this script without a GPU
print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)
print("cuda available", torch.cuda.is_available(), flush=True)
if dev == "cuda":
    if not torch.cuda.is_available():
        sys.exit("no CUDA device visible to torch")
    print("device", torch.cuda.get_device_name(0),
          "capability", torch.cuda.get_device_capability(0))


def sync() -> None:
    if dev == "cuda":
        torch.cuda.synchronize()


import pytorch3d  # noqa: E402
from pytorch3d import _C  # noqa: E402,F401
from pytorch3d.renderer.mesh.rasterize_meshes import rasterize_meshes  # noqa: E402
from pytorch3d.utils import ico_sphere  # noqa: E402

print("pytorch3d", pytorch3d.__version__, pytorch3d.__file__, flush=True)
sphere = ico_sphere(4)
t = time.perf_counter()
gpu = rasterize_meshes(sphere.to(dev), image_size=128, faces_per_pixel=1)[0].cpu()
sync()
print(f"first CUDA rasterization (includes any kernel JIT) {time.perf_counter() - t:.2f} s")
cpu = rasterize_meshes(sphere, image_size=128, faces_per_pixel=1, bin_size=0)[0]
print("pytorch3d CUDA vs CPU pix_to_face agreement", float((gpu == cpu).float().mean()), flush=True)

sys.path.insert(0, os.getcwd())
sys.argv = [sys.argv[0]]
from bench.render import dressed_avatar  # noqa: E402
from render_engine.raster.tiled import rasterize_tiled, rasterize_tiles  # noqa: E402

meshes, _ = dressed_avatar(".gpu/avatar.npz")
print("avatar", [(m.name, m.num_faces) for m in meshes])

# edge tiles on CUDA equal the same pixels of the CPU's tiled rasterizer
ndc_mesh = sphere.update_padded(sphere.verts_padded() * 0.8 + torch.tensor([0.1, 0.0, 2.0]))
full = rasterize_tiled(ndc_mesh, image_size=(96, 80), faces_per_pixel=1, perspective_correct=True)
tiles = torch.tensor([[0, 0], [1, 2], [2, 1], [3, 3], [5, 4]])
got = rasterize_tiles(ndc_mesh.to(dev), (96, 80), 16, tiles.to(dev), perspective_correct=True)
agree = []
for i, (ty, tx) in enumerate(tiles.tolist()):
    want = full.pix_to_face[0, ty * 16 : ty * 16 + 16, tx * 16 : tx * 16 + 16]
    agree.append(float((got.pix_to_face[i].cpu()[..., : want.shape[1], :] == want).float().mean()))
print("rasterize_tiles CUDA vs tiled CPU agreement per tile", agree, flush=True)

from PIL import Image  # noqa: E402

from render_engine.render import render_scene  # noqa: E402
from render_engine.request import OutputSpec, RenderSpec  # noqa: E402

spec = RenderSpec(output=OutputSpec(format="png", resolution="1080p", quality="high"))
pictures = {}
for device in (dev, "cpu"):
    os.environ["TRYON_DEVICE"] = device
    t = time.perf_counter()
    result = render_scene(meshes, spec)
    print(f"render_scene 1080p high on {device}: {time.perf_counter() - t:.2f} s", flush=True)
    path = os.path.join(out, f"avatar_1080p_high_{device}.png")
    with open(path, "wb") as f:
        f.write(result.image)
    pictures[device] = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
os.environ["TRYON_DEVICE"] = dev
diff = np.abs(pictures[dev] - pictures["cpu"])
print(f"CUDA vs CPU picture: mean |diff| {diff.mean():.4f}/255, max {diff.max():.0f}/255, "
      f"pixels over 8/255 {100 * float((diff.max(axis=2) > 8).mean()):.4f} %")
try:
    import kornia

    a = torch.from_numpy(pictures[dev] / 255).permute(2, 0, 1)[None]
    b = torch.from_numpy(pictures["cpu"] / 255).permute(2, 0, 1)[None]
    print("CUDA vs CPU SSIM", float(kornia.metrics.ssim(a, b, window_size=7).mean()))
except Exception as exc:  # noqa: BLE001
    print("SSIM unavailable:", exc)
print("check done")
