"""The studio context, command by command: scans, renders and the worker reports on them."""

from __future__ import annotations

import uuid

import pytest

from application.studio import Studio
from domain import ids
from domain.avatars import AvatarStatus, OfferedPhoto, ScanStatus, StatedBody
from domain.catalog import Category, Garment, SizeGuide, Sizing
from domain.errors import InvalidInput, InvalidStateTransition, NotFound
from domain.renders import RenderStatus
from domain.uploads import uploads_folder

PERSON = uuid.uuid4()
MEASURED: StatedBody = {"height": 170.0, "weight": 60.0, "bodyType": None, "gender": None,
                        "measurements": {"chest": 90.0}}
BODY = {"betas": [0.1, 0.2]}
T_SHIRT = Garment(product_id=uuid.uuid4(), variant_id="var_1", category=Category.TOPS,
                  subcategory="t-shirts", size="M", color_hex="#2563EB",
                  sizing=Sizing("regular", SizeGuide({"M": {"chest": 96.5}})),
                  fabric="cotton", photo_keys=("products/tee/front.jpg",))


def scanned_avatar(studio: Studio, owner: uuid.UUID = PERSON) -> uuid.UUID:
    avatar_id = uuid.uuid4()
    studio.request_scan(owner, avatar_id, "Me", "body_measurement", MEASURED)
    studio.apply_report({"kind": "scan", "type": "completed",
                         "scanId": ids.encode("scan", avatar_id), "result": {"body": BODY}})
    return avatar_id


def requested_render(studio: Studio) -> uuid.UUID:
    render_id = uuid.uuid4()
    studio.request_render(PERSON, render_id, scanned_avatar(studio), T_SHIRT,
                          {"pose": {"type": "preset"}})
    return render_id


def report(studio: Studio, render_id: uuid.UUID, kind: str, **fields: object) -> int:
    return studio.apply_report({"kind": "render", "type": kind,
                                "renderId": ids.encode("render", render_id), **fields})


def test_a_completed_scan_makes_the_avatar_active_with_its_body(studio: Studio) -> None:
    avatar = studio.avatar_of(PERSON, scanned_avatar(studio))
    assert (avatar.scan_status, avatar.status) == (ScanStatus.COMPLETED, AvatarStatus.ACTIVE)
    assert avatar.check_renderable() == BODY


def test_a_failed_scan_archives_the_avatar_and_a_late_progress_report_changes_nothing(
        studio: Studio) -> None:
    avatar_id = uuid.uuid4()
    studio.request_scan(PERSON, avatar_id, "Me", "body_measurement", MEASURED)
    scan = ids.encode("scan", avatar_id)
    studio.apply_report({"kind": "scan", "type": "failed", "scanId": scan,
                         "error": {"code": "BAD_INPUT", "message": "No person"}})
    late = studio.apply_report({"kind": "scan", "type": "progress", "scanId": scan,
                                "stage": "finalization", "progress": 90})
    assert late == 0
    assert studio.avatar_of(PERSON, avatar_id).status == AvatarStatus.ARCHIVED


def test_a_failed_scan_keeps_each_photos_verdict_and_nothing_else_a_report_carries(
        studio: Studio) -> None:
    avatar_id = uuid.uuid4()
    studio.request_scan(PERSON, avatar_id, "Me", "body_measurement", MEASURED)
    overlay = f"scans/{ids.encode('usr', PERSON)}/{ids.encode('scan', avatar_id)}/photo-0.jpg"
    studio.apply_report({"kind": "scan", "type": "failed", "scanId": ids.encode("scan", avatar_id),
                         "error": {"code": "SCAN_PHOTOS_UNUSABLE", "message": "too few"},
                         "photos": [{"index": 0, "pose": "front", "status": "refused",
                                     "code": "PERSON_CUT_OFF", "message": "cut off",
                                     "overlayKey": overlay, "chest": 91.5},
                                    {"index": 1, "pose": "back", "status": "fitted"}, "junk",
                                    {"index": 2, "pose": "back", "status": "accepted",
                                     "overlayKey": f"uploads/{ids.encode('usr', PERSON)}/x"}]})
    failed = list(studio.repository.event_store.get(avatar_id))[-1]
    assert vars(failed)["photos"] == [
        {"index": 0, "pose": "front", "status": "refused", "code": "PERSON_CUT_OFF",
         "message": "cut off", "overlayKey": overlay},
        # a key outside the scan's own folder is never kept (the API would sign it)
        {"index": 2, "pose": "back", "status": "accepted", "code": None, "message": None,
         "overlayKey": None}]


def test_someone_elses_avatar_is_not_found(studio: Studio) -> None:
    with pytest.raises(NotFound):
        studio.avatar_of(uuid.uuid4(), scanned_avatar(studio))


def test_a_render_needs_an_active_avatar(studio: Studio) -> None:
    avatar_id = uuid.uuid4()
    studio.request_scan(PERSON, avatar_id, "Me", "body_measurement", MEASURED)
    with pytest.raises(InvalidStateTransition):
        studio.request_render(PERSON, uuid.uuid4(), avatar_id, T_SHIRT, {})


def test_a_render_carries_the_avatars_body_to_the_engine(studio: Studio) -> None:
    render = studio.render_of(PERSON, requested_render(studio))
    assert render.garment == {
        "category": "tops", "size": "M", "colorHex": "#2563EB", "sizeGuide": {"M": {"chest": 96.5}},
        "fit": "regular", "imageKeys": ["products/tee/front.jpg"], "subcategory": "t-shirts",
        "material": "cotton", "body": BODY}
    assert render.status == RenderStatus.QUEUED


def test_a_render_completes_once_however_often_it_is_reported(studio: Studio) -> None:
    render_id = requested_render(studio)
    assert report(studio, render_id, "started") > 0
    assert report(studio, render_id, "completed", result={"resultKey": "r.png"}) > 0
    assert report(studio, render_id, "completed", result={"resultKey": "r.png"}) == 0
    assert report(studio, render_id, "failed", error={"code": "X", "message": "late"}) == 0
    assert studio.render_of(PERSON, render_id).status == RenderStatus.COMPLETED


def test_a_queued_render_can_be_cancelled_but_a_started_one_cannot(studio: Studio) -> None:
    queued, started = requested_render(studio), requested_render(studio)
    report(studio, started, "started")
    studio.cancel_render(PERSON, queued)
    assert studio.is_cancelled(queued)
    with pytest.raises(InvalidStateTransition):
        studio.cancel_render(PERSON, started)


BLOBS: dict[str, str] = {}


def uploaded(studio: Studio, owner: uuid.UUID, purpose: str) -> str:
    """The URL of an upload ``owner`` made; the blob store is the dict of URLs to keys."""
    upload_id = uuid.uuid4()
    key = uploads_folder(owner) + ids.encode("upl", upload_id)
    studio.receive_upload(owner, upload_id, purpose, key, "image/png", 10, "0")
    BLOBS[f"https://shop.example/files/{key}"] = key
    return f"https://shop.example/files/{key}"


def test_only_a_scan_upload_can_be_a_scan_photo(studio: Studio) -> None:
    url = uploaded(studio, PERSON, "product_image")
    with pytest.raises(InvalidInput):
        studio.request_scan(PERSON, uuid.uuid4(), "Me", "photo_based", MEASURED,
                            [OfferedPhoto(url, "front")], BLOBS.get)


def test_a_scan_photo_is_an_upload_of_the_person_and_side_is_the_left_side(
        studio: Studio) -> None:
    mine, theirs = uploaded(studio, PERSON, "scan_image"), uploaded(studio, uuid.uuid4(),
                                                                     "scan_image")
    avatar_id = uuid.uuid4()
    studio.request_scan(PERSON, avatar_id, "Me", "photo_based", MEASURED,
                        [OfferedPhoto(mine, "side", 0.9)], BLOBS.get)
    [photo] = studio.avatar_of(PERSON, avatar_id).inputs["photos"]
    assert (photo["pose"], photo["quality"], photo["key"]) == ("side_left", 0.9, BLOBS[mine])
    for url in (theirs, "https://elsewhere.example/me.jpg"):
        with pytest.raises(InvalidInput) as refused:
            studio.request_scan(PERSON, uuid.uuid4(), "Me", "photo_based", MEASURED,
                                [OfferedPhoto(mine, "front"), OfferedPhoto(url, "front")],
                                BLOBS.get)
        assert refused.value.field == "images.1.url"


def test_a_cameras_pitch_the_phone_measured_goes_with_its_photo_to_the_scan(
        studio: Studio) -> None:
    front, side = uploaded(studio, PERSON, "scan_image"), uploaded(studio, PERSON, "scan_image")
    avatar_id = uuid.uuid4()
    studio.request_scan(PERSON, avatar_id, "Me", "photo_based", MEASURED,
                        [OfferedPhoto(front, "front", None, -3.5), OfferedPhoto(side, "side")],
                        BLOBS.get)
    measured, unknown = studio.avatar_of(PERSON, avatar_id).inputs["photos"]
    assert measured["cameraPitchDeg"] == -3.5
    assert "cameraPitchDeg" not in unknown


def test_removing_what_the_closet_never_held_is_not_found(studio: Studio) -> None:
    with pytest.raises(NotFound):
        studio.remove_from_closet(PERSON, "closet_nothing")
