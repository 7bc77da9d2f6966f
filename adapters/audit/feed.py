"""The analyst feed: every log's events merged into one stream, resumable without loss.

Each application has its own log, numbered 1, 2, 3, ... in commit order. The feed's cursor is
the vector of how far the reader has got in each log, written ``accounts:12,shop:40,studio:3``
(a log left out is at 0). A page takes the next events of every log and merges them by event
time (ties: log name), never reordering the events of one log: within a log the feed is exactly
commit order, across logs it interleaves by when events happened. Every event carries the
cursor just after it as its ``position``: passing any event's ``position`` as ``after`` resumes
right behind that event, and since each log is followed on its own, no event is ever skipped or
repeated, even when a slower log commits an event whose time is earlier than events already read.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.audit.events import describe, event_topics
from domain.errors import InvalidInput

LOGS = ("accounts", "shop", "studio")
# Events kept out of the analyst feed: the email index's ids were unkeyed hashes of the
# address in logs written before issue 10 (anyone could test an address against them).
INDEX_ONLY = frozenset({"EmailIndex.Claimed", "EmailIndex.Released", "EmailIndex.Reclaimed"})
_PART = re.compile(r"^([a-z]+):(\d{1,18})$")


def parse_cursor(text: str | None, field: str = "after") -> dict[str, int]:
    cursor = dict.fromkeys(LOGS, 0)
    if not text:
        return cursor
    for part in text.split(","):
        match = _PART.match(part.strip())
        if match is None or match.group(1) not in cursor:
            raise InvalidInput(field, "Expected a position such as accounts:12,shop:40,studio:3 "
                                      f"(logs: {', '.join(LOGS)})", "INVALID_FORMAT")
        cursor[match.group(1)] = int(match.group(2))
    return cursor


def format_cursor(cursor: Mapping[str, int]) -> str:
    return ",".join(f"{name}:{int(cursor.get(name, 0))}" for name in LOGS)


def topics_for(types: Sequence[str] | None, field: str = "types") -> list[str]:
    """The stored topics of event type names such as ``Order.Placed``; empty: all types."""
    if not types:
        return []
    known = event_topics()
    wanted = [t.strip() for name in types for t in name.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise InvalidInput(field, f"Unknown event types: {', '.join(unknown)}", "INVALID_ENUM")
    return sorted({known[t] for t in wanted})


@dataclass
class Page:
    events: list[dict[str, Any]]
    cursor: dict[str, int]
    has_more: bool


def read_page(apps: Mapping[str, Any], after: Mapping[str, int], limit: int,
              topics: Sequence[str] = (), personal: bool = False) -> Page:
    """The next ``limit`` events after ``after`` across all logs."""
    cursor = {name: int(after.get(name, 0)) for name in LOGS}
    streams: list[Iterator[tuple[Any, int, int, Any]]] = []
    more = False
    for rank, name in enumerate(LOGS):
        app = apps[name]
        found = app.recorder.select_notifications(start=cursor[name], limit=limit + 1,
                                                  topics=list(topics), inclusive_of_start=False)
        more = more or len(found) > limit
        streams.append(_events(app, rank, found[:limit]))
    merged = heapq.merge(*streams, key=lambda item: (item[0], item[1]))
    page: list[dict[str, Any]] = []
    taken = 0  # left-out events count too: no log's fetched events may run out mid-merge
    for _, rank, position, event in merged:
        if taken == limit:
            more = True
            break
        taken += 1
        name = LOGS[rank]
        cursor[name] = position
        if not personal and type(event).__qualname__ in INDEX_ONLY:
            continue  # lookup indexes: nothing about behaviour, ids made from emails
        page.append({"position": format_cursor(cursor), "log": name, "sequence": position,
                     **describe(event, personal=personal)})
    return Page(page, cursor, more)


def _events(app: Any, rank: int, found: Sequence[Any]) -> Iterator[tuple[Any, int, int, Any]]:
    # Lazily: the merge only deserializes the events it looks at.
    for n in found:
        event = app.mapper.to_domain_event(n)
        yield event.timestamp, rank, n.id, event


def iterate(apps: Mapping[str, Any], after: Mapping[str, int], topics: Sequence[str] = (),
            page_size: int = 2000) -> Iterator[Page]:
    """Pages until the end of every log (as it was when each page was read)."""
    cursor = dict(after)
    while True:
        page = read_page(apps, cursor, page_size, topics)
        if page.events:
            yield page
        cursor = page.cursor
        if not page.has_more:
            return


def remaining(apps: Mapping[str, Any], after: Mapping[str, int]) -> int:
    """Events stored after ``after`` in all logs (an estimate for progress bars: a position
    gap left by a failed insert counts too)."""
    return sum(max(0, (apps[name].recorder.max_notification_id() or 0) - after.get(name, 0))
               for name in LOGS)
