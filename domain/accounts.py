"""Accounts: the User aggregate and the email index that keeps emails unique."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidInput, NotFound

ROLES = ("customer", "admin", "auditor", "analyst")
PROFILE_FIELDS = ("firstName", "lastName", "dateOfBirth", "gender", "phoneNumber", "avatar")
ADDRESS_FIELDS = (
    "firstName", "lastName", "street", "apartment", "city", "state", "zipCode", "country", "phone",
)
DEFAULT_PREFERENCES: dict[str, Any] = {
    "notifications": {"email": True, "push": True, "marketing": False},
    "privacy": {"profileVisibility": "private", "dataSharing": False},
    "units": {"height": "cm", "weight": "kg"},
}


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class User(Aggregate):
    """A registered person. Sign-in sessions are aggregates of their own
    (``domain.sessions.SignInSession``); ``credentials`` counts password changes and erasure,
    and a session begun under an older count is revoked."""

    class_version = 1
    Registered: ClassVar[type[DomainEvent]]
    EmailVerified: ClassVar[type[DomainEvent]]
    ProfileUpdated: ClassVar[type[DomainEvent]]
    PasswordChanged: ClassVar[type[DomainEvent]]
    RoleGranted: ClassVar[type[DomainEvent]]
    AddressAdded: ClassVar[type[DomainEvent]]
    AddressUpdated: ClassVar[type[DomainEvent]]
    AddressRemoved: ClassVar[type[DomainEvent]]
    SessionStarted: ClassVar[type[DomainEvent]]
    SessionRotated: ClassVar[type[DomainEvent]]
    SessionRevoked: ClassVar[type[DomainEvent]]
    Erased: ClassVar[type[DomainEvent]]

    @event("Registered")
    def __init__(
        self, id: uuid.UUID, email: str, password_hash: str, first_name: str, last_name: str
    ) -> None:
        self.email = email
        self.password_hash = password_hash
        self.profile: dict[str, Any] = {"firstName": first_name, "lastName": last_name}
        self.preferences: dict[str, Any] = DEFAULT_PREFERENCES
        self.email_verified = False
        self.roles: list[str] = ["customer"]
        self.addresses: dict[str, dict[str, Any]] = {}
        self.default_address: str | None = None
        self.credentials = 0
        # Sessions recorded on the user by logs written before SignInSession existed:
        # family -> {current, revoked, expires}. No new events add to it.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.erased = False

    # -- profile -------------------------------------------------------------------------
    @event("EmailVerified")
    def verify_email(self) -> None:
        self.email_verified = True

    def update_profile(self, changes: dict[str, Any], preferences: dict[str, Any] | None) -> None:
        unknown = set(changes) - set(PROFILE_FIELDS)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "Unknown profile field")
        for name in ("firstName", "lastName"):  # a person always keeps a name
            if name in changes and not changes[name]:
                raise InvalidInput(name, "A name cannot be removed", "REQUIRED")
        if changes or preferences:
            self._profile_updated(changes=changes, preferences=preferences or {})

    @event("ProfileUpdated")
    def _profile_updated(self, changes: dict[str, Any], preferences: dict[str, Any]) -> None:
        self.profile = {**self.profile, **changes}
        self.preferences = deep_merge(self.preferences, preferences)

    @event("PasswordChanged")
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.credentials += 1
        for session in self.sessions.values():
            session["revoked"] = True

    @event("RoleGranted")
    def grant_role(self, role: str) -> None:
        if role not in self.roles:
            self.roles = [*self.roles, role]

    def check_role(self, role: str) -> None:
        if role not in ROLES:
            raise InvalidInput("role", f"Unknown role {role!r}; roles are {', '.join(ROLES)}",
                               "INVALID_ENUM")

    # -- addresses: exactly one default whenever any exist ------------------------------------
    def add_address(self, address_id: str, fields: dict[str, Any], is_default: bool) -> None:
        self._address_added(
            address_id=address_id,
            fields={k: v for k, v in fields.items() if k in ADDRESS_FIELDS},
            is_default=is_default or not self.addresses,
        )

    @event("AddressAdded")
    def _address_added(self, address_id: str, fields: dict[str, Any], is_default: bool) -> None:
        self.addresses[address_id] = dict(fields)
        if is_default:
            self.default_address = address_id

    def update_address(
        self, address_id: str, changes: dict[str, Any], is_default: bool | None
    ) -> None:
        self.check_address(address_id)
        if is_default is False and self.default_address == address_id:
            # Exactly one default must remain: un-defaulting passes it to another address.
            others = [a for a in self.addresses if a != address_id]
            if not others:
                raise InvalidInput("isDefault", "The only address must stay the default",
                                   "INVALID_STATE")
            new_default: str | None = others[0]
        elif is_default:
            new_default = address_id
        else:
            new_default = self.default_address
        fields = {k: v for k, v in changes.items() if k in ADDRESS_FIELDS}
        self._address_updated(address_id=address_id, changes=fields, default_address=new_default)

    @event("AddressUpdated")
    def _address_updated(
        self, address_id: str, changes: dict[str, Any], default_address: str | None
    ) -> None:
        self.addresses[address_id] = {**self.addresses[address_id], **changes}
        self.default_address = default_address

    def remove_address(self, address_id: str) -> None:
        self.check_address(address_id)
        remaining = [a for a in self.addresses if a != address_id]
        new_default = self.default_address
        if self.default_address == address_id:
            new_default = remaining[0] if remaining else None
        self._address_removed(address_id=address_id, default_address=new_default)

    @event("AddressRemoved")
    def _address_removed(self, address_id: str, default_address: str | None) -> None:
        del self.addresses[address_id]
        self.default_address = default_address

    def check_address(self, address_id: str) -> None:
        if address_id not in self.addresses:
            raise NotFound("Address not found")

    # -- sessions of logs written before SignInSession: replayed, never recorded any more -----
    @event("SessionStarted")
    def start_session(self, family: str, token_id: str, expires_at: datetime) -> None:
        self.sessions[family] = {"current": token_id, "revoked": False,
                                 "expires": expires_at.isoformat()}

    @event("SessionRotated")
    def rotate_session(self, family: str, token_id: str, expires_at: datetime) -> None:
        self.sessions[family] = {"current": token_id, "revoked": False,
                                 "expires": expires_at.isoformat()}

    @event("SessionRevoked")
    def revoke_session(self, family: str, reason: str) -> None:
        if family in self.sessions:
            self.sessions[family] = {**self.sessions[family], "revoked": True}

    def session_state(self, family: str, token_id: str) -> str:
        """'current', 'reused' (an older token of the family) or 'revoked'/'unknown'."""
        session = self.sessions.get(family)
        if session is None:
            return "unknown"
        if session["revoked"]:
            return "revoked"
        return "current" if session["current"] == token_id else "reused"


    @event("Erased")
    def erase(self) -> None:
        """Closes the account and forgets its personal data in the aggregate's state. (The
        log itself still holds the registration facts until they are encrypted per user.)"""
        self.erased = True
        self.profile = {"firstName": "Erased", "lastName": "User"}
        self.addresses = {}
        self.default_address = None
        self.credentials += 1
        for session in self.sessions.values():
            session["revoked"] = True


class EmailIndex(Aggregate):
    """One per email address (id derived from the address): a second registration of the same
    email collides on this aggregate's id and is rejected by the event store itself."""
    Claimed: ClassVar[type[DomainEvent]]
    Released: ClassVar[type[DomainEvent]]
    Reclaimed: ClassVar[type[DomainEvent]]

    @event("Claimed")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.user_id: uuid.UUID | None = user_id

    @event("Released")
    def release(self) -> None:
        """The account was erased: the address may register again."""
        self.user_id = None

    @event("Reclaimed")
    def reclaim(self, user_id: uuid.UUID) -> None:
        self.user_id = user_id
