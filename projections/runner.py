"""Runs projections over the applications' logs, and answers how far they have got.

``catch_up`` reads each log once per batch, decodes only the events some follower handles,
and applies the batch to every projection that follows the log in one transaction, written-back
rows and tracking positions included. It is safe to run from several threads or processes at
once: a projection's writer row is locked and its tracking position re-read inside the
transaction, and only newer events are applied.

Each projection's rows stay cached between transactions (``projections.session``). The cache
is trusted only while the projection's writer token in ``projection_writers`` is still this
runner's: another process that applied events, or a rebuild that swapped tables in, changes
or resets the token, and the cache is dropped before it could serve a stale row.
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from eventsourcing.application import Application
from eventsourcing.utils import get_topic, resolve_topic

from projections.backoff import Backoff
from projections.base import Projection
from projections.session import RowCache, ViewSession
from projections.store import Tx, ViewStore

log = structlog.get_logger("tryon.projections")

TRACKING = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    "projection TEXT NOT NULL, log TEXT NOT NULL, position BIGINT NOT NULL, "
    "PRIMARY KEY (projection, log))"
)
# Who last wrote each projection's tables: '' after a (re)build, else a runner's token.
WRITERS = ("CREATE TABLE IF NOT EXISTS projection_writers ("
           "projection TEXT PRIMARY KEY, token TEXT NOT NULL)")
REBUILD_BATCH = 20_000  # events per transaction when replaying into fresh tables (default)
# Replays every log into fresh projections (see ``ProjectionRunner.replay``); returns the
# number of events applied.
Replay = Callable[[Sequence[Projection], Callable[[int], None] | None], int]
# Reads a log: (recorder, after position, limit, up to position or None, topics or ()).
LogReader = Callable[[Any, int, int, "int | None", Sequence[str]], Sequence[Any]]
BULK = 1_000  # notifications in a batch from which the runner calls ``before_bulk`` first


SAVE_POSITION = (
    "INSERT INTO projection_tracking (projection, log, position) VALUES (?, ?, ?) "
    "ON CONFLICT (projection, log) DO UPDATE SET position = excluded.position")


def select_notifications(recorder: Any, start: int, limit: int, stop: int | None,
                         topics: Sequence[str]) -> Sequence[Any]:
    """The recorder's own reading of its log (the composition root may pass a faster one)."""
    found: Sequence[Any] = recorder.select_notifications(start, limit, stop, topics,
                                                        inclusive_of_start=False)
    return found


@contextmanager
def young_collections_only(collect_at_end: bool = True) -> Iterator[None]:
    """Runs the block with Python's automatic collection of reference cycles off, collecting
    only the young generations now and then (``collect_young``).

    A replay keeps hundreds of thousands of cached rows alive and allocates millions of short
    lived objects; each automatic full collection walks every live object again, and they took
    a third of a replay's time. The rows are plain dicts that form no cycles, so nothing is
    left unfreed for long. At the end only the young generations are collected too: a full
    collection would walk every cached row once more (a second per million events); a
    process that ends right after (``collect_at_end=False``) skips even that."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        if collect_at_end:
            gc.collect(1)


YOUNG_EVERY = 50  # batches between two collections of the young generations in a replay


def collect_young(batch: int) -> None:
    """In a replay, collects the young generations every ``YOUNG_EVERY`` batches: a replay
    of the present projections leaves no cycles behind (the final collection finds none), so
    this only bounds what a future projection's cycles could hold, at a small cost."""
    if not gc.isenabled() and batch % YOUNG_EVERY == 0:
        gc.collect(1)


SETUP_ATTEMPTS = 5
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


class ProjectionRunner:
    def __init__(
        self,
        store: ViewStore,
        apps: Mapping[str, Application[Any]],
        projections: Sequence[Projection],
        batch_size: int = 500,
        in_process: bool = True,
        cache_rows: int = 50_000,
        read_log: LogReader = select_notifications,
        before_bulk: Callable[[], None] | None = None,
        replay_batch: int = REBUILD_BATCH,
        wait_timeout: float = 10.0,
    ) -> None:
        self.store = store
        self.apps = apps
        self.projections = list(projections)
        self.batch_size = batch_size
        self.in_process = in_process
        self.cache_rows = cache_rows  # rows kept per table of a projection between batches
        self.read_log = read_log
        self.replay_batch = replay_batch
        self.wait_timeout = wait_timeout  # read-your-writes, with an external projector
        # Called after a failed pass of ``run_forever`` (to drop broken connections, say).
        self.on_failure: Callable[[BaseException], None] | None = None
        # Called before decoding a large batch (a replay): to fetch in bulk what decoding
        # needs, such as the personal-data keys.
        self.before_bulk = before_bulk
        self._token = uuid.uuid4().hex
        self._caches: dict[str, RowCache] = {}
        self._lock = threading.Lock()
        # Per log, the position that every follower has applied, as this process last saw it
        # (set after the commits; only ever used to skip work that is known to be done).
        self._applied: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- set-up ------------------------------------------------------------------------------
    def setup(self) -> None:
        """Creates what is missing. A process may start while a projector applies events:
        one transaction for all tables would hold a share lock on one view (its indexes)
        while waiting for another that the projector writes, and the projector's next write
        would wait for it (PostgreSQL's "deadlock detected"). So each projection's tables
        are made in their own transaction, the writers' rows last, and a deadlock or
        serialisation failure is tried again."""
        for attempt in range(SETUP_ATTEMPTS):
            try:
                self._setup()
                return
            except Exception as error:
                sqlstate = (getattr(error, "sqlstate", None)
                            or getattr(error.__cause__, "sqlstate", None))
                if sqlstate not in RETRYABLE_SQLSTATES or attempt == SETUP_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _setup(self) -> None:
        with self.store.transaction() as tx:
            tx.execute(TRACKING)
            tx.execute(WRITERS)
        for projection in self.projections:
            with self.store.transaction() as tx:
                projection.create(tx)
        with self.store.transaction() as tx:
            for projection in self.projections:
                tx.execute("INSERT INTO projection_writers (projection, token) VALUES (?, '') "
                           "ON CONFLICT (projection) DO NOTHING", (projection.name,))

    def start_fresh(self, tx: Tx, projection: Projection) -> None:
        """Records that ``projection``'s tables were just created empty, so that whoever
        replays into them may trust a complete cache (see ``replay``)."""
        tx.execute("INSERT INTO projection_writers (projection, token) VALUES (?, '') "
                   "ON CONFLICT (projection) DO UPDATE SET token = ''", (projection.name,))

    def replay(self, followers: Sequence[Projection],
               on_batch: Callable[[int], None] | None = None, *,
               process_ends_after: bool = False) -> int:
        """Applies every log to ``followers`` whose tables were just created empty (and
        marked with ``start_fresh``), in large batches, starting with complete caches: a
        key the cache has not seen has no row, so nothing is read back. Returns the events
        applied, counted once per projection. ``process_ends_after``: a replay process that
        ends when this returns leaves its memory to the operating system."""
        for projection in followers:
            cache = self._caches[projection.name] = RowCache(
                projection.shapes(), self.cache_rows, complete=True)
            cache.token = ""  # valid while the writer row still says "just created"
        applied = 0
        with young_collections_only(collect_at_end=not process_ends_after):
            for log_name, app in self.apps.items():
                group = [p for p in followers if log_name in p.logs]
                if group:
                    applied += self._catch_up_log(log_name, app, group,
                                                  batch_size=self.replay_batch, on_batch=on_batch,
                                                  durable=False)
        return applied

    def swap_in(self, shadows: Sequence[Projection], swap: Callable[[Tx], None],
                on_batch: Callable[[int], None] | None = None) -> int:
        """Ends a rebuild (``projections.rebuild``): with nothing advancing the live
        projections, applies to ``shadows`` what was recorded since their replay, runs
        ``swap`` in one transaction, and drops the shadows' cached rows. Returns the events
        applied."""
        applied = 0
        with self._lock:
            for log_name, app in self.apps.items():
                followers = [s for s in shadows if log_name in s.logs]
                if followers:
                    applied += self._catch_up_log(log_name, app, followers, on_batch=on_batch)
            with self.store.transaction() as tx:
                swap(tx)
            for shadow in shadows:
                self._caches.pop(shadow.name, None)
        return applied

    # -- positions ---------------------------------------------------------------------------
    @staticmethod
    def _position(tx: Tx, projection: str, log_name: str, lock: bool = False) -> int:
        sql = "SELECT position FROM projection_tracking WHERE projection = ? AND log = ?"
        if lock and tx.dialect == "postgres":
            sql += " FOR UPDATE"
        row = tx.one(sql, (projection, log_name))
        return 0 if row is None else int(row[0])

    def positions(self) -> dict[tuple[str, str], int]:
        with self.store.read() as tx:
            rows = tx.all("SELECT projection, log, position FROM projection_tracking")
        found = {(r[0], r[1]): int(r[2]) for r in rows}
        return {(p.name, lg): found.get((p.name, lg), 0)
                for p in self.projections for lg in p.logs}

    def lag(self) -> dict[str, int]:
        """Events each projection still has to apply, summed over its logs."""
        heads = {name: app.recorder.max_notification_id() or 0 for name, app in self.apps.items()}
        lag: dict[str, int] = {}
        for (projection, log_name), position in self.positions().items():
            lag[projection] = lag.get(projection, 0) + max(0, heads[log_name] - position)
        return lag

    # -- applying ----------------------------------------------------------------------------
    def catch_up(self) -> int:
        """Applies everything recorded so far; returns the number of events applied."""
        with self._lock:
            return self._catch_up_all()

    def _catch_up_all(self) -> int:
        applied = 0
        for log_name, app in self.apps.items():
            followers = self._followers(log_name)
            if followers:
                applied += self._catch_up_log(log_name, app, followers, live=True)
        return applied

    def _followers(self, log_name: str) -> list[Projection]:
        return [p for p in self.projections if log_name in p.logs]

    def _catch_up_log(
        self, log_name: str, app: Application[Any], followers: list[Projection],
        live: bool = False, batch_size: int | None = None,
        on_batch: Callable[[int], None] | None = None, durable: bool = True,
    ) -> int:
        """Applies ``log_name`` to ``followers``; ``live``: they are this runner's own
        projections (not a rebuild's shadows), so their progress may be remembered;
        ``on_batch`` hears after each batch how many log positions the followers advanced.
        ``durable=False`` (a replay into fresh tables) lets PostgreSQL acknowledge a batch's
        commit before its WAL reaches the disk: a crash may lose the last batches, rows and
        positions together, and they are applied again; nothing is acknowledged to anyone
        until the rebuild's final, durable, transactions.

        When every follower names its event classes, only events of those classes are read
        (the database filters by topic) and the positions still advance over the rest."""
        applied = 0
        decode = self._decoder(app, followers)
        topics = self._topics(followers)
        limit = batch_size or self.batch_size
        with self.store.read() as tx:
            positions = self._positions_of(tx, log_name, followers)
        window = limit
        batches = 0
        while True:
            start = min(positions.values())
            if topics is None:
                notifications = self.read_log(app.recorder, start, limit, None, ())
                last = notifications[-1].id if notifications else start
            else:
                # A window of positions rather than everything up to the head: with the
                # topic filter, a database whose statistics lag behind a fast-growing log
                # would otherwise fetch and sort all the rest of the log for every page.
                head = app.recorder.max_notification_id() or 0
                stop = min(head, start + window)
                notifications = self.read_log(app.recorder, start, limit, stop,
                                              topics) if stop > start else []
                # A short page covers its whole window; a full one, up to its last event.
                last = notifications[-1].id if len(notifications) == limit else stop
                if len(notifications) == limit:
                    window = max(limit, window // 2)
                elif len(notifications) < limit // 2:
                    window *= 2  # the followers want few of these events: look further
            if last <= start:
                if live:
                    self._applied[log_name] = min(positions.values())
                return applied
            if len(notifications) >= BULK and self.before_bulk is not None:
                self.before_bulk()
            events = [(n, decode(n)) for n in notifications]
            try:
                # Every follower in one transaction: one commit (one WAL flush) per batch
                # instead of one per projection.
                with self._transaction(followers) as tx:
                    if not durable and tx.dialect == "postgres":
                        tx.execute("SET LOCAL synchronous_commit = off")
                    done = self._apply(tx, log_name, followers, events, last)
            except Exception:
                # Isolate a failing projection: the others still move on in their own
                # transactions, and the failure is raised as before.
                done = {}
                for projection in followers:
                    with self._transaction([projection]) as tx:
                        done.update(self._apply(tx, log_name, [projection], events, last))
            advanced = 0
            for name, (count, position) in done.items():
                applied += count
                advanced += max(0, position - positions[name])
                positions[name] = position
            if on_batch is not None:
                on_batch(advanced)
            batches += 1
            collect_young(batches)
            log.debug("projections.applied", log=log_name, position=last)

    @staticmethod
    def _topics(followers: list[Projection]) -> list[str] | None:
        """The stored topics the followers apply, or None when one needs every event."""
        topics: set[str] = set()
        for projection in followers:
            classes = projection.event_classes()
            if classes is None:
                return None
            topics.update(get_topic(c) for c in classes)
        return sorted(topics)

    def _decoder(self, app: Application[Any], followers: list[Projection]
                 ) -> Callable[[Any], Any]:
        """Decodes a stored event when some follower wants its class, else gives None:
        decoding is most of a replay's cost, and many events (sessions, progress of things a
        projection does not show) interest no view."""
        wanted: dict[str, bool] = {}

        def decode(notification: Any) -> Any:
            want = wanted.get(notification.topic)
            if want is None:
                event_class = resolve_topic(notification.topic)
                want = wanted[notification.topic] = any(p.wants(event_class)
                                                        for p in followers)
            return app.mapper.to_domain_event(notification) if want else None

        return decode

    @contextmanager
    def _transaction(self, followers: list[Projection]) -> Iterator[Tx]:
        """A view-store transaction; if it fails, the followers' cached rows (changed in place
        by the handlers) are dropped with it."""
        try:
            with self.store.transaction() as tx:
                yield tx
        except BaseException:
            for projection in followers:
                cache = self._caches.get(projection.name)
                if cache is not None:
                    cache.clear()
            raise

    def _cache(self, projection: Projection) -> RowCache:
        cache = self._caches.get(projection.name)
        if cache is None:
            cache = self._caches[projection.name] = RowCache(projection.shapes(),
                                                             self.cache_rows)
        return cache

    def _claim(self, tx: Tx, followers: list[Projection]) -> None:
        """Locks the followers' writer rows (one applier per projection at a time, whichever
        log it applies) and drops each cache that another writer has made stale."""
        names = sorted(p.name for p in followers)
        sql = (f"SELECT projection, token FROM projection_writers WHERE projection IN "
               f"({', '.join('?' * len(names))})")
        if tx.dialect == "postgres":
            sql += " ORDER BY projection FOR UPDATE"
        tokens = {str(r[0]): str(r[1]) for r in tx.all(sql, names)}
        for projection in followers:
            cache = self._cache(projection)
            token = tokens.get(projection.name)
            if cache.token != token:
                cache.clear()
            if token != self._token:
                tx.execute("INSERT INTO projection_writers (projection, token) VALUES (?, ?) "
                           "ON CONFLICT (projection) DO UPDATE SET token = excluded.token",
                           (projection.name, self._token))
            cache.token = self._token

    def _apply(
        self, tx: Tx, log_name: str, followers: list[Projection],
        events: list[tuple[Any, Any]], last: int,
    ) -> dict[str, tuple[int, int]]:
        """Applies the batch to each follower from its own tracked position (re-read and
        locked in this transaction); returns per projection (events applied, new position)."""
        self._claim(tx, followers)
        current = self._positions_of(tx, log_name, followers, lock=True)
        done: dict[str, tuple[int, int]] = {}
        moved: list[tuple[str, str, int]] = []
        for projection in followers:
            position = current[projection.name]
            batch = (events if not events or events[0][0].id > position  # the usual case
                     else [pair for pair in events if pair[0].id > position])
            if batch:
                cache = self._cache(projection)
                view = ViewSession(cache, projection.bind(tx))
                projection.apply_batch(log_name, batch, view)
                view.flush()
                cache.evict()
            if last > position:
                moved.append((projection.name, log_name, last))
            done[projection.name] = (len(batch), max(position, last))
        if moved:  # every follower's new position in one round trip
            tx.many(SAVE_POSITION, moved)
        return done

    @staticmethod
    def _positions_of(
        tx: Tx, log_name: str, followers: list[Projection], lock: bool = False
    ) -> dict[str, int]:
        """The tracked positions of ``followers`` in ``log_name``, in one query."""
        names = sorted(p.name for p in followers)
        sql = ("SELECT projection, position FROM projection_tracking WHERE log = ? "
               f"AND projection IN ({', '.join('?' * len(names))})")
        if lock and tx.dialect == "postgres":
            sql += " ORDER BY projection FOR UPDATE"
        found = {str(r[0]): int(r[1]) for r in tx.all(sql, (log_name, *names))}
        return {p.name: found.get(p.name, 0) for p in followers}

    def wait_for(self, log_name: str, position: int, timeout: float | None = None) -> None:
        """Returns once every projection of ``log_name`` has applied ``position``
        (read-your-writes for the client that issued the command); raises ``TimeoutError``
        after ``timeout`` seconds (the runner's ``wait_timeout`` by default)."""
        if position <= 0:
            return
        if self.in_process:
            self._catch_up_to(log_name, position)
            return
        timeout = self.wait_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = [p for (_, lg), p in self.positions().items() if lg == log_name]
            if all(p >= position for p in behind):
                return
            time.sleep(0.01)
        raise TimeoutError(f"projections did not reach {log_name}@{position} in {timeout}s")

    def _catch_up_to(self, log_name: str, position: int) -> None:
        """``catch_up`` as a group commit for concurrent requests: whoever holds the lock
        applies every event recorded so far in one batch; the requests queued behind it find
        their position applied and return without touching the database."""
        if not self._followers(log_name) or self._applied.get(log_name, 0) >= position:
            return
        with self._lock:
            if self._applied.get(log_name, 0) < position:
                self._catch_up_all()

    # -- background loop ---------------------------------------------------------------------
    def start(self, interval: float = 0.2) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, args=(interval,),
                                        name="projections", daemon=True)
        self._thread.start()

    def run_forever(self, interval: float = 0.2, stop: threading.Event | None = None,
                    heartbeat: Callable[[], None] | None = None) -> None:
        """Follows the logs until ``stop`` (the runner's own stop by default) is set. A
        failure (the database restarting or gone for a while) is logged and retried with a
        growing pause (``Backoff``); the loop never ends on its own."""
        stop = stop or self._stop
        backoff = Backoff()
        while not stop.is_set():
            try:
                self.catch_up()
                if heartbeat is not None:
                    heartbeat()
            except Exception as exc:  # keep following the log
                delay = backoff.failed()
                log.warning("projections.failed", error=type(exc).__name__,
                            detail=str(exc)[:200], retry_in_s=delay,
                            failures=backoff.failures,
                            exc_info=backoff.failures == 1)
                if self.on_failure is not None:
                    self.on_failure(exc)
                stop.wait(delay)
                continue
            backoff.reset()
            stop.wait(interval)

    @property
    def stopped_by_itself(self) -> bool:
        """The background loop was started and has ended without ``stop`` (a bug)."""
        return (self._thread is not None and not self._thread.is_alive()
                and not self._stop.is_set())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
