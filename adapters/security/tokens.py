"""JWTs: access tokens, refresh tokens (with a family and a token id), email verification.

HS256 only: the algorithm list is fixed on decode, so ``alg: none`` and algorithm-confusion
tokens are rejected; every token carries a ``type`` and is only accepted where that type is.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from domain import ids
from domain.errors import Unauthenticated


class TokenExpired(Unauthenticated):
    code = "TOKEN_EXPIRED"


class InvalidToken(Unauthenticated):
    code = "INVALID_TOKEN"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires: datetime
    refresh_token: str
    refresh_expires: datetime
    family: str
    token_id: str

    def as_json(self) -> dict[str, str]:
        return {
            "accessToken": self.access_token,
            "accessTokenExpires": self.access_expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "refreshToken": self.refresh_token,
            "refreshTokenExpires": self.refresh_expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


@dataclass(frozen=True)
class RefreshClaims:
    user_id: uuid.UUID
    family: str
    token_id: str


class TokenService:
    ALGORITHM = "HS256"

    def __init__(self, secret: str, access_minutes: int = 60, refresh_days: int = 7) -> None:
        self.secret = secret
        self.access_ttl = timedelta(minutes=access_minutes)
        self.refresh_ttl = timedelta(days=refresh_days)

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.secret, algorithm=self.ALGORITHM)

    def issue(self, user_id: uuid.UUID, email: str, family: str | None = None) -> IssuedTokens:
        now = datetime.now(UTC).replace(microsecond=0)
        sub = ids.encode("usr", user_id)
        family = family or secrets.token_urlsafe(12)
        token_id = secrets.token_urlsafe(12)
        access_exp, refresh_exp = now + self.access_ttl, now + self.refresh_ttl
        access = self._encode({"sub": sub, "email": email, "iat": now, "exp": access_exp,
                               "type": "access", "jti": secrets.token_urlsafe(8)})
        refresh = self._encode({"sub": sub, "email": email, "iat": now, "exp": refresh_exp,
                                "type": "refresh", "fam": family, "jti": token_id})
        return IssuedTokens(access, access_exp, refresh, refresh_exp, family, token_id)

    def decode(self, token: str, expected_type: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=[self.ALGORITHM],
                options={"require": ["sub", "iat", "exp", "type"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired("Token has expired") from None
        except jwt.PyJWTError:
            raise InvalidToken("Token is invalid") from None
        if claims.get("type") != expected_type:
            raise InvalidToken("Token is of the wrong type")
        if ids.decode("usr", str(claims["sub"])) is None:
            raise InvalidToken("Token is invalid")
        return claims

    def user_of(self, claims: dict[str, Any]) -> uuid.UUID:
        user_id = ids.decode("usr", str(claims["sub"]))
        assert user_id is not None
        return user_id

    def refresh_claims(self, token: str) -> RefreshClaims:
        claims = self.decode(token, "refresh")
        if not claims.get("fam") or not claims.get("jti"):
            raise InvalidToken("Token is invalid")
        return RefreshClaims(self.user_of(claims), str(claims["fam"]), str(claims["jti"]))

    def email_verification(self, user_id: uuid.UUID, email: str) -> str:
        now = datetime.now(UTC)
        return self._encode({"sub": ids.encode("usr", user_id), "email": email, "iat": now,
                             "exp": now + timedelta(hours=48), "type": "verify_email"})
