"""After an erasure, no old row versions with the person's data stay in the database files.

Read models and stored responses are rewritten or deleted by the erasure, but both engines
keep the old versions on disk for a while: SQLite in its write-ahead log (checkpointed and
truncated: ``compact``), PostgreSQL as dead tuples in the tables' pages (a plain VACUUM frees
them but leaves their bytes in the page): ``VACUUM FULL`` rewrites the tables. This runs after
the erasure has committed, after the read models have applied it and after older snapshots
have ended, outside any transaction (``VACUUM`` cannot run inside one). What remains elsewhere (WAL
segments, backups) is in docs/commerce.md.
"""

from __future__ import annotations

import time
from typing import Any

import structlog

from application.erasure import Forgetter

log = structlog.get_logger("tryon.erasure")


def _wait_for_older_snapshots(conn: Any, timeout_s: float) -> None:
    """Waits until no other transaction of the database still sees the rows the erasure
    replaced: a VACUUM keeps (and VACUUM FULL copies) every dead tuple some snapshot may
    still read."""
    (now,) = conn.execute("SELECT xid(pg_current_xact_id())::text").fetchone()
    deadline = time.monotonic() + timeout_s
    while True:
        (older,) = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL "
            "AND age(backend_xmin) > age(%s::xid)", (now,)).fetchone()
        if not older:
            return
        if time.monotonic() > deadline:
            log.warning("erasure.old_snapshots_remain", transactions=older)
            return
        time.sleep(0.1)


def vacuum_schema(store: Any, lock_timeout_s: float = 5.0,
                  snapshot_wait_s: float = 30.0) -> list[str]:
    """Rewrites every table of the store's schema but the append-only event logs (which an
    erasure never changes) with ``VACUUM FULL``: a plain VACUUM frees dead tuples but leaves
    their bytes in the page until the space is reused. Each rewrite holds the table's lock
    for its duration; one that cannot get it within ``lock_timeout_s`` gets a plain VACUUM
    (and a warning) instead. Returns the tables rewritten."""
    rewritten: list[str] = []
    with store.pool.connection() as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename NOT LIKE '%\\_events' ORDER BY tablename").fetchall()]
        conn.commit()
        conn.autocommit = True
        try:
            _wait_for_older_snapshots(conn, snapshot_wait_s)
            conn.execute(f"SET lock_timeout = '{int(lock_timeout_s * 1000)}ms'")
            for table in tables:
                try:
                    conn.execute(f'VACUUM (FULL, ANALYZE false) "{table}"')
                    rewritten.append(table)
                except Exception as exc:  # busy: prune at least, say so
                    log.warning("erasure.vacuum_full_skipped", table=table, error=str(exc))
                    conn.execute(f'VACUUM (ANALYZE false) "{table}"')
        finally:
            conn.execute("RESET lock_timeout")
            conn.autocommit = False
    return rewritten


def rewrite_pages_after_erasure(store: Any, runner: Any, accounts: Any) -> Forgetter:
    def forget(user: str, email: str) -> None:
        try:  # the read models first rewrite the person's rows (projector or in-process)
            runner.wait_for("accounts", accounts.head(), timeout=30.0)
        except Exception:  # the projector is behind: vacuum what is already rewritten
            log.warning("erasure.projections_behind", user=user)
        if store.dialect == "postgres":
            vacuum_schema(store)
        elif hasattr(store, "compact"):
            store.compact()

    return forget
