"""Mail through a relay (TRYON_SMTP_URL): the API keeps no mail on its disk, so any replica
can send it. The relay here is a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.integration.seaweed import free_ports

USER, PASSWORD = "relay-user", "relay-pass"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(
            envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = Inbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        ok = (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
        if ok:
            inbox.logins.append(data.login.decode())
        return AuthResult(success=ok)

    (port,) = free_ports(1)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])
    controller.start()
    yield inbox, port
    controller.stop()


def test_registration_mail_goes_to_the_relay_and_nothing_stays_on_disk(
        relay: tuple[Inbox, int], tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    inbox, port = relay
    settings = make_settings("sqlite", tmp_path,
                             smtp_url=f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}",
                             mail_from="shop@example.com")
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            r = client.post("/v1/auth/register", json={
                "email": "relay.me@example.com", "password": "Str0ng!Pass",
                "firstName": "Rae", "lastName": "Lay"})
            assert r.status_code == 201, r.text
    finally:
        container.close()
    (message,) = inbox.messages
    assert message["To"] == "relay.me@example.com" and message["From"] == "shop@example.com"
    body = message.get_body(("plain",))
    assert body is not None
    assert "verify-email" in body.get_content()
    assert inbox.logins == [USER]
    assert not (settings.data_dir / "mail").exists()


def test_a_wrong_password_or_url_is_an_error_not_a_lost_message(
        relay: tuple[Inbox, int]) -> None:
    import smtplib

    from adapters.mailer import SmtpMailer

    inbox, port = relay
    with pytest.raises(smtplib.SMTPException):  # refused (or cut off): never silently dropped
        SmtpMailer(f"smtp://{USER}:wrong@127.0.0.1:{port}", timeout_s=3).send(
            "a@example.com", "s", "b")
    assert inbox.messages == []
    for url in ("http://127.0.0.1:25", "smtp://", "mail.example.com"):
        with pytest.raises(ValueError):
            SmtpMailer(url)
