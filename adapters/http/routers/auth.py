"""Auth: register, login, refresh, logout, verify email."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from adapters.http.deps import ClientAddress, Ctr, IdempotencyKey
from adapters.http.errors import documented
from adapters.http.requests import LoginBody, RefreshBody, RegisterBody, VerifyEmailBody
from adapters.http.responses import AuthTokens, Envelope, SignedIn, User
from application.sessions import SignedIn as SignedInResult
from domain import ids
from domain.errors import NotAuthenticated
from projections.users import user_of

router = APIRouter(prefix="/v1/auth", tags=["auth"])


def signed_in_user(ctr: Ctr, signed: SignedInResult) -> dict[str, Any]:
    """The signed-in user as the API shows it, once the sign-in is readable."""
    ctr.wait("accounts", signed.position)
    profile = ctr.read.profile(ids.encode("usr", signed.user_id))
    if profile is None:
        raise NotAuthenticated("This account no longer exists")
    return user_of(profile)


def _signed_in(ctr: Ctr, signed: SignedInResult, status_code: int) -> JSONResponse:
    return JSONResponse({"success": True, "data": {
        "user": signed_in_user(ctr, signed), "tokens": signed.tokens.as_json()}},
        status_code=status_code)


def register_account(body: RegisterBody, ctr: Ctr, client: str) -> SignedInResult:
    ctr.rate_limits.hit(ctr.rate_limits.auth_requests, client)
    ctr.rate_limits.hit(ctr.rate_limits.registrations, client)
    return ctr.sessions.register(str(body.email), body.password, body.firstName, body.lastName)


def password_sign_in(body: LoginBody, ctr: Ctr, client: str) -> SignedInResult:
    """Login, rate limited per client address and (failures) per account."""
    limits = ctr.rate_limits
    account = body.email.strip().lower()
    limits.hit(limits.auth_requests, client)
    limits.check(limits.failed_logins, account)
    try:
        return ctr.sessions.login(account, body.password)
    except NotAuthenticated:
        limits.count(limits.failed_logins, account)
        raise


@router.post("/register", status_code=201, response_model=Envelope[SignedIn],
             responses=documented(400, 409, 422, 429, 500))
def register(body: RegisterBody, ctr: Ctr, client: ClientAddress,
             idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return _signed_in(ctr, register_account(body, ctr, client), status.HTTP_201_CREATED)


@router.post("/login", response_model=Envelope[SignedIn],
             responses=documented(400, 401, 409, 422, 429, 500))
def login(body: LoginBody, ctr: Ctr, client: ClientAddress,
          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return _signed_in(ctr, password_sign_in(body, ctr, client), status.HTTP_200_OK)


@router.post("/refresh", response_model=Envelope[AuthTokens],
             responses=documented(400, 401, 409, 422, 429, 500))
def refresh(body: RefreshBody, ctr: Ctr, client: ClientAddress,
            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ctr.rate_limits.hit(ctr.rate_limits.auth_requests, client)
    signed = ctr.sessions.refresh(body.refreshToken)
    ctr.wait("accounts", signed.position)
    return JSONResponse({"success": True, "data": signed.tokens.as_json()})


@router.post("/logout", status_code=204, response_class=Response,
             responses=documented(400, 401, 409, 422, 429, 500))
def logout(body: RefreshBody, ctr: Ctr, client: ClientAddress,
           idempotency_key: IdempotencyKey = None) -> Response:
    ctr.rate_limits.hit(ctr.rate_limits.auth_requests, client)
    ctr.wait("accounts", ctr.sessions.logout(body.refreshToken))
    return Response(status_code=204)


@router.post("/verify-email", response_model=Envelope[User],
             responses=documented(400, 401, 404, 409, 422, 429, 500))
def verify_email(body: VerifyEmailBody, ctr: Ctr, client: ClientAddress,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ctr.rate_limits.hit(ctr.rate_limits.auth_requests, client)
    user_id, position = ctr.sessions.verify_email(body.token)
    ctr.wait("accounts", position)
    profile = ctr.read.profile(ids.encode("usr", user_id))
    if profile is None:
        raise NotAuthenticated("This account no longer exists")
    return JSONResponse({"success": True, "data": user_of(profile)})
