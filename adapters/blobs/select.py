"""Which blob store a process uses: ``TRYON_BLOB_URL`` (``s3://bucket/prefix``) or, when it
is empty, the local directory ``TRYON_DATA_DIR/blobs`` (the embedded default)."""

from __future__ import annotations

from typing import Any

from adapters.blobs.local import LocalBlobStore
from adapters.blobs.s3 import S3BlobStore, S3Location, s3_client


def blob_store(settings: Any, secret: str, *, create_bucket: bool = False
               ) -> LocalBlobStore | S3BlobStore:
    url: str = settings.blob_url
    if not url:
        return LocalBlobStore(settings.data_dir / "blobs", secret, settings.public_url)
    if url.startswith("file://"):
        from pathlib import Path

        return LocalBlobStore(Path(url[len("file://"):]), secret, settings.public_url)
    client = s3_client(settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id,
                       settings.s3_secret_access_key, settings.s3_addressing_style)
    store = S3BlobStore(client, S3Location.parse(url), secret, settings.public_url)
    if create_bucket:
        store.ensure_bucket()
    return store
