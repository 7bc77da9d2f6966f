"""``tryon worker`` and ``tryon dispatcher``: the two processes around NATS JetStream.

- ``tryon worker``: takes render and scan commands from JetStream and runs them. It needs
  ``TRYON_NATS_URL`` and the blob store (``TRYON_BLOB_URL``: the object store the API uses,
  or ``TRYON_DATA_DIR/blobs`` shared with the API on one machine), and never opens the database.
- ``tryon dispatcher``: follows the studio log and publishes the commands its events call for
  (the outbox), and records the workers' reports and the delivery-limit advisories as events.
  Run it with ``TRYON_BUS=nats``; ``tryon serve`` does the same in-process when it is set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
import uuid
from typing import Any

from adapters.settings import Settings


def worker(args: argparse.Namespace) -> int:
    from adapters.blobs.select import blob_store
    from adapters.bus.nats_worker import NatsWorker
    from adapters.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    if settings.database_url:
        print("worker: TRYON_DATABASE_URL is set but not used; a worker needs no database",
              file=sys.stderr)
    # The worker only reads and writes blobs; it signs no URL, so it needs no secret.
    blobs = blob_store(settings, "unused:the-worker-signs-nothing")
    if settings.worker_threads > 0:
        os.environ["OMP_NUM_THREADS"] = str(settings.worker_threads)
        try:
            import torch

            torch.set_num_threads(settings.worker_threads)
        except ImportError:
            pass
    runner = NatsWorker.from_settings(settings, blobs)
    print(f"worker {runner.name}: taking commands from {settings.nats_url} "
          f"({runner.names.commands}); Ctrl-C to stop", file=sys.stderr)
    asyncio.run(runner.run(max_commands=args.max_commands))
    return 0


def dispatcher(args: argparse.Namespace) -> int:
    from adapters.cli.container import bootstrap_when_reachable
    from adapters.logging import configure_logging
    from adapters.worker_host import report_recorder
    from application import metadata

    settings = Settings()
    if settings.bus != "nats":
        print("dispatcher: set TRYON_BUS=nats (with the in-process bus, `tryon serve` runs "
              "the dispatcher itself)", file=sys.stderr)
        return 2
    metadata.bind(actor="system:dispatcher", correlationId=uuid.uuid4().hex)
    configure_logging(settings.log_level, settings.log_json)
    container = bootstrap_when_reachable(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    assert container.dispatcher is not None
    # NATS may be down when the dispatcher starts: it connects once it can, and meanwhile
    # the loop below retries its publishing with backoff.
    container.bus.start_when_reachable(report_recorder(container.studio), stop)
    container.dispatcher.start(interval=args.interval,
                               heartbeat=container.extras["heartbeats"].beater("dispatcher"))
    print(f"dispatcher: publishing to {settings.nats_url}; Ctrl-C to stop", file=sys.stderr)
    stop.wait()
    container.close()
    return 0


def add_commands(sub: Any) -> None:
    w = sub.add_parser("worker", help="run a render worker on NATS JetStream")
    w.add_argument("--max-commands", type=int, default=None,
                   help="exit after this many commands (benchmarks, tests)")
    w.set_defaults(func=worker)
    d = sub.add_parser("dispatcher",
                       help="publish render and scan commands and record the workers' reports")
    d.add_argument("--interval", type=float, default=0.1)
    d.set_defaults(func=dispatcher)
