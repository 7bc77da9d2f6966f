"""Rows appended to a write-only table: after a fresh start every key is known to the cache, so
duplicates are dropped before writing and the rest copied in without a conflict check; any
other time the database decides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.session import RowCache, TableShape, ViewSession

LINES = TableShape.parse("lines", "order_id TEXT NOT NULL, product_id TEXT NOT NULL, "
                                  "note TEXT, PRIMARY KEY (order_id, product_id)")


class _RecordingTx:
    dialect = "sqlite"

    def __init__(self) -> None:
        self.inserted: list[tuple[str, list[tuple[Any, ...]], str]] = []

    def insert_rows(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], conflict: str = "") -> None:
        self.inserted.append((table, [tuple(r) for r in rows], conflict))


def _append_twice(cache: RowCache) -> _RecordingTx:
    tx = _RecordingTx()
    view = ViewSession(cache, tx)  # type: ignore[arg-type]
    view.append("lines", ("o1", "p1", "first"))
    view.append("lines", ("o1", "p1", "again"))
    view.append("lines", ("o1", "p2", "other"))
    view.flush()
    view.append("lines", ("o1", "p2", "in a later batch"))
    view.flush()
    return tx


def test_after_a_fresh_start_repeated_keys_are_dropped_and_the_rest_copied_in() -> None:
    tx = _append_twice(RowCache([LINES], complete=True))
    assert tx.inserted == [("lines", [("o1", "p1", "first"), ("o1", "p2", "other")], "")]


def test_otherwise_the_database_drops_the_repeated_keys() -> None:
    tx = _append_twice(RowCache([LINES]))
    assert [len(rows) for _, rows, _ in tx.inserted] == [3, 1]
    assert all(conflict == "ON CONFLICT (order_id, product_id) DO NOTHING"
               for _, _, conflict in tx.inserted)
