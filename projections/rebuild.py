"""Rebuilding read models without downtime: the one way read models are rebuilt
(``tryon projections rebuild``, the tests and the benchmarks all call ``rebuild_online``).

The new version of each projection is built from the log into shadow tables (``<table>__new``)
while the API keeps answering from the current ones; once the shadow has caught up, one
transaction renames the shadow tables into place and hands over the tracking position. Readers
see the old view or the new one, never an empty or half-built one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from projections.base import Projection
from projections.runner import ProjectionRunner, Replay
from projections.session import TableShape, ViewSession
from projections.store import Row, Tx

SUFFIX = "__new"
Progress = Callable[[int, int], None]  # (events applied so far, events to apply in all)


class _RenamingTx:
    """A transaction that sends one projection's statements to its shadow tables."""

    def __init__(self, tx: Tx, tables: Sequence[str]) -> None:
        self.tx = tx
        self.dialect = tx.dialect
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, tables)) + r")\b")

    def _sql(self, sql: str) -> str:
        return self._pattern.sub(lambda m: m.group(1) + SUFFIX, sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.tx.execute(self._sql(sql), params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.tx.one(self._sql(sql), params)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.tx.all(self._sql(sql), params)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.tx.many(self._sql(sql), rows)

    def insert_rows(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], conflict: str = "") -> None:
        self.tx.insert_rows(self._sql(table), columns, rows, conflict)


class _Shadow(Projection):
    """The projection ``live``, writing into shadow tables under its own tracking name."""

    name = "shadow"
    logs = ()
    tables = ()

    def __init__(self, live: Projection) -> None:
        self.live = live
        self.name = live.name + SUFFIX  # type: ignore[misc]
        self.logs = live.logs  # type: ignore[misc,assignment]
        self.table_names = [t for t, _ in live.tables]

    def create(self, tx: Tx) -> None:
        for table, columns in self.live.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}{SUFFIX}")
            tx.execute(f"CREATE TABLE {table}{SUFFIX} ({columns})")

    def bind(self, tx: Tx) -> Tx:
        return _RenamingTx(tx, self.table_names)

    def shapes(self) -> list[TableShape]:
        return self.live.shapes()  # the live names: ``bind`` renames the statements

    def wants(self, event_class: type) -> bool:
        return self.live.wants(event_class)

    def event_classes(self) -> frozenset[type] | None:
        return self.live.event_classes()

    def apply_batch(self, log: str, batch: Sequence[tuple[Any, Any]], view: ViewSession) -> None:
        self.live.apply_batch(log, batch, view)


def rebuild_online(runner: ProjectionRunner, names: Sequence[str] | None = None,
                   progress: Progress | None = None, replay: Replay | None = None) -> int:
    """Rebuilds the named projections (all when None) behind the live ones, then swaps them
    in. ``replay`` replays the logs into the fresh shadow tables (several processes, say;
    by default ``runner.replay`` in this thread). Returns the events applied (counted once
    per projection)."""
    chosen = [p for p in runner.projections
              if (p.rebuilt_with_all if names is None else p.name in names)]
    shadows = [_Shadow(p) for p in chosen]
    with runner.store.transaction() as tx:
        for shadow in shadows:
            tx.execute("DELETE FROM projection_tracking WHERE projection = ?", (shadow.name,))
            shadow.create(tx)
            runner.start_fresh(tx, shadow)
    total = sum((app.recorder.max_notification_id() or 0) * sum(
        1 for s in shadows if log in s.logs) for log, app in runner.apps.items())
    covered = 0

    def on_batch(advanced: int) -> None:
        nonlocal covered
        covered += advanced
        if progress is not None:
            progress(covered, max(total, covered))

    # The long part, while the live projections keep serving and following the logs.
    applied = (replay or runner.replay)(shadows, on_batch)

    def swap(tx: Tx) -> None:
        for shadow, live in zip(shadows, chosen, strict=True):
            _swap(tx, shadow, live)

    applied += runner.swap_in(shadows, swap, on_batch)
    if progress is not None:
        progress(covered, max(total, covered))
    return applied


def shadow_of(live: Projection) -> Projection:
    """The shadow that a rebuild replays ``live`` into (for replays in other processes)."""
    return _Shadow(live)


def _swap(tx: Tx, shadow: _Shadow, live: Projection) -> None:
    for table, _ in live.tables:
        tx.execute(f"DROP TABLE IF EXISTS {table}__old")
        tx.execute(f"ALTER TABLE {table} RENAME TO {table}__old")
        tx.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
        tx.execute(f"DROP TABLE {table}__old")
    for index in live.indexes:
        tx.execute(index)
    tx.execute("DELETE FROM projection_tracking WHERE projection = ?", (live.name,))
    tx.execute("UPDATE projection_tracking SET projection = ? WHERE projection = ?",
               (live.name, shadow.name))
    # Every runner's cached rows of the old tables are now stale: reset the writer token.
    tx.execute("DELETE FROM projection_writers WHERE projection = ?", (shadow.name,))
    tx.execute("UPDATE projection_writers SET token = '' WHERE projection = ?", (live.name,))
