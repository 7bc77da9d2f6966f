"""The storefront's session: the refresh token only ever in an httpOnly, SameSite=Strict cookie
scoped to /v1/auth/session; the app's page and files at / and /web with a CSP."""

from __future__ import annotations

import uuid
from http.cookies import SimpleCookie
from typing import Any

from tests.conftest import PASSWORD

SESSION = "/v1/auth/session"


def _set_cookie(response: Any) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    return cookie


def _register(client: Any, email: str | None = None) -> Any:
    return client.post(f"{SESSION}/register", json={
        "email": email or f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD,
        "firstName": "Ada", "lastName": "Lovelace"})


def test_sign_up_sets_an_httponly_strict_cookie_and_no_refresh_token_in_the_body(
        client: Any) -> None:
    r = _register(client)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert set(data["tokens"]) == {"accessToken", "accessTokenExpires"}
    assert "refreshToken" not in r.text
    morsel = _set_cookie(r)["tryon_refresh"]
    assert morsel.value and morsel["httponly"] and morsel["samesite"] == "strict"
    assert morsel["path"] == SESSION and int(morsel["max-age"]) > 6 * 86400
    assert not morsel["secure"]  # plain http here; https sets Secure
    assert r.headers["cache-control"] == "no-store"
    me = client.get("/v1/users/me",
                    headers={"Authorization": f"Bearer {data['tokens']['accessToken']}"})
    assert me.status_code == 200 and me.json()["data"]["email"] == data["user"]["email"]


def test_refresh_rotates_the_cookie_and_a_replayed_cookie_revokes_the_session(
        client: Any) -> None:
    first = _set_cookie(_register(client))["tryon_refresh"].value
    r = client.post(f"{SESSION}/refresh", json={})
    assert r.status_code == 200, r.text
    assert set(r.json()["data"]) == {"accessToken", "accessTokenExpires"}
    second = _set_cookie(r)["tryon_refresh"].value
    assert second and second != first
    # An attacker replaying the used cookie: the whole token family is revoked.
    client.cookies.set("tryon_refresh", first, path=SESSION)
    replay = client.post(f"{SESSION}/refresh", json={})
    assert replay.status_code == 401
    client.cookies.set("tryon_refresh", second, path=SESSION)
    assert client.post(f"{SESSION}/refresh", json={}).status_code == 401


def test_login_sets_the_cookie_and_logout_revokes_and_clears_it(client: Any) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    assert _register(client, email).status_code == 201
    client.cookies.clear()
    bad = client.post(f"{SESSION}/login", json={"email": email, "password": "Wrong!Pass1"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "UNAUTHORIZED"
    r = client.post(f"{SESSION}/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200 and "refreshToken" not in r.text
    token = _set_cookie(r)["tryon_refresh"].value
    out = client.post(f"{SESSION}/logout", json={})
    assert out.status_code == 204
    cleared = _set_cookie(out)["tryon_refresh"]
    assert cleared.value == "" and int(cleared["max-age"]) == 0
    client.cookies.set("tryon_refresh", token, path=SESSION)
    assert client.post(f"{SESSION}/refresh", json={}).status_code == 401


def test_refresh_without_a_cookie_or_without_json_is_refused(client: Any) -> None:
    client.cookies.clear()
    r = client.post(f"{SESSION}/refresh", json={})
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "UNAUTHORIZED", "message": "No session: sign in first"}
    _register(client)
    # What a cross-site form could send (no JSON): refused, the cookie is not used.
    form = client.post(f"{SESSION}/refresh", data={"x": "1"})
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert client.post(f"{SESSION}/logout", content=b"").status_code == 415
    assert client.post(f"{SESSION}/refresh", json={}).status_code == 200


def test_the_cookie_is_secure_when_the_public_url_is_https(client: Any, container: Any) -> None:
    container.settings.public_url = "https://shop.example.com"
    try:
        morsel = _set_cookie(_register(client))["tryon_refresh"]
    finally:
        container.settings.public_url = "http://127.0.0.1:8000"
    assert morsel["secure"]


def test_the_app_is_served_at_the_root_with_a_content_security_policy(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert '<script type="module" src="/web/js/app.js">' in page.text
    assert "<script>" not in page.text  # no inline script anywhere in the page
    script = client.get("/web/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == csp
    viewer = client.get("/web/vendor/model-viewer/model-viewer.min.js")
    assert viewer.status_code == 200 and len(viewer.content) > 500_000
    assert client.get("/web/vendor/model-viewer/LICENSE").status_code == 200
    # Everything else keeps the API's JSON errors.
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert client.get("/web/../adapters/settings.py").status_code == 404


def test_the_cookie_is_secure_when_the_shop_is_reached_over_https(container: Any) -> None:
    from fastapi.testclient import TestClient

    from adapters.http.app import create_app

    with TestClient(create_app(container), base_url="https://shop.test") as secure_client:
        r = _register(secure_client)
        assert r.status_code == 201, r.text
        assert _set_cookie(r)["tryon_refresh"]["secure"]
        # And the Secure cookie comes back over https: the session refreshes.
        assert secure_client.post(f"{SESSION}/refresh", json={}).status_code == 200
