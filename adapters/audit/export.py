"""Exports of the analyst feed: JSON Lines or Parquet, one row per event.

Columns: ``position`` (the feed cursor just after the event: pass it as ``--since`` to resume),
``log``, ``sequence`` (the event's number in its log), ``type`` (``Order.Placed``),
``aggregateId``, ``version``, ``occurredAt`` (UTC; a timestamp column in Parquet, ISO 8601 text
in JSON Lines), ``actor``, ``requestId``, ``correlationId``, ``causationId`` and ``data`` (the
event's fields as JSON: an object in JSON Lines, JSON text in Parquet). Personal data and
secrets are left out exactly as in ``GET /v1/events``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from adapters.audit import feed

COLUMNS = ("position", "log", "sequence", "type", "aggregateId", "version", "occurredAt",
           "actor", "requestId", "correlationId", "causationId", "data")
ROW_GROUP = 50_000


def _parquet_schema() -> Any:
    try:
        import pyarrow as pa
    except ImportError:
        raise ValueError("Parquet needs pyarrow: pip install 'tryon[history]'") from None

    text = pa.string()
    return pa.schema([
        ("position", text), ("log", text), ("sequence", pa.int64()), ("type", text),
        ("aggregateId", text), ("version", pa.int64()),
        ("occurredAt", pa.timestamp("us", tz="UTC")), ("actor", text), ("requestId", text),
        ("correlationId", text), ("causationId", text), ("data", text),
    ])


class _ParquetSink:
    def __init__(self, path: Path) -> None:
        self.schema = _parquet_schema()
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []

    def write(self, event: dict[str, Any]) -> None:
        row = {k: event.get(k) for k in COLUMNS}
        row["occurredAt"] = datetime.strptime(event["occurredAt"], "%Y-%m-%dT%H:%M:%S.%fZ"
                                              ).replace(tzinfo=UTC)
        row["data"] = json.dumps(event["data"], separators=(",", ":"), sort_keys=True)
        self.rows.append(row)
        if len(self.rows) >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


class _JsonLinesSink:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, event: dict[str, Any]) -> None:
        self.out.write(json.dumps({k: event.get(k) for k in COLUMNS},
                                  separators=(",", ":")) + "\n")

    def close(self) -> None:
        self.out.flush()


def export(apps: Mapping[str, Any], fmt: str, out: Path | None, since: str | None = None,
           types: Sequence[str] | None = None, progress: bool = True,
           page_size: int = 2000) -> tuple[int, str]:
    """Writes the feed after ``since`` (a feed position) to ``out`` (stdout for JSON Lines when
    None); returns the number of events written and the position to resume from."""
    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"unknown format {fmt}")
    after = feed.parse_cursor(since, "since")
    topics = feed.topics_for(types)
    handle: IO[str] | None = None
    sink: _ParquetSink | _JsonLinesSink
    if fmt == "parquet":
        if out is None:
            raise ValueError("Parquet needs --out FILE")
        sink = _ParquetSink(out)
    else:
        handle = out.open("w") if out is not None else None
        sink = _JsonLinesSink(handle or sys.stdout)
    bar = _progress(feed.remaining(apps, after), progress)
    written, cursor, done = 0, dict(after), 0
    try:
        for page in feed.iterate(apps, after, topics, page_size):
            for event in page.events:
                sink.write(event)
            written += len(page.events)
            cursor = page.cursor
            scanned = sum(cursor[n] - after[n] for n in feed.LOGS)
            if bar is not None:
                bar.update(max(0, scanned - done))
                done = max(done, scanned)
    finally:
        sink.close()
        if handle is not None:
            handle.close()
        if bar is not None:
            bar.update(max(0, bar.total - done))
            bar.close()
    return written, feed.format_cursor(cursor)


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="ev", unit_scale=True, desc="export", file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)
