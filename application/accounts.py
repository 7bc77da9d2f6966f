"""The accounts context: registration, sign-in sessions, profile, addresses, roles."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.base import Position, TryonApplication, retry_on_conflict
from application.ports import PasswordHasher
from domain import ids
from domain.accounts import Address, EmailIndex, Preferences, User
from domain.errors import CredentialsRejected, EmailTaken, InvalidInput, NotFound, SessionEnded
from domain.sessions import SignInSession, TokenState, session_id_for


def email_index_id(email: str, key: bytes | None = None) -> uuid.UUID:
    """The EmailIndex aggregate's id: a keyed hash of the address (nobody without the key can
    test an address against the log), or, without a key, the unkeyed uuid5 that logs written
    before issue 10 used."""
    if key:
        return ids.keyed(key, "email", email.lower())
    return ids.derived("email", email.lower())


class Accounts(TryonApplication):
    name = "accounts"
    # A family refreshed every few minutes for months stays cheap to load. Sessions hold
    # token ids and times, no personal data, so their snapshots need no sealing.
    snapshotting_intervals = {SignInSession: 10}

    def __init__(self, hasher: PasswordHasher, env: dict[str, str] | None = None,
                 personal_data: Any = None, vault: Any = None,
                 email_key: bytes | None = None) -> None:
        super().__init__(env=env, personal_data=personal_data)
        self.hasher = hasher
        self.vault = vault
        self.email_key = email_key

    def _index_ids(self, email: str) -> list[uuid.UUID]:
        """Where an address's index may be: its keyed id, then the unkeyed id of old logs."""
        found = [email_index_id(email, self.email_key)]
        if self.email_key:
            found.append(email_index_id(email))
        return found

    def _indexes(self, email: str) -> list[EmailIndex]:
        found = (self.find(EmailIndex, i, "Email") for i in self._index_ids(email))
        return [index for index in found if index is not None]

    # -- registration and sign-in ----------------------------------------------------------
    def register(
        self, email: str, password: str, first_name: str, last_name: str
    ) -> tuple[uuid.UUID, Position]:
        email = email.lower()
        index_id = email_index_id(email, self.email_key)
        index: EmailIndex | None = None
        for found in self._indexes(email):
            if found.user_id is not None:
                raise EmailTaken("An account with this email already exists")
            if found.id == index_id:
                index = found
        user = User(
            id=uuid.uuid4(), email=email, password_hash=self.hasher.hash(password),
            first_name=first_name, last_name=last_name,
        )
        if index is None:
            index = EmailIndex(id=index_id, user_id=user.id)
        else:
            index.reclaim(user_id=user.id)
        try:
            position = self.record(user, index)
        except IntegrityError:  # a concurrent registration claimed the email first
            raise EmailTaken("An account with this email already exists") from None
        return user.id, position

    def user_id_for(self, email: str) -> uuid.UUID | None:
        return next((i.user_id for i in self._indexes(email) if i.user_id is not None), None)

    def authenticate(self, email: str, password: str) -> User:
        """The user with these credentials; the same error whether the email exists or not."""
        user_id = self.user_id_for(email)
        if user_id is None:
            self.hasher.hash(password)  # spend the same time as a real check
            raise CredentialsRejected("Invalid email or password")
        user = self.get_user(user_id)
        if user.erased or not self.hasher.verify(user.password_hash, password):
            raise CredentialsRejected("Invalid email or password")
        return user

    def get_user(self, user_id: uuid.UUID | None) -> User:
        user = self.load(User, user_id, "User")
        if user.erased:
            raise NotFound("User not found")
        return user

    # -- sign-in sessions: one aggregate per refresh-token family -------------------------------
    def start_session(
        self, user_id: uuid.UUID, family: str, token_id: str, expires_at: datetime
    ) -> Position:
        user = self.get_user(user_id)
        session = SignInSession(id=session_id_for(family), user_id=user.id, token_id=token_id,
                                expires_at=expires_at, credentials=user.credentials)
        return self.record(session)

    def _session(self, user: User, family: str) -> SignInSession | None:
        """The family's session; one recorded on the user by an older log becomes a session
        aggregate here (saved with the next decision about it)."""
        session_id = session_id_for(family)
        session = self.find(SignInSession, session_id, "Session")
        if session is not None:
            return session if session.user_id == user.id else None
        legacy = user.sessions.get(family)
        if legacy is None:
            return None
        session = SignInSession(id=session_id, user_id=user.id, token_id=legacy.current,
                                expires_at=legacy.expires, credentials=user.credentials)
        if legacy.revoked:
            session.revoke(reason="revoked on the user")
        return session

    def _token_state(self, user: User, session: SignInSession | None,
                     token_id: str) -> TokenState:
        if session is None:
            return TokenState.UNKNOWN
        return session.state_of(token_id, user.credentials)

    @retry_on_conflict()
    def rotate_session(
        self, user_id: uuid.UUID, family: str, token_id: str, new_token_id: str,
        expires_at: datetime,
    ) -> Position:
        """Refresh: the presented token must be the family's current one. Presenting an older
        one means it was stolen or replayed: the whole family is revoked (RFC 9700)."""
        user = self.get_user(user_id)
        session = self._session(user, family)
        state = self._token_state(user, session, token_id)
        if state is TokenState.REUSED:
            assert session is not None
            session.revoke(reason="refresh token reused")
            self.record(session)
            raise SessionEnded("Refresh token was already used; the session is revoked")
        if state is not TokenState.CURRENT:
            raise SessionEnded("Refresh token is revoked")
        assert session is not None
        session.rotate(token_id=new_token_id, expires_at=expires_at)
        return self.record(session)

    @retry_on_conflict()
    def end_session(self, user_id: uuid.UUID, family: str, token_id: str) -> Position:
        user = self.get_user(user_id)
        session = self._session(user, family)
        if session is None:
            raise SessionEnded("Unknown refresh token")
        session.revoke(reason="logout")
        return self.record(session)

    @retry_on_conflict()
    def verify_email(self, user_id: uuid.UUID, email: str) -> Position:
        user = self.get_user(user_id)
        if user.email != email.lower():
            raise InvalidInput("token", "Verification token is for another email address")
        if user.email_verified:
            return 0
        user.verify_email()
        return self.record(user)

    # -- profile -----------------------------------------------------------------------------
    @retry_on_conflict()
    def update_profile(
        self, user_id: uuid.UUID, changes: Mapping[str, str | None],
        preferences: Preferences | None,
    ) -> Position:
        """``changes``: profile fields by name (``first_name``, ``date_of_birth``...); a
        None clears an optional one."""
        user = self.get_user(user_id)
        user.update_profile(changes, preferences)
        return self.record(user)

    def change_password(
        self, user_id: uuid.UUID, current_password: str, new_password: str
    ) -> Position:
        user = self.get_user(user_id)
        if not self.hasher.verify(user.password_hash, current_password):
            raise InvalidInput("current_password", "Current password is wrong", "INVALID")
        user.change_password(password_hash=self.hasher.hash(new_password))
        return self.record(user)

    def erase(self, user_id: uuid.UUID, password: str) -> Position:
        user = self.get_user(user_id)
        if not self.hasher.verify(user.password_hash, password):
            raise InvalidInput("password", "Password is wrong", "INVALID")
        index = next(i for i in self._indexes(user.email) if i.user_id == user.id)
        user.erase()
        index.release()
        position = self.record(user, index)
        if self.vault is not None:
            # Crypto-shredding: the person's data in every past event becomes unreadable.
            self.vault.destroy(str(user_id))
        return position

    @retry_on_conflict()
    def grant_role(self, user_id: uuid.UUID, role: str) -> Position:
        user = self.get_user(user_id)
        granted = user.check_role(role)
        if granted in user.roles:
            return 0
        user.grant_role(role=granted)
        return self.record(user)

    # -- addresses ---------------------------------------------------------------------------
    @retry_on_conflict()
    def add_address(
        self, user_id: uuid.UUID, address_id: str, address: Address, is_default: bool
    ) -> Position:
        user = self.get_user(user_id)
        user.add_address(address_id, address, is_default)
        return self.record(user)

    @retry_on_conflict()
    def update_address(
        self, user_id: uuid.UUID, address_id: str, changes: Address, is_default: bool | None,
    ) -> Position:
        """``changes``: the parts of the address to change (the others are None)."""
        user = self.get_user(user_id)
        user.update_address(address_id, changes, is_default)
        return self.record(user)

    @retry_on_conflict()
    def remove_address(self, user_id: uuid.UUID, address_id: str) -> Position:
        user = self.get_user(user_id)
        user.remove_address(address_id)
        return self.record(user)

    def address_of(self, user_id: uuid.UUID, address_id: str) -> Address:
        return self.get_user(user_id).check_address(address_id)

    def default_address_of(self, user_id: uuid.UUID) -> Address | None:
        user = self.get_user(user_id)
        return None if user.default_address is None else user.addresses[user.default_address]
