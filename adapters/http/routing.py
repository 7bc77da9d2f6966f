"""How every router of the API is made: operation ids a client developer would choose, and
answers validated against their declared models without adding keys the read models left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute


class ApiRoute(APIRoute):
    """A route whose answer keeps only the fields its read model set: a declared default
    (``priceChanged = False``) documents a key that may be absent, it never adds one."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().__init__(path, endpoint, **kwargs)


def operation_ids(resource: str) -> Callable[[APIRoute], str]:
    """``<resource>_<route name>``: ``cart_add_item``, not FastAPI's
    ``add_item_v1_cart_items_post`` (generated clients name their calls after these)."""

    def operation_id(route: APIRoute) -> str:
        return f"{resource}_{route.name}"

    return operation_id


def api_router(resource: str, *, prefix: str = "", tags: list[str] | None = None) -> APIRouter:
    return APIRouter(prefix=prefix, tags=list(tags or [resource]), route_class=ApiRoute,
                     generate_unique_id_function=operation_ids(resource))
