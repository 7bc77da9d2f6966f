"""Stored events as JSON-safe documents for auditors and analysts.

``describe`` turns one notification (and its domain event) into
``{type, version, occurredAt, actor, requestId, correlationId, causationId, aggregateId,
data}``. ``data`` holds the event's own fields with camelCase keys; UUIDs become the API's
public ids where the field says what they identify; secrets (password hashes, token and
session ids, signatures) never leave the store. Analysts additionally get no personal data
(names, email, phone, street, date of birth): they answer questions about behaviour, not people.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from application.metadata import metadata_of
from domain import ids

# Aggregate class name -> the prefix of its public id.
AGGREGATE_PREFIXES = {
    "User": "usr", "Product": "prod", "Cart": "cart", "Order": "order", "PaymentOrder": "pay",
    "Avatar": "avatar", "Render": "render", "Upload": "upl", "Closet": "closet",
}
# Event field (snake_case, as stored) -> the prefix of the public id it holds.
FIELD_PREFIXES = {
    "user_id": "usr", "order_id": "order", "payment_order_id": "pay", "product_id": "prod",
    "avatar_id": "avatar", "render_id": "render", "upload_id": "upl", "cart_id": "cart",
}
_SECRET = re.compile(r"password|token|secret|signature|^family$|cvc|card_?number", re.I)
_PERSONAL = {"email", "firstname", "lastname", "phone", "phonenumber", "street", "apartment",
             "dateofbirth", "birthdate", "fullname"}
_BOOKKEEPING = {"originator_id", "originator_version", "originator_topic", "timestamp", "_meta"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def iso(ts: datetime) -> str:
    """ISO 8601 UTC with Z, to the microsecond (events of one second stay ordered)."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def type_name(event: Any) -> str:
    return str(type(event).__qualname__)


def aggregate_id(event: Any) -> str:
    prefix = AGGREGATE_PREFIXES.get(type_name(event).split(".")[0])
    oid = event.originator_id
    return ids.encode(prefix, oid) if prefix and isinstance(oid, uuid.UUID) else str(oid)


def _is_hidden(key: str, personal: bool) -> bool:
    if _SECRET.search(key):
        return True
    return not personal and key.replace("_", "").lower() in _PERSONAL


def json_safe(value: Any, key: str = "", personal: bool = True) -> Any:
    if isinstance(value, dict):
        return {camel(str(k)): json_safe(v, str(k), personal) for k, v in value.items()
                if not _is_hidden(str(k), personal)}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, key, personal) for v in value]
    if isinstance(value, uuid.UUID):
        prefix = FIELD_PREFIXES.get(key)
        return ids.encode(prefix, value) if prefix else str(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def event_data(event: Any, personal: bool = True) -> dict[str, Any]:
    fields = {k: v for k, v in vars(event).items() if k not in _BOOKKEEPING}
    data: dict[str, Any] = json_safe(fields, personal=personal)
    return data


def describe(event: Any, personal: bool = True) -> dict[str, Any]:
    meta = metadata_of(event)
    return {
        "type": type_name(event),
        "aggregateId": aggregate_id(event),
        "version": int(event.originator_version),
        "occurredAt": iso(event.timestamp),
        "actor": meta.get("actor"),
        "requestId": meta.get("requestId"),
        "correlationId": meta.get("correlationId"),
        "causationId": meta.get("causationId"),
        "data": event_data(event, personal),
    }


# -- event types <-> topics -------------------------------------------------------------------
def _aggregate_classes() -> Iterable[type[Aggregate]]:
    from domain import (
        accounts,
        avatars,
        cart,
        catalog,
        closet,
        ordering,
        payments,
        renders,
        uploads,
    )

    for module in (accounts, avatars, cart, catalog, closet, ordering, payments, renders,
                   uploads):
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Aggregate)
                    and value is not Aggregate and value.__module__ == module.__name__):
                yield value


def event_topics() -> dict[str, str]:
    """Every event type of the domain (``Order.Placed``) -> its stored topic."""
    found: dict[str, str] = {}
    for aggregate in _aggregate_classes():
        for value in vars(aggregate).values():
            if (isinstance(value, type) and issubclass(value, Aggregate.Event)
                    and value.__qualname__.startswith(aggregate.__name__ + ".")
                    and value.__qualname__ != aggregate.__name__ + ".Event"):
                found[value.__qualname__] = get_topic(value)
    return dict(sorted(found.items()))
