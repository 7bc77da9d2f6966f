"""Event store and read-model store configuration: SQLite files by default, PostgreSQL when
``TRYON_DATABASE_URL`` is set."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from adapters.settings import Settings
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore


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
                                 max_size=settings.view_pool_size)
    return SQLiteViewStore(settings.data_dir / "views.sqlite")
