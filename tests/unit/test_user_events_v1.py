"""User events stored before the profile and address fields had the domain's names (v1: the
API's camelCase) load as the current events, whether their personal data is still readable,
was stored before sealing existed, or was erased."""

from __future__ import annotations

import json
import uuid
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, StoredEvent, UUIDAsHex

from application.metadata import MetadataMapper
from application.personal_data import ERASED_TEXT, PersonalDataCipher
from domain.accounts import Address, Profile, User

USER = uuid.uuid4()
WHEN = {"_type_": "datetime_iso", "_data_": "2026-11-15T10:30:00+00:00"}


class Vault:
    """Keys in a dict: what the SQL key vault does, without the database."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}

    def key(self, subject: str, create: bool = False) -> bytes | None:
        if subject not in self.keys and create:
            self.keys[subject] = uuid.uuid4().bytes + uuid.uuid4().bytes
        return self.keys.get(subject)

    def destroy(self, subject: str) -> None:
        self.keys.pop(subject, None)


def mapper(vault: Vault) -> MetadataMapper:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO()):
        transcoder.register(transcoding)
    found = MetadataMapper(transcoder=transcoder)
    found.cipher_of_personal_data = PersonalDataCipher(vault)
    return found


def v1(vault: Vault | None, version: int, name: str, **state: Any) -> StoredEvent:
    """A User event as the first version stored it: sealed when a vault is given."""
    topic = f"domain.accounts:User.{name}"
    state = {"timestamp": WHEN, **state}
    if vault is not None:
        state["originator_id"] = USER
        PersonalDataCipher(vault).seal_state(topic, state)
        del state["originator_id"]
    return StoredEvent(originator_id=USER, originator_version=version, topic=topic,
                       state=json.dumps(state).encode())


def history(vault: Vault | None) -> list[StoredEvent]:
    def registered() -> StoredEvent:
        stored = v1(None, 1, "Registered", email="ada@example.com", password_hash="h",
                    first_name="Ada", last_name="Lovelace", id={"_type_": "uuid_hex",
                                                                  "_data_": USER.hex},
                    originator_topic="domain.accounts:User")
        return stored

    return [
        registered(),
        v1(vault, 2, "ProfileUpdated", changes={"phoneNumber": "+15551234567",
                                                 "dateOfBirth": "1990-01-01"},
           preferences={"units": {"height": "in"}, "privacy": {"dataSharing": True}}),
        v1(vault, 3, "AddressAdded", address_id="addr_1", is_default=True,
           fields={"firstName": "Ada", "street": "1 Main St", "zipCode": "10001",
                   "country": "US"}),
        v1(vault, 4, "AddressUpdated", address_id="addr_1", default_address="addr_1",
           changes={"zipCode": "10002"}),
        # v2: the fields in the domain's words, the privacy settings still in the API's.
        v1(vault, 5, "ProfileUpdated", class_version=2, changes={},
           preferences={"privacy": {"profileVisibility": "public"}}),
    ]


def replayed(stored: list[StoredEvent], vault: Vault) -> User:
    user: Aggregate | None = None
    for event in (mapper(vault).to_domain_event(s) for s in stored):
        user = event.mutate(user)  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def test_an_old_profile_change_and_address_load_under_the_domains_names() -> None:
    vault = Vault()
    user = replayed(history(vault), vault)
    assert user.profile == Profile(first_name="Ada", last_name="Lovelace",
                                   phone_number="+15551234567", date_of_birth="1990-01-01")
    assert user.preferences["units"] == {"height": "in", "weight": "kg"}
    assert user.preferences["privacy"] == {"profile_visibility": "public", "data_sharing": True}
    assert user.addresses == {"addr_1": Address(first_name="Ada", street="1 Main St",
                                                zip_code="10002", country="US")}


def test_old_events_stored_before_sealing_load_the_same() -> None:
    vault = Vault()
    assert replayed(history(None), vault).addresses == replayed(history(vault),
                                                                 vault).addresses


def test_an_erased_persons_old_address_reads_back_as_erased_under_the_domains_names() -> None:
    vault = Vault()
    stored = history(vault)
    vault.destroy(str(USER))
    user = replayed(stored, vault)
    assert user.addresses == {"addr_1": Address(first_name=ERASED_TEXT, street=ERASED_TEXT,
                                                zip_code=ERASED_TEXT, country=ERASED_TEXT)}
    assert user.profile.phone_number == ERASED_TEXT


def test_a_new_address_event_stores_the_domains_names() -> None:
    vault = Vault()
    user = replayed(history(vault), vault)
    user.add_address("addr_2", Address(city="Paris", zip_code="75001"), is_default=False)
    event = user.collect_events()[-1]
    stored = mapper(vault).to_stored_event(event)
    assert json.loads(stored.state)["class_version"] == 2
    reloaded = mapper(vault).to_domain_event(stored)
    assert reloaded.fields == {"city": "Paris", "zip_code": "75001"}  # type: ignore[attr-defined]
