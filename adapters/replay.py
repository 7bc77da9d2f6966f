"""Replaying the logs into fresh projections with several processes.

A replay is CPU-bound in Python (decoding stored events, applying them), so threads do not
help; processes do. The projections are split into groups of about equal work, and each group
is replayed by a process of its own that builds its own container from the same settings and
reads only the events its group applies (``ProjectionRunner.replay``). The processes write to
disjoint tables, each in its own transactions with its own tracking positions, so a crash of
any of them leaves the rebuild to be started again and the live views untouched.

The work of a group is estimated from each log's topics (counted by the database, or sampled):
a projection's share grows with the number and the stored size of the events it applies.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.utils import get_topic

from adapters.log_reader import count_topics
from projections.base import Projection
from projections.rebuild import SUFFIX, shadow_of

SAMPLE = 2_000  # notifications read at each of three places of a log to estimate its topics
# The cost of an event, beyond its size, in stored bytes: fitted to each projection replayed
# alone (bench/replay.py's history), whose time follows its events' bytes + 14 per event within
# about a fifth for every projection but the smallest.
EVENT_BYTES = 14
Topics = dict[str, tuple[int, int]]  # per topic: events, stored bytes


class ParallelReplay:
    """A ``Replay`` for ``projections.rebuild.rebuild_online``."""

    def __init__(self, container: Any, processes: int = 2, min_events: int = 50_000) -> None:
        self.container = container
        self.processes = processes
        self.min_events = min_events  # below this, starting processes costs more than it saves

    def __call__(self, followers: Sequence[Projection],
                 on_batch: Callable[[int], None] | None = None) -> int:
        runner = self.container.runner
        apps = self.container.applications
        heads = {name: app.recorder.max_notification_id() or 0 for name, app in apps.items()}
        if self.processes < 2 or len(followers) < 2 or sum(heads.values()) < self.min_events:
            return int(runner.replay(followers, on_batch))
        groups = balanced_groups(followers, topic_counts(apps, heads), self.processes)
        return _run(self.container.settings, [[p.name for p in g] for g in groups], on_batch)


def topic_counts(apps: dict[str, Any], heads: dict[str, int]) -> dict[str, Topics]:
    """Per log, how many events of each topic it holds and their size: counted by the
    database where the log reader can ask it, else estimated from samples at three places."""
    counts: dict[str, Topics] = {}
    for name, app in apps.items():
        exact = count_topics(app.recorder)
        if exact is not None:
            counts[name] = exact
            continue
        head = heads[name]
        seen: Counter[str] = Counter()
        size: Counter[str] = Counter()
        for start in sorted({0, head // 3, 2 * head // 3}):
            for n in app.recorder.select_notifications(start=start, limit=SAMPLE,
                                                       inclusive_of_start=False):
                seen[n.topic] += 1
                size[n.topic] += len(n.state)
        sampled = sum(seen.values())
        counts[name] = {t: (round(c * head / sampled), round(size[t] * head / sampled))
                        for t, c in seen.items()} if sampled else {}
    return counts


def _work(group: Sequence[Projection], counts: dict[str, Topics]) -> float:
    """The group's estimated replay cost: per projection, its events' stored bytes plus
    ``EVENT_BYTES`` per event (reading, decoding and applying them, writing the rows they
    make, all grow with an event's size). Projections of a group that want the same events
    share reading and decoding them, but few do: it is left out."""
    total = 0.0
    for projection in group:
        classes = projection.event_classes()
        wanted = None if classes is None else {get_topic(c) for c in classes}
        for log_name in projection.logs:
            for topic, (count, size) in counts.get(log_name, {}).items():
                if wanted is None or topic in wanted:
                    total += count * EVENT_BYTES + size
    return total


def balanced_groups(followers: Sequence[Projection], counts: dict[str, Topics],
                    processes: int) -> list[list[Projection]]:
    """The split of ``followers`` into at most ``processes`` groups whose largest work is
    smallest (every split is tried: there are a handful of projections)."""
    best: list[list[Projection]] = [list(followers)]
    best_work = _work(followers, counts)
    for labels in itertools.product(range(processes), repeat=len(followers)):
        if labels[0] != 0:  # the same splits with the groups renamed
            continue
        groups = [[p for p, label in zip(followers, labels, strict=True) if label == g]
                  for g in range(processes)]
        groups = [g for g in groups if g]
        work = max(_work(g, counts) for g in groups)
        if work < best_work * 0.999:
            best, best_work = groups, work
    return best


def _run(settings: Any, groups: list[list[str]], on_batch: Callable[[int], None] | None) -> int:
    context = multiprocessing.get_context("spawn")  # no threads or pools inherited mid-use
    values = settings.model_dump()
    results = context.Queue()
    counters = [context.Value("q", 0) for _ in groups]
    # One at a time through the container's set-up: concurrent CREATE ... IF NOT EXISTS of
    # the same tables collide on PostgreSQL ("tuple concurrently updated"). The imports
    # before it, most of a start-up, run side by side.
    setting_up = context.Lock()
    workers = [context.Process(target=_replay_group,
                               args=(values, names, counter, setting_up, results),
                               name=f"replay-{i}", daemon=True)
               for i, (names, counter) in enumerate(zip(groups, counters, strict=True))]
    for worker in workers:
        worker.start()
    reported = 0
    try:
        while any(w.is_alive() for w in workers) or not results.empty():
            time.sleep(0.2)
            now = sum(int(c.value) for c in counters)
            if on_batch is not None and now > reported:
                on_batch(now - reported)
            reported = now
            if results.qsize() >= len(workers):
                break
        outcomes = [results.get(timeout=30) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    failures = [detail for kind, detail in outcomes if kind == "error"]
    if failures:
        raise RuntimeError("a replay process failed:\n" + failures[0])
    now = sum(int(c.value) for c in counters)
    if on_batch is not None and now > reported:
        on_batch(now - reported)
    return sum(int(detail) for kind, detail in outcomes if kind == "ok")


def _replay_group(values: dict[str, Any], names: list[str], counter: Any, setting_up: Any,
                  results: Any) -> None:
    """A replay process: its own container on the same stores, one group of projections.

    Once its result is sent it ends with ``os._exit``: an orderly interpreter exit would free
    every cached row of the replay one by one first (seconds, with the parent waiting)."""
    try:
        from adapters.bootstrap import bootstrap
        from adapters.logging import configure_logging
        from adapters.settings import Settings

        settings = Settings(**values)
        configure_logging(settings.log_level, True)
        with setting_up:
            container = bootstrap(settings, with_dispatcher=False)
        try:
            live = {p.name: p for p in container.runner.projections}
            followers = [shadow_of(live[n.removesuffix(SUFFIX)]) if n.endswith(SUFFIX)
                         else live[n] for n in names]

            def on_batch(advanced: int) -> None:
                with counter.get_lock():
                    counter.value += advanced

            applied = container.runner.replay(followers, on_batch, process_ends_after=True)
        finally:
            container.close()
        results.put(("ok", applied))
    except BaseException:
        results.put(("error", traceback.format_exc()))
        return
    results.close()
    results.join_thread()  # the result has reached the pipe
    os._exit(0)
