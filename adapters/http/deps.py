"""Dependencies the routes declare: one narrow service each, the signed-in principal, roles.

Every service comes from the one container the composition root (``adapters.bootstrap``)
built and ``create_app`` put on the application; routes never see the container itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.blobs.local import LocalBlobStore
from adapters.blobs.s3 import S3BlobStore
from adapters.bootstrap import Container
from adapters.http.middleware import access_claims
from adapters.http.readiness import Readiness
from adapters.payments_sandbox import SandboxProvider
from adapters.ratelimit import RateLimits
from adapters.security.tokens import TokenService
from adapters.settings import Settings
from application.accounts import Accounts
from application.base import TryonApplication
from application.carts import Carts
from application.catalog import Catalog
from application.erasure import Erasure
from application.ordering import Ordering
from application.payments import Payments
from application.sessions import Sessions
from application.shop import Shop
from application.studio import Studio
from domain import ids
from domain.errors import Forbidden, NotFound, Unauthenticated
from projections.queries import ReadModels, StudioReads
from projections.runner import ProjectionRunner
from projections.store import ViewStore

_bearer = HTTPBearer(auto_error=False, description="The accessToken from login or register")


# The accessors below are ``async def`` although they only read attributes: FastAPI runs
# every plain ``def`` dependency in its thread pool, one hand-off (and a wake-up of the
# event loop) per dependency per request, which costs more than the lookup itself.
def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _settings(request: Request) -> Settings:
    return _container(request).settings


async def _accounts(request: Request) -> Accounts:
    return _container(request).accounts


async def _sessions(request: Request) -> Sessions:
    return _container(request).sessions


async def _erasure(request: Request) -> Erasure:
    return _container(request).erasure


async def _rate_limits(request: Request) -> RateLimits:
    return _container(request).rate_limits


async def _shop(request: Request) -> Shop:
    return _container(request).shop


async def _catalog(request: Request) -> Catalog:
    return _container(request).shop.catalog


async def _carts(request: Request) -> Carts:
    return _container(request).shop.carts


async def _ordering(request: Request) -> Ordering:
    return _container(request).shop.ordering


async def _payments(request: Request) -> Payments:
    return _container(request).shop.payments


async def _payment_provider(request: Request) -> SandboxProvider:
    return _container(request).payments


async def _studio(request: Request) -> Studio:
    return _container(request).studio


async def _read_models(request: Request) -> ReadModels:
    return _container(request).read


async def _studio_reads(request: Request) -> StudioReads:
    return _container(request).studio_reads


async def _blobs(request: Request) -> LocalBlobStore | S3BlobStore:
    return _container(request).blobs


async def _tokens(request: Request) -> TokenService:
    return _container(request).tokens


async def _view_store(request: Request) -> ViewStore:
    return _container(request).store


async def _projections(request: Request) -> ProjectionRunner:
    return _container(request).runner


async def _event_logs(request: Request) -> Mapping[str, TryonApplication]:
    return _container(request).applications


async def _readiness(request: Request) -> Readiness:
    readiness: Readiness = request.app.state.readiness
    return readiness


SettingsDep = Annotated[Settings, Depends(_settings)]
AccountsService = Annotated[Accounts, Depends(_accounts)]
SessionsService = Annotated[Sessions, Depends(_sessions)]
ErasureService = Annotated[Erasure, Depends(_erasure)]
RateLimitsDep = Annotated[RateLimits, Depends(_rate_limits)]
# The shop's log as a whole (the audit trail reads it); its contexts one by one below.
ShopService = Annotated[Shop, Depends(_shop)]
CatalogService = Annotated[Catalog, Depends(_catalog)]
CartsService = Annotated[Carts, Depends(_carts)]
OrderingService = Annotated[Ordering, Depends(_ordering)]
PaymentsService = Annotated[Payments, Depends(_payments)]
PaymentProvider = Annotated[SandboxProvider, Depends(_payment_provider)]
StudioService = Annotated[Studio, Depends(_studio)]
ShopReads = Annotated[ReadModels, Depends(_read_models)]
StudioReadsDep = Annotated[StudioReads, Depends(_studio_reads)]
Blobs = Annotated[LocalBlobStore | S3BlobStore, Depends(_blobs)]
ViewStoreDep = Annotated[ViewStore, Depends(_view_store)]
# The event-sourced applications by log name (accounts, shop, studio): heads and feeds.
EventLogs = Annotated[Mapping[str, TryonApplication], Depends(_event_logs)]
ReadinessDep = Annotated[Readiness, Depends(_readiness)]
# Read-your-writes: ``projections.wait_for(log, position)`` before answering from a read
# model what a command just wrote.
Projections = Annotated[ProjectionRunner, Depends(_projections)]


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    public_id: str
    roles: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles


def _principal(
    request: Request, tokens: Annotated[TokenService, Depends(_tokens)], read: ShopReads,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("Authentication required")
    claims = access_claims(request.scope, tokens, credentials.credentials)
    user_id = tokens.user_of(claims)
    public_id = ids.encode("usr", user_id)
    roles = read.roles(public_id)
    if roles is None:
        raise Unauthenticated("This account no longer exists")
    return Principal(user_id, public_id, tuple(roles))


CurrentUser = Annotated[Principal, Depends(_principal)]


def _maybe_principal(
    request: Request, tokens: Annotated[TokenService, Depends(_tokens)], read: ShopReads,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a valid token comes with the request, else None: a stale token sent
    along with a request for a public file must not turn it into a 401."""
    if credentials is None:
        return None
    try:
        return _principal(request, tokens, read, credentials)
    except Unauthenticated:
        return None


# Where a token is needed for some answers only (a signed link to an owner-only file).
MaybeUser = Annotated[Principal | None, Depends(_maybe_principal)]


def _role(role: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(user: CurrentUser) -> Principal:
        if not user.has(role):
            raise Forbidden(f"This needs the {role} role")
        return user

    return check


AdminUser = Annotated[Principal, Depends(_role("admin"))]
AuditorUser = Annotated[Principal, Depends(_role("auditor"))]
AnalystUser = Annotated[Principal, Depends(_role("analyst"))]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255,
           description="Retries with the same key and body return the first response"),
]
RequiredIdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", min_length=1, max_length=255,
           description="Required: retries with the same key and body return the first response"),
]


async def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def decode_id(prefix: str, public_id: str, what: str) -> uuid.UUID:
    """The UUID behind a path id; a malformed id is simply not found."""
    value = ids.decode(prefix, public_id)
    if value is None:
        raise NotFound(f"{what} not found")
    return value

