"""Files in an S3-compatible object store (AWS S3, SeaweedFS, MinIO, ...), through boto3.

The API keeps signing its own links (adapters/blobs/links.py) and streams the bytes it reads
here: the bucket stays private and reachable only inside the deployment (docs/deploy.md says
why this was chosen over presigned S3 URLs). Every object carries the SHA-256 of its bytes in
its metadata and is written with a Content-MD5, so a transfer corrupted on the way in is
refused by the server and one corrupted at rest or on the way out is refused on read.
A PUT replaces an object whole, so a write is atomic and writing the same key again is
idempotent.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from adapters.blobs.keys import BlobCorrupt, BlobNotFound, checked_key, checked_prefix
from adapters.blobs.links import SignedLinks

MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
DIGEST = "sha256"  # x-amz-meta-sha256


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "a/b/" (always ending in "/")

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket`` or ``s3://bucket/some/prefix``."""
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"TRYON_BLOB_URL must look like s3://bucket/prefix, not {url!r}")
        prefix = parsed.path.strip("/")
        return cls(parsed.netloc, prefix + "/" if prefix else "")


def s3_client(endpoint_url: str, region: str, access_key_id: str, secret_access_key: str,
              addressing_style: str = "path", max_connections: int = 32) -> Any:
    """A thread-safe boto3 client; empty credentials fall back on boto3's own chain
    (AWS_* variables, a pod's web identity, an instance profile)."""
    import boto3
    from botocore.config import Config

    config = Config(region_name=region or None, retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=5, read_timeout=60, max_pool_connections=max_connections,
                    s3={"addressing_style": addressing_style})
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url or None, config=config,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None)


def _missing(error: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(error, ClientError) and str(
        error.response.get("Error", {}).get("Code")) in MISSING


class S3BlobStore(SignedLinks):
    def __init__(self, client: Any, location: S3Location, secret: str, public_url: str) -> None:
        super().__init__(secret, public_url)
        self.client = client
        self.bucket = location.bucket
        self.prefix = location.prefix

    def __repr__(self) -> str:
        return f"S3BlobStore(s3://{self.bucket}/{self.prefix})"

    def _name(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def ensure_bucket(self) -> None:
        """Creates the bucket when it is missing (several replicas may race: all win)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as e:
            if not _missing(e):
                raise
            with contextlib.suppress(self.client.exceptions.BucketAlreadyOwnedByYou,
                                     self.client.exceptions.BucketAlreadyExists):
                self.client.create_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type,
            ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),
            Metadata={DIGEST: hashlib.sha256(data).hexdigest()})

    def _get(self, key: str) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = self.client.get_object(Bucket=self.bucket,
                                                            Key=self._name(key))
        except Exception as e:
            if _missing(e):
                raise BlobNotFound(key) from None
            raise
        return answer

    def get(self, key: str) -> bytes:
        answer = self._get(key)
        data: bytes = answer["Body"].read()
        expected = answer.get("Metadata", {}).get(DIGEST)
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            raise BlobCorrupt(key)
        return data

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket,
                                                           Key=self._name(key))
        except Exception as e:
            if _missing(e):
                return None
            raise
        return head

    def content_type(self, key: str) -> str:
        try:
            head = self._head(key)
        except BlobNotFound:
            head = None
        return str(head["ContentType"]) if head and head.get("ContentType") else (
            "application/octet-stream")

    def exists(self, key: str) -> bool:
        try:
            return self._head(key) is not None
        except BlobNotFound:
            return False

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def delete_prefix(self, prefix: str) -> int:
        """Removes every object under the folder; returns how many there were."""
        folder = self.prefix + checked_prefix(prefix)
        count = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder):
            names = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if names:
                answer = self.client.delete_objects(Bucket=self.bucket,
                                                    Delete={"Objects": names, "Quiet": True})
                if answer.get("Errors"):
                    raise RuntimeError(f"could not delete {len(answer['Errors'])} objects "
                                       f"under {folder}")
                count += len(names)
        return count
