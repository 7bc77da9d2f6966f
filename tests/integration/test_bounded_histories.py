"""What a command loads does not grow with a customer's life: sign-ins and refreshes never
touch the user's history, and long-lived carts and sessions load from snapshots."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.errors import Unauthenticated
from domain.sessions import SignInSession, session_id_for

PASSWORD = "Str0ng!Pass"


def sign_up(container: Any) -> Any:
    return container.sessions.register(f"{uuid.uuid4().hex[:10]}@example.com", PASSWORD,
                                       "Ada", "Lovelace")


def user_version(container: Any, user_id: uuid.UUID) -> int:
    return int(container.accounts.repository.get(user_id).version)


def test_signing_in_and_refreshing_leave_the_users_history_as_it_was(container: Any) -> None:
    signed = sign_up(container)
    before = user_version(container, signed.user_id)
    email = container.accounts.get_user(signed.user_id).email
    tokens = container.sessions.login(email, PASSWORD).tokens
    for _ in range(3):
        tokens = container.sessions.refresh(tokens.refresh_token).tokens
    assert user_version(container, signed.user_id) == before


def test_a_session_recorded_on_the_user_by_an_older_log_still_refreshes_once(
        container: Any) -> None:
    signed = sign_up(container)
    user = container.accounts.get_user(signed.user_id)
    issued = container.tokens.issue(user.id, user.email)
    user.start_session(family=issued.family, token_id=issued.token_id,  # the old way
                       expires_at=issued.refresh_expires)
    container.accounts.record(user)

    renewed = container.sessions.refresh(issued.refresh_token)
    assert renewed.user_id == user.id
    with pytest.raises(Unauthenticated, match="already used"):
        container.sessions.refresh(issued.refresh_token)  # the old token again: reuse
    with pytest.raises(Unauthenticated):
        container.sessions.refresh(renewed.tokens.refresh_token)  # the family is revoked


def test_a_password_change_revokes_every_session_begun_before_it(container: Any) -> None:
    signed = sign_up(container)
    container.accounts.change_password(signed.user_id, PASSWORD, "An0ther!Pass")
    with pytest.raises(Unauthenticated, match="revoked"):
        container.sessions.refresh(signed.tokens.refresh_token)


def test_a_long_lived_session_and_cart_load_from_a_snapshot(container: Any) -> None:
    signed = sign_up(container)
    tokens = signed.tokens
    for _ in range(60):
        tokens = container.sessions.refresh(tokens.refresh_token).tokens
    session = container.accounts.repository.get(session_id_for(tokens.family))
    assert isinstance(session, SignInSession) and session.version == 61
    snapshot = next(iter(container.accounts.snapshots.get(session.id, desc=True, limit=1)))
    assert snapshot.originator_version == 60



def test_a_cart_used_for_years_loads_from_a_snapshot_with_its_items(container: Any) -> None:
    shop = container.shop
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "category": "tops", "currency": "USD"},
        1999, None, None, [{"size": "M", "stock": 10}])
    variant = next(iter(shop.catalog.product(product_id).variants))
    user_id = uuid.uuid4()
    for _ in range(30):  # 60 events after the cart opened
        item_id, _ = shop.carts.add_item(user_id, product_id, variant, 1, {})
        shop.carts.remove_item(user_id, item_id)
    shop.carts.add_item(user_id, product_id, variant, 2, {})

    cart = shop.carts.cart_of(user_id)
    snapshot = next(iter(shop.snapshots.get(cart.id, desc=True, limit=1)))
    assert snapshot.originator_version == 60
    assert cart.version == 62
    assert [line.quantity.units for line in cart.items.values()] == [2]
