"""Erasure forgets every stored Idempotency-Key response about the person, including the ones
stored before they held a token (register, login, refresh: keyed by client address)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import PASSWORD


def _stored_rows(container: Any) -> list[tuple[Any, ...]]:
    with container.store.read() as tx:
        rows: list[tuple[Any, ...]] = tx.all("SELECT owner, key, body FROM idempotency_keys")
        return rows


def test_erasure_removes_responses_stored_before_login(client: Any, container: Any) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    register = {"email": email, "password": PASSWORD, "firstName": "Augusta",
                "lastName": "Byron"}
    keys = {name: uuid.uuid4().hex for name in ("register", "login", "refresh", "cart")}
    r = client.post("/v1/auth/register", json=register,
                    headers={"Idempotency-Key": keys["register"]})
    assert r.status_code == 201, r.text
    tokens = r.json()["data"]["tokens"]
    login = {"email": email, "password": PASSWORD}
    assert client.post("/v1/auth/login", json=login,
                       headers={"Idempotency-Key": keys["login"]}).status_code == 200
    refreshed = client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]},
                            headers={"Idempotency-Key": keys["refresh"]})
    assert refreshed.status_code == 200, refreshed.text
    # Someone else's stored response stays.
    other = client.post("/v1/auth/register", headers={"Idempotency-Key": uuid.uuid4().hex},
                        json={"email": f"{uuid.uuid4().hex[:10]}@example.com",
                              "password": PASSWORD, "firstName": "Other", "lastName": "One"})
    assert other.status_code == 201
    replay = client.post("/v1/auth/login", json=login, headers={"Idempotency-Key": keys["login"]})
    assert replay.headers.get("idempotent-replayed") == "true"
    stored = [row for row in _stored_rows(container) if row[1] in keys.values()]
    assert len(stored) == 3

    access = refreshed.json()["data"]["accessToken"]
    gone = client.request("DELETE", "/v1/users/me", json={"password": PASSWORD},
                          headers={"Authorization": f"Bearer {access}"})
    assert gone.status_code == 204, gone.text

    rows = _stored_rows(container)
    assert not [row for row in rows if row[1] in keys.values()]
    for _, _, body in rows:
        text = bytes(body or b"").decode()
        assert email not in text and "Augusta" not in text and "Byron" not in text
        assert tokens["refreshToken"] not in text and access not in text
    assert [row for row in rows if b"Other" in bytes(row[2] or b"")]
    # The replay of the old login no longer hands out the erased person's tokens.
    again = client.post("/v1/auth/login", json=login, headers={"Idempotency-Key": keys["login"]})
    assert again.headers.get("idempotent-replayed") is None
    assert again.status_code == 401


def test_responses_stored_before_the_person_column_existed_are_found_too(
        client: Any, container: Any) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    key = uuid.uuid4().hex
    r = client.post("/v1/auth/register", headers={"Idempotency-Key": key}, json={
        "email": email, "password": PASSWORD, "firstName": "Augusta", "lastName": "Byron"})
    assert r.status_code == 201, r.text
    with container.store.transaction() as tx:  # a store made by an older version
        tx.execute("DROP INDEX IF EXISTS idempotency_keys_person")
        tx.execute("ALTER TABLE idempotency_keys DROP COLUMN person")
    container.idempotency.setup()  # the next start adds the column and fills it in

    access = r.json()["data"]["tokens"]["accessToken"]
    gone = client.request("DELETE", "/v1/users/me", json={"password": PASSWORD},
                          headers={"Authorization": f"Bearer {access}"})
    assert gone.status_code == 204, gone.text
    assert not [row for row in _stored_rows(container) if row[1] == key]
