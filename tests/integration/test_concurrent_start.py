"""Processes of a deployment that start at once on a fresh database (API replicas, projector,
dispatcher) all come up: the schema is set up by one of them at a time. Without the setup
lock, CREATE TABLE IF NOT EXISTS run concurrently fails with a unique violation."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.conftest import drop_schema, fresh_schema, make_settings, postgres_available

pytestmark = pytest.mark.postgres


def test_four_processes_starting_together_on_a_fresh_schema_all_come_up(
        tmp_path: Path) -> None:
    from adapters.bootstrap import bootstrap

    if not postgres_available():
        if os.environ.get("TRYON_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (TRYON_REQUIRE_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL is not reachable")
    schema = fresh_schema()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def start_one(n: int) -> None:
        try:
            settings = make_settings("postgres", tmp_path / str(n), database_schema=schema)
            start.wait()
            bootstrap(settings, with_dispatcher=n % 2 == 0).close()
        except BaseException as e:
            errors.append(e)

    try:
        threads = [threading.Thread(target=start_one, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
    finally:
        drop_schema(schema)
