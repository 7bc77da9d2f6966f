"""Reading a log's notifications in bulk, as the projection runner does when it replays.

The recorders' own ``select_notifications`` builds a dictionary per row (PostgreSQL) or parses
each originator id anew (SQLite); a replay of a million events spent about as long there as
the database took to send the rows. This reads the same columns from the same tables in the
same order, as tuples, and parses each originator id once (an aggregate's ids recur in every
event about it). Any other recorder is read through its own method.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from eventsourcing.persistence import ApplicationRecorder, Notification

from projections.runner import select_notifications

ID_CACHE = 262_144  # originator ids remembered, parsed


class LoggedEvent(NamedTuple):
    """A notification as read here: the fields of eventsourcing's ``Notification`` (which
    the mapper and the projections read), in a tuple that costs a third as much to make."""

    id: int
    originator_id: uuid.UUID
    originator_version: int
    topic: str
    state: bytes


@functools.lru_cache(maxsize=ID_CACHE)
def _uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def read_notifications(recorder: ApplicationRecorder, start: int, limit: int,
                       stop: int | None = None, topics: Sequence[str] = ()
                       ) -> Sequence[LoggedEvent | Notification]:
    """Up to ``limit`` notifications after position ``start`` (up to ``stop`` and of
    ``topics`` when given), oldest first: ``select_notifications(start, limit, stop, topics,
    inclusive_of_start=False)``."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    if isinstance(recorder, PostgresApplicationRecorder):
        return _postgres(recorder, start, limit, stop, topics)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite(recorder, start, limit, stop, topics)
    return select_notifications(recorder, start, limit, stop, topics)


def _postgres(recorder: Any, start: int, limit: int, stop: int | None,
              topics: Sequence[str]) -> list[LoggedEvent]:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    where, params = ["notification_id > %s"], [start]
    if stop is not None:
        where.append("notification_id <= %s")
        params.append(stop)
    if topics:
        where.append("topic = ANY(%s)")
        params.append(list(topics))  # type: ignore[arg-type]
    statement = SQL("SELECT notification_id, originator_id::text, originator_version, topic, "
                    "state FROM {schema}.{table} WHERE " + " AND ".join(where)
                    + " ORDER BY notification_id LIMIT %s").format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name))
    params.append(limit)
    with recorder.datastore.get_connection() as conn, \
            conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(statement, params, prepare=True)
        return [LoggedEvent(row[0], _uuid(row[1]), row[2], row[3], row[4])
                for row in cursor.fetchall()]


def _sqlite(recorder: Any, start: int, limit: int, stop: int | None,
            topics: Sequence[str]) -> list[LoggedEvent]:
    where, params = ["rowid > ?"], [start]
    if stop is not None:
        where.append("rowid <= ?")
        params.append(stop)
    if topics:
        where.append(f"topic IN ({','.join('?' * len(topics))})")
        params.extend(topics)  # type: ignore[arg-type]
    statement = (f"SELECT rowid, originator_id, originator_version, topic, state "
                 f"FROM {recorder.events_table_name} WHERE {' AND '.join(where)} "
                 "ORDER BY rowid LIMIT ?")
    params.append(limit)
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, params)
        return [LoggedEvent(row[0], _uuid(row[1]), row[2], row[3], row[4])
                for row in cursor.fetchall()]


def count_topics(recorder: ApplicationRecorder) -> dict[str, tuple[int, int]] | None:
    """Per topic, how many events the log holds and their stored bytes (one grouped scan),
    or None for a recorder this module does not read directly."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    rows: Sequence[Any]
    if isinstance(recorder, PostgresApplicationRecorder):
        from psycopg.rows import tuple_row
        from psycopg.sql import SQL, Identifier

        statement = SQL("SELECT topic, count(*), sum(length(state)) FROM {schema}.{table} "
                        "GROUP BY topic").format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, \
                conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement)
            rows = cursor.fetchall()
    elif isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT topic, count(*), sum(length(state)) "
                           f"FROM {recorder.events_table_name} GROUP BY topic")
            rows = [tuple(r) for r in cursor.fetchall()]
    else:
        return None
    return {str(topic): (int(count), int(size or 0)) for topic, count, size in rows}
