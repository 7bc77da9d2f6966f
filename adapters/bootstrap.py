"""The composition root: builds every adapter and application from the settings, once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.idempotency import IdempotencyStore
from adapters.mailer import FileMailer
from adapters.payments_sandbox import SandboxProvider
from adapters.persistence import event_store_env, view_store
from adapters.ratelimit import RateLimits
from adapters.security.passwords import Argon2idHasher
from adapters.security.tokens import TokenService
from adapters.settings import Settings
from application.accounts import Accounts
from application.sessions import Sessions
from application.shop import Shop
from projections.carts import CartsProjection
from projections.catalog import CatalogProjection
from projections.orders import OrdersProjection, PaymentsProjection
from projections.queries import ReadModels
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from projections.users import UsersProjection


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


def all_projections() -> list[Any]:
    return [UsersProjection(), CatalogProjection(), CartsProjection(), OrdersProjection(),
            PaymentsProjection()]


@dataclass
class Container:
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
    extras: dict[str, Any] = field(default_factory=dict)

    def wait(self, log: str, position: int) -> None:
        self.runner.wait_for(log, position)

    def close(self) -> None:
        self.runner.stop()
        for app in (self.accounts, self.shop):
            app.close()
        self.store.close()


def bootstrap(settings: Settings | None = None, *, start_projections: bool = False) -> Container:
    settings = settings or Settings()
    hasher = Argon2idHasher(settings.argon2_time_cost, settings.argon2_memory_kib,
                            settings.argon2_parallelism)
    accounts = Accounts(hasher, env=event_store_env(settings, "accounts"))
    shop = Shop(env=event_store_env(settings, "shop"))
    store = view_store(settings)
    runner = ProjectionRunner(store, {"accounts": accounts, "shop": shop}, all_projections(),
                              in_process=settings.projections == "in-process")
    runner.setup()
    idempotency = IdempotencyStore(store)
    idempotency.setup()
    tokens = TokenService(_persistent_secret(settings, settings.secret_key, "secret"),
                          settings.access_token_minutes, settings.refresh_token_days)
    mailer = FileMailer(settings.data_dir / "mail")
    container = Container(
        settings=settings, accounts=accounts, shop=shop, store=store, runner=runner,
        read=ReadModels(store), tokens=tokens,
        sessions=Sessions(accounts, tokens, mailer, settings.public_url),
        payments=SandboxProvider(_persistent_secret(settings, settings.payment_secret,
                                                    "payment")),
        rate_limits=RateLimits(settings.rate_limit_failed_logins,
                               settings.rate_limit_registrations,
                               settings.rate_limit_auth_requests,
                               settings.rate_limit_enabled),
        idempotency=idempotency,
    )
    if start_projections and settings.projections == "in-process":
        runner.catch_up()
        runner.start()
    return container
