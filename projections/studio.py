"""Studio read models: Avatar, ScanStatusResponse, RenderStatusResponse and the closet.

File locations are kept as storage keys (``_...Key``, and a scan photo's ``overlayKey``); the
API turns them into signed, expiring URLs when it answers, so a stored view never holds a URL
that could go stale.
"""

from __future__ import annotations

from typing import Any

from domain import ids
from domain.avatars import Avatar
from domain.closet import Closet
from domain.renders import Render, RenderStatus
from projections.base import Projection, handles, iso, sort_key
from projections.session import ViewSession

EXPECTED_SCAN_S = 60
EXPECTED_RENDER_S = 10


def _remaining(progress: int, expected_s: int) -> int:
    return max(0, round((100 - progress) / 100 * expected_s))


class StudioProjection(Projection):
    name = "studio"
    logs = ("studio",)
    tables = (
        ("rm_avatars", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL, "
                       "created TEXT NOT NULL, doc TEXT NOT NULL"),
        ("rm_scans", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, doc TEXT NOT NULL"),
        ("rm_renders", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, avatar_id TEXT NOT NULL, "
                       "product_id TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL, "
                       "doc TEXT NOT NULL"),
        ("rm_closet", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created TEXT NOT NULL, "
                      "doc TEXT NOT NULL"),
        ("rm_closet_owners", "closet_id TEXT PRIMARY KEY, user_id TEXT NOT NULL"),
    )
    indexes = (
        "CREATE INDEX IF NOT EXISTS rm_renders_user ON rm_renders (user_id, created)",
        "CREATE INDEX IF NOT EXISTS rm_avatars_user ON rm_avatars (user_id, created)",
    )

    # -- avatars and scans ---------------------------------------------------------------------
    @handles(Avatar.ScanRequested)
    def scan_requested(self, e: Any, view: ViewSession) -> None:
        avatar_id, scan_id = ids.encode("avatar", e.originator_id), ids.encode("scan",
                                                                               e.originator_id)
        user_id = ids.encode("usr", e.user_id)
        avatar = {"id": avatar_id, "name": e.name, "status": "processing", "model": None,
                  "preview": None, "measurements": None, "qualityScore": None,
                  "processingTime": None, "scanId": scan_id, "scanType": e.scan_type,
                  "createdAt": iso(e.timestamp), "updatedAt": iso(e.timestamp),
                  "_requested": e.timestamp.timestamp()}
        scan = {"scanId": scan_id, "status": "queued", "progress": 0, "stage": "image_analysis",
                "estimatedTimeRemaining": EXPECTED_SCAN_S, "messages": ["Scan queued"],
                "avatarId": None, "error": None, "photos": []}
        view.add("rm_avatars", {"id": avatar_id, "user_id": user_id, "status": "processing",
                                "created": sort_key(e.timestamp), "doc": avatar})
        view.add("rm_scans", {"id": scan_id, "user_id": user_id, "doc": scan})

    def _scan(self, view: ViewSession, e: Any, change: Any) -> None:
        key = ids.encode("scan", e.originator_id)
        doc = view.doc("rm_scans", key)
        if doc is not None:
            change(doc)
            view.touch("rm_scans", key)

    def _avatar(self, view: ViewSession, e: Any, change: Any) -> None:
        key = ids.encode("avatar", e.originator_id)
        doc = view.doc("rm_avatars", key)
        if doc is not None:
            change(doc)
            doc["updatedAt"] = iso(e.timestamp)
            view.touch("rm_avatars", key, status=doc["status"])

    @handles(Avatar.ScanStarted)
    def scan_started(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            d.update(status="processing")
            d["messages"].append(f"Processing started (attempt {e.attempt})")

        self._scan(view, e, change)

    @handles(Avatar.ScanProgressed)
    def scan_progressed(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            d.update(status="processing", stage=e.stage, progress=e.progress,
                     estimatedTimeRemaining=_remaining(e.progress, EXPECTED_SCAN_S))
            if e.message and (not d["messages"] or d["messages"][-1] != e.message):
                d["messages"].append(e.message)

        self._scan(view, e, change)

    @handles(Avatar.ScanCompleted)
    def scan_completed(self, e: Any, view: ViewSession) -> None:
        r = e.result

        def scan(d: dict[str, Any]) -> None:
            d.update(status="completed", progress=100, stage="finalization",
                     estimatedTimeRemaining=0, avatarId=ids.encode("avatar", e.originator_id),
                     photos=list(r.get("photos") or []))
            d["messages"].append("Avatar ready")

        def avatar(d: dict[str, Any]) -> None:
            d.update(status="active", measurements=r.get("measurements"),
                     qualityScore=r.get("qualityScore"),
                     processingTime=max(0, round(e.timestamp.timestamp() - d["_requested"])),
                     model={"format": "glb", "size": r.get("size"),
                            "polycount": r.get("polycount"), "textures": ["diffuse"]},
                     _modelKey=r.get("modelKey"), _thumbnailKey=r.get("thumbnailKey"),
                     _fullKey=r.get("previewKey"))

        self._scan(view, e, scan)
        self._avatar(view, e, avatar)

    @handles(Avatar.ScanFailed)
    def scan_failed(self, e: Any, view: ViewSession) -> None:
        def scan(d: dict[str, Any]) -> None:
            d.update(status="failed", estimatedTimeRemaining=0,
                     error={"code": e.code, "message": e.message}, photos=list(e.photos))

        self._scan(view, e, scan)
        self._avatar(view, e, lambda d: d.update(status="archived"))

    @handles(Avatar.Renamed)
    def renamed(self, e: Any, view: ViewSession) -> None:
        self._avatar(view, e, lambda d: d.update(name=e.name))

    @handles(Avatar.Archived)
    def archived(self, e: Any, view: ViewSession) -> None:
        self._avatar(view, e, lambda d: d.update(status="archived"))

    # -- renders -----------------------------------------------------------------------------
    @handles(Render.Requested)
    def render_requested(self, e: Any, view: ViewSession) -> None:
        render_id = ids.encode("render", e.originator_id)
        doc = {"renderId": render_id, "status": "queued", "progress": 0, "stage": "queued",
               "estimatedTimeRemaining": EXPECTED_RENDER_S, "previewUrl": None,
               "resultUrl": None, "avatarId": ids.encode("avatar", e.avatar_id),
               "productId": ids.encode("prod", e.product_id), "variantId": e.variant_id,
               "request": e.spec, "fit": None, "createdAt": iso(e.timestamp),
               "completedAt": None, "error": None, "_resultKey": None}
        view.add("rm_renders", {"id": render_id, "user_id": ids.encode("usr", e.user_id),
                                "avatar_id": doc["avatarId"], "product_id": doc["productId"],
                                "status": "queued", "created": sort_key(e.timestamp),
                                "doc": doc})

    def _render(self, view: ViewSession, e: Any, change: Any) -> None:
        key = ids.encode("render", e.originator_id)
        doc = view.doc("rm_renders", key)
        if doc is not None:
            change(doc)
            view.touch("rm_renders", key, status=doc["status"])

    @handles(Render.Started)
    def render_started(self, e: Any, view: ViewSession) -> None:
        self._render(view, e, lambda d: d.update(status="processing", stage="asset_loading",
                                               progress=max(d["progress"], 1)))

    @handles(Render.Progressed)
    def render_progressed(self, e: Any, view: ViewSession) -> None:
        self._render(view, e, lambda d: d.update(
            status="processing", stage=e.stage, progress=e.progress,
            estimatedTimeRemaining=_remaining(e.progress, EXPECTED_RENDER_S)))

    @handles(Render.Completed)
    def render_completed(self, e: Any, view: ViewSession) -> None:
        r = e.result
        self._render(view, e, lambda d: d.update(
            status="completed", stage="optimization", progress=100, estimatedTimeRemaining=0,
            completedAt=iso(e.timestamp), _resultKey=r.get("resultKey"),
            fit={"report": r.get("fitReport"), "recommendedSize": r.get("recommendedSize")},
            output={"width": r.get("width"), "height": r.get("height"),
                    "contentType": r.get("contentType")}))

    @handles(Render.Failed)
    def render_failed(self, e: Any, view: ViewSession) -> None:
        self._render(view, e, lambda d: d.update(
            status="failed", estimatedTimeRemaining=0, completedAt=iso(e.timestamp),
            error={"code": e.code, "message": e.message, "details": e.details}))

    @handles(Render.Cancelled)
    def render_cancelled(self, e: Any, view: ViewSession) -> None:
        self._render(view, e, lambda d: d.update(status="cancelled", estimatedTimeRemaining=0,
                                               completedAt=iso(e.timestamp)))

    # -- closet ------------------------------------------------------------------------------
    @handles(Closet.ItemKept)
    def kept(self, e: Any, view: ViewSession) -> None:
        doc = {"id": e.item_id, "product": e.product, "variantId": e.variant_id,
               "renderId": e.render_id, "note": e.note, "addedAt": iso(e.timestamp)}
        owner = view.get("rm_closet_owners", str(e.originator_id))
        view.add("rm_closet", {"id": e.item_id, "user_id": owner["user_id"] if owner else "",
                               "created": sort_key(e.timestamp), "doc": doc})

    @handles(Closet.Opened)
    def closet_opened(self, e: Any, view: ViewSession) -> None:
        view.add("rm_closet_owners", {"closet_id": str(e.originator_id),
                                      "user_id": ids.encode("usr", e.user_id)})

    @handles(Closet.ItemRemoved)
    def removed(self, e: Any, view: ViewSession) -> None:
        view.delete("rm_closet", e.item_id)


def render_status_change(e: Any) -> dict[str, object] | None:
    """The status update a render's event makes, as its event stream tells followers: every
    change, in order (the read model above keeps only the latest)."""
    kind = type(e)
    if kind is Render.Requested:
        return {"status": RenderStatus.QUEUED, "stage": "queued", "progress": 0}
    if kind is Render.Started:
        return {"status": RenderStatus.PROCESSING, "stage": "asset_loading", "progress": 1}
    if kind is Render.Progressed:
        return {"status": RenderStatus.PROCESSING, "stage": e.stage, "progress": e.progress}
    if kind is Render.Completed:
        return {"status": RenderStatus.COMPLETED, "stage": "optimization", "progress": 100}
    if kind is Render.Failed:
        return {"status": RenderStatus.FAILED, "error": {"code": e.code,
                                                         "message": e.message}}
    if kind is Render.Cancelled:
        return {"status": RenderStatus.CANCELLED}
    return None
