"""Logs written before issue 10's commerce changes keep loading, with the new rules."""

from __future__ import annotations

import json
import uuid
from typing import Any

from eventsourcing.persistence import StoredEvent

from domain import ids
from tests.conftest import HOME


def stored(originator: uuid.UUID, version: int, topic: str, **state: Any) -> StoredEvent:
    """An event as the earlier code stored it (no class_version, no ``_meta``)."""
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-15T10:30:00+00:00"},
             **state}
    return StoredEvent(originator_id=originator, originator_version=version, topic=topic,
                       state=json.dumps(state, separators=(",", ":")).encode())


def test_an_old_declined_payment_is_payable_again(container: Any) -> None:
    """Row 12: before, a Declined event ended the payment (the order could never be paid)."""
    from application.ordering import order_id_for
    from application.payments import payment_id_for
    from domain.payments import PaymentStatus

    shop = container.shop
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "category": "tops"}, 10_00, None, None,
        [{"size": "M", "stock": 3}])
    variant_id = next(iter(shop.catalog.product(product_id).variants))
    user = uuid.uuid4()
    shop.carts.add_item(user, product_id, variant_id, 1, {})
    order_id = order_id_for(user, "k")
    shop.ordering.place(user, order_id, "standard", HOME, HOME, None)
    payment_id, _ = shop.payments.create(user, order_id)
    shop.recorder.insert_events([stored(
        payment_id, 2, "domain.payments:PaymentOrder.Declined", reason="card_declined",
        method={"type": "card", "last4": "0002", "brand": "visa"})])

    payment = shop.payments.payment(payment_id)
    assert payment.status == PaymentStatus.PENDING and payment.declined_attempts == 1
    assert shop.payments.create(user, order_id) == (payment_id, 0)
    shop.payments.authorize(payment_id, "txn_1", {"type": "card", "last4": "4242"})
    shop.payments.verify(user, payment_id, "txn_1")
    assert shop.ordering.order(None, order_id).status == "processing"

    container.runner.catch_up()
    doc = container.read.payment_doc(ids.encode("pay", payment_id_for(order_id)))
    assert doc["status"] == "verified"
    assert [(a["outcome"], a["last4"]) for a in doc["attempts"]] == [("declined", "0002")]


def test_an_account_with_an_unkeyed_email_index_keeps_working(container: Any) -> None:
    """Row 8: accounts registered before the keyed index (uuid5 of the address) still sign
    in, still block a second registration, and erasure releases their address."""
    import pytest

    from application.accounts import email_index_id
    from domain.errors import EmailTaken

    accounts = container.accounts
    key, accounts.email_key = accounts.email_key, None  # the earlier code: no key
    user_id, _ = accounts.register("Old@Example.com", "Str0ng!Pass", "Old", "Timer")
    accounts.email_key = key
    assert accounts.exists(email_index_id("old@example.com"))
    assert not accounts.exists(email_index_id("old@example.com", key))

    assert accounts.authenticate("old@example.com", "Str0ng!Pass").id == user_id
    with pytest.raises(EmailTaken):
        accounts.register("old@example.com", "Str0ng!Pass", "Copy", "Cat")
    accounts.erase(user_id, "Str0ng!Pass")
    again, _ = accounts.register("old@example.com", "Str0ng!Pass", "New", "Comer")
    assert accounts.user_id_for("old@example.com") == again
    assert accounts.exists(email_index_id("old@example.com", key))
