"""The render worker's consumer logic: one command in, reports out.

Bus-agnostic: the in-process bus and the NATS consumer both call ``handle``. The worker reads
inputs from and writes outputs to the blob store, and reports ``started`` / ``progress`` /
``completed`` / ``failed``; it never sees a database. A broken input ends as a ``failed``
report with an error code (no retry helps); an unexpected crash propagates so that the bus
retries the command, up to its redelivery bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from render_engine.errors import RenderCancelled, RenderEngineError

if TYPE_CHECKING:
    import torch

    from render_engine.body.fitted import FittedBody
    from render_engine.scan.feedback import PhotoFeedback

Report = Callable[[dict[str, Any]], None]

SCAN_STAGE_PROGRESS = {
    "image_analysis": 10,
    "feature_detection": 25,
    "mesh_generation": 55,
    "texture_mapping": 70,
    "optimization": 85,
    "finalization": 95,
}


class Blobs(Protocol):
    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...


class BrokenInput(RenderEngineError):
    code = "INPUT_UNAVAILABLE"


def identity(command: dict[str, Any]) -> dict[str, Any]:
    """What every report of ``command`` starts with: its kind, command id and subject id."""
    kind = command["kind"]
    ident = {"kind": kind, "commandId": command["commandId"]}
    ident.update(
        {"renderId": command["renderId"]} if kind == "render" else {"scanId": command["scanId"]}
    )
    return ident


def worker_failed(command: dict[str, Any], message: str, details: dict[str, Any]) -> dict[str, Any]:
    """The report for a command no worker could finish within its delivery bound."""
    return {
        **identity(command),
        "type": "failed",
        "error": {"code": "WORKER_FAILED", "message": message, "details": details},
    }


def handle(
    command: dict[str, Any],
    blobs: Blobs,
    report: Report,
    attempt: int = 1,
    is_cancelled: Callable[[], bool] | None = None,
) -> None:
    kind = command["kind"]
    ident = identity(command)
    report({**ident, "type": "started", "attempt": attempt})
    try:
        if kind == "render":
            result = _render(command, blobs, ident, report, is_cancelled)
        else:
            result = _scan(command, blobs, ident, report, is_cancelled)
    except RenderCancelled:
        return  # the render was cancelled; the backend already recorded it
    except RenderEngineError as exc:
        details = dict(exc.details)
        message = exc.message
        reasons = getattr(exc, "reasons", None)  # a rejected scan says why, photo by photo
        if reasons:
            details["photos"] = ", ".join(f"{k}: {v}" for k, v in reasons.items())
            message = f"{message} ({details['photos']})"
        failed = {
            **ident,
            "type": "failed",
            "error": {"code": exc.code, "message": message, "details": _jsonable(details)},
        }
        feedback = getattr(exc, "feedback", None)  # and shows what it saw in each photo
        if feedback:
            failed["photos"] = kept_feedback(feedback, blobs, command)
        report(failed)
        return
    report({**ident, "type": "completed", "result": result})


def kept_feedback(feedback: list[PhotoFeedback], blobs: Blobs, command: dict[str, Any]
                  ) -> list[dict[str, object]]:
    """Each photo's overlay stored in the folder the command names (the owner's own, see
    `domain.avatars.feedback_folder`), and the photos' reports naming their keys. A command
    sent before overlays existed names no folder: the reports then carry none."""
    from render_engine.scan.feedback import OVERLAY_TYPE

    folder = (command.get("outputKeys") or {}).get("overlays")
    reports = []
    for photo in feedback:
        key = None
        if folder and photo.overlay is not None:
            key = f"{folder}photo-{photo.index}.jpg"
            blobs.put(key, photo.overlay, OVERLAY_TYPE)
        reports.append(photo.as_report(key))
    return reports


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
        for k, v in details.items()
    }


def _body(params: dict[str, Any]) -> FittedBody:
    from render_engine.body.fitted import body_from_params

    try:
        return body_from_params(params)
    except (KeyError, TypeError, ValueError) as exc:
        raise BrokenInput(
            f"The avatar's body cannot be rebuilt: {exc}", code="AVATAR_UNAVAILABLE"
        ) from exc


def _render(
    command: dict[str, Any],
    blobs: Blobs,
    ident: dict[str, Any],
    report: Report,
    is_cancelled: Callable[[], bool] | None,
) -> dict[str, Any]:
    from render_engine.body.pose import pose_body
    from render_engine.garment import dress
    from render_engine.render import STAGES, render_scene
    from render_engine.request import RenderSpec

    spec = RenderSpec.from_request(command["spec"])
    garment = command["garment"]
    last = {"rank": -1, "progress": -1}

    def on_stage(stage: str, progress: int) -> None:
        # Clients follow the stages in order (SSE): the worker's own early stages come
        # before render_scene's, which starts again at asset_loading; never step back.
        rank = STAGES.index(stage) if stage in STAGES else last["rank"]
        progress = max(int(progress), last["progress"])
        if rank < last["rank"] or (rank == last["rank"] and progress == last["progress"]):
            return
        last.update(rank=rank, progress=progress)
        report({**ident, "type": "progress", "stage": stage, "progress": progress})

    on_stage("asset_loading", 5)
    body = _body(garment["body"])
    model_glb = None
    if garment.get("modelKey"):
        try:
            model_glb = blobs.get(garment["modelKey"])
        except Exception as exc:
            raise BrokenInput(
                "The product's 3D model is missing", code="MODEL_UNAVAILABLE"
            ) from exc
    on_stage("mesh_fitting", 15)
    posed = pose_body(body, spec.pose.preset_name, dict(spec.pose.custom_adjustments))
    # The garment needs the posed mesh with the body's skinning and measurements.
    posed_body = SimpleNamespace(
        mesh=posed,
        skinning_weights=body.skinning_weights,
        skeleton=body.skeleton,
        measurements=body.measurements,
    )
    try:
        images = [blobs.get(key) for key in garment.get("imageKeys") or []]
    except Exception as exc:
        raise BrokenInput("The product's image is missing", code="IMAGE_UNAVAILABLE") from exc
    dressed = dress(
        posed_body,
        garment["category"],
        garment.get("sizeGuide") or {},
        garment["size"],
        garment["colorHex"],
        fit=garment.get("fit") or "regular",
        model_glb=model_glb,
        images=images or None,
        material=garment.get("material"),
        subcategory=garment.get("subcategory"),
    )
    if is_cancelled is not None and is_cancelled():
        raise RenderCancelled("cancelled")
    from render_engine.garment.outfit import outfit

    # the shop's picture: skin tone, base layer, shoes, hem bands around the garment
    meshes = outfit(
        posed_body, [dressed.mesh], skin_tone=garment.get("skinTone"), body_mesh=posed
    )
    result = render_scene(meshes, spec, on_stage=on_stage, is_cancelled=is_cancelled)
    blobs.put(command["resultKey"], result.image, result.content_type)
    return {
        "resultKey": command["resultKey"],
        "contentType": result.content_type,
        "width": result.width,
        "height": result.height,
        "fitReport": dressed.fit_report,
        "recommendedSize": dressed.recommended_size,
        "stageTimes": {k: round(v, 3) for k, v in result.stage_times.items()},
    }


def _scan(
    command: dict[str, Any],
    blobs: Blobs,
    ident: dict[str, Any],
    report: Report,
    is_cancelled: Callable[[], bool] | None,
) -> dict[str, Any]:
    from render_engine.body.fit import fit_measurements
    from render_engine.export import export_glb, model_info, preview_images

    started = time.monotonic()
    inputs = command["inputs"]

    def on_stage(stage: str, progress: int, message: str = "") -> None:
        report(
            {
                **ident,
                "type": "progress",
                "stage": stage,
                "progress": int(progress),
                "message": message,
            }
        )

    scan_type = command["scanType"]
    quality = None
    feedback: list[PhotoFeedback] = []  # photo and video scans: what each photo showed

    def stated() -> dict[str, Any]:
        """What the person stated, and how the scan reports back: photos and video alike."""
        return dict(height_cm=float(inputs["height"]), weight_kg=inputs.get("weight"),
                    gender=inputs.get("gender"), body_type=inputs.get("bodyType"),
                    on_stage=on_stage, is_cancelled=is_cancelled)

    if scan_type == "photo_based":
        from render_engine.scan import scan_from_photos

        photos: list[tuple[str, bytes | torch.Tensor]] = []  # (pose, image)
        pitches: list[float | None] = []  # as the phone's motion sensor read them
        for photo in inputs["photos"]:
            try:
                photos.append((photo["pose"], blobs.get(photo["key"])))
            except Exception as exc:
                raise BrokenInput("A scan photo is missing", code="INPUT_UNAVAILABLE") from exc
            pitch = photo.get("cameraPitchDeg")
            pitches.append(None if pitch is None else float(pitch))
        scan = scan_from_photos(photos, camera_pitches=pitches, **stated())
        body, quality = scan.body, float(scan.quality_score)
        feedback = scan.feedback
    elif scan_type == "body_measurement":
        on_stage("image_analysis", 5, "Reading measurements...")
        targets = {"height": float(inputs["height"]), **(inputs.get("measurements") or {})}
        if inputs.get("weight") is not None:
            targets["weight"] = float(inputs["weight"])
        on_stage("feature_detection", 15, "Choosing a starting body...")
        on_stage("mesh_generation", 30, "Fitting the body to the measurements...")
        body = fit_measurements(
            targets, gender=inputs.get("gender"), body_type=inputs.get("bodyType")
        )
        on_stage("texture_mapping", 70, "Applying skin material...")
        fitted = body.measurements
        errors = [abs(fitted[k] - v) / max(v, 1.0) for k, v in targets.items() if k in fitted]
        quality = round(max(0.0, 1.0 - 5 * (sum(errors) / max(len(errors), 1))), 3)
    elif scan_type == "video_based":
        from render_engine.scan.video import scan_from_video

        try:
            video = blobs.get(inputs["photos"][0]["key"])
        except Exception as exc:
            raise BrokenInput("The scan video is missing", code="INPUT_UNAVAILABLE") from exc
        scan = scan_from_video(video, **stated())
        body, quality = scan.body, float(scan.quality_score)
        feedback = scan.feedback
    else:
        raise BrokenInput(f"Unknown scan type {scan_type!r}", code="SCAN_TYPE_UNSUPPORTED")
    on_stage("optimization", 85, "Exporting the 3D model...")
    glb = export_glb(body.mesh)
    previews = preview_images(body.mesh)
    keys = command["outputKeys"]
    blobs.put(keys["model"], glb, "model/gltf-binary")
    blobs.put(keys["thumbnail"], previews.thumbnail, "image/jpeg")
    blobs.put(keys["preview"], previews.full_size, "image/jpeg")
    stats = model_info(glb, body.mesh)
    on_stage("finalization", 95, "Final quality checks...")
    return {
        "modelKey": keys["model"],
        "thumbnailKey": keys["thumbnail"],
        "previewKey": keys["preview"],
        "measurements": body.measurements,
        "qualityScore": quality,
        "polycount": stats["polycount"],
        "size": stats["size"],
        "body": body.to_params(),
        "seconds": round(time.monotonic() - started, 2),
        "photos": kept_feedback(feedback, blobs, command),
    }
