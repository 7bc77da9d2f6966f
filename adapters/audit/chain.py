"""Tamper evidence: a SHA-256 hash chain over each event log.

For the n-th stored event of a log (position ``p``, in notification order)::

    hash_n = sha256(hash_{n-1} || u64(p) || lp(originator id) || u64(version)
                    || lp(topic) || lp(state))
    hash_0 = sha256("tryon-event-chain:" || log name)

``u64`` is 8 bytes big-endian, ``lp(x)`` is ``x`` (UTF-8 for text, the originator id in its
canonical UUID text form ``8-4-4-4-12``) preceded by its length as 4 bytes big-endian, and
``state`` is the stored state bytes exactly as in the event table. The formula needs nothing but
the event table, so an auditor can recompute it with any SHA-256 tool (see docs/audit.md).

``ChainProjection`` follows every log and appends one row per event to ``audit_chain`` (with the
event's own digest, to tell a reordered event from an altered one) as events are committed:
commit order is notification order for both recorders, so the chain never has to be rewritten.
Each batch publishes the new head (structlog ``audit.chain_head`` and the
``tryon_event_chain_head`` gauge). ``verify`` recomputes every hash from the stored events
alone and reports the first position where the log and the chain disagree, and whether the
recomputed chain reaches the heads an auditor anchored outside the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from projections.base import Projection
from projections.store import Tx, ViewStore

log = structlog.get_logger("tryon.audit")

TABLE = "audit_chain"
PAGE = 2000


def genesis(log_name: str) -> bytes:
    return hashlib.sha256(b"tryon-event-chain:" + log_name.encode()).digest()


def _lp(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _content(originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    return (_lp(str(originator_id).encode()) + int(version).to_bytes(8, "big")
            + _lp(topic.encode()) + _lp(bytes(state)))


def link(previous: bytes, position: int, originator_id: Any, version: int, topic: str,
         state: bytes) -> bytes:
    """hash_n from hash_{n-1} and the n-th stored event."""
    return hashlib.sha256(previous + int(position).to_bytes(8, "big")
                          + _content(originator_id, version, topic, state)).digest()


def digest(originator_id: Any, version: int, topic: str, state: bytes) -> str:
    """The event's own fingerprint, independent of where it sits in the log."""
    return hashlib.sha256(_content(originator_id, version, topic, state)).hexdigest()


class ChainProjection(Projection):
    name = "audit_chain"
    logs = ("accounts", "shop", "studio")
    tables = ((TABLE, "log TEXT NOT NULL, position BIGINT NOT NULL, digest TEXT NOT NULL, "
                      "hash TEXT NOT NULL, PRIMARY KEY (log, position)"),)
    # Evidence, not a view: re-chaining a log would bless whatever it holds now.
    rebuilt_with_all = False

    def event_classes(self) -> None:
        return None  # every stored notification is chained...

    def wants(self, event_class: type) -> bool:
        return False  # ...as stored: decoded events are not needed

    def apply_batch(self, log_name: str, batch: Sequence[tuple[Any, Any]], tx: Tx) -> None:
        head = tx.one(f"SELECT hash FROM {TABLE} WHERE log = ? ORDER BY position DESC LIMIT 1",
                      (log_name,))
        previous = bytes.fromhex(head[0]) if head else genesis(log_name)
        rows: list[tuple[str, int, str, str]] = []
        for n, _ in batch:
            previous = link(previous, n.id, n.originator_id, n.originator_version, n.topic,
                            n.state)
            rows.append((log_name, n.id, digest(n.originator_id, n.originator_version, n.topic,
                                                n.state), previous.hex()))
        # One statement text whatever the batch's size (pipelined or COPY on PostgreSQL):
        # a VALUES list per size was parsed again, uncached, for every batch.
        tx.insert_rows(TABLE, ("log", "position", "digest", "hash"), rows)
        log.info("audit.chain_head", log=log_name, position=batch[-1][0].id,
                 hash=previous.hex())


# -- reading the heads ---------------------------------------------------------------------------
def heads(store: ViewStore) -> dict[str, tuple[int, str]]:
    """The last chained position and hash of each log."""
    with store.transaction() as tx:
        rows = tx.all(f"SELECT c.log, c.position, c.hash FROM {TABLE} c JOIN "
                      f"(SELECT log, MAX(position) AS position FROM {TABLE} GROUP BY log) h "
                      "ON c.log = h.log AND c.position = h.position")
    return {str(r[0]): (int(r[1]), str(r[2])) for r in rows}


def head_metrics(store: ViewStore) -> str:
    """Prometheus text: the chain head of each log (value: position; label: its hash)."""
    lines = ["# HELP tryon_event_chain_head Last chained position of each event log; the hash "
             "label is the chain hash there (anchor it outside the database)\n"
             "# TYPE tryon_event_chain_head gauge\n"]
    for name, (position, value) in sorted(heads(store).items()):
        lines.append(f'tryon_event_chain_head{{log="{name}",hash="{value}"}} {position}\n')
    return "".join(lines)


# -- verification --------------------------------------------------------------------------------
@dataclass
class Finding:
    log: str
    position: int
    kind: str  # altered | removed | reordered | inserted | anchor
    message: str


@dataclass
class LogReport:
    log: str
    checked: int = 0
    head: tuple[int, str] | None = None
    unchained: int = 0
    finding: Finding | None = None
    anchors_checked: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.finding is None


def _chain_rows(store: ViewStore, log_name: str) -> Iterator[tuple[int, str, str]]:
    after = -1
    while True:
        with store.transaction() as tx:
            rows = tx.all(f"SELECT position, digest, hash FROM {TABLE} WHERE log = ? AND "
                          "position > ? ORDER BY position LIMIT ?", (log_name, after, PAGE))
        if not rows:
            return
        for r in rows:
            yield int(r[0]), str(r[1]), str(r[2])
        after = int(rows[-1][0])


def _stored(app: Any) -> Iterator[Any]:
    after = 0
    while True:
        page = app.recorder.select_notifications(start=after, limit=PAGE,
                                                 inclusive_of_start=False)
        if not page:
            return
        yield from page
        after = page[-1].id


def verify_log(store: ViewStore, log_name: str, app: Any,
               anchors: Mapping[int, str] | None = None) -> LogReport:
    """Walks the stored log against its chain; stops at the first disagreement."""
    anchors = dict(anchors or {})
    report = LogReport(log_name)
    chained = _chain_rows(store, log_name)
    stored = _stored(app)
    previous = genesis(log_name)
    c = next(chained, None)
    n = next(stored, None)

    def found(position: int, kind: str, message: str) -> LogReport:
        report.finding = Finding(log_name, position, kind, message)
        return report

    while c is not None:
        position, chained_digest, chained_hash = c
        if n is None or n.id > position:
            return found(position, "removed", f"the event chained at {log_name}:{position} "
                                              "is no longer in the log")
        if n.id < position:
            return found(n.id, "inserted", f"{log_name}:{n.id} holds an event that was never "
                                           "chained")
        computed = link(previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)
        if computed.hex() != chained_hash:
            own = digest(n.originator_id, n.originator_version, n.topic, n.state)
            elsewhere = _position_of(store, log_name, own) if own != chained_digest else None
            if elsewhere is not None:
                return found(n.id, "reordered", f"{log_name}:{n.id} holds the event chained at "
                                                f"{log_name}:{elsewhere}")
            return found(n.id, "altered", f"the event at {log_name}:{n.id} was altered")
        if position in anchors:
            report.anchors_checked.append(position)
            if anchors[position].lower() != computed.hex():
                return found(position, "anchor",
                             f"the chain at {log_name}:{position} does not match the published "
                             "head: the log and its chain were rewritten at or before it")
        previous = computed
        report.checked += 1
        report.head = (position, chained_hash)
        c = next(chained, None)
        n = next(stored, None)
    while n is not None:
        report.unchained += 1
        n = next(stored, None)
    missing = sorted(p for p in anchors if p not in report.anchors_checked)
    if missing:
        return found(missing[0], "anchor", f"the published head {log_name}:{missing[0]} is "
                                           "not in the chain: the chain was cut or rewritten")
    return report


def _position_of(store: ViewStore, log_name: str, event_digest: str) -> int | None:
    with store.transaction() as tx:
        row = tx.one(f"SELECT position FROM {TABLE} WHERE log = ? AND digest = ? "
                     "ORDER BY position LIMIT 1", (log_name, event_digest))
    return None if row is None else int(row[0])


def verify(store: ViewStore, apps: Mapping[str, Any], names: Sequence[str] | None = None,
           anchors: Mapping[str, Mapping[int, str]] | None = None) -> list[LogReport]:
    anchors = anchors or {}
    return [verify_log(store, name, app, anchors.get(name)) for name, app in apps.items()
            if names is None or name in names]
