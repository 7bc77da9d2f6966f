"""Signed, expiring links to files, served by the API whatever store holds the bytes.

URL: ``{base}/v1/files/{key}?expires=<unix>&signature=<hex hmac-sha256 of "key|expires">``.
Both stores (local and S3) sign the same links with the same secret, so a link issued by one
API replica is honoured by every other and a link a client sends back can be turned into a key
without fetching anything. ``base`` is ``TRYON_PUBLIC_URL``, or the request's own base URL
when that is not set (adapters/links.py).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote, unquote, urlparse

from adapters.links import request_base


class SignedLinks:
    def __init__(self, secret: str, public_url: str) -> None:
        self.secret = secret.encode()
        self.public_url = public_url.rstrip("/")

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
