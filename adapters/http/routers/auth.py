"""Auth: register, login, refresh, logout, verify email."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Response

from adapters.http.deps import (
    ClientAddress,
    IdempotencyKey,
    Projections,
    RateLimitsDep,
    SessionsService,
    ShopReads,
)
from adapters.http.errors import documented
from adapters.http.requests import LoginBody, RefreshBody, RegisterBody, VerifyEmailBody
from adapters.http.responses import AuthTokens, Envelope, SignedIn, User
from adapters.http.routing import api_router
from adapters.ratelimit import RateLimits
from application.sessions import Sessions
from application.sessions import SignedIn as SignedInResult
from domain import ids
from domain.errors import CredentialsRejected, Unauthenticated
from projections.queries import ReadModels
from projections.runner import ProjectionRunner
from projections.users import user_of

router = api_router("auth", prefix="/v1/auth")


@dataclass(frozen=True)
class SignIns:
    """Signing in as the API offers it: rate limited per client address (failed logins per
    account too), and answered once the read models show the signed-in user."""

    sessions: Sessions
    limits: RateLimits
    projections: ProjectionRunner
    read: ReadModels

    def register(self, body: RegisterBody, client: str) -> SignedInResult:
        self.limits.hit(self.limits.auth_requests, client)
        self.limits.hit(self.limits.registrations, client)
        return self.sessions.register(str(body.email), body.password, body.firstName,
                                      body.lastName)

    def login(self, body: LoginBody, client: str) -> SignedInResult:
        account = body.email.strip().lower()
        self.limits.hit(self.limits.auth_requests, client)
        self.limits.check(self.limits.failed_logins, account)
        try:
            return self.sessions.login(account, body.password)
        except CredentialsRejected:
            self.limits.count(self.limits.failed_logins, account)
            raise

    def refresh(self, token: str, client: str) -> SignedInResult:
        self.limits.hit(self.limits.auth_requests, client)
        signed = self.sessions.refresh(token)
        self.projections.wait_for("accounts", signed.position)
        return signed

    def logout(self, token: str, client: str) -> None:
        self.limits.hit(self.limits.auth_requests, client)
        self.projections.wait_for("accounts", self.sessions.logout(token))

    def verify_email(self, token: str, client: str) -> dict[str, Any]:
        self.limits.hit(self.limits.auth_requests, client)
        user_id, position = self.sessions.verify_email(token)
        return self.user(user_id, position)

    def user(self, user_id: uuid.UUID, position: int) -> dict[str, Any]:
        """The user as the API shows it, once what made ``position`` is readable."""
        self.projections.wait_for("accounts", position)
        profile = self.read.profile(ids.encode("usr", user_id))
        if profile is None:
            raise Unauthenticated("This account no longer exists")
        return user_of(profile)

    def signed_in(self, signed: SignedInResult) -> dict[str, Any]:
        return {"user": self.user(signed.user_id, signed.position),
                "tokens": signed.tokens.as_json()}


async def _sign_ins(sessions: SessionsService, limits: RateLimitsDep, projections: Projections,
              read: ShopReads) -> SignIns:
    return SignIns(sessions, limits, projections, read)


SignInsService = Annotated[SignIns, Depends(_sign_ins)]


@router.post("/register", status_code=201, responses=documented(400, 409, 422, 429, 500))
def register(body: RegisterBody, sign_ins: SignInsService, client: ClientAddress,
             idempotency_key: IdempotencyKey = None) -> Envelope[SignedIn]:
    return Envelope[SignedIn].of(sign_ins.signed_in(sign_ins.register(body, client)))


@router.post("/login", responses=documented(400, 401, 409, 422, 429, 500))
def login(body: LoginBody, sign_ins: SignInsService, client: ClientAddress,
          idempotency_key: IdempotencyKey = None) -> Envelope[SignedIn]:
    return Envelope[SignedIn].of(sign_ins.signed_in(sign_ins.login(body, client)))


@router.post("/refresh", responses=documented(400, 401, 409, 422, 429, 500))
def refresh(body: RefreshBody, sign_ins: SignInsService, client: ClientAddress,
            idempotency_key: IdempotencyKey = None) -> Envelope[AuthTokens]:
    return Envelope[AuthTokens].of(sign_ins.refresh(body.refreshToken, client).tokens.as_json())


@router.post("/logout", status_code=204, response_class=Response,
             responses=documented(400, 401, 409, 422, 429, 500))
def logout(body: RefreshBody, sign_ins: SignInsService, client: ClientAddress,
           idempotency_key: IdempotencyKey = None) -> Response:
    sign_ins.logout(body.refreshToken, client)
    return Response(status_code=204)


@router.post("/verify-email", responses=documented(400, 401, 404, 409, 422, 429, 500))
def verify_email(body: VerifyEmailBody, sign_ins: SignInsService, client: ClientAddress,
                 idempotency_key: IdempotencyKey = None) -> Envelope[User]:
    return Envelope[User].of(sign_ins.verify_email(body.token, client))
