"""The app each HTTP process of ``tryon serve --web-workers N`` serves (N > 1).

uvicorn starts the processes and imports :func:`app` in each; the process that started them
keeps the background work (projections' loop, dispatcher, embedded worker, order expiry), so
an HTTP process builds its container without a dispatcher and starts nothing in the
background. Its reads stay read-your-writes: with in-process projections a request catches the
read models up to its own command before it answers (``ProjectionRunner.wait_for``), whichever
process applies the events (the runner is safe across processes).
"""

from __future__ import annotations

from fastapi import FastAPI

from adapters.cli.container import bootstrap_when_reachable
from adapters.http.app import create_app
from adapters.logging import configure_logging
from adapters.settings import Settings


def app() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    container = bootstrap_when_reachable(settings, with_dispatcher=False)
    served = create_app(container)
    served.router.on_shutdown.append(container.close)
    return served
