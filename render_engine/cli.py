"""`tryon avatar` and `tryon render`: the render engine without a server.

    tryon avatar --height 175 --weight 70 --chest 95 --waist 82 --hips 98 --out avatar/
    tryon avatar --height 175 --photo front=front.jpg --photo side_left=side.jpg --out avatar/
    tryon render --avatar avatar/avatar.json --category tops --size M --color "#1E90FF" \\
                 --lighting dramatic --angle three_quarter --format png --out tryon.png
    tryon render --height 180 --weight 80 --category dresses --size S --format gif --out spin.gif

`avatar` writes avatar.glb, avatar_thumb.jpg, avatar_full.jpg and avatar.json (the spec's
Avatar measurements, model and qualityScore fields, plus the body parameters `render` reads
back). `render` fits or loads the body, poses it, dresses it and renders the picture. A tqdm
progress bar follows the stages. Also runs standalone: `python -m render_engine.cli ...`.

Heavy modules (torch, PyTorch3D, anny) are imported inside the commands, so that mounting
these commands in the project's CLI costs nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from render_engine.body.fitted import FittedBody
    from render_engine.request import RenderSpec

MEASUREMENT_FLAGS = {
    "height": "height",
    "weight": "weight",
    "chest": "chest",
    "waist": "waist",
    "hips": "hips",
    "shoulder_width": "shoulderWidth",
    "arm_length": "armLength",
    "leg_length": "legLength",
}
# The spec's example size guide (its numbers read as inches) converted to centimetres.
DEFAULT_SIZE_GUIDE = {
    "XS": {"chest": 86, "waist": 71, "shoulder": 41, "sleeve": 61},
    "S": {"chest": 91, "waist": 76, "shoulder": 43, "sleeve": 63},
    "M": {"chest": 97, "waist": 81, "shoulder": 46, "sleeve": 66},
    "L": {"chest": 102, "waist": 86, "shoulder": 48, "sleeve": 69},
    "XL": {"chest": 107, "waist": 91, "shoulder": 51, "sleeve": 71},
}


class Progress:
    """A tqdm bar over 0..100 that several phases share: `phase(a, b)` maps 0..100 to a..b."""

    def __init__(self, enabled: bool = True) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=100,
            disable=not enabled,
            unit="%",
            file=sys.stderr,
            bar_format="{desc:<28}{percentage:3.0f}%|{bar}| {elapsed}",
        )
        self.done = 0

    def phase(self, start: int, end: int) -> Callable[[str, int], None]:
        def on_stage(stage: str, percent: int) -> None:
            self.bar.set_description_str(stage)
            target = start + (end - start) * max(0, min(100, percent)) // 100
            if target > self.done:
                self.bar.update(target - self.done)
                self.done = target

        return on_stage

    def close(self) -> None:
        self.bar.close()


def _measurements(args: argparse.Namespace) -> dict[str, float]:
    return {
        key: float(getattr(args, flag))
        for flag, key in MEASUREMENT_FLAGS.items()
        if getattr(args, flag, None) is not None
    }


def _read_photos(specs: list[str]) -> list[dict[str, Any]]:
    """["front=path.jpg", ...] -> [{"pose": "front", "image": bytes, "path": ...}, ...]."""
    from render_engine.errors import InvalidRequest

    photos = []
    for spec in specs:
        pose, sep, path = spec.partition("=")
        if not sep:
            pose, path = "custom", spec
        file = Path(path)
        if not file.is_file():
            raise InvalidRequest(f"photo {path} not found")
        photos.append({"pose": pose, "image": file.read_bytes(), "path": str(file)})
    return photos


def build_body(
    args: argparse.Namespace, on_stage: Callable[[str, int], None]
) -> tuple[FittedBody, dict[str, Any]]:
    """Fit the body from measurements, photos or a saved avatar.json. Returns (body, report)."""
    from render_engine.errors import InvalidRequest

    if getattr(args, "avatar", None):
        path = Path(args.avatar)
        if path.suffix.lower() != ".json":
            raise InvalidRequest("--avatar takes the avatar.json written by `tryon avatar`")
        saved = json.loads(path.read_text())
        from render_engine.body.fitted import body_from_params

        on_stage("asset_loading", 50)
        return body_from_params(saved["params"]), saved
    measurements = _measurements(args)
    if "height" not in measurements:
        raise InvalidRequest("give --height (cm) and other measurements, or --avatar avatar.json")
    photos = getattr(args, "photo", None) or []
    if photos:
        try:
            from render_engine.scan import scan_from_photos
        except ImportError as exc:
            raise InvalidRequest(f"photo scans are not available here: {exc}") from exc
        result = scan_from_photos(
            [(photo["pose"], photo["image"]) for photo in _read_photos(photos)],
            height_cm=measurements["height"],
            weight_kg=measurements.get("weight"),
            gender=args.gender,
            body_type=args.body_type,
            on_stage=lambda stage, percent, _message: on_stage(stage, percent),
        )
        body = result.body
        return body, {"qualityScore": result.quality_score}
    from render_engine.body import fit_measurements

    on_stage("asset_loading", 0)
    body = fit_measurements(measurements, gender=args.gender, body_type=args.body_type)
    return body, {"qualityScore": None}


def pose_figure(body: FittedBody, preset: str, adjustments: dict[str, object]) -> FittedBody:
    """The body with its mesh posed (skinning weights and skeleton kept), so that the garment
    module can dress it."""
    from render_engine.body.pose import pose_body

    return dataclasses.replace(body, mesh=pose_body(body, preset, adjustments))


def avatar_command(args: argparse.Namespace) -> int:
    """measurements or photos in -> avatar.glb, avatar_thumb.jpg, avatar_full.jpg, avatar.json."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress(not args.quiet)
    start = time.perf_counter()
    try:
        body, report = build_body(args, progress.phase(0, 60))
        from render_engine.export import export_glb, model_info, preview_images

        progress.phase(60, 100)("optimization", 0)
        mesh = body.mesh
        glb = export_glb(mesh)
        previews = preview_images(mesh)
        progress.phase(60, 100)("optimization", 100)
    finally:
        progress.close()
    (out / "avatar.glb").write_bytes(glb)
    (out / "avatar_thumb.jpg").write_bytes(previews.thumbnail)
    (out / "avatar_full.jpg").write_bytes(previews.full_size)
    summary = {
        "model": model_info(glb, mesh),
        "preview": {"thumbnail": "avatar_thumb.jpg", "fullSize": "avatar_full.jpg"},
        "measurements": body.measurements,
        "qualityScore": report.get("qualityScore"),
        "processingTime": round(time.perf_counter() - start),
        "params": body.to_params(),
    }
    (out / "avatar.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: summary[k] for k in ("model", "measurements", "qualityScore")}, indent=2))
    return 0


def render_spec_from_args(args: argparse.Namespace) -> RenderSpec:
    from render_engine.request import CameraSpec, LightingSpec, OutputSpec, PoseSpec, RenderSpec

    if args.request:
        return RenderSpec.from_request(json.loads(Path(args.request).read_text()))
    adjustments = json.loads(args.adjust) if args.adjust else {}
    return RenderSpec(
        pose=PoseSpec(
            type="custom" if adjustments else "preset",
            preset_name=args.pose,
            custom_adjustments=adjustments,
        ),
        lighting=LightingSpec(preset=args.lighting, intensity=args.intensity),
        camera=CameraSpec(angle=args.angle, zoom=args.zoom, perspective=args.perspective),
        output=OutputSpec(
            format=args.format,
            resolution=args.resolution,
            quality=args.quality,
            background=args.background,
            orientation=args.orientation,
            turntable_frames=args.frames,
        ),
    )


def render_command(args: argparse.Namespace) -> int:
    """body (measurements or avatar.json) + garment -> picture."""
    spec = render_spec_from_args(args)  # validate before any heavy work
    progress = Progress(not args.quiet)
    try:
        body, _ = build_body(args, progress.phase(0, 25))
        posed = pose_figure(body, spec.pose.preset_name, dict(spec.pose.custom_adjustments))
        from render_engine.garment.outfit import outfit

        garments = []
        fit = None
        if args.category:
            from render_engine.garment import dress

            progress.phase(25, 50)("mesh_fitting", 0)
            guide = (
                json.loads(Path(args.size_guide).read_text())
                if args.size_guide
                else DEFAULT_SIZE_GUIDE
            )
            images = [Path(p).read_bytes() for p in args.image or []]
            garment = dress(
                posed,
                args.category,
                guide,
                args.size,
                args.color,
                fit=args.fit,
                images=images or None,
                material=args.material,
            )
            garments.append(garment.mesh)
            fit = {"fitReport": garment.fit_report, "recommendedSize": garment.recommended_size}
            progress.phase(25, 50)("mesh_fitting", 100)
        meshes = outfit(posed, garments, skin_tone=args.skin_tone, body_mesh=posed.mesh)
        from render_engine.render import render_scene

        result = render_scene(meshes, spec, on_stage=progress.phase(50, 100))
    finally:
        progress.close()
    Path(args.out).write_bytes(result.image)
    print(
        json.dumps(
            {
                "out": args.out,
                "contentType": result.content_type,
                "width": result.width,
                "height": result.height,
                "frames": result.frames,
                "stageTimes": {k: round(v, 3) for k, v in result.stage_times.items()},
                **(fit or {}),
            },
            indent=2,
        )
    )
    return 0


def _body_flags(p: argparse.ArgumentParser) -> None:
    for flag in MEASUREMENT_FLAGS:
        p.add_argument(f"--{flag.replace('_', '-')}", dest=flag, type=float, help="cm (weight: kg)")
    p.add_argument("--gender", choices=["male", "female", "non_binary", "prefer_not_to_say"])
    p.add_argument(
        "--body-type", dest="body_type", choices=["slim", "athletic", "curvy", "plus_size"]
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Typed engine errors become a one-line message and exit status 2, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        from render_engine.errors import RenderEngineError

        try:
            return command(args)
        except RenderEngineError as exc:
            print(f"error {exc.code}: {exc}", file=sys.stderr)
            return 2

    return run


def add_render_engine_commands(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Mount `avatar` and `render` on an argparse subparsers object (sets `func`)."""
    from render_engine import request as r  # light: no torch

    avatar = subparsers.add_parser("avatar", help="build an avatar (GLB + previews)")
    _body_flags(avatar)
    avatar.add_argument(
        "--photo",
        action="append",
        metavar="POSE=FILE",
        help="a photo (pose front, side_left, side_right, back, custom); 3-10",
    )
    avatar.add_argument("--out", default="avatar", help="output folder")
    avatar.set_defaults(func=_guarded(avatar_command))

    render = subparsers.add_parser("render", help="render a try-on picture")
    _body_flags(render)
    render.add_argument("--avatar", help="avatar.json written by `tryon avatar`")
    render.add_argument("--request", help="a TryOnRequest JSON file (pose/lighting/camera/output)")
    render.add_argument("--category", help="garment category (tops, bottoms, dresses, ...)")
    render.add_argument("--size", default="M")
    render.add_argument("--size-guide", dest="size_guide", help="JSON sizeGuide file (cm)")
    render.add_argument("--color", default="#1E90FF", help="#RRGGBB")
    render.add_argument("--fit", default="regular")
    render.add_argument(
        "--image", action="append", help="product photo, front then back (PNG/JPEG)"
    )
    render.add_argument("--material", help="product material text, e.g. '100%% cotton', denim")
    render.add_argument(
        "--skin-tone", dest="skin_tone", help="porcelain|light|medium|olive|tan|brown|deep|#RRGGBB"
    )
    render.add_argument("--pose", default="standing_neutral")
    render.add_argument("--adjust", help="custom adjustments JSON, e.g. '{\"arm_rotation\": 15}'")
    render.add_argument("--lighting", default="soft_daylight", choices=r.LIGHTING_PRESETS)
    render.add_argument("--intensity", type=float, default=1.0)
    render.add_argument("--angle", default="front", choices=r.CAMERA_ANGLES)
    render.add_argument("--zoom", type=float, default=1.0)
    render.add_argument("--perspective", default="realistic", choices=r.PERSPECTIVES)
    render.add_argument("--resolution", default="1080p", choices=r.RESOLUTIONS)
    render.add_argument("--orientation", default="portrait", choices=r.ORIENTATIONS)
    render.add_argument("--quality", default="medium", choices=r.QUALITIES)
    render.add_argument("--background", default="white", help="transparent|white|black|#RRGGBB")
    render.add_argument("--format", default="png", choices=r.FORMATS)
    render.add_argument("--frames", type=int, default=12, help="gif turntable frames")
    render.add_argument("--out", default="tryon.png")
    render.set_defaults(func=_guarded(render_command))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m render_engine.cli")
    add_render_engine_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
