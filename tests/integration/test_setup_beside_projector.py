"""A process that starts while the projector is writing sets up without a deadlock.

The projector's transaction locks its row of ``projection_writers`` and then writes a view;
a starting process used to create every view (share locks on tables with indexes) and then
insert the writers' rows, all in one transaction: each waited for the other and PostgreSQL
killed one ("deadlock detected")."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from tests.conftest import POSTGRES_URL, make_settings, postgres_available


@pytest.mark.postgres
def test_setup_while_the_projector_holds_its_row_and_then_writes_a_view(
        tmp_path: Any) -> None:
    if not postgres_available():
        if os.environ.get("TRYON_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (TRYON_REQUIRE_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL is not reachable")
    import psycopg

    from adapters.bootstrap import bootstrap

    settings = make_settings("postgres", tmp_path)
    first = bootstrap(settings, with_dispatcher=False)  # every table exists now
    schema = settings.database_schema
    errors: list[BaseException] = []
    try:
        with psycopg.connect(POSTGRES_URL) as projector:
            projector.execute(f"SET search_path TO {schema}")
            projector.execute("UPDATE projection_writers SET token = 'projector' "
                              "WHERE projection = 'catalog'")  # the projector's row lock

            def start_another() -> None:
                try:
                    first.runner.setup()
                except BaseException as error:  # noqa: BLE001 - asserted below
                    errors.append(error)

            starting = threading.Thread(target=start_another)
            starting.start()
            time.sleep(1.0)  # the starting process is now waiting for the row
            # ... and the projector writes a view; before the fix this was the deadlock.
            projector.execute("DELETE FROM rm_products WHERE false")
            projector.commit()
            starting.join(timeout=30)
            assert not starting.is_alive()
    finally:
        first.close()
    assert errors == []
