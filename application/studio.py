"""The studio context: uploads, avatars with their scans, try-on renders, the closet.

Workers never touch this application directly: they report over the command bus, and
``apply_report`` turns each report into an event, ignoring reports for work that has already
finished (a redelivered command, a duplicate report), so each render completes exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from application.base import Position, TryonApplication, retry_on_conflict
from domain import ids
from domain.avatars import (
    Avatar,
    OfferedPhoto,
    ScanInputs,
    StatedBody,
    UploadAt,
    nothing_uploaded,
    scan_photos,
)
from domain.catalog import Garment, Product
from domain.closet import MAX_ITEMS, Closet, kept_product
from domain.errors import InvalidInput, NotFound
from domain.renders import Render, RenderRequest, RenderStatus
from domain.uploads import SCAN_INPUTS, Upload


def closet_id_for(user_id: uuid.UUID) -> uuid.UUID:
    return ids.derived("closet", str(user_id))


class Studio(TryonApplication):
    name = "studio"
    # A closet kept for years collects every keep and removal; its state holds only ids (notes
    # stay in the events, not the state), so a snapshot adds no copy of what a person wrote.
    snapshotting_intervals = {Closet: 20}

    # -- uploads -----------------------------------------------------------------------------
    def receive_upload(self, user_id: uuid.UUID, upload_id: uuid.UUID, purpose: str, key: str,
                       content_type: str, size: int, sha256: str) -> Position:
        return self.record(Upload(id=upload_id, user_id=user_id, purpose=purpose, key=key,
                                  content_type=content_type, size=size, sha256=sha256))

    def upload_of(self, user_id: uuid.UUID, upload_id: uuid.UUID | None) -> Upload:
        upload = self.load(Upload, upload_id, "Upload")
        if upload.user_id != user_id:
            raise NotFound("Upload not found")
        return upload

    # -- avatars and scans ---------------------------------------------------------------------
    def request_scan(self, user_id: uuid.UUID, avatar_id: uuid.UUID, name: str, scan_type: str,
                     stated: StatedBody, offered: Sequence[OfferedPhoto] = (),
                     upload_at: UploadAt = nothing_uploaded) -> Position:
        """A scan of the person's ``offered`` photos (their uploads, found through
        ``upload_at``) and what they state of their body."""
        inputs: ScanInputs = {"photos": scan_photos(user_id, offered, upload_at), **stated}
        for n, photo in enumerate(inputs["photos"]):
            upload = self.upload_of(user_id, ids.decode("upl", photo["uploadId"]))
            if upload.purpose not in SCAN_INPUTS:
                raise InvalidInput(f"images.{n}.url", "This upload is not a scan input",
                                   "INVALID")
            photo["key"] = upload.key
            photo["contentType"] = upload.content_type
        return self.record(Avatar(id=avatar_id, user_id=user_id, name=name, scan_type=scan_type,
                                  inputs=inputs))

    def avatar_of(self, user_id: uuid.UUID | None, avatar_id: uuid.UUID | None) -> Avatar:
        avatar = self.load(Avatar, avatar_id, "Avatar")
        if user_id is not None and avatar.user_id != user_id:
            raise NotFound("Avatar not found")
        return avatar

    @retry_on_conflict()
    def rename_avatar(self, user_id: uuid.UUID, avatar_id: uuid.UUID, name: str) -> Position:
        avatar = self.avatar_of(user_id, avatar_id)
        avatar.rename(name=name)
        return self.record(avatar)

    @retry_on_conflict()
    def archive_avatar(self, user_id: uuid.UUID, avatar_id: uuid.UUID) -> Position:
        avatar = self.avatar_of(user_id, avatar_id)
        avatar.archive()
        return self.record(avatar)

    # -- renders -----------------------------------------------------------------------------
    def request_render(self, user_id: uuid.UUID, render_id: uuid.UUID, avatar_id: uuid.UUID,
                       garment: Garment, spec: RenderRequest) -> Position:
        """``garment`` on the avatar's body, posed, lit and framed as ``spec`` says."""
        avatar = self.avatar_of(user_id, avatar_id)
        body = avatar.check_renderable()
        return self.record(Render(id=render_id, user_id=user_id, avatar_id=avatar_id,
                                  product_id=garment.product_id, variant_id=garment.variant_id,
                                  spec=spec, garment={**garment.as_engine_input(), "body": body}))

    def render_of(self, user_id: uuid.UUID | None, render_id: uuid.UUID | None) -> Render:
        render = self.load(Render, render_id, "Render")
        if user_id is not None and render.user_id != user_id:
            raise NotFound("Render not found")
        return render

    @retry_on_conflict()
    def cancel_render(self, user_id: uuid.UUID, render_id: uuid.UUID) -> Position:
        render = self.render_of(user_id, render_id)
        render.cancel()
        return self.record(render)

    def is_cancelled(self, render_id: uuid.UUID) -> bool:
        return self.render_of(None, render_id).status == RenderStatus.CANCELLED

    # -- worker reports ------------------------------------------------------------------------
    @retry_on_conflict()
    def apply_report(self, report: dict[str, Any]) -> Position:
        """One report from a worker: started, progress, completed or failed."""
        kind, kind_of = str(report["kind"]), str(report["type"])
        if kind == "render":
            render = self.render_of(None, ids.decode("render", str(report["renderId"])))
            changed = {
                "started": lambda: render.start(int(report.get("attempt", 1))),
                "progress": lambda: render.report_progress(str(report["stage"]),
                                                           int(report["progress"])),
                "completed": lambda: render.complete(dict(report["result"])),
                "failed": lambda: render.fail(str(report["error"]["code"]),
                                              str(report["error"]["message"]),
                                              dict(report["error"].get("details") or {})),
            }[kind_of]()
            return self.record(render) if changed else 0
        avatar = self.avatar_of(None, ids.decode("scan", str(report["scanId"])))
        changed = {
            "started": lambda: avatar.start_scan(int(report.get("attempt", 1))),
            "progress": lambda: avatar.report_progress(str(report["stage"]),
                                                       int(report["progress"]),
                                                       str(report.get("message", ""))),
            "completed": lambda: avatar.complete_scan(dict(report["result"])),
            "failed": lambda: avatar.fail_scan(str(report["error"]["code"]),
                                               str(report["error"]["message"]),
                                               report.get("photos")),
        }[kind_of]()
        return self.record(avatar) if changed else 0

    # -- closet ------------------------------------------------------------------------------
    @retry_on_conflict()
    def keep_in_closet(self, user_id: uuid.UUID, item_id: str, product: Product,
                       variant_id: str | None, render_id: str | None,
                       note: str | None) -> Position:
        """Keeps ``product`` (as it is now, at the variant's price) and maybe a render of it."""
        closet_id = closet_id_for(user_id)
        closet = (self.find(Closet, closet_id, "Closet")
                  or Closet(id=closet_id, user_id=user_id))
        if len(closet.items) >= MAX_ITEMS:
            raise InvalidInput("product_id", f"The closet holds at most {MAX_ITEMS} items",
                               "OUT_OF_RANGE")
        if render_id is not None:
            self.render_of(user_id, ids.decode("render", render_id))
        closet.keep(item_id=item_id, product=kept_product(product, variant_id),
                    variant_id=variant_id,
                    render_id=render_id, note=note)
        return self.record(closet)

    @retry_on_conflict()
    def remove_from_closet(self, user_id: uuid.UUID, item_id: str) -> Position:
        closet = self.find(Closet, closet_id_for(user_id), "Closet")
        if closet is None:
            raise NotFound("Closet item not found")
        closet.remove(item_id)
        return self.record(closet)
