"""Processes that start together (API replicas, the projector, the dispatcher: a deployment's
first start) create one schema's tables one process at a time. PostgreSQL's
``CREATE TABLE IF NOT EXISTS`` is not safe against itself: two at once fail with a unique
violation on ``pg_type``, and a concurrent ``CREATE OR REPLACE`` with "tuple concurrently
updated". A session advisory lock per schema serialises the setup; it goes with the
connection, so a process killed while holding it releases it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def schema_setup_lock(settings: Any) -> Iterator[None]:
    if not settings.uses_postgres:
        yield
        return
    import psycopg

    name = f"tryon:schema-setup:{settings.database_schema or 'public'}"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        yield  # closing the connection releases the lock
