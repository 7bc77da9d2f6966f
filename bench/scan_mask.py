# mypy: ignore-errors
# (a diagnostic script of one investigation, 2026-12-06: not typed; see docs/scan.md)
"""How far BlazePose's person mask is from the true silhouette, in the widths the scan fits.

Usage: python bench/scan_mask.py [--seed S] [--scans N] [--cache DIR] [--collect]
       [--variant NAME] [--height ROWS] [--dump FILE]
       python bench/scan_mask.py --true-mask-grid OUT [--seed S] [--scans N] [--first K]

For the grid's photos (`bench/scan.py` `grid_scans`), the true silhouette is rendered with the
photo's own camera (`photoshoot.take_photo`'s rasterization: which pixel centres the body
covers), and both masks, BlazePose's and the true one, are brought into the fit's reference
view with the TRUE camera and the SAME axis (the photo's hip landmarks), and measured with
`profile.central_runs` at the profile rows: the difference is the mask's own error, with the
camera, the pose and the body model taken out. Reports the signed width error (pixels of the
256-row analysis view and cm at the person) per row band, view and arm pose, and by clothing,
skin and background.

The photos' detections (landmarks, BlazePose's soft mask) are cached in --cache, so mask
variants (--variant: `pipeline`, `grabcut`, `snap`, `snap_largest`, `prob05`, or
`module:function(rgb, prob, mask)`) are compared on the same readings.

--true-mask-grid runs the grid's scans (`scan_from_photos`, as bench/scan.py) with
BlazePose's mask replaced by the true silhouette (its landmarks kept): the most any
refinement of the mask could give, written as bench/scan.py's records to OUT.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BANDS = {"hips": (0.49, 0.55), "waist": (0.59, 0.65), "chest": (0.71, 0.77)}


def record_shots() -> list:
    """Wraps bench/scan.py's `draw_shot` so that every photo drawn keeps its true camera
    (the shots, in drawing order; the last is the photo just made)."""
    import bench.scan as bench_scan

    shots: list = []
    original = bench_scan.draw_shot

    def draw(rng, verts, index):  # noqa: ANN001, ANN202
        shot, aspect = original(rng, verts, index)
        shots.append(shot)
        return shot, aspect

    bench_scan.draw_shot = draw
    return shots

def true_mask(verts: torch.Tensor, faces: torch.Tensor, pose: str, shot) -> np.ndarray:  # noqa: ANN001
    """(H, W) bool: the photo's pixels whose centre the body covers (as `take_photo` draws)."""
    from render_engine.scan import photoshoot

    saved = photoshoot._background
    photoshoot._background = lambda s, rng: np.zeros((*s.size, 3))
    try:
        ones = torch.ones(verts.shape[0], 3)
        image = photoshoot.take_photo(verts, faces, ones, pose, shot)
    finally:
        photoshoot._background = saved
    return image.max(axis=2) > 0


def collect(seed: int, scans: int, cache: Path) -> None:
    """Detect the person in each photo of the grid, keep landmarks, soft mask, true mask."""
    from PIL import Image

    import bench.scan as bench_scan
    from render_engine.body.pose import pose_body
    from render_engine.scan import person as P
    from render_engine.scan.decode import decode_photo

    cache.mkdir(parents=True, exist_ok=True)
    last: list[np.ndarray | None] = [None]
    original_run, original_find, original_mirrored = P._run, P._find, P._mirrored

    def run(rgb: np.ndarray):  # noqa: ANN202
        result = original_run(rgb)
        mask = result.segmentation_mask
        last[0] = None if mask is None else np.array(mask, dtype=np.float32)
        return result

    def find(image: np.ndarray, box=None):  # noqa: ANN001, ANN202
        found = original_find(image, box)
        if found is not None:
            h, w = image.shape[:2]
            part = last[0]
            prob = np.zeros((h, w), np.float32)
            x0, y0 = (0, 0) if box is None else box[:2]
            ch, cw = part.shape
            ys, xs = slice(max(0, y0), min(h, y0 + ch)), slice(max(0, x0), min(w, x0 + cw))
            prob[ys, xs] = part[ys.start - y0: ys.stop - y0, xs.start - x0: xs.stop - x0]
            object.__setattr__(found, "prob", prob)
        return found

    def mirrored(found, width):  # noqa: ANN001, ANN202
        out = original_mirrored(found, width)
        object.__setattr__(out, "prob", found.prob[:, ::-1].copy())
        return out

    chosen: list = []
    original_consensus = P._find_person

    def consensus(small):  # noqa: ANN001, ANN202
        pick = original_consensus(small)
        chosen.append(pick)
        return pick

    original_draw = bench_scan.draw_shot
    shots = record_shots()
    P._run, P._find, P._mirrored, P._find_person = run, find, mirrored, consensus
    try:
        for i, truth, photos, row in bench_scan.grid_scans(seed, scans):
            out = cache / f"s{seed}_{i}.npz"
            if out.exists():
                continue
            shot = shots[-1]
            down = pose_body(truth, "standing_neutral").verts
            arrays: dict[str, np.ndarray] = {}
            for pose, data in photos:
                arms = row["arms"]
                is_down = arms == "down" or (arms == "down in side" and pose.startswith("side"))
                rgb = decode_photo(data).rgb
                chosen.clear()
                detection = P.detect_person(rgb)
                assert detection is not None
                small = chosen[-1].prob
                prob = np.asarray(Image.fromarray(small).resize(
                    (rgb.shape[1], rgb.shape[0]), Image.Resampling.BILINEAR), dtype=np.float32)
                posed = down if is_down else truth.mesh.verts
                arrays[f"{pose}_rgb"] = rgb
                arrays[f"{pose}_lm"] = detection.landmarks
                arrays[f"{pose}_mask"] = detection.mask
                arrays[f"{pose}_prob"] = prob
                arrays[f"{pose}_true"] = true_mask(posed, truth.mesh.faces, pose, shot)
            np.savez_compressed(out, row=json.dumps({**row, "shot": shot.__dict__,
                                                     "height": truth.measurements["height"]}),
                                **arrays)
            print(f"scan {i} cached", flush=True)
    finally:
        P._run, P._find, P._mirrored, P._find_person = (original_run, original_find,
                                                     original_mirrored, original_consensus)
        bench_scan.draw_shot = original_draw


def true_camera(shot: dict, h: int, w: int):  # noqa: ANN201
    from render_engine.scan.camera import PhotoCamera

    f = (shot["rows"] / 2) / math.tan(math.radians(shot["vfov_deg"]) / 2) * (h / shot["rows"])
    return PhotoCamera(f, "true", w, h, shot["pitch_deg"], shot["roll_deg"],
                       shot["distance_m"], shot["lens_height_m"], 0.0)


def widths_of(mask: np.ndarray, lm: np.ndarray, camera, rows: list[float], height: int):  # noqa: ANN001, ANN201
    from render_engine.scan.camera import reference_mask
    from render_engine.scan.person import Detection
    from render_engine.scan.profile import central_runs
    from render_engine.scan.protocol import image_size

    det = Detection(lm, mask, False)
    analysis = reference_mask(det, camera, image_size(height))
    return central_runs(analysis, rows)


def true_coverage(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The true mask (rendered at the shot's size) as coverage of the decoded photo's pixels
    (a photo over `decode.MAX_SIDE` is decoded at half size or less)."""
    h, w = size
    if mask.shape == (h, w):
        return mask
    f = mask.shape[0] // h
    m = np.zeros((h * f, w * f), np.float32)
    m[: min(h * f, mask.shape[0]), : min(w * f, mask.shape[1])] = mask[: h * f, : w * f]
    return m.reshape(h, f, w, f).mean(axis=(1, 3))


def model_widths(row: dict, rows: list[float], height: int) -> torch.Tensor:
    """(3, R) the true body's widths (`fit.profile_widths`, rest pose, the true spots)."""
    from bench.scan import BODIES
    from render_engine.body.model import phenotype_tensor
    from render_engine.scan.fit import profile_widths

    shot = row["shot"]
    spots = torch.tensor([[shot["distance_m"], shot["lens_height_m"], shot["offset_m"]]] * 3,
                         dtype=torch.float64)
    with torch.no_grad():
        prof = profile_widths(phenotype_tensor(BODIES[row["body"]]),
                              ["front", "side_left", "back"], rows, height, with_weight=False,
                              spots=spots)
    return prof.widths[0]


def grabcut_band(rgb: np.ndarray, mask: np.ndarray, band: float = 2.0) -> np.ndarray:
    """GrabCut (OpenCV) deciding only the pixels within `band` of BlazePose's own pixels
    (about 1/200 of the person's height) either side of its outline; deeper inside is the
    person, farther out the background. (In the pipeline, after `detect_person`, it made the
    grid worse: it shrinks the mask where the clothing's colour is near the wall's.)"""
    import cv2

    rows = np.nonzero(mask.any(axis=1))[0]
    r = max(2, int(round(band * (rows[-1] + 1 - rows[0]) / 200)))
    kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    inner = cv2.erode(mask.astype(np.uint8), kernel) > 0
    outer = cv2.dilate(mask.astype(np.uint8), kernel) > 0
    ys, xs = np.nonzero(outer)
    y0, y1 = max(0, ys.min() - 4 * r), min(mask.shape[0], ys.max() + 4 * r + 1)
    x0, x1 = max(0, xs.min() - 4 * r), min(mask.shape[1], xs.max() + 4 * r + 1)
    labels = np.full((y1 - y0, x1 - x0), cv2.GC_BGD, np.uint8)
    labels[outer[y0:y1, x0:x1]] = cv2.GC_PR_BGD
    labels[mask[y0:y1, x0:x1]] = cv2.GC_PR_FGD
    labels[inner[y0:y1, x0:x1]] = cv2.GC_FGD
    cv2.setRNGSeed(0)
    cv2.grabCut(np.ascontiguousarray(rgb[y0:y1, x0:x1, ::-1]), labels, None,
                np.zeros((1, 65)), np.zeros((1, 65)), 3, cv2.GC_INIT_WITH_MASK)
    out = np.zeros_like(mask)
    out[y0:y1, x0:x1] = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    return out


def snap_outline(rgb: np.ndarray, mask: np.ndarray, outermost: bool = True) -> np.ndarray:
    """Tried 2026-12-08 (twentieth session), not kept (docs/benchmarks.md, "the outline
    moved onto the photo's colour step"): in each row, each end of a run of BlazePose's mask
    moved to a colour step between neighbouring photo pixels within one segmentation pixel
    of it (BlazePose segments a 256-pixel crop 1.5 person heights wide), never past half of
    the run or gap beside it, where the step makes up half of the colour change across the
    span and that change is clear (24 of 0-255 RGB, Euclidean); of several such steps the
    outermost (`outermost`), else the largest."""
    out = mask.copy()
    rows = np.nonzero(mask.any(axis=1))[0]
    if len(rows) == 0:
        return out
    w = mask.shape[1]
    r = max(1, int(round(1.5 * (rows[-1] + 1 - rows[0]) / 256)))
    image = rgb.astype(np.float32)
    steps = np.linalg.norm(np.diff(image, axis=1), axis=2)  # (H, W - 1)
    for y in rows:
        row = mask[y]
        ends = np.nonzero(row[1:] != row[:-1])[0] + 1
        bounds = np.concatenate([[0], ends, [w]])
        for j, x in enumerate(ends.tolist()):
            lo = max(1, x - min(r, int(x - bounds[j]) // 2))
            hi = min(w - 1, x + min(r, int(bounds[j + 2] - x) // 2))
            if hi - lo < 2:
                continue
            span = steps[y, lo - 1:hi]
            change = float(np.linalg.norm(image[y, hi] - image[y, lo - 1]))
            edges = np.nonzero(span >= 0.5 * change)[0]
            if change < 24.0 or len(edges) == 0:
                continue
            person_right = bool(row[x])
            outer = int(edges[0] if person_right else edges[-1])
            k = outer if outermost else int(np.argmax(span))
            moved = lo + k
            if moved < x:
                out[y, moved:x] = person_right
            elif moved > x:
                out[y, x:moved] = not person_right
    return out


def variant_mask(name: str, d: dict, pose: str) -> np.ndarray:
    """The mask a variant measures: 'pipeline' is `person.detect_person`'s own."""
    if name == "pipeline":
        return d[f"{pose}_mask"]
    if name == "prob05":
        return d[f"{pose}_prob"] > 0.5
    if name == "grabcut":  # tried 2026-12-06, not kept (see docs/scan.md, Known limits)
        return grabcut_band(d[f"{pose}_rgb"], d[f"{pose}_mask"])
    if name in ("snap", "snap_largest"):  # tried 2026-12-08, not kept (docs/benchmarks.md)
        return snap_outline(d[f"{pose}_rgb"], d[f"{pose}_mask"], outermost=name == "snap")
    import importlib

    module, func = name.split(":")
    return getattr(importlib.import_module(module), func)(d[f"{pose}_rgb"], d[f"{pose}_prob"],
                                                          d[f"{pose}_mask"])


def analyse(seed: int, scans: int, cache: Path, variant: str, height: int) -> list[dict]:
    from render_engine.scan.profile import ROW_FRACTIONS, profile_rows
    from render_engine.scan.protocol import CAMERA_DISTANCE_M, VERTICAL_FOV_DEG

    f0 = (height / 2) / math.tan(math.radians(VERTICAL_FOV_DEG) / 2)
    cm_per_px = 100 * CAMERA_DISTANCE_M / f0
    records = []
    for i in range(scans):
        path = cache / f"s{seed}_{i}.npz"
        if not path.exists():
            continue
        d = dict(np.load(path))
        row = json.loads(str(d["row"]))
        rows = profile_rows(row["height"] / 100, height)
        model = model_widths(row, rows, height)
        for n, pose in enumerate(("front", "side_left", "back")):
            h, w = d[f"{pose}_mask"].shape
            cam = true_camera(row["shot"], h, w)
            lm = d[f"{pose}_lm"]
            wp, gp = widths_of(variant_mask(variant, d, pose), lm, cam, rows, height)
            wt, gt = widths_of(true_coverage(d[f"{pose}_true"], (h, w)), lm, cam, rows, height)
            arms = row["arms"]
            down = arms == "down" or (arms == "down in side" and pose.startswith("side"))
            for k, frac in enumerate(ROW_FRACTIONS):
                records.append({
                    "scan": i, "body": row["body"], "pose": pose, "arms": "down" if down else "A",
                    "frac": round(frac, 2), "photo": float(wp[k]), "true": float(wt[k]),
                    "err_px": float(wp[k] - wt[k]), "err_cm": float(wp[k] - wt[k]) * cm_per_px,
                    "model_px": None if down else float(wt[k] - model[n, k]),
                    "gaps_photo": [float(x) for x in gp[k]], "gaps_true": [float(x) for x in gt[k]],
                    "clothing": row["clothing"], "skin": row["skin"],
                    "background": row["background"],
                })
    return records


def table(records: list[dict], key) -> list[str]:  # noqa: ANN001
    """Signed mean (and count of joins: the photo's run at least 5 px wider) per band."""
    groups: dict = defaultdict(list)
    for r in records:
        for band, (lo, hi) in BANDS.items():
            if lo - 1e-6 <= r["frac"] <= hi + 1e-6:
                groups[(key(r), band)].append(r)
    lines = []
    model = [r for r in records if r["model_px"] is not None and abs(r["model_px"]) < 5]
    if model and key(records[0]) == "all":
        for band, (lo, hi) in BANDS.items():
            e = [r["model_px"] for r in model if lo - 1e-6 <= r["frac"] <= hi + 1e-6]
            lines.append(f"| true mask - mesh_widths, A-pose, {band} | "
                         f"{statistics.mean(e):+.2f} px (sd {statistics.pstdev(e):.2f}, "
                         f"n {len(e)}) | | |")
    for k in sorted({g[0] for g in groups}, key=str):
        cells = []
        for band in BANDS:
            rs = groups.get((k, band), [])
            same = [r for r in rs if abs(r["err_px"]) < 5 and r["true"] > 0]
            if not same:
                cells.append("-")
                continue
            e = [r["err_px"] for r in same]
            cm = [r["err_cm"] for r in same]
            cells.append(f"{statistics.mean(e):+.2f} px {statistics.mean(cm):+.2f} cm "
                         f"(sd {statistics.pstdev(e):.2f}, n {len(e)}, "
                         f"joined {len(rs) - len(same)})")
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return lines


FEET = 0.08  # the feet and ankles: the lowest 8 % of a standing person's height


def true_mask_grid(seed: int, scans: int, out: str, first: int = 0, part: str = "all",
                   only: set[int] | None = None) -> None:
    """`scan_from_photos` on the grid's scans with each photo's mask the true silhouette
    (`part` "all"), or only its feet (the rows of the lowest `FEET` of the person's height;
    "feet"), or all but its feet ("body"), BlazePose's elsewhere."""
    import os
    import time

    import bench.scan as bench_scan
    import render_engine.scan.photoshoot as photoshoot
    import render_engine.scan.pipeline as pipeline

    masks: list[np.ndarray] = []
    original_take, original_detect = photoshoot.take_photo, pipeline.detect_person

    def take(verts, faces, colors, pose, shot, seed=0, yaw_deg=None):  # noqa: ANN001, ANN202
        saved = photoshoot._background
        photoshoot._background = lambda s, rng: np.zeros((*s.size, 3))
        try:
            ones = torch.ones(verts.shape[0], 3)
            masks.append(original_take(verts, faces, ones, pose, shot).max(axis=2) > 0)
        finally:
            photoshoot._background = saved
        return original_take(verts, faces, colors, pose, shot, seed=seed, yaw_deg=yaw_deg)

    def detect(rgb: np.ndarray):  # noqa: ANN202
        found = original_detect(rgb)
        true = masks.pop(0)
        if found is None:
            return None
        mask = np.asarray(true_coverage(true, rgb.shape[:2]) >= 0.5)
        if part != "all":
            rows = np.nonzero(mask.any(axis=1))[0]
            cut = int(rows[-1] + 1 - FEET * (rows[-1] + 1 - rows[0]))
            keep = mask.copy()
            mask = found.mask.copy()
            if part == "feet":
                mask[cut:] = keep[cut:]
            else:
                mask[:cut] = keep[:cut]
        return replace(found, mask=mask)

    photoshoot.take_photo, pipeline.detect_person = take, detect
    try:
        for _i, truth, photos, row in bench_scan.grid_scans(seed, scans, first):
            if only is not None and _i not in only:
                masks.clear()
                continue
            row["load"] = round(os.getloadavg()[0], 1)
            start = time.perf_counter()
            result = pipeline.scan_from_photos(photos, height_cm=truth.measurements["height"])
            row.update(seconds=round(time.perf_counter() - start, 1), errors={
                k: round(result.measurements[k] - truth.measurements[k], 2)
                for k in bench_scan.KEYS})
            print(json.dumps(row), flush=True)
            with open(out, "a") as fh:
                fh.write(json.dumps(row) + "\n")
    finally:
        photoshoot.take_photo, pipeline.detect_person = original_take, original_detect


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scans", type=int, default=20)
    parser.add_argument("--cache", default="/tmp/scan_mask_cache")
    parser.add_argument("--variant", default="pipeline")
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--collect", action="store_true")
    parser.add_argument("--dump", default="")
    parser.add_argument("--true-mask-grid", default="")
    parser.add_argument("--first", type=int, default=0, help="with --true-mask-grid")
    parser.add_argument("--only", default="", help="with --true-mask-grid: scan indices")
    parser.add_argument("--part", default="all", choices=["all", "feet", "body"],
                        help="with --true-mask-grid: which part of the mask is the true one")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.true_mask_grid:
        true_mask_grid(args.seed, args.scans, args.true_mask_grid, args.first, args.part,
                       {int(x) for x in args.only.split(",")} if args.only else None)
        return
    cache = Path(args.cache)
    if args.collect:
        collect(args.seed, args.scans, cache)
    records = analyse(args.seed, args.scans, cache, args.variant, args.height)
    if args.dump:
        Path(args.dump).write_text("\n".join(json.dumps(r) for r in records))
    print(f"variant {args.variant}, seed {args.seed}, analysis height {args.height}")
    print("| group | " + " | ".join(BANDS) + " |")
    print("|---|---|---|---|")
    for title, key in (("all", lambda r: "all"), ("view", lambda r: r["pose"]),
                       ("view/arms", lambda r: f"{r['pose']}/{r['arms']}"),
                       ("clothing", lambda r: r["clothing"]), ("skin", lambda r: r["skin"]),
                       ("background", lambda r: r["background"]), ("body", lambda r: r["body"])):
        print(f"| **{title}** | | | |")
        print("\n".join(table(records, key)))


if __name__ == "__main__":
    main()
