"""The accounts context, command by command."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from application.accounts import Accounts
from domain.accounts import Address, Profile, Role
from domain.errors import CredentialsRejected, EmailTaken, InvalidInput, NotFound, SessionEnded

EXPIRES = datetime(2100, 1, 1, tzinfo=UTC)
HOME = Address(first_name="Ada", street="1 Main St", city="New York", zip_code="10001",
               country="US")


def ada(accounts: Accounts) -> uuid.UUID:
    user_id, _ = accounts.register("Ada@Example.com", "correct horse", "Ada", "Lovelace")
    return user_id


def test_a_person_who_registers_signs_in_with_their_email_in_any_case(
        accounts: Accounts) -> None:
    user_id = ada(accounts)
    assert accounts.authenticate("ada@example.com", "correct horse").id == user_id
    assert accounts.get_user(user_id).profile == Profile(first_name="Ada",
                                                         last_name="Lovelace")


def test_an_email_registers_only_once(accounts: Accounts) -> None:
    ada(accounts)
    with pytest.raises(EmailTaken):
        accounts.register("ada@example.com", "another one", "Ada", "Byron")


def test_a_wrong_password_and_an_unknown_email_are_refused_alike(accounts: Accounts) -> None:
    ada(accounts)
    with pytest.raises(CredentialsRejected) as wrong_password:
        accounts.authenticate("ada@example.com", "wrong")
    with pytest.raises(CredentialsRejected) as unknown_email:
        accounts.authenticate("nobody@example.com", "correct horse")
    assert wrong_password.value.message == unknown_email.value.message


def test_a_refresh_token_used_twice_ends_the_whole_session(accounts: Accounts) -> None:
    user_id = ada(accounts)
    accounts.start_session(user_id, "family", "t1", EXPIRES)
    accounts.rotate_session(user_id, "family", "t1", "t2", EXPIRES)
    with pytest.raises(SessionEnded):
        accounts.rotate_session(user_id, "family", "t1", "t3", EXPIRES)  # stolen t1
    with pytest.raises(SessionEnded):
        accounts.rotate_session(user_id, "family", "t2", "t4", EXPIRES)  # so t2 is dead too


def test_changing_the_password_ends_every_session_begun_before(accounts: Accounts) -> None:
    user_id = ada(accounts)
    accounts.start_session(user_id, "phone", "t1", EXPIRES)
    accounts.change_password(user_id, "correct horse", "battery staple")
    with pytest.raises(SessionEnded):
        accounts.rotate_session(user_id, "phone", "t1", "t2", EXPIRES)
    assert accounts.authenticate("ada@example.com", "battery staple").id == user_id


def test_the_current_password_must_be_given_to_change_it(accounts: Accounts) -> None:
    user_id = ada(accounts)
    with pytest.raises(InvalidInput) as refused:
        accounts.change_password(user_id, "guess", "battery staple")
    assert refused.value.field == "current_password"


def test_a_profile_change_keeps_what_it_does_not_mention(accounts: Accounts) -> None:
    user_id = ada(accounts)
    accounts.update_profile(user_id, {"phone_number": "+15551234567"},
                            {"units": {"height": "in"}})
    user = accounts.get_user(user_id)
    assert user.profile == Profile(first_name="Ada", last_name="Lovelace",
                                   phone_number="+15551234567")
    assert user.preferences["units"] == {"height": "in", "weight": "kg"}


def test_nobody_loses_their_name(accounts: Accounts) -> None:
    user_id = ada(accounts)
    with pytest.raises(InvalidInput):
        accounts.update_profile(user_id, {"last_name": ""}, None)
    assert accounts.get_user(user_id).profile.last_name == "Lovelace"


def test_the_first_address_becomes_the_default_and_a_change_keeps_the_other_parts(
        accounts: Accounts) -> None:
    user_id = ada(accounts)
    accounts.add_address(user_id, "addr_home", HOME, is_default=False)
    accounts.update_address(user_id, "addr_home", Address(zip_code="10002"), is_default=None)
    assert accounts.default_address_of(user_id) == Address(
        first_name="Ada", street="1 Main St", city="New York", zip_code="10002", country="US")


def test_removing_the_default_address_passes_the_default_on(accounts: Accounts) -> None:
    user_id = ada(accounts)
    accounts.add_address(user_id, "addr_home", HOME, is_default=True)
    accounts.add_address(user_id, "addr_work", Address(city="Boston"), is_default=False)
    accounts.remove_address(user_id, "addr_home")
    assert accounts.default_address_of(user_id) == Address(city="Boston")
    with pytest.raises(NotFound):
        accounts.address_of(user_id, "addr_home")


def test_a_role_is_granted_once_and_an_unknown_one_is_refused(accounts: Accounts) -> None:
    user_id = ada(accounts)
    assert accounts.grant_role(user_id, "admin") > 0
    assert accounts.grant_role(user_id, "admin") == 0  # nothing new to record
    assert accounts.get_user(user_id).roles == [Role.CUSTOMER, Role.ADMIN]
    with pytest.raises(InvalidInput):
        accounts.grant_role(user_id, "superuser")


def test_an_erased_account_is_gone_and_its_email_may_register_again(
        accounts: Accounts) -> None:
    user_id = ada(accounts)
    accounts.erase(user_id, "correct horse")
    with pytest.raises(NotFound):
        accounts.get_user(user_id)
    with pytest.raises(CredentialsRejected):
        accounts.authenticate("ada@example.com", "correct horse")
    assert ada(accounts) != user_id
