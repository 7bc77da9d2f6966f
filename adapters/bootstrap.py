"""The composition root: builds every adapter and application from the settings, once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.audit.chain import ChainProjection
from adapters.audit.trail import AuditIndexProjection
from adapters.blobs.erasure import forget_files
from adapters.blobs.local import LocalBlobStore
from adapters.blobs.s3 import S3BlobStore
from adapters.blobs.select import blob_store
from adapters.bus.inprocess import InProcessBus
from adapters.dispatcher import Dispatcher
from adapters.erasure_pages import rewrite_pages_after_erasure
from adapters.heartbeats import Heartbeats
from adapters.idempotency import IdempotencyStore
from adapters.keyvault import SqlKeyVault
from adapters.log_reader import read_notifications
from adapters.mailer import FileMailer, SmtpMailer
from adapters.order_expiry import OrderExpiry
from adapters.outage import (
    Breaker,
    after_failure,
    database_pools,
    guard_pools,
    postgres_probe,
    tune_pools,
)
from adapters.payments_sandbox import SandboxProvider
from adapters.persistence import event_store_env, hold_schema_lock, view_store
from adapters.ratelimit import RateLimits
from adapters.security.passwords import Argon2idHasher
from adapters.security.tokens import TokenService
from adapters.settings import Settings
from application.accounts import Accounts
from application.base import TryonApplication
from application.erasure import Erasure
from application.personal_data import PersonalDataCipher
from application.sessions import Sessions
from application.shop import Shop
from application.studio import Studio
from projections.base import Projection
from projections.carts import CartsProjection
from projections.catalog import CatalogProjection
from projections.orders import OrdersProjection, PaymentsProjection
from projections.queries import ReadModels, StudioReads
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore, ViewStore
from projections.studio import StudioProjection
from projections.users import UsersProjection

if TYPE_CHECKING:  # NATS is imported only by a process that uses it
    from adapters.bus.nats import NatsCommandBus


def _persistent_secret(settings: Settings, configured: str, name: str) -> str:
    """A configured secret, or one generated on first start and kept in the data directory
    (production mode refuses to run without configured secrets)."""
    if configured:
        return configured
    if settings.mode == "production":
        raise RuntimeError(f"TRYON_{name.upper()} must be set in production mode")
    path: Path = settings.data_dir / f"{name}.key"
    if path.exists():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def email_index_key(settings: Settings) -> bytes:
    """The key of the email index's ids: configured, or derived from the secret key."""
    if settings.email_index_key:
        return settings.email_index_key.encode()
    secret = _persistent_secret(settings, settings.secret_key, "secret")
    return hmac.new(secret.encode(), b"tryon email index", hashlib.sha256).digest()


def all_projections() -> list[Projection]:
    return [UsersProjection(), CatalogProjection(), CartsProjection(), OrdersProjection(),
            PaymentsProjection(), StudioProjection(), AuditIndexProjection(), ChainProjection()]


@dataclass
class Container:
    """Everything one process runs, built once by ``bootstrap`` and not changed after."""

    settings: Settings
    accounts: Accounts
    shop: Shop
    store: ViewStore
    runner: ProjectionRunner
    read: ReadModels
    tokens: TokenService
    sessions: Sessions
    payments: SandboxProvider
    rate_limits: RateLimits
    idempotency: IdempotencyStore
    studio: Studio
    studio_reads: StudioReads
    blobs: LocalBlobStore | S3BlobStore
    erasure: Erasure
    heartbeats: Heartbeats
    order_expiry: OrderExpiry
    dispatcher: Dispatcher | None = None
    bus: InProcessBus | NatsCommandBus | None = None
    # Open while PostgreSQL is unreachable (only with PostgreSQL).
    breaker: Breaker | None = None

    @property
    def applications(self) -> dict[str, TryonApplication]:
        return {"accounts": self.accounts, "shop": self.shop, "studio": self.studio}

    def wait(self, log: str, position: int) -> None:
        self.runner.wait_for(log, position)

    def start_background(self) -> None:
        """Projections, the dispatcher and the embedded worker, for ``tryon serve``."""
        if self.settings.projections == "in-process":
            self.runner.catch_up()
            self.runner.start()
        self.order_expiry.start(self.settings.order_expiry_interval_s)
        external = self.settings.bus == "nats" and self.settings.dispatcher == "external"
        if self.dispatcher is not None and not external:
            if isinstance(self.bus, InProcessBus):
                self.bus.start()
                self.dispatcher.dispatch_pending()
                self.dispatcher.redeliver_unfinished()
            elif self.bus is not None:
                from adapters.worker_host import report_recorder

                self.bus.start_when_reachable(report_recorder(self.studio))
            self.dispatcher.start()

    def close(self) -> None:
        self.order_expiry.stop()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self.bus is not None:
            self.bus.stop()
        self.runner.stop()
        for app in self.applications.values():
            app.close()
        self.store.close()


def bootstrap(settings: Settings | None = None, *, start_projections: bool = False,
              with_dispatcher: bool = True) -> Container:
    settings = settings or Settings()
    hasher = Argon2idHasher(settings.argon2_time_cost, settings.argon2_memory_kib,
                            settings.argon2_parallelism)
    release_schema_lock = hold_schema_lock(settings)  # until every table exists
    store = view_store(settings)
    vault = SqlKeyVault(store if settings.uses_postgres
                        else SQLiteViewStore(settings.data_dir / "keys.sqlite"))
    personal = PersonalDataCipher(vault)
    accounts = Accounts(hasher, env=event_store_env(settings, "accounts"),
                        personal_data=personal, vault=vault,
                        email_key=email_index_key(settings))
    provider = SandboxProvider(_persistent_secret(settings, settings.payment_secret, "payment"))
    shop = Shop(env=event_store_env(settings, "shop"), personal_data=personal,
                provider=provider)
    studio = Studio(env=event_store_env(settings, "studio"), personal_data=personal)
    runner = ProjectionRunner(store, {"accounts": accounts, "shop": shop, "studio": studio},
                              all_projections(),
                              in_process=settings.projections == "in-process",
                              read_log=read_notifications, before_bulk=vault.warm,
                              replay_batch=settings.replay_batch,
                              wait_timeout=settings.read_your_writes_timeout_s)
    runner.setup()
    idempotency = IdempotencyStore(store)
    idempotency.setup()
    heartbeats = Heartbeats(store, settings.heartbeat_every_s, settings.heartbeat_stale_s)
    heartbeats.setup()
    secret = _persistent_secret(settings, settings.secret_key, "secret")
    tokens = TokenService(secret,
                          settings.access_token_minutes, settings.refresh_token_days)
    mailer: FileMailer | SmtpMailer = (
        SmtpMailer(settings.smtp_url, settings.mail_from) if settings.smtp_url
        else FileMailer(settings.data_dir / "mail", settings.mail_from))
    blobs = blob_store(settings, secret + ":files", create_bucket=True)
    studio_reads = StudioReads(store, studio.repository.event_store)
    erasure = Erasure(accounts, [
        lambda user, _: idempotency.forget_owner(f"user:{user}"),
        lambda _, email: mailer.forget(email),
        forget_files(blobs, studio_reads),
        # After the read models have applied the erasure, old row versions out of the files.
        rewrite_pages_after_erasure(store, runner, accounts),
    ])
    bus = command_bus(settings, studio, blobs) if with_dispatcher else None
    pools = DatabasePools(store, {"accounts": accounts, "shop": shop, "studio": studio})
    container = Container(
        settings=settings, accounts=accounts, shop=shop, store=store, runner=runner,
        read=ReadModels(store), tokens=tokens,
        sessions=Sessions(accounts, tokens, mailer, settings.public_url),
        payments=provider,
        rate_limits=RateLimits(settings.rate_limit_failed_logins,
                               settings.rate_limit_registrations,
                               settings.rate_limit_auth_requests,
                               settings.rate_limit_enabled, store=store,
                               secret=(secret + ":rate-limits").encode()),
        idempotency=idempotency, studio=studio, studio_reads=studio_reads, blobs=blobs,
        erasure=erasure, heartbeats=heartbeats,
        order_expiry=OrderExpiry(shop, store, settings.order_payment_timeout),
        bus=bus, dispatcher=Dispatcher(studio, bus, store) if bus is not None else None,
        breaker=Breaker(postgres_probe(settings.database_url, settings.db_pool_timeout_s),
                        lambda: database_pools(pools)) if settings.uses_postgres else None,
    )
    release_schema_lock()
    if settings.uses_postgres:
        tune_pools(database_pools(pools), settings.db_pool_timeout_s)
        if container.breaker is not None:
            guard_pools(database_pools(pools), container.breaker)
        runner.on_failure = after_failure(pools)
        if container.dispatcher is not None:
            container.dispatcher.on_failure = runner.on_failure
    if start_projections:
        container.start_background()
    return container


@dataclass(frozen=True)
class DatabasePools:
    """What holds database connections: the read-model store and the event stores."""

    store: ViewStore
    applications: dict[str, TryonApplication]


def command_bus(settings: Settings, studio: Studio,
                blobs: LocalBlobStore | S3BlobStore) -> InProcessBus | NatsCommandBus:
    """The bus the dispatcher publishes to: an embedded worker, or NATS JetStream."""
    if settings.bus == "nats":
        from adapters.bus.nats import NatsCommandBus

        return NatsCommandBus.from_settings(settings)
    from adapters.worker_host import embedded_worker

    handler, give_up = embedded_worker(studio, blobs)
    return InProcessBus(handler, workers=settings.workers,
                        max_attempts=settings.worker_max_deliver, on_give_up=give_up)
