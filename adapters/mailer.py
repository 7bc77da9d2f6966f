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
