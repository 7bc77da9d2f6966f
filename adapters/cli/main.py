"""The ``tryon`` command line."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from adapters.settings import Settings


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.cli.container import container_for
    from adapters.http.app import create_app
    from adapters.seed import seed_demo_catalog

    web_workers = args.web_workers or Settings().web_workers
    if web_workers > 1 and not web_workers_fit(Settings()):
        return 2
    container = container_for(args)
    if not args.no_seed:
        listed = seed_demo_catalog(container.shop, container.blobs)
        if listed:
            print(f"Seeded the demo catalog: {listed} products.", file=sys.stderr)
    container.start_background()
    app = create_app(container)
    where = "embedded SQLite in " + str(container.settings.data_dir.resolve()) \
        if not container.settings.uses_postgres else "PostgreSQL"
    print(f"tryon API on http://{args.host}:{args.port} ({where})\n"
          f"  Shop:     http://{args.host}:{args.port}/\n"
          f"  API docs: http://{args.host}:{args.port}/docs\n"
          f"  OpenAPI:  http://{args.host}:{args.port}/openapi.json", file=sys.stderr)
    try:
        # Proxy headers are read by the app, from TRYON_TRUSTED_PROXIES only.
        if web_workers > 1:  # this process keeps the background work; N processes answer
            uvicorn.run("adapters.http.served:app", factory=True, workers=web_workers,
                        host=args.host, port=args.port, log_level="warning",
                        access_log=False, proxy_headers=False)
        else:
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                        access_log=False, proxy_headers=False)
    finally:
        container.close()
    return 0


def web_workers_fit(settings: Settings) -> bool:
    """Whether several HTTP processes can serve with these settings (prints why not)."""
    if not settings.uses_postgres:
        print("several web workers need PostgreSQL (TRYON_DATABASE_URL): the embedded SQLite "
              "files are served by one process", file=sys.stderr)
        return False
    if settings.bus == "nats":
        print("several web workers serve with the in-process bus; with NATS, run one "
              "`tryon serve` per replica behind a load balancer (docs/deploy.md)",
              file=sys.stderr)
        return False
    return True


def projector(args: argparse.Namespace) -> int:
    """Runs the projections as their own process (with TRYON_PROJECTIONS=external on the API)."""
    from adapters.cli.container import container_for

    container = container_for(args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("projector: following the event logs; Ctrl-C to stop", file=sys.stderr)
    # Reconnects by itself: a failed pass (the database restarting) is retried with backoff.
    container.runner.run_forever(args.interval, stop=stop,
                                 heartbeat=container.heartbeats.beater("projector"))
    container.close()
    return 0


def grant_role(args: argparse.Namespace) -> int:
    from adapters.cli.container import container_for
    from domain.errors import DomainError

    container = container_for(args)
    try:
        user_id = container.accounts.user_id_for(args.email)
        if user_id is None:
            print(f"no user with email {args.email}", file=sys.stderr)
            return 1
        container.accounts.grant_role(user_id, args.role)
        container.runner.catch_up()
        print(f"granted {args.role} to {args.email}")
        return 0
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        container.close()


def rebuild(args: argparse.Namespace) -> int:
    """Rebuilds the read models beside the live ones and swaps them in (``rebuild_online``)."""
    from adapters.cli.container import container_for

    container = container_for(args)
    names = [args.name] if args.name else None
    known = {p.name for p in container.runner.projections}
    if args.name and args.name not in known:
        print(f"unknown projection {args.name}; known: {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    from tqdm import tqdm

    from adapters.replay import ParallelReplay
    from projections.rebuild import rebuild_online

    processes = container.settings.replay_processes or os.cpu_count() or 1
    with tqdm(total=0, unit="ev", desc="rebuild", dynamic_ncols=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total  # tqdm shows the rate and the estimated time left from these
            bar.n = done
            bar.refresh()

        applied = rebuild_online(container.runner, names, progress,
                                 ParallelReplay(container, processes))
    print(f"rebuilt {args.name or 'all projections'}: {applied} events applied, swapped in "
          "without downtime")
    container.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tryon", description="tryon: virtual try-on shop backend")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the API with projections (demo data on first start)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-seed", action="store_true", help="do not seed the demo catalog")
    s.add_argument("--web-workers", type=int, default=0,
                   help="HTTP processes (default TRYON_WEB_WORKERS, 1); more needs PostgreSQL")
    s.set_defaults(func=serve)

    pr = sub.add_parser("projector", help="run the projections in their own process")
    pr.add_argument("--interval", type=float, default=0.1)
    pr.set_defaults(func=projector)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="action",
                                                                        required=True)
    g = users.add_parser("grant-role", help="grant a role (admin, auditor, analyst)")
    g.add_argument("email")
    g.add_argument("role")
    g.set_defaults(func=grant_role)

    projections = sub.add_parser("projections", help="read models").add_subparsers(
        dest="action", required=True)
    r = projections.add_parser("rebuild", help="rebuild read models from the log and swap them in")
    r.add_argument("name", nargs="?")
    r.set_defaults(func=rebuild)

    from adapters.cli.worker import add_commands

    add_commands(sub)
    from adapters.cli.history import add_history_commands

    add_history_commands(sub)

    try:
        from render_engine.cli import add_render_engine_commands
    except ImportError:
        pass
    else:
        add_render_engine_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
