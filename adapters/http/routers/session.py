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

from fastapi import Request, Response
from pydantic import BaseModel

from adapters import links
from adapters.http.deps import ClientAddress, IdempotencyKey, SettingsDep
from adapters.http.errors import ApiError, documented
from adapters.http.requests import LoginBody, RegisterBody
from adapters.http.responses import Envelope, User
from adapters.http.routers.auth import SignInsService
from adapters.http.routing import api_router
from adapters.settings import Settings
from application.sessions import SignedIn as SignedInResult
from domain.errors import Unauthenticated

router = api_router("session", prefix="/v1/auth/session", tags=["auth"])

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


def _secure(request: Request, settings: Settings) -> bool:
    """Secure whenever the shop is reached over https (directly, through a trusted proxy, or
    as its configured public URL)."""
    base = links.request_base() or str(request.base_url)
    return base.startswith("https://") or settings.public_url.startswith("https://")


def _set_cookie(response: Response, request: Request, settings: Settings,
                signed: SignedInResult) -> None:
    expires = signed.tokens.refresh_expires
    max_age = max(0, int((expires - datetime.now(UTC)).total_seconds()))
    response.set_cookie(COOKIE, signed.tokens.refresh_token, max_age=max_age, path=COOKIE_PATH,
                        httponly=True, secure=_secure(request, settings), samesite="strict")
    response.headers["Cache-Control"] = "no-store"


def _cookie_of(request: Request) -> str:
    if "application/json" not in request.headers.get("content-type", ""):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                       "Send a JSON body ({}) with Content-Type: application/json")
    token = request.cookies.get(COOKIE)
    if not token:
        raise Unauthenticated("No session: sign in first")
    return token


def _browser_sign_in(sign_ins: SignInsService, signed: SignedInResult, request: Request,
                     response: Response, settings: Settings) -> Envelope[BrowserSignIn]:
    _set_cookie(response, request, settings, signed)
    return Envelope[BrowserSignIn].of({"user": sign_ins.user(signed.user_id, signed.position),
                                       "tokens": _access(signed)})


@router.post("/register", status_code=201, responses=documented(400, 409, 422, 429, 500))
def register(body: RegisterBody, request: Request, response: Response,
             sign_ins: SignInsService, settings: SettingsDep, client: ClientAddress,
             idempotency_key: IdempotencyKey = None) -> Envelope[BrowserSignIn]:
    """As `/v1/auth/register`; the refresh token is set as an httpOnly cookie instead."""
    signed = sign_ins.register(body, client)
    return _browser_sign_in(sign_ins, signed, request, response, settings)


@router.post("/login", responses=documented(400, 401, 409, 422, 429, 500))
def login(body: LoginBody, request: Request, response: Response, sign_ins: SignInsService,
          settings: SettingsDep, client: ClientAddress,
          idempotency_key: IdempotencyKey = None) -> Envelope[BrowserSignIn]:
    """As `/v1/auth/login`; the refresh token is set as an httpOnly cookie instead."""
    signed = sign_ins.login(body, client)
    return _browser_sign_in(sign_ins, signed, request, response, settings)


@router.post("/refresh", responses=documented(400, 401, 409, 415, 422, 429, 500))
def refresh(request: Request, response: Response, sign_ins: SignInsService,
            settings: SettingsDep, client: ClientAddress) -> Envelope[AccessToken]:
    """A new access token for the session cookie; the cookie rotates."""
    signed = sign_ins.refresh(_cookie_of(request), client)
    _set_cookie(response, request, settings, signed)
    return Envelope[AccessToken].of(_access(signed))


@router.post("/logout", status_code=204, response_class=Response,
             responses=documented(400, 401, 409, 415, 422, 429, 500))
def logout(request: Request, sign_ins: SignInsService, settings: SettingsDep,
           client: ClientAddress) -> Response:
    """Ends the session (its refresh token is revoked) and clears the cookie."""
    sign_ins.logout(_cookie_of(request), client)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True,
                           secure=_secure(request, settings), samesite="strict")
    return response
