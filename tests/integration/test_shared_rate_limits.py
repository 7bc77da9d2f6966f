"""Login-failure limits are shared by every API replica and survive a restart (issue 10
row 11): two apps on one database count against one window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import PASSWORD, make_settings


def _app(settings: Any) -> tuple[Any, Any]:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    container = bootstrap(settings)
    return container, TestClient(create_app(container))


@pytest.fixture
def replicas(settings: Any, tmp_path: Any) -> Iterator[list[tuple[Any, Any]]]:
    """Two API replicas on one database (and one data directory, as a shared secret)."""
    twin = make_settings("postgres", tmp_path, database_schema=settings.database_schema) \
        if settings.database_url else make_settings("sqlite", tmp_path)
    apps = [_app(settings), _app(twin)]
    yield apps
    for container, client in apps:
        client.close()
        container.close()


def login(client: Any, email: str, password: str) -> int:
    r = client.post("/v1/auth/login", json={"email": email, "password": password})
    return int(r.status_code)


def test_two_replicas_share_the_failed_login_limit_and_a_restart_keeps_it(
        replicas: list[tuple[Any, Any]], settings: Any) -> None:
    (first, a), (_, b) = replicas
    email = "shared.limit@example.com"
    r = a.post("/v1/auth/register", json={"email": email, "password": PASSWORD,
                                          "firstName": "Ada", "lastName": "Lovelace"})
    assert r.status_code == 201, r.text
    # 5/15 minutes: three wrong guesses on one replica, two on the other, then locked on both
    assert [login(a, email, "Wr0ng!Pass") for _ in range(3)] == [401] * 3
    assert [login(b, email, "Wr0ng!Pass") for _ in range(2)] == [401] * 2
    assert login(a, email, PASSWORD) == 429
    assert login(b, email, PASSWORD) == 429

    first.close()  # a restart: a new process on the same database
    restarted, c = _app(settings)
    try:
        assert login(c, email, PASSWORD) == 429
        text = _dump(restarted)
        assert email not in text and "testclient" not in text  # keys are keyed hashes
    finally:
        c.close()
        restarted.close()


def _dump(container: Any) -> str:
    with container.store.read() as tx:
        return repr(tx.all("SELECT * FROM rate_limit_hits"))
