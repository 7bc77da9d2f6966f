"""Draw where `scan/trunk.py` finds the trunk between hanging arms, on grid photos.

    .venv/bin/python bench/scan_trunk.py --seed 14 --scan 14 --out docs/scan/trunk_s14_14.png

Runs the grid scan (`bench/scan.py`'s photos) through the pipeline, then draws each front
and back photo in the fit's reference view (levelled, scaled, the person's axis centred;
four times the analysis size) with, on each profile row, the outline's run (yellow ticks at
its ends) and the trunk's ends read from the colours (cyan), or a grey tick where the row
gave no reading.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from PIL import Image, ImageDraw

    from bench.scan import grid_scans
    from render_engine.scan.camera import reference_transform
    from render_engine.scan.pipeline import scan_from_photos
    from render_engine.scan.profile import profile_rows
    from render_engine.scan.protocol import CAMERA_DISTANCE_M, VERTICAL_FOV_DEG, image_size
    from render_engine.scan.silhouette import ANALYSIS_HEIGHT
    from render_engine.scan.trunk import OVERSAMPLE, _run_around, _sample_rows, trunk_ends

    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--scan", type=int, default=14)
    parser.add_argument("--out", default="docs/scan/trunk.png")
    args = parser.parse_args()
    torch.set_num_threads(2)
    for _, truth, photos, row in grid_scans(args.seed, args.scan + 1, args.scan):
        result = scan_from_photos(photos, height_cm=truth.measurements["height"])
        print(row, {k: round(result.measurements[k] - truth.measurements[k], 1)
                    for k in ("chest", "waist", "hips")})
        height_m = truth.measurements["height"] / 100
        size = image_size(ANALYSIS_HEIGHT)
        rows = profile_rows(height_m, ANALYSIS_HEIGHT)
        s = OVERSAMPLE
        big = (size[0] * s, size[1] * s)
        f0 = (size[0] / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
        px_per_m = s * f0 / CAMERA_DISTANCE_M
        panels = []
        used = [r for r in result.photo_reports if r.used]
        poses = result.body.extras["scan"]
        assert isinstance(poses, dict)
        for report, pose in zip(used, poses["photoPoses"], strict=True):
            if report.pose not in ("front", "back"):
                continue
            assert report.detection is not None and report.camera is not None
            data = dict(photos)[report.pose]
            assert isinstance(data, bytes)
            rgb = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
            # the whole reference view, sampled `s` times finer each way
            to_photo, k = reference_transform(report.detection, report.camera, size)
            fine = [(y + 0.5) / s - 0.5 for y in range(big[0])]
            lab, _ = _sample_rows(rgb, report.detection.mask, to_photo, k, fine, size[1])
            from kornia.color import lab_to_rgb

            image = lab_to_rgb(lab.permute(2, 0, 1)[None])[0].permute(1, 2, 0).clamp(0, 1)
            picture = Image.fromarray((image.numpy() * 255).astype(np.uint8))
            draw = ImageDraw.Draw(picture)
            lab_rows, cover = _sample_rows(rgb, report.detection.mask, to_photo, k, rows, size[1])
            centre = int(round(size[1] / 2 * s - 0.5))
            hanging = pose["armRaiseDeg"] < -30.0
            for i, r in enumerate(rows):
                y = (r + 0.5) * s - 0.5
                inside = (cover[i] > 0.5).numpy()
                if not inside[centre]:
                    continue
                a, b = _run_around(inside, centre)
                for x in (a, b + 1):
                    draw.line([(x, y - 6), (x, y + 6)], fill=(255, 220, 0), width=2)
                ends = (trunk_ends(lab_rows[i].numpy(), inside, centre, px_per_m)
                        if hanging else None)
                colour = (0, 220, 255) if ends is not None else (150, 150, 150)
                for x in ends or (centre,):
                    draw.line([(x, y - 6), (x, y + 6)], fill=colour, width=2)
            top, bottom = int(min(rows) * s) - 120, int(max(rows) * s) + 120
            panels.append(picture.crop((big[1] // 4, top, 3 * big[1] // 4, bottom)))
        width = sum(p.width for p in panels)
        sheet = Image.new("RGB", (width, max(p.height for p in panels)), (255, 255, 255))
        x = 0
        for panel in panels:
            sheet.paste(panel, (x, 0))
            x += panel.width
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        sheet.save(args.out)
        print("wrote", args.out)


if __name__ == "__main__":
    main()
