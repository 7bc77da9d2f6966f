"""Dependencies the routes declare: the container, the signed-in principal, roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.bootstrap import Container
from adapters.http.middleware import access_claims
from domain import ids
from domain.errors import Forbidden, NotAuthenticated

_bearer = HTTPBearer(auto_error=False, description="The accessToken from login or register")


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


Ctr = Annotated[Container, Depends(_container)]


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    public_id: str
    roles: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles


def _principal(
    request: Request, ctr: Ctr,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Authentication required")
    claims = access_claims(request.scope, ctr.tokens, credentials.credentials)
    user_id = ctr.tokens.user_of(claims)
    public_id = ids.encode("usr", user_id)
    roles = ctr.read.roles(public_id)
    if roles is None:
        raise NotAuthenticated("This account no longer exists")
    return Principal(user_id, public_id, tuple(roles))


CurrentUser = Annotated[Principal, Depends(_principal)]


def _role(role: str):  # type: ignore[no-untyped-def]
    def check(user: CurrentUser) -> Principal:
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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def decode_id(prefix: str, public_id: str, what: str) -> uuid.UUID:
    """The UUID behind a path id; a malformed id is simply not found."""
    from domain.errors import NotFound

    value = ids.decode(prefix, public_id)
    if value is None:
        raise NotFound(f"{what} not found")
    return value
