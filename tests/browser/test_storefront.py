"""The storefront in a real Chromium against a real `tryon serve` process.

A new visitor signs up, builds an avatar from measurements, tries a product on and sees the
picture, adds it to the cart, pays with the sandbox card and sees the order; an admin (role
granted with the CLI) ships it; the shopper sees it shipped. Every step leaves a screenshot in
$TRYON_ARTIFACTS (default: the test's tmp dir, artifacts/).

Skipped when no Chromium/chromedriver is installed, unless TRYON_REQUIRE_BROWSER=1 (CI), where
a missing browser fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import chromium
from tests.conftest import ADDRESS, PASSWORD

pytestmark = pytest.mark.slow

_missing = chromium.missing()
if _missing:
    if os.environ.get("TRYON_REQUIRE_BROWSER"):
        pytest.fail(f"TRYON_REQUIRE_BROWSER is set but this is missing: {_missing}",
                    pytrace=False)
    pytest.skip(f"no browser to drive: {_missing}", allow_module_level=True)

from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tryon() -> list[str]:
    return [sys.executable, "-c", "from adapters.cli.main import main; raise SystemExit(main())"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`tryon serve` as its own process, on a free port, with a fresh data dir (demo catalog)."""
    data = tmp_path_factory.mktemp("shop-data")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # As `make serve` runs it: no TRYON_PUBLIC_URL, so links follow the request's own base.
    env = {k: v for k, v in os.environ.items() if k != "TRYON_PUBLIC_URL"}
    env |= {"TRYON_DATA_DIR": str(data), "TRYON_DATABASE_URL": "", "TRYON_ARGON2_TIME_COST": "1",
            "TRYON_ARGON2_MEMORY_KIB": "8192", "TRYON_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(Path.cwd()),
                                                        os.environ.get("PYTHONPATH")]))}
    log = (data / "serve.log").open("wb")
    proc = subprocess.Popen([*_tryon(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("tryon serve did not start: "
                                   + (data / "serve.log").read_text()[-2000:])
            time.sleep(0.3)
        yield {"base": base, "env": env, "data": data}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if os.environ.get("TRYON_ARTIFACTS"):
            (Path(os.environ["TRYON_ARTIFACTS"]) / "serve.log").write_bytes(
                (data / "serve.log").read_bytes())


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("TRYON_ARTIFACTS")
    path = Path(where) if where else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = chromium.start(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Steps:
    """Screenshots numbered in the order they were taken; waits that say what they waited for."""

    def __init__(self, driver: Any, base: str, artifacts: Path, first: int = 1) -> None:
        self.d, self.base, self.artifacts, self.n = driver, base, artifacts, first - 1

    def shot(self, name: str) -> None:
        """The whole page (up to 2,400 px tall), then the window as it was."""
        self.n += 1
        size = self.d.get_window_size()
        height = self.d.execute_script("return document.documentElement.scrollHeight")
        chrome = size["height"] - self.d.execute_script("return window.innerHeight")
        self.d.set_window_size(size["width"], min(int(height) + chrome, 2400))
        try:
            self.d.save_screenshot(str(self.artifacts / f"{self.n:02d}-{name}.png"))
        finally:
            self.d.set_window_size(size["width"], size["height"])

    def open(self, fragment: str) -> None:
        self.d.get(f"{self.base}/{fragment}")

    def wait(self, what: str, condition: Any, timeout: float = 30) -> Any:
        try:
            # The app re-renders a page after each change: an element can go stale mid-check.
            return WebDriverWait(self.d, timeout, poll_frequency=0.25,
                                 ignored_exceptions=(StaleElementReferenceException,)
                                 ).until(condition)
        except TimeoutException:
            self.shot("timeout-" + what.replace(" ", "-"))
            errors = [e.text for e in self.d.find_elements(By.CSS_SELECTOR, ".error")]
            console = [e["message"] for e in self.d.get_log("browser")]
            raise AssertionError(f"waited {timeout}s for {what}; errors on the page: {errors}; "
                                 f"url {self.d.current_url}; console: {console}") from None

    def el(self, css: str, timeout: float = 30) -> Any:
        return self.wait(css, ec.element_to_be_clickable((By.CSS_SELECTOR, css)), timeout)

    def fill(self, css: str, value: str) -> None:
        field = self.el(css)
        field.clear()
        field.send_keys(value)

    def log_out(self) -> None:
        self.el("#nav button.link").click()
        self.wait("logged out", ec.presence_of_element_located(
            (By.CSS_SELECTOR, "#nav a[href='#/login']")))
        self.heading("Shop")

    def sign_up_for_photos(self, first: str, last: str) -> None:
        """A new shopper signs up (a fresh address), lands in the studio and opens the photo
        form."""
        self.open("#/signup")
        self.fill("[name=firstName]", first)
        self.fill("[name=lastName]", last)
        self.fill("[name=email]", f"{last.lower()}-{uuid.uuid4().hex[:8]}@example.com")
        self.fill("[name=password]", PASSWORD)
        self.el("form button[type=submit]").click()
        self.heading("Try-on studio")
        self.el(".tabs button[data-tab=photos]").click()

    def heading(self, text: str, timeout: float = 30) -> None:
        self.wait(f"heading {text!r}", ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, "main h1"), text), timeout)


def _run_cli(shop: dict[str, Any], *args: str) -> str:
    done = subprocess.run([*_tryon(), *args], env=shop["env"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_visitor_tries_on_buys_and_sees_the_order_shipped(
        shop: dict[str, Any], browser: Any, artifacts: Path) -> None:
    s = Steps(browser, shop["base"], artifacts)
    shopper = f"shopper-{uuid.uuid4().hex[:8]}@example.com"

    # The catalog at /, the demo catalog seeded.
    s.open("")
    s.heading("Shop")
    s.wait("product cards", lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card")) >= 6)
    s.shot("catalog")

    # Sign up: the refresh token is a cookie script cannot read.
    s.open("#/signup")
    s.fill("[name=firstName]", "Grace")
    s.fill("[name=lastName]", "Hopper")
    s.fill("[name=email]", shopper)
    s.fill("[name=password]", PASSWORD)
    s.shot("signup")
    s.el("form button[type=submit]").click()
    s.heading("Try-on studio")
    assert "tryon_refresh" not in browser.execute_script("return document.cookie")

    # An avatar from measurements, with its 3-D view.
    s.fill("[name=height]", "168")
    s.fill("[name=weight]", "62")
    s.el("#build-avatar").click()
    s.wait("scan progress", ec.presence_of_element_located(
        (By.CSS_SELECTOR, "#scan-status progress")))
    s.wait("the avatar", ec.presence_of_element_located((By.CSS_SELECTOR, "model-viewer")), 150)
    s.wait("the 3-D model loaded", lambda d: d.execute_script(
        "const v = document.querySelector('model-viewer'); return v && v.loaded"), 60)
    s.shot("avatar")

    # A product that can be tried on and is in stock; "Try it on" from its page.
    s.open("#/?tryonAvailable=true&inStock=true&category=tops")
    s.el(".card a").click()
    s.wait("the size guide", ec.presence_of_element_located((By.CSS_SELECTOR, "section table")))
    s.shot("product")
    s.el("#try-on").click()
    s.heading("Try-on studio")
    s.el("#start-tryon").click()
    s.wait("the render page", ec.presence_of_element_located((By.CSS_SELECTOR, ".progress")))
    s.wait("the try-on picture", ec.presence_of_element_located(
        (By.CSS_SELECTOR, "#render-image")), 120)
    # Looked up on every check: the page re-renders while the render finishes, and an element
    # found before that is stale for good (a wait on it could only time out).
    s.wait("the picture decoded", lambda d: d.execute_script(
        "const i = document.querySelector('#render-image');"
        "return i !== null && i.complete && i.naturalWidth > 0"), 60)
    size = s.el("#recommended-size").text
    assert size and size != "—"
    s.shot("tryon-result")

    # Into the cart, and checkout with a new address.
    s.el("#add-render-to-cart").click()
    s.heading("Your cart")
    s.wait("one cart line", lambda d: len(d.find_elements(By.CSS_SELECTOR, ".lines li")) == 1)
    total = s.el("#total").text
    s.fill("[name=couponCode]", "WELCOME10")
    s.el("form.inline button[type=submit]").click()
    s.wait("the discount", lambda d: d.find_element(By.CSS_SELECTOR, "#total").text != total)
    assert "WELCOME10" in s.el("form.inline button.link").text
    s.shot("cart")
    s.el("#checkout").click()
    s.heading("Checkout")
    for name, value in (("firstName", "Grace"), ("lastName", "Hopper"),
                        ("street", "1 Navy Yard"), ("city", "Arlington"), ("state", "VA"),
                        ("zipCode", "22202")):
        s.fill(f".address-form [name={name}]", value)
    s.el(".address-form button[type=submit]").click()
    s.wait("the address choice", ec.element_located_to_be_selected(
        (By.CSS_SELECTOR, "[name=shippingAddressId]")))
    Select(s.el("[name=shippingMethod]")).select_by_value("express")
    s.el("#place-order").click()

    # The sandbox payment.
    s.heading("Sandbox payment")
    s.fill("#card-number", "4242424242424242")
    s.fill("[name=cvc]", "123")
    s.shot("payment")
    s.el("#pay").click()
    s.wait("the order page", ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#order-status"), "processing"))
    order_id = browser.find_element(By.CSS_SELECTOR, "main h1").text.removeprefix("Order ").strip()
    assert order_id.startswith("order_")
    s.shot("order-paid")

    # An admin, made one from the command line, confirms and ships it.
    s.log_out()
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(f"{shop['base']}/v1/auth/register", json={
        "email": admin, "password": PASSWORD, "firstName": "Ada", "lastName": "Admin"})
    assert r.status_code == 201, r.text
    assert "granted admin" in _run_cli(shop, "users", "grant-role", admin, "admin")
    s.open("#/login")
    s.fill("[name=email]", admin)
    s.fill("[name=password]", PASSWORD)
    s.el("form button[type=submit]").click()
    s.heading("Shop")
    s.open(f"#/admin?order={order_id}")
    s.heading("Admin")
    # The role reaches the API's read side shortly after the CLI wrote it.
    deadline = time.monotonic() + 30
    while True:
        s.el("#confirm-order").click()
        try:
            s.wait("confirmed", ec.text_to_be_present_in_element(
                (By.CSS_SELECTOR, "#order-status"), "confirmed"), 5)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
    s.fill("#tracking-number", "1Z999AA1234567890")
    s.el("#ship-order").click()
    s.wait("shipped", ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#order-status"), "shipped"))
    s.shot("admin-shipped")

    # The shopper sees it shipped, with its timeline.
    s.log_out()
    s.open("#/login?next=/orders/" + order_id)
    s.fill("[name=email]", shopper)
    s.fill("[name=password]", PASSWORD)
    s.el("form button[type=submit]").click()
    s.wait("the shipped order", ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#order-status"), "shipped"))
    timeline = browser.find_element(By.CSS_SELECTOR, ".timeline").text
    assert "shipped" in timeline and "1Z999AA1234567890" in browser.page_source
    s.shot("shopper-sees-shipped")

    # Phone width: the menu folds, nothing overflows sideways.
    browser.set_window_size(390, 844)
    s.open("#/orders")
    s.heading("Your orders")
    s.shot("phone-orders")
    s.open(f"#/orders/{order_id}")
    s.heading("Order")
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    s.shot("phone-order")

    # No script errors and no CSP violations on the way.
    problems = [e["message"] for e in browser.get_log("browser")
                if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]
    assert not problems, problems


def test_an_api_error_is_shown_with_the_apis_message(
        shop: dict[str, Any], browser: Any, artifacts: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    s = Steps(browser, shop["base"], artifacts, first=20)
    s.open("#/login")
    # Keyboard only: type, Tab to the password, Enter submits.
    s.el("[name=email]").send_keys("nobody@example.com", Keys.TAB)
    browser.switch_to.active_element.send_keys("Wrong!Pass1", Keys.ENTER)
    alert = s.wait("the error", ec.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    r = httpx.post(f"{shop['base']}/v1/auth/login",
                   json={"email": "nobody@example.com", "password": "Wrong!Pass1"})
    assert alert.text == r.json()["error"]["message"]
    s.shot("login-error")

    # At a phone's width the navigation folds behind a Menu button that says it is open.
    browser.set_window_size(390, 844)
    s.open("")
    s.heading("Shop")
    toggle = s.el(".menu-toggle")
    assert not browser.find_element(By.CSS_SELECTOR, "#nav a[href='#/cart']").is_displayed()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert browser.find_element(By.CSS_SELECTOR, "#nav a[href='#/cart']").is_displayed()
    s.shot("phone-menu")


def test_a_refused_photo_shows_the_apis_reason_beside_it(
        shop: dict[str, Any], browser: Any, artifacts: Path, tmp_path: Path) -> None:
    from PIL import Image

    s = Steps(browser, shop["base"], artifacts, first=30)
    s.sign_up_for_photos("Lin", "Photo")
    photos = []
    for i, colour in enumerate(((200, 40, 40), (40, 200, 40))):
        path = tmp_path / f"photo-{i}.png"
        Image.new("RGB", (60, 90), colour).save(path)
        photos.append(path)
    fake = tmp_path / "not-a-photo.png"
    fake.write_bytes(b"#!/bin/sh\necho this is not an image\n" * 8)
    photos.append(fake)
    browser.find_element(By.CSS_SELECTOR, "#photos").send_keys(
        "\n".join(str(p) for p in photos))
    s.wait("three photos listed",
           lambda d: len(d.find_elements(By.CSS_SELECTOR, ".photos li")) == 3)
    s.fill("form:has(#photos) [name=height]", "165")
    s.el("form:has(#photos) button[type=submit]").click()
    refused = s.wait("the refusal", ec.visibility_of_element_located(
        (By.CSS_SELECTOR, ".photos li:nth-child(3) .error")))
    # The API's own words for the same bytes, asked as another user:
    r = httpx.post(f"{shop['base']}/v1/auth/register", json={
        "email": f"probe-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD,
        "firstName": "P", "lastName": "Robe"})
    headers = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
    api = httpx.post(f"{shop['base']}/v1/uploads", headers=headers, data={"purpose": "scan_image"},
                     files={"file": ("not-a-photo.png", fake.read_bytes(), "image/png")})
    assert api.status_code == 415
    assert refused.text == "refused: " + api.json()["error"]["message"]
    accepted = browser.find_elements(By.CSS_SELECTOR, ".photos li .ok")
    assert len(accepted) == 2
    s.shot("photo-refused")


def test_photos_taken_with_the_camera_in_the_page_carry_the_phones_tilt(
        shop: dict[str, Any], browser: Any, artifacts: Path) -> None:
    """The in-page camera (Chromium's fake one) takes three photos while the phone's motion
    sensor says it is tipped forward: each row shows the tilt and the scan request sends it
    as `cameraPitchDeg`, the pose guessed in order."""
    import json

    s = Steps(browser, shop["base"], artifacts, first=40)
    s.sign_up_for_photos("Ada", "Camera")
    s.el("#camera-open").click()
    s.wait("the camera running", lambda d: d.execute_script(
        "const v = document.querySelector('video.camera'); return v && v.videoWidth > 0"))
    # the phone tipped forward: the rear camera looks 6 degrees down (beta 84, portrait)
    browser.execute_script("window.dispatchEvent(new DeviceOrientationEvent('deviceorientation',"
                           " {alpha: 0, beta: 84, gamma: 0}))")
    s.wait("the tilt shown", ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#camera-tilt"), "6.0° down"))
    s.fill("form:has(#photos) [name=height]", "171")
    s.el("#camera-timer option[value='0']").click()
    for n in (1, 2, 3):
        s.el("#camera-take").click()
        s.wait(f"photo {n} listed",
               lambda d, n=n: len(d.find_elements(By.CSS_SELECTOR, ".photos li")) == n)
    tilts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".photos li .tilt")]
    assert tilts == ["tilt 6.0° down"] * 3
    s.shot("camera-photos")
    # what the page sends: the scan request's body, recorded on its way out
    browser.execute_script("""
        window.sentScans = [];
        const send = window.fetch;
        window.fetch = (url, init) => {
          if (String(url).endsWith('/v1/avatars/scans') && init && init.method === 'POST') {
            window.sentScans.push(JSON.parse(init.body));
          }
          return send(url, init);
        };""")
    s.el("form:has(#photos) button[type=submit]").click()
    sent = s.wait("the scan request", lambda d: d.execute_script(
        "return window.sentScans.length ? JSON.stringify(window.sentScans[0]) : null"))
    request = json.loads(sent)
    assert request["userPreferences"] == {"height": 171}
    images = request["images"]
    assert [i["pose"] for i in images] == ["front", "side_left", "side_right"]
    assert [i["cameraPitchDeg"] for i in images] == [6.0, 6.0, 6.0]
    # Chromium's test pattern shows nobody: the scan runs and says so, photo by photo
    s.wait("the scan's verdict", lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#scan-status .refused li")) == 3, timeout=90)
    assert not browser.find_element(By.CSS_SELECTOR, "#camera-open").is_displayed()
    s.shot("camera-scan-refused")


def test_a_declined_card_shows_the_providers_message(
        shop: dict[str, Any], browser: Any, artifacts: Path) -> None:
    base, email = shop["base"], f"decline-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(f"{base}/v1/auth/register", json={
        "email": email, "password": PASSWORD, "firstName": "Dee", "lastName": "Cline"})
    headers = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
    product = httpx.get(f"{base}/v1/products", params={"inStock": "true", "limit": 1}).json()
    item = product["data"][0]
    variant = next(v for v in item["variants"] if v["stock"] > 0)
    assert httpx.post(f"{base}/v1/cart/items", headers=headers, json={
        "productId": item["id"], "variantId": variant["id"], "quantity": 1}).status_code == 201
    order = httpx.post(f"{base}/v1/orders", headers={**headers, "Idempotency-Key": email},
                       json={"shippingAddress": ADDRESS, "shippingMethod": "standard"})
    assert order.status_code == 201, order.text
    s = Steps(browser, base, artifacts, first=40)
    s.open(f"#/login?next=/pay/{order.json()['data']['id']}")
    s.fill("[name=email]", email)
    s.fill("[name=password]", PASSWORD)
    s.el("form button[type=submit]").click()
    s.heading("Sandbox payment")
    s.fill("#card-number", "4000000000000002")
    s.fill("[name=cvc]", "123")
    s.el("#pay").click()
    declined = s.wait("the decline", ec.visibility_of_element_located(
        (By.CSS_SELECTOR, "#pay-form [role=alert]")))
    assert declined.text == "The card was declined"  # the API's message, as it wrote it
    s.shot("payment-declined")
