"""Personal data in events is encrypted with a key per person, kept outside the event log.

Erasing a person destroys their key (crypto-shredding): the log stays append-only and every
replay still works, but the person's names, email, phone, date of birth and addresses read back
as erased placeholders everywhere, while amounts, statuses and timelines stay auditable.

Which fields are personal is declared here, per event class, with the way to find whose data
it is. The mapper seals them on the way into the store and opens them on the way out.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import ids

ERASED_TEXT = "[erased]"
SEALED = "_pii"


class KeyVault(Protocol):
    def key(self, subject: str, create: bool = False) -> bytes | None: ...

    def destroy(self, subject: str) -> None: ...


def _erased_like(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _erased_like(v) for k, v in value.items()} if value else {}
    if isinstance(value, str):
        return ERASED_TEXT
    return None


Subject = Callable[[dict[str, Any]], str | None]


def _user_of_originator(state: dict[str, Any]) -> str | None:
    return str(state["originator_id"])


def _user_field(state: dict[str, Any]) -> str | None:
    return str(state["user_id"]) if state.get("user_id") is not None else None


def _reviewer(state: dict[str, Any]) -> str | None:
    value = ids.decode("usr", str(state.get("review", {}).get("userId", "")))
    return None if value is None else str(value)


# Event topic suffix -> (whose data, the personal fields; "a.b" is field b inside dict a).
# Fields are opened before any upcaster runs, so an upcaster may reshape what is inside them
# but a field named here keeps its name in every version of its event.
PERSONAL_FIELDS: dict[str, tuple[Subject, tuple[str, ...]]] = {
    "domain.accounts:User.Registered": (_user_of_originator, ("email", "first_name",
                                                              "last_name")),
    "domain.accounts:User.ProfileUpdated": (_user_of_originator, ("changes",)),
    "domain.accounts:User.AddressAdded": (_user_of_originator, ("fields",)),
    "domain.accounts:User.AddressUpdated": (_user_of_originator, ("changes",)),
    "domain.ordering:Order.Placed": (_user_field, ("shipping_address", "billing_address")),
    "domain.catalog:Product.Reviewed": (_reviewer, ("review.userName",)),
}


class PersonalDataCipher:
    """AES-256-GCM per person; the subject is bound into each ciphertext as associated data."""

    def __init__(self, vault: KeyVault) -> None:
        self.vault = vault

    def seal(self, subject: str, value: Any) -> dict[str, str]:
        key = self.vault.key(subject, create=True)
        assert key is not None
        nonce = os.urandom(12)
        data = json.dumps(value, separators=(",", ":")).encode()
        token = nonce + AESGCM(key).encrypt(nonce, data, subject.encode())
        return {SEALED: base64.b64encode(token).decode(), "shape": _shape(value)}

    def open(self, subject: str, sealed: dict[str, str]) -> Any:
        key = self.vault.key(subject)
        if key is None:
            return _unshape(sealed.get("shape"))
        token = base64.b64decode(sealed[SEALED])
        try:
            data = AESGCM(key).decrypt(token[:12], token[12:], subject.encode())
        except InvalidTag:
            return _unshape(sealed.get("shape"))
        return json.loads(data)

    # -- whole events ------------------------------------------------------------------------
    def seal_state(self, topic: str, state: dict[str, Any]) -> None:
        """Replaces the personal fields of a stored event's state with their sealed form."""
        _each_personal_field(topic, state, lambda subject, value: self.seal(subject, value))

    @staticmethod
    def covers(topic: str) -> bool:
        """Whether events of ``topic`` can hold personal data."""
        return topic in PERSONAL_FIELDS

    def open_state(self, topic: str, state: dict[str, Any]) -> None:
        """Opens the sealed fields of a loaded event (erased placeholders once the key is
        gone); fields stored before sealing existed are left as they are."""
        _each_personal_field(topic, state, lambda subject, value: (
            self.open(subject, value) if isinstance(value, dict) and SEALED in value else value))


def _each_personal_field(topic: str, state: dict[str, Any],
                         change: Callable[[str, Any], Any]) -> None:
    found = PERSONAL_FIELDS.get(topic)
    if found is None:
        return
    subject_of, fields = found
    subject = subject_of(state)
    if subject is None:
        return
    for path in fields:
        _replace(state, path, lambda value: change(subject, value))


def _shape(value: Any) -> str:
    """What an erased value reads back as: the keys of a dict, or that it was text."""
    if isinstance(value, dict):
        return "dict:" + ",".join(sorted(value))
    return "text" if isinstance(value, str) else "none"


def _unshape(shape: str | None) -> Any:
    if shape and shape.startswith("dict:"):
        return {k: ERASED_TEXT for k in shape[5:].split(",") if k}
    return ERASED_TEXT if shape == "text" else None


def _replace(state: dict[str, Any], path: str, change: Callable[[Any], Any]) -> None:
    head, _, rest = path.partition(".")
    if head not in state or state[head] is None:
        return
    if rest:
        inner = dict(state[head])
        _replace(inner, rest, change)
        state[head] = inner
    else:
        state[head] = change(state[head])


def subject_of_user(user_id: uuid.UUID) -> str:
    return str(user_id)
