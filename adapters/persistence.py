"""Event store and read-model store configuration: SQLite files by default, PostgreSQL when
``TRYON_DATABASE_URL`` is set."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlparse

from adapters.settings import Settings
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore

SETUP_WAIT_S = 15


def event_store_env(settings: Settings, app_name: str) -> dict[str, str]:
    if settings.uses_postgres:
        url = urlparse(settings.database_url)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": str(settings.db_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(settings.db_pool_overflow),
            "POSTGRES_LOCK_TIMEOUT": "10",
            # The wait for a pooled connection while the schema is set up (a busy machine may
            # take seconds to open the first ones); bootstrap then lowers it to
            # db_pool_timeout_s (outage.tune_pools).
            "POSTGRES_CONNECT_TIMEOUT": str(SETUP_WAIT_S),
        }
        if settings.database_schema:
            env["POSTGRES_SCHEMA"] = settings.database_schema
        return env
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.data_dir / f"{app_name}-events.sqlite"),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def view_store(settings: Settings) -> ViewStore:
    if settings.uses_postgres:
        return PostgresViewStore(settings.database_url, schema=settings.database_schema or None,
                                 max_size=settings.view_pool_size,
                                 timeout=SETUP_WAIT_S)
    return SQLiteViewStore(settings.data_dir / "views.sqlite")


def hold_schema_lock(settings: Settings) -> Callable[[], None]:
    """``schema_lock`` taken now; call the result to release it."""
    held = schema_lock(settings)
    held.__enter__()

    def release() -> None:
        held.__exit__(None, None, None)

    return release


@contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """Holds a PostgreSQL advisory lock (one per schema) while tables, types and functions
    are created: two processes starting in the same second would otherwise race on the
    catalogs ("tuple concurrently updated", duplicate types) and one of them would die.
    Nothing to lock on SQLite (its writers are serialised by the file lock)."""
    if not settings.uses_postgres:
        yield
        return
    import psycopg

    key = zlib.crc32(f"tryon-schema:{settings.database_schema or 'public'}".encode())
    with psycopg.connect(settings.database_url, autocommit=True,
                         connect_timeout=SETUP_WAIT_S) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
