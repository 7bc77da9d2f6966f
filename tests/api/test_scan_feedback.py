"""A scan's feedback on each photo, through the API and the embedded worker: a refused photo
carries its reason and an overlay of what was found in it, an accepted photo its overlay too;
the overlays are signed links that only the owner's token opens."""

from __future__ import annotations

from typing import Any

from tests.conftest import People
from tests.scan_photos import (
    CUT_OFF,
    embedded,  # noqa: F401  (the fixture)
    fetch_overlay,
    path_of,
    request_photo_scan,
    wait_scan,
)


def test_a_refused_photo_shows_its_reason_and_what_was_found_to_its_owner_alone(
        embedded: tuple[Any, People]) -> None:  # noqa: F811
    client, people = embedded
    ada, bob = people.register(), people.register()
    # the front photo's feet are cut off: two usable photos are too few, the scan fails
    _, scan_id = request_photo_scan(client, ada["headers"], cut_off=("front",))
    scan = wait_scan(client, ada["headers"], scan_id)
    assert scan["status"] == "failed" and scan["error"]["code"] == "SCAN_PHOTOS_UNUSABLE"
    front, side, back = scan["photos"]
    assert (front["index"], front["pose"], front["status"], front["code"]) == (
        0, "front", "refused", "PERSON_CUT_OFF")
    assert "outside the photo" in front["message"]
    assert [(p["pose"], p["status"], p["code"]) for p in (side, back)] == [
        ("side_left", "accepted", None), ("back", "accepted", None)]

    # each photo itself (3:4, 360 rows: under the overlay's size limit), drawn over
    sizes = [fetch_overlay(client, ada["headers"], photo).size for photo in scan["photos"]]
    assert sizes == [(270, round(360 * CUT_OFF)), (270, 360), (270, 360)]

    link = path_of(front["overlayUrl"])
    assert client.get(link, headers=bob["headers"]).status_code == 404
    assert client.get(link).status_code == 401
    assert client.get(link.replace("signature=", "signature=0"),
                      headers=ada["headers"]).status_code == 403
    # another person cannot read the scan either
    assert client.get(f"/v1/avatars/scans/{scan_id}", headers=bob["headers"]
                      ).status_code == 404
