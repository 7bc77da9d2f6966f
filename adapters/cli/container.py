"""The container a ``tryon`` command works with: built from the ``TRYON_*`` settings, with the
command's name as the actor of whatever it records. Every command module imports it from here
(not from ``adapters.cli.main``, which imports them)."""

from __future__ import annotations

import argparse
import time
import uuid

import structlog

from adapters.bootstrap import Container, bootstrap
from adapters.logging import configure_logging
from adapters.outage import Backoff, unavailable
from adapters.settings import Settings
from application import metadata

# Commands that run until stopped: they wait for an unreachable database instead of exiting.
LONG_RUNNING = ("serve", "projector", "dispatcher")


def container_for(args: argparse.Namespace, *, with_dispatcher: bool = True) -> Container:
    """The container for the command ``args.command``, its logging configured."""
    metadata.bind(actor=f"system:cli:{args.command}", correlationId=uuid.uuid4().hex)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command in LONG_RUNNING:
        return bootstrap_when_reachable(settings, with_dispatcher=with_dispatcher)
    return bootstrap(settings, with_dispatcher=with_dispatcher)


def bootstrap_when_reachable(settings: Settings, *, with_dispatcher: bool = True) -> Container:
    """``bootstrap``, tried again with a growing pause while the database is unreachable: a
    long-running process started before its database (or during an outage) waits for it
    instead of exiting."""
    backoff = Backoff(0.5, 5.0)
    while True:
        try:
            return bootstrap(settings, with_dispatcher=with_dispatcher)
        except Exception as exc:
            if not unavailable(exc):
                raise
            delay = backoff.failed()
            structlog.get_logger("tryon.cli").warning(
                "cli.database_unreachable", error=type(exc).__name__, retry_in_s=delay)
            time.sleep(delay)
