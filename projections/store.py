"""Where read models live: SQLite (embedded default) or PostgreSQL, behind one small API.

SQL is written once with ``?`` placeholders and portable statements (``INSERT ... ON CONFLICT``
works on both); the PostgreSQL store rewrites the placeholders.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

Row = tuple[Any, ...]


class Tx(Protocol):
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Runs ``sql`` once per row of parameters, in as few round trips as the driver
        allows."""

    def insert_rows(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], conflict: str = "") -> None:
        """Inserts rows in bulk; ``conflict`` is an ``ON CONFLICT ...`` clause (without one,
        a conflict is an error)."""


class ViewStore(Protocol):
    dialect: str

    def transaction(self) -> Any: ...

    def read(self) -> Any: ...

    def autocommit(self) -> Any:
        """Statements that each commit on their own: one round trip apiece on PostgreSQL,
        no BEGIN and COMMIT around them (for a single write on the request path)."""

    def close(self) -> None: ...


class _SQLiteTx:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, tuple(params)).rowcount

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return None if row is None else tuple(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self.conn.execute(sql, tuple(params)).fetchall()]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert_rows(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], conflict: str = "") -> None:
        # In-process calls cost microseconds: executemany is as fast as anything here.
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                              f"VALUES ({', '.join('?' * len(columns))}) {conflict}", rows)


class SQLiteViewStore:
    """One connection per thread; WAL so that readers never wait for the projector."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # Erased personal data must not linger in freed pages.
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[_SQLiteTx]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteTx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[_SQLiteTx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield _SQLiteTx(conn)
        finally:
            conn.execute("ROLLBACK")

    def autocommit(self) -> Any:
        return self.transaction()

    def compact(self) -> None:
        """Moves the write-ahead log into the database file and truncates it, so that no old
        page images (with data since erased) stay behind in the WAL."""
        self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._all.clear()


class _PostgresTx:
    dialect = "postgres"

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.conn.execute(self._sql(sql), tuple(params))
        return int(cur.rowcount)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.conn.execute(self._sql(sql), tuple(params)).fetchone()
        return None if row is None else tuple(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self.conn.execute(self._sql(sql), tuple(params)).fetchall()]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:  # pipelined by psycopg: one round trip, not one per row
            cur.executemany(self._sql(sql), rows)

    def insert_rows(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], conflict: str = "") -> None:
        names = ", ".join(columns)
        if len(rows) < 16:
            self.many(f"INSERT INTO {table} ({names}) "
                      f"VALUES ({', '.join('?' * len(columns))}) {conflict}", rows)
            return
        if not conflict:
            with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # With a conflict clause: COPY into a temporary table shaped like the target, then one
        # INSERT ... SELECT; a bulk upsert without parsing a statement of thousands of
        # placeholders.
        stage = "stage_" + table.replace(".", "_")
        self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table}) "
                          "ON COMMIT DELETE ROWS")
        with self.conn.cursor() as cur, cur.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.conn.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} "
                          f"{conflict}")
        self.conn.execute(f"DELETE FROM {stage}")


class PostgresViewStore:
    dialect = "postgres"

    def __init__(self, conninfo: str, schema: str | None = None, max_size: int = 20,
                 timeout: float = 30.0) -> None:
        from psycopg_pool import ConnectionPool

        kwargs: dict[str, Any] = {}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        self.pool = ConnectionPool(conninfo, min_size=1, max_size=max_size, kwargs=kwargs,
                                   open=True, max_idle=60, timeout=timeout)

    @contextmanager
    def transaction(self) -> Iterator[_PostgresTx]:
        with self.pool.connection() as conn, conn.transaction():
            yield _PostgresTx(conn)

    def read(self) -> Any:
        # Without BEGIN and COMMIT: a read is one round trip, not three. Nothing is lost: at
        # READ COMMITTED every statement takes its own snapshot inside a transaction too.
        return self.autocommit()

    @contextmanager
    def autocommit(self) -> Iterator[_PostgresTx]:
        with self.pool.connection() as conn:
            conn.autocommit = True
            try:
                yield _PostgresTx(conn)
            finally:
                if not conn.closed:  # a broken connection goes back to the pool to be dropped
                    conn.autocommit = False

    def close(self) -> None:
        self.pool.close()
