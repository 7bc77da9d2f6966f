"""Mail delivery. Default: one ``.eml`` file per message under data_dir/mail."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from pathlib import Path


class FileMailer:
    def __init__(self, directory: Path, sender: str = "no-reply@tryon.local") -> None:
        self.directory = directory
        self.sender = sender

    def send(self, to: str, subject: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        name = f"{uuid.uuid4().hex}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(bytes(message))
        tmp.rename(self.directory / name)  # readers never see half a message

    def forget(self, address: str) -> int:
        """Deletes every message sent to ``address`` (erasure); returns how many."""
        from email import message_from_bytes

        removed = 0
        for path in self.directory.glob("*.eml"):
            if message_from_bytes(path.read_bytes()).get("To", "").lower() == address.lower():
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class SmtpMailer:
    """Hands each message to a mail relay (``TRYON_SMTP_URL``) and keeps nothing: any replica
    can send, and erasure has nothing to forget on this machine.

    ``smtp://[user:password@]host[:port]`` (plain, for a relay inside the deployment),
    ``smtp+starttls://…`` (upgrades with STARTTLS, port 587 by default) or ``smtps://…``
    (TLS from the start, port 465 by default)."""

    PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

    def __init__(self, url: str, sender: str = "no-reply@tryon.local",
                 timeout_s: float = 10.0) -> None:
        from urllib.parse import unquote, urlparse

        parsed = urlparse(url)
        if parsed.scheme not in self.PORTS or not parsed.hostname:
            raise ValueError("TRYON_SMTP_URL must look like smtp://host:port, "
                             "smtp+starttls://user:password@host:587 or smtps://host:465")
        self.scheme = parsed.scheme
        self.host = parsed.hostname
        self.port = parsed.port or self.PORTS[parsed.scheme]
        self.user = unquote(parsed.username or "")
        self.password = unquote(parsed.password or "")
        self.sender = sender
        self.timeout_s = timeout_s

    def send(self, to: str, subject: str, body: str) -> None:
        import smtplib
        import ssl

        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
            if self.scheme == "smtps" else smtplib.SMTP(self.host, self.port,
                                                        timeout=self.timeout_s))
        with smtp:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)

    def forget(self, address: str) -> int:
        return 0  # delivered mail has left the system; nothing of it is kept here
