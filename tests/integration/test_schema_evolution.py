"""Events stored in an older shape still load: Cart.ItemAdded v1 is upcast to v2, and
Avatar.ScanFailed v1 (no photo verdicts) to v2."""

from __future__ import annotations

import json
import uuid
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.carts import cart_id_for
from domain import ids
from domain.cart import Cart, PricedProduct, ProductSnapshot
from domain.money import Money


def v1_item_added(cart_id: uuid.UUID, version: int, product_id: str) -> StoredEvent:
    """Byte for byte what the v1 code stored: no class_version, ``freeShipping_cents``."""
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-15T10:30:00+00:00"},
        "item_id": "cart_item_OldShape000000000000001",
        "product": {"id": product_id, "name": "Premium Cotton T-Shirt", "price_cents": 4999,
                    "image": None, "brand": "FashionBrand", "freeShipping_cents": 7500},
        "variant_id": "var_OldShape00000000000001", "quantity": 1, "metadata": {},
    }
    return StoredEvent(originator_id=cart_id, originator_version=version,
                       topic="domain.cart:Cart.ItemAdded",
                       state=json.dumps(state, separators=(",", ":")).encode())


def test_a_v1_item_added_event_loads_and_projects_as_v2(container: Any) -> None:
    user_id = uuid.uuid4()
    cart_id = cart_id_for(user_id)
    opened = Cart(id=cart_id, user_id=user_id)
    container.shop.save(opened)  # version 1, current shape
    product_id = ids.encode("prod", uuid.uuid4())
    container.shop.recorder.insert_events([v1_item_added(cart_id, 2, product_id)])

    cart = container.shop.repository.get(cart_id)
    item = next(iter(cart.items.values()))
    assert item.product == ProductSnapshot(product_id, "Premium Cotton T-Shirt", None,
                                           "FashionBrand")
    added = list(container.shop.repository.event_store.get(cart_id))[1]
    assert added.product["free_shipping_cents"] == 7500
    assert "freeShipping_cents" not in added.product

    container.runner.catch_up()
    view = container.read.cart(ids.encode("usr", user_id))
    assert view["items"][0]["product"]["id"] == product_id
    assert (view["subtotal"], view["shipping"], view["total"]) == (49.99, 5.99, 59.98)


def test_new_item_added_events_are_stored_as_v2(container: Any) -> None:
    user_id = uuid.uuid4()
    cart = Cart(id=cart_id_for(user_id), user_id=user_id)
    cart.add_item("cart_item_x", PricedProduct(ProductSnapshot(product_id="prod_x", name="x"),
                                               Money(100, "USD"), Money(7500, "USD")),
                  "var_x", 1, {})
    container.shop.save(cart)
    stored = container.shop.recorder.select_events(cart.id)
    assert json.loads(stored[1].state)["class_version"] == 2


def v1_scan_failed(avatar_id: uuid.UUID, version: int) -> StoredEvent:
    """What the code before scan feedback stored: a failed scan with no photo verdicts."""
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-15T10:30:00+00:00"},
             "code": "SCAN_PHOTOS_UNUSABLE",
             "message": "only 0 usable photos (0:front: IMAGE_TOO_DARK)"}
    return StoredEvent(originator_id=avatar_id, originator_version=version,
                       topic="domain.avatars:Avatar.ScanFailed",
                       state=json.dumps(state, separators=(",", ":")).encode())


def test_a_v1_scan_failed_event_loads_and_projects_with_no_photos(container: Any) -> None:
    from domain.avatars import Avatar, ScanStatus

    user_id, avatar_id = uuid.uuid4(), uuid.uuid4()
    container.studio.save(Avatar(id=avatar_id, user_id=user_id, name="Old", scan_type="photo_based",
                                 inputs={"photos": [], "height": 170.0, "weight": None,
                                         "bodyType": None, "gender": None, "measurements": {}}))
    container.studio.recorder.insert_events([v1_scan_failed(avatar_id, 2)])

    assert container.studio.repository.get(avatar_id).scan_status == ScanStatus.FAILED
    failed = list(container.studio.repository.event_store.get(avatar_id))[1]
    assert failed.photos == []
    container.runner.catch_up()
    scan = container.studio_reads.scan(ids.encode("usr", user_id), ids.encode("scan", avatar_id))
    assert scan["status"] == "failed" and scan["photos"] == []
    assert scan["error"]["code"] == "SCAN_PHOTOS_UNUSABLE"


def test_a_failed_scan_keeps_each_photos_verdict_as_v2() -> None:
    from domain.avatars import Avatar

    avatar = Avatar(id=uuid.uuid4(), user_id=uuid.uuid4(), name="New", scan_type="photo_based",
                    inputs={"photos": [], "height": 170.0, "weight": None, "bodyType": None,
                            "gender": None, "measurements": {}})
    overlay = avatar.feedback_folder + "photo-0.jpg"
    avatar.fail_scan("SCAN_PHOTOS_UNUSABLE", "too few", [
        {"index": 0, "pose": "front", "status": "refused", "code": "PERSON_CUT_OFF",
         "message": "cut off", "overlayKey": overlay}])
    failed = avatar.collect_events()[-1]
    assert type(failed).class_version == 2  # type: ignore[attr-defined]
    assert vars(failed)["photos"] == [
        {"index": 0, "pose": "front", "status": "refused", "code": "PERSON_CUT_OFF",
         "message": "cut off", "overlayKey": overlay}]
