"""A projection's tables as its handlers see them: rows by primary key, each read at most once
and written back once, in bulk, when the runner's transaction ends.

Projections used to read and rewrite a JSON document per event (2.2 statements per event); a
render's seven progress events or an order's five state changes now cost one write per batch,
and a rebuild into fresh tables reads nothing back at all.

The rows stay cached between transactions while no one else writes the projection's tables:
each commit leaves the runner's token in ``projection_writers`` and the next transaction
compares it (see ``ProjectionRunner``), so a cache outlives its transaction only when it cannot
be stale. Handlers mutate cached rows in place, so a transaction that fails must drop the cache
(``RowCache.clear``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from projections.store import Row, Tx

Key = Any  # a column value, or a tuple of them for a composite primary key

_CONSTRAINT = re.compile(r"^\s*(PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY|CHECK)\b", re.IGNORECASE)
_TABLE_KEY = re.compile(r"PRIMARY\s+KEY\s*\(([^)]*)\)", re.IGNORECASE)


@dataclass(frozen=True)
class TableShape:
    """What the cache needs to know of a table: its columns, primary key and JSON columns."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    json_columns: frozenset[str]

    @classmethod
    def parse(cls, name: str, definition: str) -> TableShape:
        """Reads the shape from a projection's column definitions (``id TEXT PRIMARY KEY,
        doc TEXT NOT NULL`` or ``a TEXT, b TEXT, PRIMARY KEY (a, b)``); a column named
        ``doc`` holds JSON."""
        columns: list[str] = []
        key: list[str] = []
        for part in _split(definition):
            if _CONSTRAINT.match(part):
                found = _TABLE_KEY.search(part)
                if found:
                    key = [c.strip() for c in found.group(1).split(",")]
                continue
            column = part.split()[0]
            columns.append(column)
            if re.search(r"\bPRIMARY\s+KEY\b", part, re.IGNORECASE):
                key = [column]
        if not key:
            raise ValueError(f"table {name} has no primary key")
        return cls(name, tuple(columns), tuple(key),
                   frozenset(c for c in columns if c == "doc"))

    @property
    def key_positions(self) -> tuple[int, ...]:
        """Where the key's columns are in a row of all the columns."""
        return tuple(self.columns.index(c) for c in self.key)

    def key_of(self, row: dict[str, Any]) -> Key:
        if len(self.key) == 1:
            return row[self.key[0]]
        return tuple(row[c] for c in self.key)

    def key_values(self, key: Key) -> tuple[Any, ...]:
        return (key,) if len(self.key) == 1 else tuple(key)

    def values(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(dumps(row[c]) if c in self.json_columns else row[c]
                     for c in self.columns)


def _split(definition: str) -> list[str]:
    """Splits column definitions on the commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in definition:
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        depth += (ch == "(") - (ch == ")")
        current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def dumps(doc: Any) -> str:
    """A document as stored: compact JSON, keys sorted (equal views are equal strings)."""
    try:
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # what orjson does not take (integer keys, huge integers)
        return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


class RowCache:
    """The rows of one projection's tables, kept between its transactions.

    ``complete``: every row of the tables went through this cache since they were created
    empty (a rebuild), so a key the cache has never seen is known to have no row; ``stored``
    keeps the keys that have a row in the database even after their rows were evicted.
    """

    def __init__(self, shapes: Iterable[TableShape], limit: int = 50_000,
                 complete: bool = False) -> None:
        self.shapes = {s.name: s for s in shapes}
        self.limit = limit
        self.token: str | None = None  # the writer token this cache's contents belong to
        self.complete = complete
        self.rows: dict[str, dict[Key, dict[str, Any] | None]] = {t: {} for t in self.shapes}
        self.stored: dict[str, set[Key]] = {t: set() for t in self.shapes}

    def clear(self) -> None:
        self.complete = False
        self.token = None
        for table in self.shapes:
            self.rows[table].clear()
            self.stored[table].clear()

    def evict(self) -> None:
        """Drops the least recently used half of the rows once the cache holds more than
        ``limit``; the keys of stored rows are kept, so completeness survives."""
        for table, rows in self.rows.items():
            if len(rows) > self.limit:
                stored = self.stored[table]
                for key in list(rows)[: len(rows) - self.limit // 2]:
                    del rows[key]
                    if not self.complete:  # a later miss reads the row (and this) again
                        stored.discard(key)


class ViewSession:
    """A projection's tables inside one transaction: cached row access for the handlers, and
    the ``Tx`` protocol for the rest (a raw statement first writes back what is pending, so it
    sees every change made before it)."""

    def __init__(self, cache: RowCache, tx: Tx) -> None:
        self.cache = cache
        self.tx = tx
        self.dialect = tx.dialect
        self._dirty: dict[str, dict[Key, None]] = {t: {} for t in cache.shapes}
        self._appends: dict[str, list[tuple[Any, ...]]] = {}
        self._finishers: dict[Any, Callable[[], object]] = {}

    # -- rows by key -----------------------------------------------------------------------------
    def get(self, table: str, key: Key) -> dict[str, Any] | None:
        """The row with primary key ``key`` (JSON columns decoded, to be changed in place and
        then ``touch``-ed), or None."""
        rows = self.cache.rows[table]
        if key in rows:
            row = rows.pop(key)
            rows[key] = row  # most recently used last
            return row
        shape = self.cache.shapes[table]
        if self.cache.complete and key not in self.cache.stored[table]:
            rows[key] = None
            return None
        where = " AND ".join(f"{c} = ?" for c in shape.key)
        found = self.tx.one(f"SELECT {', '.join(shape.columns)} FROM {table} WHERE {where}",
                            shape.key_values(key))
        row = None if found is None else self._decode(shape, found)
        rows[key] = row
        if row is not None:
            self.cache.stored[table].add(key)
        return row

    def doc(self, table: str, key: Key) -> dict[str, Any] | None:
        """The JSON document of a row, or None."""
        row = self.get(table, key)
        return None if row is None else row["doc"]

    def add(self, table: str, row: dict[str, Any]) -> bool:
        """Inserts ``row`` unless its key already has one (replays are idempotent); True when
        it was added."""
        key = self.cache.shapes[table].key_of(row)
        if self.get(table, key) is not None:
            return False
        self.cache.rows[table][key] = row
        self._dirty[table][key] = None
        return True

    def put(self, table: str, row: dict[str, Any]) -> None:
        """Inserts or replaces ``row``."""
        key = self.cache.shapes[table].key_of(row)
        self.get(table, key)  # learn whether it is stored
        self.cache.rows[table][key] = row
        self._dirty[table][key] = None

    def touch(self, table: str, key: Key, **columns: Any) -> None:
        """Marks a row returned by ``get`` or ``doc`` as changed, setting ``columns`` too."""
        row = self.cache.rows[table][key]
        if row is None:
            raise KeyError(f"{table}: no row {key!r}")
        row.update(columns)
        self._dirty[table][key] = None

    def delete(self, table: str, key: Key) -> None:
        if self.get(table, key) is not None:
            self.cache.rows[table][key] = None
            self._dirty[table][key] = None

    def append(self, table: str, values: Sequence[Any]) -> None:
        """Inserts a row of a write-only table (all its columns, in order) unless its key is
        already there; such rows are not cached."""
        self._appends.setdefault(table, []).append(tuple(values))

    def finally_do(self, key: Any, finish: Callable[[], object]) -> None:
        """Runs ``finish`` before the pending changes are written, once per ``key`` (the last
        one given): work that only the last event of a batch decides, done once."""
        self._finishers.pop(key, None)
        self._finishers[key] = finish

    # -- writing back ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Writes every pending change with a few bulk statements."""
        while self._finishers:
            finishers = list(self._finishers.values())
            self._finishers.clear()
            for finish in finishers:
                finish()
        for table, dirty in self._dirty.items():
            if dirty:
                self._flush_table(self.cache.shapes[table], list(dirty))
                dirty.clear()
        for table, rows in self._appends.items():
            if rows:
                shape = self.cache.shapes[table]
                if self.cache.complete:
                    # Every key of the table went through this cache: the duplicates are
                    # known here, and the rest can be copied in without a conflict check.
                    fresh = self._unseen(shape, rows)
                    if fresh:
                        self.tx.insert_rows(table, shape.columns, fresh)
                else:
                    self.tx.insert_rows(table, shape.columns, rows,
                                        f"ON CONFLICT ({', '.join(shape.key)}) DO NOTHING")
                rows.clear()

    def _unseen(self, shape: TableShape, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The appended rows whose keys the table has not had yet (each first one kept)."""
        seen = self.cache.stored[shape.name]
        where = shape.key_positions
        fresh = []
        for values in rows:
            key = values[where[0]] if len(where) == 1 else tuple(values[i] for i in where)
            if key not in seen:
                seen.add(key)
                fresh.append(values)
        return fresh

    def _flush_table(self, shape: TableShape, keys: list[Key]) -> None:
        rows, stored = self.cache.rows[shape.name], self.cache.stored[shape.name]
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        deletes: list[tuple[Any, ...]] = []
        for key in keys:
            row = rows.get(key)
            if row is None:
                if key in stored:
                    deletes.append(shape.key_values(key))
                    stored.discard(key)
            elif key in stored:
                updates.append(shape.values(row))
            else:
                inserts.append(shape.values(row))
                stored.add(key)
        where = " AND ".join(f"{c} = ?" for c in shape.key)
        if deletes:
            self.tx.many(f"DELETE FROM {shape.name} WHERE {where}", deletes)
        if inserts:
            self.tx.insert_rows(shape.name, shape.columns, inserts)
        if updates:
            others = [c for c in shape.columns if c not in shape.key]
            self.tx.insert_rows(shape.name, shape.columns, updates,
                                f"ON CONFLICT ({', '.join(shape.key)}) DO UPDATE SET "
                                + ", ".join(f"{c} = excluded.{c}" for c in others))

    @staticmethod
    def _decode(shape: TableShape, found: Row) -> dict[str, Any]:
        return {c: orjson.loads(v) if c in shape.json_columns else v
                for c, v in zip(shape.columns, found, strict=True)}

    # -- the Tx protocol, for statements the cache does not cover ----------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.flush()
        return self.tx.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.flush()
        return self.tx.one(sql, params)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.flush()
        return self.tx.all(sql, params)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.flush()
        self.tx.many(sql, rows)

    def insert_rows(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], conflict: str = "") -> None:
        self.flush()
        self.tx.insert_rows(table, columns, rows, conflict)
