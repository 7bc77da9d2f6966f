"""The base URL of links handed out while serving one request.

``TRYON_PUBLIC_URL``, when set, is the base of every link. When it is not, links follow the
request's own base URL (``adapters.http.base_url`` puts it here for the request's duration), so
that ``tryon serve --port 18810`` hands out links to port 18810. Outside a request (workers,
command line) the unset setting's default applies.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_REQUEST_BASE: ContextVar[str | None] = ContextVar("tryon_request_base_url", default=None)


def public_url_is_set(settings: Any) -> bool:
    return "public_url" in settings.model_fields_set


def request_base() -> str | None:
    """The current request's base URL (no trailing slash), when links must follow it."""
    return _REQUEST_BASE.get()


def set_request_base(base: str | None) -> Any:
    return _REQUEST_BASE.set(base)


def reset_request_base(token: Any) -> None:
    _REQUEST_BASE.reset(token)


def base_url(settings: Any) -> str:
    """Where links point: the setting if set, else the request's base, else the default."""
    if not public_url_is_set(settings):
        base = request_base()
        if base:
            return base
    return str(settings.public_url).rstrip("/")
