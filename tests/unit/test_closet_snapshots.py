"""A closet snapshot taken before its items had the domain's names (v1: productId, ...) still
loads, as the same closet."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Snapshot

from domain.closet import Closet, KeptProduct

TEE: KeptProduct = {"id": "prod_1", "name": "Tee", "price": 19.99, "image": None,
                    "brand": None}


def test_a_first_version_snapshot_of_a_closet_loads_with_the_same_items() -> None:
    closet = Closet(id=uuid.uuid4(), user_id=uuid.uuid4())
    closet.keep(item_id="closet_1", product=TEE, variant_id="var_1", render_id=None, note="x")
    snapshot = Snapshot.take(closet)
    assert snapshot.state.pop("class_version") == 2
    snapshot.state["items"] = {"closet_1": {"productId": "prod_1", "variantId": "var_1",
                                            "renderId": None}}  # as v1 stored it

    loaded = snapshot.mutate(None)
    assert isinstance(loaded, Closet)
    assert loaded.items == closet.items == {
        "closet_1": {"product_id": "prod_1", "variant_id": "var_1", "render_id": None}}
