"""Sign-up, sign-in and token refresh: the accounts application plus the token issuer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from application.accounts import Accounts
from application.base import Position
from application.ports import Mailer
from domain.errors import NotFound, SessionEnded


class Tokens(Protocol):
    def issue(self, user_id: uuid.UUID, email: str, family: str | None = None) -> Any: ...

    def refresh_claims(self, token: str) -> Any: ...

    def email_verification(self, user_id: uuid.UUID, email: str) -> str: ...

    def decode(self, token: str, expected_type: str) -> dict[str, Any]: ...

    def user_of(self, claims: dict[str, Any]) -> uuid.UUID: ...


@dataclass
class SignedIn:
    user_id: uuid.UUID
    tokens: Any
    position: Position


class Sessions:
    def __init__(self, accounts: Accounts, tokens: Tokens, mailer: Mailer, public_url: str):
        self.accounts = accounts
        self.tokens = tokens
        self.mailer = mailer
        self.public_url = public_url.rstrip("/")

    def register(self, email: str, password: str, first_name: str, last_name: str) -> SignedIn:
        user_id, _ = self.accounts.register(email, password, first_name, last_name)
        email = email.lower()
        token = self.tokens.email_verification(user_id, email)
        self.mailer.send(
            email, "Verify your email address",
            f"Hello {first_name},\n\nConfirm your address with this token:\n\n{token}\n\n"
            f"POST it to {self.public_url}/v1/auth/verify-email as {{\"token\": \"...\"}}.\n",
        )
        return self._sign_in(user_id, email)

    def login(self, email: str, password: str) -> SignedIn:
        user = self.accounts.authenticate(email, password)
        return self._sign_in(user.id, user.email)

    def _sign_in(self, user_id: uuid.UUID, email: str) -> SignedIn:
        issued = self.tokens.issue(user_id, email)
        position = self.accounts.start_session(user_id, issued.family, issued.token_id,
                                               issued.refresh_expires)
        return SignedIn(user_id, issued, position)

    def refresh(self, refresh_token: str) -> SignedIn:
        claims = self.tokens.refresh_claims(refresh_token)
        try:
            user = self.accounts.get_user(claims.user_id)
        except NotFound:  # the account was erased: its tokens are dead, not "not found"
            raise SessionEnded("Refresh token is revoked") from None
        issued = self.tokens.issue(user.id, user.email, family=claims.family)
        position = self.accounts.rotate_session(user.id, claims.family, claims.token_id,
                                                issued.token_id, issued.refresh_expires)
        return SignedIn(user.id, issued, position)

    def logout(self, refresh_token: str) -> Position:
        claims = self.tokens.refresh_claims(refresh_token)
        try:
            return self.accounts.end_session(claims.user_id, claims.family, claims.token_id)
        except NotFound:
            raise SessionEnded("Refresh token is revoked") from None

    def verify_email(self, token: str) -> tuple[uuid.UUID, Position]:
        claims = self.tokens.decode(token, "verify_email")
        user_id = self.tokens.user_of(claims)
        return user_id, self.accounts.verify_email(user_id, str(claims["email"]))
