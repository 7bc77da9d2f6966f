"""Accounts: the User aggregate and the email index that keeps emails unique."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidInput, NotFound


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    AUDITOR = "auditor"
    ANALYST = "analyst"


ROLES = tuple(Role)


@dataclass(frozen=True)
class Profile:
    """What a person tells about themselves; a name they always keep."""

    first_name: str
    last_name: str
    date_of_birth: str | None = None
    gender: str | None = None
    phone_number: str | None = None
    avatar: str | None = None


@dataclass(frozen=True)
class Address:
    """A postal address; a person fills in what their country needs, so any part may be
    missing."""

    first_name: str | None = None
    last_name: str | None = None
    street: str | None = None
    apartment: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    phone: str | None = None

    def parts(self) -> dict[str, str]:
        """The parts filled in, by name (what the address events record)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


PROFILE_FIELDS = tuple(f.name for f in dataclasses.fields(Profile))
ADDRESS_FIELDS = tuple(f.name for f in dataclasses.fields(Address))

# Notification, privacy and unit settings: a group name to its settings. The patch merges
# setting by setting, so a person changing one keeps the others.
Preferences = dict[str, dict[str, bool | str]]
DEFAULT_PREFERENCES: Preferences = {
    "notifications": {"email": True, "push": True, "marketing": False},
    "privacy": {"profile_visibility": "private", "data_sharing": False},
    "units": {"height": "cm", "weight": "kg"},
}


def merge_preferences(base: Preferences, patch: Preferences) -> Preferences:
    return {group: {**base.get(group, {}), **patch.get(group, {})}
            for group in {**base, **patch}}


# The first version of the profile and address events named the fields as the API does.
_V1_NAMES = {"firstName": "first_name", "lastName": "last_name", "dateOfBirth": "date_of_birth",
             "phoneNumber": "phone_number", "zipCode": "zip_code"}


def _rename_from_v1(state: dict[str, object], field: str) -> None:
    values = state[field]
    assert isinstance(values, dict)
    state[field] = {_V1_NAMES.get(k, k): v for k, v in values.items()}


# Profile updates before v3 named the privacy settings as the API does.
_V2_SETTING_NAMES = {"profileVisibility": "profile_visibility", "dataSharing": "data_sharing"}


@dataclass
class LegacySession:
    """A refresh-token family recorded on the user by logs written before SignInSession."""

    current: str
    expires: datetime
    revoked: bool = False


class User(Aggregate):
    """A registered person. Sign-in sessions are aggregates of their own
    (``domain.sessions.SignInSession``); ``credentials`` counts password changes and erasure,
    and a session begun under an older count is revoked."""

    class_version = 1
    Registered: ClassVar[type[DomainEvent]]
    EmailVerified: ClassVar[type[DomainEvent]]
    PasswordChanged: ClassVar[type[DomainEvent]]
    RoleGranted: ClassVar[type[DomainEvent]]
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
        self.profile = Profile(first_name=first_name, last_name=last_name)
        self.preferences = DEFAULT_PREFERENCES
        self.email_verified = False
        self.roles: list[Role] = [Role.CUSTOMER]
        self.addresses: dict[str, Address] = {}
        self.default_address: str | None = None
        self.credentials = 0
        # Sessions recorded on the user by logs written before SignInSession existed.
        # No new events add to it.
        self.sessions: dict[str, LegacySession] = {}
        self.erased = False

    # -- profile -------------------------------------------------------------------------
    @event("EmailVerified")
    def verify_email(self) -> None:
        self.email_verified = True

    def update_profile(self, changes: Mapping[str, str | None],
                       preferences: Preferences | None) -> None:
        unknown = set(changes) - set(PROFILE_FIELDS)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "Unknown profile field")
        for name in ("first_name", "last_name"):  # a person always keeps a name
            if name in changes and not changes[name]:
                raise InvalidInput(name, "A name cannot be removed", "REQUIRED")
        if changes or preferences:
            self._profile_updated(changes=dict(changes), preferences=preferences or {})

    class ProfileUpdated(Aggregate.Event):
        """v2 names the changed fields in the domain's words, v3 the privacy settings too
        (v1: both as the API spells them, v2: the settings still so)."""

        class_version = 3
        changes: dict[str, str | None]
        preferences: Preferences

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            _rename_from_v1(state, "changes")

        @staticmethod
        def upcast_v2_v3(state: dict[str, object]) -> None:
            preferences = state["preferences"]
            assert isinstance(preferences, dict)
            state["preferences"] = {
                group: {_V2_SETTING_NAMES.get(name, name): value
                        for name, value in settings.items()}
                for group, settings in preferences.items()}

    @event(ProfileUpdated)
    def _profile_updated(self, changes: dict[str, str | None],
                         preferences: Preferences) -> None:
        self.profile = dataclasses.replace(self.profile, **changes)  # type: ignore[arg-type]
        self.preferences = merge_preferences(self.preferences, preferences)

    @event("PasswordChanged")
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.credentials += 1
        for session in self.sessions.values():
            session.revoked = True

    @event("RoleGranted")
    def grant_role(self, role: str) -> None:
        if role not in self.roles:
            self.roles = [*self.roles, Role(role)]

    @staticmethod
    def check_role(role: str) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise InvalidInput("role", f"Unknown role {role!r}; roles are {', '.join(ROLES)}",
                               "INVALID_ENUM") from None

    # -- addresses: exactly one default whenever any exist ------------------------------------
    def add_address(self, address_id: str, address: Address, is_default: bool) -> None:
        self._address_added(address_id=address_id, fields=address.parts(),
                            is_default=is_default or not self.addresses)

    class AddressAdded(Aggregate.Event):
        """v2 names the address parts in the domain's words (v1: as the API spells them)."""

        class_version = 2
        address_id: str
        fields: dict[str, str]
        is_default: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            _rename_from_v1(state, "fields")

    @event(AddressAdded)
    def _address_added(self, address_id: str, fields: dict[str, str], is_default: bool) -> None:
        self.addresses[address_id] = Address(**fields)
        if is_default:
            self.default_address = address_id

    def update_address(self, address_id: str, changes: Address, is_default: bool | None) -> None:
        """``changes`` holds the parts to change; the parts it leaves out stay as they are."""
        self.check_address(address_id)
        if is_default is False and self.default_address == address_id:
            # Exactly one default must remain: un-defaulting passes it to another address.
            others = [a for a in self.addresses if a != address_id]
            if not others:
                raise InvalidInput("is_default", "The only address must stay the default",
                                   "INVALID_STATE")
            new_default: str | None = others[0]
        elif is_default:
            new_default = address_id
        else:
            new_default = self.default_address
        self._address_updated(address_id=address_id, changes=changes.parts(),
                              default_address=new_default)

    class AddressUpdated(Aggregate.Event):
        """v2 names the address parts in the domain's words (v1: as the API spells them)."""

        class_version = 2
        address_id: str
        changes: dict[str, str]
        default_address: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            _rename_from_v1(state, "changes")

    @event(AddressUpdated)
    def _address_updated(
        self, address_id: str, changes: dict[str, str], default_address: str | None
    ) -> None:
        self.addresses[address_id] = dataclasses.replace(
            self.addresses[address_id], **changes)
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

    def check_address(self, address_id: str) -> Address:
        if address_id not in self.addresses:
            raise NotFound("Address not found")
        return self.addresses[address_id]

    # -- sessions of logs written before SignInSession: replayed, never recorded any more -----
    @event("SessionStarted")
    def start_session(self, family: str, token_id: str, expires_at: datetime) -> None:
        self.sessions[family] = LegacySession(current=token_id, expires=expires_at)

    @event("SessionRotated")
    def rotate_session(self, family: str, token_id: str, expires_at: datetime) -> None:
        self.sessions[family] = LegacySession(current=token_id, expires=expires_at)

    @event("SessionRevoked")
    def revoke_session(self, family: str, reason: str) -> None:
        if family in self.sessions:
            self.sessions[family].revoked = True

    def session_state(self, family: str, token_id: str) -> str:
        """'current', 'reused' (an older token of the family) or 'revoked'/'unknown'."""
        session = self.sessions.get(family)
        if session is None:
            return "unknown"
        if session.revoked:
            return "revoked"
        return "current" if session.current == token_id else "reused"

    @event("Erased")
    def erase(self) -> None:
        """Closes the account and forgets its personal data in the aggregate's state. (The
        log itself still holds the registration facts until they are encrypted per user.)"""
        self.erased = True
        self.profile = Profile(first_name="Erased", last_name="User")
        self.addresses = {}
        self.default_address = None
        self.credentials += 1
        for session in self.sessions.values():
            session.revoked = True


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
