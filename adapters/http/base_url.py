"""The request's own base URL (scheme, host, port, path prefix), for the links it hands out.

``Forwarded`` (RFC 7239) and ``X-Forwarded-Proto/-Host/-Port/-Prefix/-For`` are honoured only
when the connection comes from a trusted proxy (``TRYON_TRUSTED_PROXIES``, addresses or
networks); from anyone else they are ignored, so a client cannot make the API hand out links to
another site. From a trusted proxy the client address and scheme are taken over too (rate
limits then see the real client), which is why ``tryon serve`` turns uvicorn's own proxy-header
handling off.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from adapters import links

_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9]"
                   r"(?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~\-]+)*/?$")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> list[_Network]:
    """``"127.0.0.1, 10.0.0.0/8, ::1"``: addresses and networks; ``*`` trusts everyone."""
    if spec.strip() == "*":
        return [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in spec.split(",") if part.strip()]


def _trusted(address: str | None, networks: Iterable[_Network]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _forwarded(value: str) -> dict[str, str]:
    """The first (client-nearest) element of an RFC 7239 ``Forwarded`` header."""
    pairs: dict[str, str] = {}
    for part in value.split(",")[0].split(";"):
        name, _, raw = part.strip().partition("=")
        if name and raw:
            pairs[name.lower()] = raw.strip().strip('"')
    return pairs


def _first(value: str) -> str:
    return value.split(",")[0].strip()


def base_url_of(scope: Scope, networks: Iterable[_Network]) -> tuple[str, str | None]:
    """(base URL, forwarded client address or None) of a request."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    scheme = str(scope.get("scheme") or "http")
    server = scope.get("server") or ("127.0.0.1", 80)
    host = headers.get("host", "")
    prefix = scope.get("root_path", "")
    client = None
    peer = (scope.get("client") or (None, 0))[0]
    if _trusted(peer, networks):
        if "forwarded" in headers:
            pairs = _forwarded(headers["forwarded"])
            scheme = pairs.get("proto", scheme)
            host = pairs.get("host", host)
            client = pairs.get("for")
        else:
            scheme = _first(headers.get("x-forwarded-proto", scheme))
            forwarded_host = _first(headers.get("x-forwarded-host", ""))
            if forwarded_host:
                host = forwarded_host
                port = _first(headers.get("x-forwarded-port", ""))
                if port.isdigit() and ":" not in host.rsplit("]", 1)[-1]:
                    host = f"{host}:{port}"
            client = _first(headers.get("x-forwarded-for", "")) or None
            given_prefix = _first(headers.get("x-forwarded-prefix", ""))
            if given_prefix and _PREFIX.match(given_prefix):
                prefix = given_prefix.rstrip("/") + prefix
    scheme = scheme.lower() if scheme.lower() in ("http", "https") else "http"
    if not _HOST.match(host):
        default = 443 if scheme == "https" else 80
        host = server[0] if server[1] in (default, None) else f"{server[0]}:{server[1]}"
        if ":" in str(server[0]):
            host = f"[{server[0]}]" + (f":{server[1]}" if server[1] != default else "")
    if client is not None:
        client = client.strip("[]").split("]:")[0]
        if client.count(":") == 1:  # an IPv4 address with a port
            client = client.split(":")[0]
    return f"{scheme}://{host}{prefix.rstrip('/')}", client


class RequestBaseUrl:
    """Puts the request's base URL where links are made (unless ``TRYON_PUBLIC_URL`` is set),
    and, behind a trusted proxy, the real client address and scheme into the request."""

    def __init__(self, app: ASGIApp, trusted_proxies: str, follow_request: bool) -> None:
        self.app = app
        self.networks = parse_networks(trusted_proxies)
        self.follow_request = follow_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        base, client = base_url_of(scope, self.networks)
        if _trusted((scope.get("client") or (None, 0))[0], self.networks):
            scope["scheme"] = base.split("://", 1)[0]
            if client is not None and _is_address(client):
                scope["client"] = (client, 0)
        token = links.set_request_base(base if self.follow_request else None)
        try:
            await self.app(scope, receive, send)
        finally:
            links.reset_request_base(token)
