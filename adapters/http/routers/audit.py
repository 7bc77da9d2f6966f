"""Audit trails (auditor role) and the global event feed (analyst role)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import Query

from adapters.audit import feed
from adapters.audit.trail import order_trail
from adapters.http.deps import AnalystUser, AuditorUser, EventLogs, ShopService, ViewStoreDep
from adapters.http.errors import documented
from adapters.http.responses import Envelope, Model
from adapters.http.routing import api_router

router = api_router("audit")


class _EventFields(Model):
    type: str
    aggregateId: str
    version: int
    occurredAt: str
    actor: str | None
    requestId: str | None
    correlationId: str | None
    causationId: str | None
    data: dict[str, Any]


class AuditEvent(_EventFields):
    log: str
    position: int


class FeedEvent(_EventFields):
    position: str
    log: str
    sequence: int


class FeedCursor(Model):
    after: str
    next: str
    hasMore: bool
    limit: int


class FeedEnvelope(Model):
    success: Literal[True]
    data: list[FeedEvent]
    cursor: FeedCursor

    @classmethod
    def of(cls, page: feed.Page, after: Mapping[str, int], limit: int) -> FeedEnvelope:
        return cls.model_validate({"success": True, "data": page.events, "cursor": {
            "after": feed.format_cursor(after), "next": feed.format_cursor(page.cursor),
            "hasMore": page.has_more, "limit": limit}})


@router.get(
    "/v1/audit/orders/{orderId}/events", name="order_events",
    responses=documented(401, 403, 404, 500),
    summary="An order's audit trail",
    description=(
        "Every stored event of the order's story, oldest first: the order's own events, its "
        "payment order's, and the stock reservations and releases and the cart check-out made "
        "for it. `position` is the event's number in the `shop` log; `actor` is the user id or "
        "`system:<component>` that caused it and `requestId` the `X-Request-ID` of the request. "
        "`data` holds the event's stored fields (amounts in minor units)."),
)
def order_events(orderId: str, store: ViewStoreDep, shop: ShopService,
                 auditor: AuditorUser) -> Envelope[list[AuditEvent]]:
    return Envelope[list[AuditEvent]].of(order_trail(store, shop, orderId))


@router.get(
    "/v1/events", name="events", responses=documented(400, 401, 403, 500),
    summary="The global event feed",
    description=(
        "All logs (accounts, shop, studio) merged into one stream. Positions are cursors: "
        "`accounts:12,shop:40,studio:3` says how far the reader has got in each log (a log left "
        "out is at 0). Within a log events come in exact commit order; across logs they "
        "interleave by event time. Every event's `position` is the cursor just after it: pass "
        "it, or `cursor.next`, as `after` to resume. Since each log is followed on its own, no "
        "event is skipped or repeated. `types` filters by event type (`Order.Placed`, "
        "comma-separated or repeated). Personal data (names, email, phone, street, date of "
        "birth) and secrets are not in the feed."),
)
def events(
    logs: EventLogs, analyst: AnalystUser,
    after: Annotated[str | None, Query(max_length=200,
                                       description="a position from an earlier page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    types: Annotated[list[str] | None, Query(max_length=2000,
                                             description="event types, e.g. Order.Placed")] = None,
) -> FeedEnvelope:
    cursor = feed.parse_cursor(after)
    page = feed.read_page(logs, cursor, limit, feed.topics_for(types))
    return FeedEnvelope.of(page, cursor, limit)
