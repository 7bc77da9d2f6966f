"""Draw what `render_engine.scan.palette` cuts from BlazePose's masks in one grid scan's
photos (`bench/scan.py`'s grid): each photo cropped around the person, BlazePose's outline
in cyan, the outline after the cut in magenta, the pixels cut tinted red. Prints how many
pixels each photo lost.

    python bench/scan_palette.py --seed 19 --scan 2 --out docs/scan/room_cut_s19_2.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def outline(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> its one-pixel inner edge."""
    from scipy import ndimage

    return np.asarray(mask & ~ndimage.binary_erosion(mask), dtype=bool)


def main() -> None:
    import torch

    from bench.scan import grid_scans
    from render_engine.scan.decode import decode_photo
    from render_engine.scan.palette import chromaticity, person_palette, without_room
    from render_engine.scan.person import detect_person

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--scan", type=int, default=2)
    parser.add_argument("--out", default="docs/scan/room_cut_s19_2.png")
    parser.add_argument("--rows", type=int, default=600, help="height of each panel")
    args = parser.parse_args()
    torch.set_num_threads(2)
    from PIL import Image

    for i, _truth, photos, _row in grid_scans(args.seed, args.scan + 1, args.scan):
        if i != args.scan:
            continue
        read = []
        for pose, data in photos:
            assert isinstance(data, bytes)
            rgb = decode_photo(data).rgb
            detection = detect_person(rgb)
            assert detection is not None, pose
            read.append((pose, rgb, detection))
        palette = person_palette([(chromaticity(rgb), d) for _, rgb, d in read])
        panels = []
        for pose, rgb, detection in read:
            kept = without_room(chromaticity(rgb), detection, palette)
            cut = detection.mask & ~kept
            print(f"seed {args.seed} scan {i} {pose}: {int(cut.sum())} of "
                  f"{int(detection.mask.sum())} mask pixels cut")
            drawn = rgb.copy()
            drawn[cut] = (drawn[cut] * 0.4 + np.array([255, 0, 0]) * 0.6).astype(np.uint8)
            drawn[outline(detection.mask)] = (0, 255, 255)
            drawn[outline(kept)] = (255, 0, 255)
            ys, xs = np.nonzero(detection.mask)
            pad = max(10, (ys.max() - ys.min()) // 20)
            top, left = max(0, ys.min() - pad), max(0, xs.min() - pad)
            crop = drawn[top:ys.max() + pad, left:xs.max() + pad]
            panel = Image.fromarray(crop)
            scale = args.rows / panel.height
            panels.append(panel.resize((max(1, round(panel.width * scale)), args.rows)))
        sheet = Image.new("RGB", (sum(p.width for p in panels), args.rows), "white")
        x = 0
        for panel in panels:
            sheet.paste(panel, (x, 0))
            x += panel.width
        sheet.save(args.out)
        print("wrote", args.out)


if __name__ == "__main__":
    main()
