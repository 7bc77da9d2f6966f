"""``tryon audit ...`` and ``tryon events ...``: the order audit trail, the hash-chain check,
the chain heads to anchor, and the analyst export."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.bootstrap import Container


def _container(args: argparse.Namespace) -> Container:
    from adapters.cli.container import container_for

    return container_for(args, with_dispatcher=False)


def audit_order(args: argparse.Namespace) -> int:
    from adapters.audit.trail import order_trail
    from domain.errors import NotFound

    container = _container(args)
    try:
        trail = order_trail(container.store, container.shop, args.order_id)
    except NotFound:
        print(f"no order {args.order_id}", file=sys.stderr)
        return 1
    finally:
        container.close()
    if args.json:
        print(json.dumps(trail, indent=2))
        return 0
    print(render_trail(trail))
    return 0


def render_trail(trail: list[dict[str, Any]]) -> str:
    header = ("position", "occurred at", "type", "v", "actor", "request id", "data")
    rows = [(str(e["position"]), e["occurredAt"][:23] + "Z", e["type"], str(e["version"]),
             e["actor"] or "-", e["requestId"] or "-", _short(e["data"])) for e in trail]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    widths[-1] = len(header[-1])  # the last column runs on
    line = "  ".join
    out = [line(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
           line("-" * w for w in widths)]
    out += [line(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def _short(data: dict[str, Any], width: int = 80) -> str:
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= width else text[: width - 3] + "..."


def _anchors(values: list[str]) -> dict[str, dict[int, str]]:
    anchors: dict[str, dict[int, str]] = {}
    for value in values:
        try:
            name, position, digest = value.split(":")
            anchors.setdefault(name, {})[int(position)] = digest
        except ValueError:
            raise SystemExit(f"--anchor takes LOG:POSITION:HASH, not {value}") from None
    return anchors


def audit_verify(args: argparse.Namespace) -> int:
    from adapters.audit.chain import verify

    container = _container(args)
    try:
        apps = container.applications
        if args.log and args.log not in apps:
            print(f"unknown log {args.log}; known: {', '.join(apps)}", file=sys.stderr)
            return 2
        reports = verify(container.store, apps, [args.log] if args.log else None,
                         _anchors(args.anchor or []))
    finally:
        container.close()
    failed = False
    for report in reports:
        if report.finding is not None:
            failed = True
            f = report.finding
            print(f"{report.log}: {f.kind.upper()} at position {f.position}: {f.message}")
            continue
        head = f"head {report.head[0]} {report.head[1]}" if report.head else "empty"
        extra = f"; {report.unchained} newer events not chained yet" if report.unchained else ""
        anchored = (f"; anchors {', '.join(map(str, report.anchors_checked))} match"
                    if report.anchors_checked else "")
        print(f"{report.log}: ok, {report.checked} events verified, {head}{anchored}{extra}")
    return 1 if failed else 0


def audit_heads(args: argparse.Namespace) -> int:
    from adapters.audit.chain import heads

    container = _container(args)
    try:
        found = heads(container.store)
    finally:
        container.close()
    for name, (position, digest) in sorted(found.items()):
        print(f"{name}:{position}:{digest}")
    return 0


def events_export(args: argparse.Namespace) -> int:
    from adapters.audit.export import export
    from domain.errors import InvalidInput

    container = _container(args)
    try:
        written, cursor = export(container.applications, args.format, args.out, args.since,
                                 args.types, progress=not args.no_progress)
    except InvalidInput as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        container.close()
    where = f" to {args.out}" if args.out else ""
    print(f"exported {written} events{where}; resume with --since {cursor}", file=sys.stderr)
    return 0


def add_history_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="audit trails and tamper evidence").add_subparsers(
        dest="action", required=True)
    o = audit.add_parser("order", help="an order's whole story, oldest first")
    o.add_argument("order_id", metavar="ORDER_ID")
    o.add_argument("--json", action="store_true", help="JSON instead of a table")
    o.set_defaults(func=audit_order)
    v = audit.add_parser("verify", help="check every stored event against the hash chain "
                                        "(exit status 1 at the first tampered position)")
    v.add_argument("--log", help="one log (accounts, shop, studio); default: all")
    v.add_argument("--anchor", action="append", metavar="LOG:POSITION:HASH",
                   help="a chain head published earlier (tryon audit heads, /metrics, logs) "
                        "that the recomputed chain must reach; repeatable")
    v.set_defaults(func=audit_verify)
    h = audit.add_parser("heads", help="print each log's chain head as LOG:POSITION:HASH")
    h.set_defaults(func=audit_heads)

    events = sub.add_parser("events", help="the event history").add_subparsers(
        dest="action", required=True)
    e = events.add_parser("export", help="export events for analysis (JSON Lines or Parquet)")
    e.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    e.add_argument("--since", metavar="POSITION",
                   help="resume after this feed position (accounts:N,shop:N,studio:N)")
    e.add_argument("--types", nargs="+", metavar="TYPE",
                   help="only these event types, e.g. Order.Placed Render.Completed")
    e.add_argument("--out", type=Path, help="output file (JSON Lines default: stdout)")
    e.add_argument("--no-progress", action="store_true", help="no progress bar")
    e.set_defaults(func=events_export)
