"""All configuration, from ``TRYON_*`` environment variables (and a ``.env`` file if present)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRYON_", env_file=".env", extra="ignore")

    mode: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    # postgresql://user:pass@host:port/db ; empty means the embedded SQLite files in data_dir.
    database_url: str = ""
    database_schema: str = ""
    # Connections per event store (each application has one) and for the read models.
    db_pool_size: int = 3
    db_pool_overflow: int = 6
    view_pool_size: int = 12
    # Seconds a request waits for a database connection before it is answered 503.
    db_pool_timeout_s: float = Field(default=1.0, gt=0)
    # Seconds a command waits for the read models to show it (read-your-writes); after that
    # it answers 202 with what it recorded.
    read_your_writes_timeout_s: float = Field(default=5.0, gt=0)
    # Projector, dispatcher and workers beat this often; /readyz calls a beat older than
    # heartbeat_stale_s stale.
    heartbeat_every_s: float = Field(default=2.0, gt=0)
    heartbeat_stale_s: float = Field(default=15.0, gt=0)
    # Base of the links the API hands out. Left unset, links follow each request's own base URL
    # (see adapters/links.py); this default then only serves links made outside a request.
    public_url: str = "http://127.0.0.1:8000"
    # Files: empty means data_dir/blobs on this machine; s3://bucket/prefix an S3-compatible
    # object store that every API replica and worker shares (docs/deploy.md).
    blob_url: str = ""
    s3_endpoint_url: str = ""  # empty: AWS itself
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""  # empty: boto3's chain (AWS_* variables, web identity, ...)
    s3_secret_access_key: str = ""
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    # Mail: empty means .eml files in data_dir/mail (a development outbox on this machine);
    # smtp://host:port, smtp+starttls://user:pass@host:587 or smtps://... a relay.
    smtp_url: str = ""
    mail_from: str = "no-reply@tryon.local"
    # Proxies whose Forwarded / X-Forwarded-* headers are believed (addresses or networks,
    # comma-separated; "*" for any; empty for none).
    trusted_proxies: str = "127.0.0.1,::1"

    # Security. An empty secret is generated once and kept in data_dir/secret.key.
    secret_key: str = ""
    access_token_minutes: int = 60
    refresh_token_days: int = 7
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 2
    payment_secret: str = ""
    # Keys the email index's ids (a keyed hash of each address). Empty: derived from
    # secret_key, so set it explicitly before ever rotating secret_key.
    email_index_key: str = ""

    rate_limit_failed_logins: str = "5/15 minutes"
    rate_limit_registrations: str = "30/hour"
    rate_limit_auth_requests: str = "120/minute"
    rate_limit_enabled: bool = True

    # An order still unpaid this long after it was placed is cancelled and its stock released
    # (seconds, or ISO 8601 such as PT30M); every API replica sweeps every interval.
    order_payment_timeout: timedelta = timedelta(minutes=30)
    order_expiry_interval_s: float = Field(default=30.0, gt=0)

    # Read models: "in-process" (serve runs the projections) or "external" (tryon projector).
    projections: Literal["in-process", "external"] = "in-process"
    # Processes that ``tryon projections rebuild`` replays the logs with (0: one per core).
    replay_processes: int = 0
    # Events per transaction of a replay (memory for fewer, larger commits).
    replay_batch: int = Field(default=20_000, ge=1)
    # Render and scan commands: "in-process" (serve runs a worker thread) or "nats" (JetStream).
    bus: Literal["in-process", "nats"] = "in-process"
    nats_url: str = "nats://127.0.0.1:4222"
    # With the NATS bus: "in-process" (serve runs the dispatcher and records the workers'
    # reports) or "external" (tryon dispatcher does, e.g. with several API replicas).
    dispatcher: Literal["in-process", "external"] = "in-process"
    # JetStream names: PREFIX_COMMANDS, PREFIX_REPORTS, ... on subjects prefix.commands.> ...
    nats_stream_prefix: str = "TRYON"
    nats_duplicate_window_s: float = 3600.0
    # A command is delivered at most this many times, then reported failed.
    worker_max_deliver: int = 3
    # A worker that neither acks nor says "in progress" for this long loses its command.
    worker_ack_wait_s: float = 30.0
    # Import the render engine before taking the first command (seconds, once per process).
    worker_preload: bool = True
    # torch threads per worker process (0: torch's default, all cores); with several workers
    # on one machine, cores / workers.
    worker_threads: int = 0
    workers: int = 1
    device: str = "cpu"
    # HTTP processes of ``tryon serve`` (Python runs one request's code at a time per
    # process): one per core on PostgreSQL. The first process keeps the projections'
    # background loop, the dispatcher, the embedded worker and order expiry; the HTTP
    # processes answer requests (read-your-writes catch-up included). The embedded SQLite
    # default serves from one process.
    web_workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=1_048_576, description="JSON bodies")
    # Uploaded images (and video frames) over this many pixels are refused from their header.
    max_image_pixels: int = Field(default=50_000_000, ge=1)
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))
