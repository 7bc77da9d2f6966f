"""Browser sessions: the refresh token lives in an httpOnly cookie, never in page script.

The storefront keeps its access token in memory only. The refresh token that renews it is set
as a cookie that JavaScript cannot read (`HttpOnly`), that is only sent to these endpoints
(`Path=/v1/auth/session`), never cross-site (`SameSite=Strict`) and only over TLS when the
API is served over https (`Secure`). The bodies these endpoints answer carry the access token
but never the refresh token. Refresh and logout also want a JSON body (`{}`): a cross-site
HTML form cannot send one, a second guard besides SameSite. Rotation and reuse detection are
the same as for `/v1/auth/refresh` (docs/storefront.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from adapters import links
from adapters.http.deps import ClientAddress, Ctr, IdempotencyKey
from adapters.http.errors import ApiError, documented
from adapters.http.requests import LoginBody, RegisterBody
from adapters.http.responses import Envelope, User
from adapters.http.routers.auth import password_sign_in, register_account, signed_in_user
from application.sessions import SignedIn as SignedInResult
from domain.errors import NotAuthenticated

router = APIRouter(prefix="/v1/auth/session", tags=["auth"])

COOKIE = "tryon_refresh"
COOKIE_PATH = "/v1/auth/session"


class AccessToken(BaseModel):
    accessToken: str
    accessTokenExpires: str


class BrowserSignIn(BaseModel):
    user: User
    tokens: AccessToken


def _access(signed: SignedInResult) -> dict[str, str]:
    tokens = signed.tokens.as_json()
    return {"accessToken": tokens["accessToken"],
            "accessTokenExpires": tokens["accessTokenExpires"]}


def _secure(request: Request, ctr: Ctr) -> bool:
    """Secure whenever the shop is reached over https (directly, through a trusted proxy, or
    as its configured public URL)."""
    base = links.request_base() or str(request.base_url)
    return base.startswith("https://") or ctr.settings.public_url.startswith("https://")


def _with_cookie(response: Response, request: Request, ctr: Ctr,
                 signed: SignedInResult) -> Response:
    expires = signed.tokens.refresh_expires
    max_age = max(0, int((expires - datetime.now(UTC)).total_seconds()))
    response.set_cookie(COOKIE, signed.tokens.refresh_token, max_age=max_age, path=COOKIE_PATH,
                        httponly=True, secure=_secure(request, ctr), samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


def _cookie_of(request: Request) -> str:
    if "application/json" not in request.headers.get("content-type", ""):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                       "Send a JSON body ({}) with Content-Type: application/json")
    token = request.cookies.get(COOKIE)
    if not token:
        raise NotAuthenticated("No session: sign in first")
    return token


def _signed_in(request: Request, ctr: Ctr, signed: SignedInResult,
               status_code: int) -> Response:
    body: dict[str, Any] = {"success": True, "data": {
        "user": signed_in_user(ctr, signed), "tokens": _access(signed)}}
    return _with_cookie(JSONResponse(body, status_code=status_code), request, ctr, signed)


@router.post("/register", status_code=201, response_model=Envelope[BrowserSignIn],
             responses=documented(400, 409, 422, 429, 500))
def register(body: RegisterBody, request: Request, ctr: Ctr, client: ClientAddress,
             idempotency_key: IdempotencyKey = None) -> Response:
    """As `/v1/auth/register`; the refresh token is set as an httpOnly cookie instead."""
    return _signed_in(request, ctr, register_account(body, ctr, client),
                      status.HTTP_201_CREATED)


@router.post("/login", response_model=Envelope[BrowserSignIn],
             responses=documented(400, 401, 409, 422, 429, 500))
def login(body: LoginBody, request: Request, ctr: Ctr, client: ClientAddress,
          idempotency_key: IdempotencyKey = None) -> Response:
    """As `/v1/auth/login`; the refresh token is set as an httpOnly cookie instead."""
    return _signed_in(request, ctr, password_sign_in(body, ctr, client), status.HTTP_200_OK)


@router.post("/refresh", response_model=Envelope[AccessToken],
             responses=documented(400, 401, 409, 415, 422, 429, 500))
def refresh(request: Request, ctr: Ctr, client: ClientAddress) -> Response:
    """A new access token for the session cookie; the cookie rotates."""
    token = _cookie_of(request)
    ctr.rate_limits.hit(ctr.rate_limits.auth_requests, client)
    signed = ctr.sessions.refresh(token)
    ctr.wait("accounts", signed.position)
    return _with_cookie(JSONResponse({"success": True, "data": _access(signed)}),
                        request, ctr, signed)


@router.post("/logout", status_code=204, response_class=Response,
             responses=documented(400, 401, 409, 415, 422, 429, 500))
def logout(request: Request, ctr: Ctr, client: ClientAddress) -> Response:
    """Ends the session (its refresh token is revoked) and clears the cookie."""
    token = _cookie_of(request)
    ctr.rate_limits.hit(ctr.rate_limits.auth_requests, client)
    ctr.wait("accounts", ctr.sessions.logout(token))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True,
                           secure=_secure(request, ctr), samesite="strict")
    return response
