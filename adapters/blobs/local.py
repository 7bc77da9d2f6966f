"""Files on the local filesystem (the embedded default), served through signed, expiring URLs
(adapters/blobs/links.py). Keys are checked against a strict pattern and resolved inside the
root, so no key can reach outside the blob directory."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from adapters.blobs.keys import BlobCorrupt, BlobNotFound, checked_key, checked_prefix
from adapters.blobs.links import SignedLinks

__all__ = ["BlobCorrupt", "BlobNotFound", "LocalBlobStore"]


class LocalBlobStore(SignedLinks):
    def __init__(self, root: Path, secret: str, public_url: str) -> None:
        super().__init__(secret, public_url)
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalBlobStore({self.root})"

    def _path(self, key: str) -> Path:
        path = (self.root / checked_key(key)).resolve()
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
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(key) from None

    def content_type(self, key: str) -> str:
        try:
            return self._path(key).with_name(self._path(key).name + ".type").read_text()
        except (FileNotFoundError, BlobNotFound):
            return "application/octet-stream"

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except BlobNotFound:
            return False

    def delete(self, key: str) -> None:
        path = self._path(key)
        for p in (path, path.with_name(path.name + ".type")):
            p.unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        """Removes every file under the folder; returns how many there were."""
        folder = (self.root / checked_prefix(prefix)).resolve()
        if self.root not in folder.parents or not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file() and p.suffix != ".type")
        shutil.rmtree(folder)
        return count
