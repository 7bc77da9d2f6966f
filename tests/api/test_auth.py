"""Auth through the API: registration, tokens, refresh rotation, logout, email verification
and the login rate limit."""

from __future__ import annotations

import email
import email.policy
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from tests.conftest import PASSWORD

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def register(client: Any, email_: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/v1/auth/register", json={
        "email": email_, "password": password, "firstName": "Ada", "lastName": "Lovelace",
        **extra})


def login(client: Any, email_: str, password: str = PASSWORD) -> Any:
    return client.post("/v1/auth/login", json={"email": email_, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(client: Any, token: str) -> Any:
    return client.get("/v1/users/me", headers=bearer(token))


def refresh(client: Any, token: str) -> Any:
    return client.post("/v1/auth/refresh", json={"refreshToken": token})


def secret(settings: Any) -> str:
    return str(settings.secret_key)


# -- registration -----------------------------------------------------------------------------
def test_register_answers_201_with_the_user_and_tokens(client: Any, settings: Any) -> None:
    r = register(client, "Grace.Hopper@Example.com")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["success"] is True
    user, tokens = body["data"]["user"], body["data"]["tokens"]
    assert re.fullmatch(r"usr_[a-zA-Z0-9]{9,}", user["id"])
    assert user["email"] == "grace.hopper@example.com"  # stored lowercase
    assert (user["firstName"], user["lastName"]) == ("Ada", "Lovelace")
    assert user["emailVerified"] is False and user["phoneVerified"] is False
    assert set(user) == {"id", "email", "firstName", "lastName", "avatar", "emailVerified",
                         "phoneVerified", "createdAt", "updatedAt"}
    assert set(tokens) == {"accessToken", "accessTokenExpires", "refreshToken",
                           "refreshTokenExpires"}
    assert ISO_Z.match(tokens["accessTokenExpires"]) and ISO_Z.match(tokens["refreshTokenExpires"])
    assert "password" not in r.text.lower() and "hash" not in r.text.lower()


def test_tokens_carry_the_spec_claims_and_lifetimes(client: Any, settings: Any) -> None:
    tokens = register(client, "claims@example.com").json()["data"]["tokens"]
    access = jwt.decode(tokens["accessToken"], secret(settings), algorithms=["HS256"])
    refresh_ = jwt.decode(tokens["refreshToken"], secret(settings), algorithms=["HS256"])
    user_id = me(client, tokens["accessToken"]).json()["data"]["id"]
    for claims, kind in ((access, "access"), (refresh_, "refresh")):
        assert {"sub", "email", "iat", "exp", "type"} <= set(claims)
        assert claims["sub"] == user_id and claims["email"] == "claims@example.com"
        assert claims["type"] == kind
    assert access["exp"] - access["iat"] == 3600
    assert refresh_["exp"] - refresh_["iat"] == 7 * 24 * 3600
    expires = datetime.strptime(tokens["accessTokenExpires"], "%Y-%m-%dT%H:%M:%SZ")
    assert int(expires.replace(tzinfo=UTC).timestamp()) == access["exp"]


def test_a_second_registration_of_an_email_in_any_case_is_409_email_taken(client: Any) -> None:
    assert register(client, "taken@example.com").status_code == 201
    r = register(client, "TAKEN@Example.COM")
    assert r.status_code == 409, r.text
    assert r.json() == {"success": False, "error": {
        "code": "EMAIL_TAKEN", "message": r.json()["error"]["message"]}}


WEAK_PASSWORDS = [
    ("Sh0rt!", "MIN_LENGTH"),
    ("alllower1!", "INVALID_FORMAT"),
    ("ALLUPPER1!", "INVALID_FORMAT"),
    ("NoDigits!!", "INVALID_FORMAT"),
    ("NoSpecial11", "INVALID_FORMAT"),
    ("x" * 120 + "Aa1!" + "y" * 10, "MAX_LENGTH"),
]


def test_a_password_outside_the_policy_is_a_validation_error(client: Any) -> None:
    for password, code in WEAK_PASSWORDS:
        r = register(client, "policy@example.com", password=password)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert {"field": "password", "code": code} in [
            {"field": f["field"], "code": f["code"]} for f in error["details"]["fields"]], password
    # Nothing was created: the address is still free.
    assert register(client, "policy@example.com").status_code == 201


def test_missing_and_malformed_registration_fields_are_named(client: Any) -> None:
    r = client.post("/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD,
                                               "firstName": ""})
    assert r.status_code == 400, r.text
    fields = {f["field"]: f["code"] for f in r.json()["error"]["details"]["fields"]}
    assert fields["lastName"] == "REQUIRED"
    assert fields["firstName"] == "MIN_LENGTH"
    assert "email" in fields


# -- login ------------------------------------------------------------------------------------
def test_login_works_with_the_email_in_any_case(client: Any) -> None:
    register(client, "case@example.com")
    r = login(client, "  CASE@example.com ")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["user"]["email"] == "case@example.com"
    assert me(client, r.json()["data"]["tokens"]["accessToken"]).status_code == 200


def test_a_wrong_password_and_an_unknown_email_fail_alike(client: Any) -> None:
    register(client, "known@example.com")
    wrong = login(client, "known@example.com", "Wr0ng!Pass")
    unknown = login(client, "nobody@example.com", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "UNAUTHORIZED"


# -- access tokens ----------------------------------------------------------------------------
def test_requests_without_a_token_are_401_unauthorized(client: Any) -> None:
    r = client.get("/v1/users/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHORIZED"
    assert client.get("/v1/users/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_tampered_or_forged_token_is_401_invalid_token(client: Any, people: Any,
                                                         settings: Any) -> None:
    token = people.register()["tokens"]["accessToken"]
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    claims = jwt.decode(token, secret(settings), algorithms=["HS256"])
    other_secret = jwt.encode(claims, "another-secret-" + "y" * 32, algorithm="HS256")
    for bad in (f"{head}.{payload}.{flipped}", token[:-1], other_secret, "not.a.jwt", "garbage"):
        r = me(client, bad)
        assert r.status_code == 401, bad
        assert r.json()["error"]["code"] == "INVALID_TOKEN"
    assert me(client, token).status_code == 200


def test_an_expired_token_is_401_token_expired(client: Any, people: Any, settings: Any) -> None:
    person = people.register()
    past = datetime.now(UTC) - timedelta(hours=2)
    token = jwt.encode({"sub": person["id"], "email": person["email"], "iat": past,
                        "exp": past + timedelta(hours=1), "type": "access"},
                       secret(settings), algorithm="HS256")
    r = me(client, token)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "TOKEN_EXPIRED"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_alg_none_token_is_401_invalid_token(client: Any, people: Any,
                                                settings: Any) -> None:
    person = people.register()
    claims = jwt.decode(person["tokens"]["accessToken"], secret(settings), algorithms=["HS256"])
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    assert unsigned.endswith(".")
    r = me(client, unsigned)
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_TOKEN"


def test_a_refresh_token_is_not_an_access_token_nor_the_reverse(client: Any,
                                                                 people: Any) -> None:
    tokens = people.register()["tokens"]
    r = me(client, tokens["refreshToken"])
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_TOKEN"
    r = refresh(client, tokens["accessToken"])
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_TOKEN"


def test_a_token_for_a_user_that_does_not_exist_is_401(client: Any, settings: Any) -> None:
    now = datetime.now(UTC)
    token = jwt.encode({"sub": "usr_" + "A" * 22, "email": "ghost@example.com", "iat": now,
                        "exp": now + timedelta(hours=1), "type": "access"},
                       secret(settings), algorithm="HS256")
    assert me(client, token).status_code == 401


# -- refresh rotation and reuse detection -----------------------------------------------------
def test_refresh_rotates_the_refresh_token(client: Any, people: Any, settings: Any) -> None:
    first = people.register()["tokens"]
    r = refresh(client, first["refreshToken"])
    assert r.status_code == 200, r.text
    second = r.json()["data"]
    assert set(second) == {"accessToken", "accessTokenExpires", "refreshToken",
                           "refreshTokenExpires"}
    assert second["refreshToken"] != first["refreshToken"]
    assert me(client, second["accessToken"]).status_code == 200
    claims = jwt.decode(second["refreshToken"], secret(settings), algorithms=["HS256"])
    assert claims["type"] == "refresh"
    third = refresh(client, second["refreshToken"])
    assert third.status_code == 200, third.text


def test_a_reused_refresh_token_revokes_its_family(client: Any, people: Any) -> None:
    first = people.register()["tokens"]["refreshToken"]
    second = refresh(client, first).json()["data"]["refreshToken"]
    third = refresh(client, second).json()["data"]["refreshToken"]
    reused = refresh(client, first)
    assert reused.status_code == 401, reused.text
    assert reused.json()["error"]["code"] == "UNAUTHORIZED"
    # The newest token of the family was revoked with it.
    newest = refresh(client, third)
    assert newest.status_code == 401, newest.text


def test_racing_refreshes_of_one_token_let_at_most_one_through(client: Any,
                                                                people: Any) -> None:
    token = people.register()["tokens"]["refreshToken"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: refresh(client, token), range(6)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [401] * 5, [r.text for r in answers]
    # The losers presented a used token: the winner's new token went with the family.
    winner = next(r for r in answers if r.status_code == 200).json()["data"]
    assert refresh(client, winner["refreshToken"]).status_code == 401


def test_reuse_revokes_only_its_own_family(client: Any, people: Any) -> None:
    person = people.register()
    other_session = login(client, person["email"]).json()["data"]["tokens"]["refreshToken"]
    first = person["tokens"]["refreshToken"]
    refresh(client, first)
    assert refresh(client, first).status_code == 401
    assert refresh(client, other_session).status_code == 200


def test_logout_revokes_the_refresh_token(client: Any, people: Any) -> None:
    tokens = people.register()["tokens"]
    r = client.post("/v1/auth/logout", json={"refreshToken": tokens["refreshToken"]})
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert refresh(client, tokens["refreshToken"]).status_code == 401
    r = client.post("/v1/auth/logout", json={"refreshToken": "nonsense"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_TOKEN"


# -- email verification -----------------------------------------------------------------------
def mailed_token(settings: Any, to: str) -> str:
    for path in sorted((settings.data_dir / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", body.get_content())
            assert found, body.get_content()
            return found.group(0)
    raise AssertionError(f"no mail to {to}")


def test_the_mailed_token_verifies_the_email(client: Any, people: Any, settings: Any) -> None:
    person = people.register("verify.me@example.com")
    token = mailed_token(settings, "verify.me@example.com")
    r = client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["emailVerified"] is True
    assert r.json()["data"]["id"] == person["id"]
    assert me(client, person["tokens"]["accessToken"]).json()["data"]["emailVerified"] is True
    again = client.post("/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 200 and again.json()["data"]["emailVerified"] is True


def test_an_access_token_does_not_verify_an_email(client: Any, people: Any) -> None:
    person = people.register()
    r = client.post("/v1/auth/verify-email", json={"token": person["tokens"]["accessToken"]})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_TOKEN"
    assert me(client, person["tokens"]["accessToken"]).json()["data"]["emailVerified"] is False


# -- rate limits ------------------------------------------------------------------------------
def test_the_sixth_login_after_five_failures_is_rate_limited(client: Any, people: Any) -> None:
    person = people.register()
    for spelling in (str.lower, str.upper, str.title, str.lower, str.upper):
        assert login(client, spelling(person["email"]), "Wr0ng!Pass").status_code == 401
    r = login(client, person["email"])  # even the right password
    assert r.status_code == 429, r.text
    error = r.json()["error"]
    assert error["code"] == "RATE_LIMIT_EXCEEDED"
    assert error["details"]["limit"] == 5 and error["details"]["remaining"] == 0
    reset = datetime.strptime(error["details"]["resetTime"], "%Y-%m-%dT%H:%M:%SZ")
    reset = reset.replace(tzinfo=UTC)
    assert datetime.now(UTC) < reset <= datetime.now(UTC) + timedelta(minutes=15, seconds=1)
    retry_after = int(r.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60 + 1
    assert r.headers["RateLimit-Policy"] == "5;w=900"
    assert "remaining=0" in r.headers["RateLimit"] and "limit=5" in r.headers["RateLimit"]


def test_the_failed_login_limit_is_per_account(client: Any, people: Any) -> None:
    victim, bystander = people.register(), people.register()
    for _ in range(5):
        login(client, victim["email"], "Wr0ng!Pass")
    assert login(client, victim["email"]).status_code == 429
    assert login(client, bystander["email"]).status_code == 200


def test_successful_logins_do_not_count_towards_the_limit(client: Any, people: Any) -> None:
    person = people.register()
    for _ in range(7):
        assert login(client, person["email"]).status_code == 200


def test_registrations_are_rate_limited_per_client(client: Any, container: Any) -> None:
    from adapters.ratelimit import RateLimits

    container.rate_limits = RateLimits("5/15 minutes", "3/hour", "120/minute")
    for i in range(3):
        assert register(client, f"r{i}@example.com").status_code == 201
    r = register(client, "r3@example.com")
    assert r.status_code == 429, r.text
    assert r.json()["error"]["details"]["limit"] == 3
