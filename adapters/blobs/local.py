"""Files on the local filesystem, served through signed, expiring URLs.

URL: ``{public_url}/v1/files/{key}?expires=<unix>&signature=<hex hmac-sha256 of "key|expires">``.
Keys are checked against a strict pattern and resolved inside the root, so no key can reach
outside the blob directory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from adapters.links import request_base

KEY = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\.[A-Za-z0-9]{1,5})?$")


class BlobNotFound(Exception):
    pass


class LocalBlobStore:
    def __init__(self, root: Path, secret: str, public_url: str) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.secret = secret.encode()
        self.public_url = public_url.rstrip("/")

    def _path(self, key: str) -> Path:
        if not KEY.match(key) or len(key) > 300:
            raise BlobNotFound(key)
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise BlobNotFound(key)
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)  # atomic: readers see the old file or the whole new one
        path.with_name(path.name + ".type").write_text(content_type)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def content_type(self, key: str) -> str:
        try:
            return self._path(key).with_name(self._path(key).name + ".type").read_text()
        except FileNotFoundError:
            return "application/octet-stream"

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except BlobNotFound:
            return False

    def _signature(self, key: str, expires: int) -> str:
        return hmac.new(self.secret, f"{key}|{expires}".encode(), hashlib.sha256).hexdigest()

    def signed_url(self, key: str, ttl_s: int = 3600) -> str:
        expires = int(time.time()) + ttl_s
        return (f"{request_base() or self.public_url}/v1/files/{quote(key)}?expires={expires}"
                f"&signature={self._signature(key, expires)}")

    def check_signature(self, key: str, expires: int, signature: str) -> bool:
        if expires < time.time() or not signature.isascii():
            return False
        return hmac.compare_digest(self._signature(key, expires), signature)

    def key_of_url(self, url: str) -> str | None:
        """The key behind a URL this store signed (and that has not expired), else None."""
        from urllib.parse import parse_qs, unquote, urlparse

        parsed = urlparse(url)
        prefix = next((urlparse(base) for base in (self.public_url, request_base())
                       if base and (urlparse(base).scheme, urlparse(base).netloc)
                       == (parsed.scheme, parsed.netloc)), None)
        if prefix is None:
            return None
        path = unquote(parsed.path)
        base = prefix.path.rstrip("/") + "/v1/files/"
        if not path.startswith(base):
            return None
        key = path[len(base):]
        query = parse_qs(parsed.query)
        try:
            expires = int(query["expires"][0])
            signature = query["signature"][0]
        except (KeyError, ValueError, IndexError):
            return None
        return key if self.check_signature(key, expires, signature) else None
