"""The signed-in user's profile, password, addresses and account erasure."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import ADDRESS, PASSWORD

NEW_PASSWORD = "N3w!Passw0rd"


def fields_of(r: Any) -> dict[str, str]:
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    return {f["field"]: f["code"] for f in error["details"]["fields"]}


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post("/v1/auth/login", json={"email": email, "password": password})


def add_address(client: Any, h: dict[str, str], **changes: Any) -> dict[str, Any]:
    r = client.post("/v1/users/me/addresses", json={**ADDRESS, **changes}, headers=h)
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def addresses(client: Any, h: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get("/v1/users/me/addresses", headers=h)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


def defaults(client: Any, h: dict[str, str]) -> list[str]:
    return [a["id"] for a in addresses(client, h) if a["isDefault"]]


# -- profile ----------------------------------------------------------------------------------
def test_the_profile_of_a_new_user_has_defaults_and_zero_stats(client: Any, people: Any) -> None:
    ada = people.register(first="Ada", last="Lovelace")
    r = client.get("/v1/users/me", headers=ada["headers"])
    assert r.status_code == 200, r.text
    profile = r.json()["data"]
    assert profile["id"] == ada["id"] and profile["email"] == ada["email"]
    assert profile["preferences"] == {
        "notifications": {"email": True, "push": True, "marketing": False},
        "privacy": {"profileVisibility": "private", "dataSharing": False},
        "units": {"height": "cm", "weight": "kg"}}
    assert profile["stats"] == {"avatarScans": 0, "tryOnsGenerated": 0, "ordersPlaced": 0,
                                "totalSpent": 0}
    assert profile["addresses"] == []
    assert not any(k.startswith("_") for k in profile)


def test_patch_me_changes_fields_and_deep_merges_preferences(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    r = client.patch("/v1/users/me", json={
        "firstName": "Augusta", "dateOfBirth": "1990-05-15", "gender": "female",
        "phoneNumber": "+1-555-0123",
        "preferences": {"notifications": {"marketing": True}, "units": {"height": "in"}}},
        headers=h)
    assert r.status_code == 200, r.text
    profile = r.json()["data"]
    assert profile["firstName"] == "Augusta" and profile["lastName"] == "Lovelace"
    assert profile["dateOfBirth"] == "1990-05-15" and profile["gender"] == "female"
    assert profile["phoneNumber"] == "+15550123"
    assert profile["preferences"] == {
        "notifications": {"email": True, "push": True, "marketing": True},
        "privacy": {"profileVisibility": "private", "dataSharing": False},
        "units": {"height": "in", "weight": "kg"}}
    # A second partial patch keeps what the first one set.
    r = client.patch("/v1/users/me", json={"preferences": {"privacy": {"dataSharing": True}}},
                     headers=h)
    prefs = r.json()["data"]["preferences"]
    assert prefs["notifications"]["marketing"] is True and prefs["units"]["height"] == "in"
    assert prefs["privacy"] == {"profileVisibility": "private", "dataSharing": True}
    assert client.get("/v1/users/me", headers=h).json()["data"]["preferences"] == prefs


def test_an_empty_patch_changes_nothing(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    before = client.get("/v1/users/me", headers=h).json()["data"]
    r = client.patch("/v1/users/me", json={}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == before


BAD_PATCHES: list[tuple[dict[str, Any], str, str]] = [
    ({"phoneNumber": "555-0123"}, "phoneNumber", "INVALID_FORMAT"),
    ({"phoneNumber": "+0123456"}, "phoneNumber", "INVALID_FORMAT"),
    # two days ahead: still the future when the run crosses midnight, in any time zone
    ({"dateOfBirth": (date.today() + timedelta(days=2)).isoformat()}, "dateOfBirth",
     "OUT_OF_RANGE"),
    ({"dateOfBirth": "1899-12-31"}, "dateOfBirth", "OUT_OF_RANGE"),
    ({"dateOfBirth": "15/05/1990"}, "dateOfBirth", "INVALID_FORMAT"),
    ({"gender": "robot"}, "gender", "INVALID_ENUM"),
    ({"favouriteColour": "blue"}, "favouriteColour", "UNKNOWN_FIELD"),
    ({"email": "new@example.com"}, "email", "UNKNOWN_FIELD"),
    ({"firstName": ""}, "firstName", "MIN_LENGTH"),
    ({"firstName": "x" * 51}, "firstName", "MAX_LENGTH"),
    ({"preferences": {"privacy": {"profileVisibility": "everyone"}}},
     "preferences.privacy.profileVisibility", "INVALID_ENUM"),
    ({"preferences": {"units": {"weight": "stone"}}}, "preferences.units.weight", "INVALID_ENUM"),
    ({"preferences": {"notifications": {"sms": True}}}, "preferences.notifications.sms",
     "UNKNOWN_FIELD"),
]


def test_an_invalid_profile_patch_names_the_field(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    before = client.get("/v1/users/me", headers=h).json()["data"]
    for patch, field, code in BAD_PATCHES:
        found = fields_of(client.patch("/v1/users/me", json=patch, headers=h))
        assert found.get(field) == code, (patch, found)
    assert client.get("/v1/users/me", headers=h).json()["data"] == before


# -- password ---------------------------------------------------------------------------------
def test_a_password_change_revokes_sessions_and_the_new_password_works(client: Any,
                                                                        people: Any) -> None:
    ada = people.register()
    other = login(client, ada["email"]).json()["data"]["tokens"]["refreshToken"]
    r = client.post("/v1/users/me/password", json={"currentPassword": PASSWORD,
                                                   "newPassword": NEW_PASSWORD},
                    headers=ada["headers"])
    assert r.status_code == 204, r.text
    for token in (ada["tokens"]["refreshToken"], other):
        assert client.post("/v1/auth/refresh", json={"refreshToken": token}).status_code == 401
    assert login(client, ada["email"]).status_code == 401
    r = login(client, ada["email"], NEW_PASSWORD)
    assert r.status_code == 200, r.text
    fresh = r.json()["data"]["tokens"]["refreshToken"]
    assert client.post("/v1/auth/refresh", json={"refreshToken": fresh}).status_code == 200


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(
        client: Any, people: Any) -> None:
    ada = people.register()
    r = client.post("/v1/users/me/password", json={"currentPassword": "Wr0ng!Pass",
                                                   "newPassword": NEW_PASSWORD},
                    headers=ada["headers"])
    assert "currentPassword" in fields_of(r)
    r = client.post("/v1/users/me/password", json={"currentPassword": PASSWORD,
                                                   "newPassword": "weakpass"},
                    headers=ada["headers"])
    assert "newPassword" in fields_of(r)
    assert login(client, ada["email"]).status_code == 200


# -- addresses --------------------------------------------------------------------------------
def test_the_first_address_becomes_the_default(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    first = add_address(client, h)
    assert first["isDefault"] is True
    assert first["id"].startswith("addr_")
    assert first["phone"] == "+15550123" and first["country"] == "US"
    second = add_address(client, h, street="9 Side St")
    assert second["isDefault"] is False
    assert defaults(client, h) == [first["id"]]


def test_adding_a_default_address_moves_the_default(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    first = add_address(client, h)
    second = add_address(client, h, street="9 Side St", isDefault=True)
    assert second["isDefault"] is True
    assert defaults(client, h) == [second["id"]]
    assert first["id"] in [a["id"] for a in addresses(client, h)]


def test_making_another_address_default_leaves_exactly_one(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    first = add_address(client, h)
    second = add_address(client, h, street="9 Side St")
    r = client.patch(f"/v1/users/me/addresses/{second['id']}", json={"isDefault": True},
                     headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["isDefault"] is True
    assert defaults(client, h) == [second["id"]]
    # Un-defaulting the default hands the role to another address: still exactly one.
    r = client.patch(f"/v1/users/me/addresses/{second['id']}", json={"isDefault": False},
                     headers=h)
    assert r.status_code == 200, r.text
    assert defaults(client, h) == [first["id"]]


def test_the_only_address_cannot_stop_being_the_default(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    only = add_address(client, h)
    r = client.patch(f"/v1/users/me/addresses/{only['id']}", json={"isDefault": False},
                     headers=h)
    assert "isDefault" in fields_of(r)
    assert defaults(client, h) == [only["id"]]


def test_deleting_the_default_address_promotes_another(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    first = add_address(client, h)
    second = add_address(client, h, street="9 Side St")
    r = client.delete(f"/v1/users/me/addresses/{first['id']}", headers=h)
    assert r.status_code == 204, r.text
    assert [a["id"] for a in addresses(client, h)] == [second["id"]]
    assert defaults(client, h) == [second["id"]]
    assert client.delete(f"/v1/users/me/addresses/{second['id']}", headers=h).status_code == 204
    assert addresses(client, h) == []
    third = add_address(client, h, street="1 New St")
    assert third["isDefault"] is True


def test_patching_an_address_changes_only_the_given_fields(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    address = add_address(client, h)
    r = client.patch(f"/v1/users/me/addresses/{address['id']}", json={"city": "Boston"},
                     headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {**address, "city": "Boston"}
    assert client.get("/v1/users/me", headers=h).json()["data"]["addresses"] == [
        {**address, "city": "Boston"}]


BAD_ADDRESSES: list[tuple[dict[str, Any], str, str]] = [
    ({"country": "XX"}, "country", "INVALID_FORMAT"),
    ({"country": "USA"}, "country", "MAX_LENGTH"),
    ({"zipCode": "!"}, "zipCode", "INVALID_FORMAT"),
    ({"phone": "12345"}, "phone", "INVALID_FORMAT"),
    ({"street": ""}, "street", "MIN_LENGTH"),
]


def test_an_invalid_address_is_rejected(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    for changes, field, code in BAD_ADDRESSES:
        r = client.post("/v1/users/me/addresses", json={**ADDRESS, **changes}, headers=h)
        assert fields_of(r).get(field) == code, changes
    body = {k: v for k, v in ADDRESS.items() if k != "city"}
    assert fields_of(client.post("/v1/users/me/addresses", json=body, headers=h)) == {
        "city": "REQUIRED"}
    assert addresses(client, h) == []
    # The same rules hold for a patch.
    address = add_address(client, h)
    r = client.patch(f"/v1/users/me/addresses/{address['id']}", json={"country": "ZZ"},
                     headers=h)
    assert fields_of(r) == {"country": "INVALID_FORMAT"}
    assert addresses(client, h) == [address]


def test_another_users_address_is_not_found(client: Any, people: Any,
                                            shirt: dict[str, Any]) -> None:
    owner, intruder = people.register(), people.register()
    address = add_address(client, owner["headers"])
    h = intruder["headers"]
    r = client.patch(f"/v1/users/me/addresses/{address['id']}", json={"city": "Boston"},
                     headers=h)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "NOT_FOUND"
    assert client.delete(f"/v1/users/me/addresses/{address['id']}",
                         headers=h).status_code == 404
    client.post("/v1/cart/items", json={"productId": shirt["id"],
                                        "variantId": shirt["variants"][0]["id"],
                                        "quantity": 1}, headers=h)
    r = client.post("/v1/orders", json={"shippingAddressId": address["id"]},
                    headers={**h, "Idempotency-Key": "steal-address"})
    assert r.status_code == 404, r.text
    assert client.get("/v1/orders", headers=h).json()["data"] == []
    assert addresses(client, owner["headers"]) == [address]


def test_unknown_and_malformed_address_ids_are_not_found(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    for address_id in ("addr_" + "A" * 22, "nonsense"):
        assert client.delete(f"/v1/users/me/addresses/{address_id}", headers=h).status_code == 404
        r = client.patch(f"/v1/users/me/addresses/{address_id}", json={"city": "X"}, headers=h)
        assert r.status_code == 404


# -- erasure ----------------------------------------------------------------------------------
def test_deleting_the_account_needs_the_password(client: Any, people: Any) -> None:
    ada = people.register()
    r = client.request("DELETE", "/v1/users/me", json={"password": "Wr0ng!Pass"},
                       headers=ada["headers"])
    assert "password" in fields_of(r)
    assert client.get("/v1/users/me", headers=ada["headers"]).status_code == 200


def test_deleting_the_account_erases_personal_data(client: Any, people: Any,
                                                   container: Any) -> None:
    ada = people.register(first="Augusta", last="Byron")
    h = ada["headers"]
    add_address(client, h)
    client.patch("/v1/users/me", json={"phoneNumber": "+44 20 7946 0958",
                                       "dateOfBirth": "1985-12-10"}, headers=h)
    r = client.request("DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=h)
    assert r.status_code == 204, r.text

    assert client.get("/v1/users/me", headers=h).status_code == 401
    assert login(client, ada["email"]).status_code == 401
    refresh = client.post("/v1/auth/refresh", json={"refreshToken": ada["tokens"]["refreshToken"]})
    assert refresh.status_code == 401
    stored = container.read.profile(ada["id"])
    text = str(stored)
    for personal in (ada["email"], "Augusta", "Byron", "Main St", "+442079460958",
                     "1985-12-10"):
        assert personal not in text, personal

    again = client.post("/v1/auth/register", json={"email": ada["email"], "password": PASSWORD,
                                                   "firstName": "New", "lastName": "Person"})
    assert again.status_code == 201, again.text
    assert again.json()["data"]["user"]["id"] != ada["id"]
    assert login(client, ada["email"]).status_code == 200
